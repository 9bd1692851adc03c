"""F9 what an export pays: due year to date minus what sent exports paid, positive parts
only, one entry per employee and wage type with the company's codes; an employee without a
payroll number stops the export with their name."""

from __future__ import annotations

import pytest

from skysentral.domain.invoice_control import payroll
from skysentral.domain.invoice_control.tax import Figures
from tests.unit.domain.test_invoice_control_policies import settings

pytestmark = pytest.mark.feature("F9")


def test_what_is_outstanding_is_due_minus_paid_and_an_overpayment_is_no_entry():
    due = {"e-1": Figures(benefit_flat_ore=73_200, deduction_ore=500), "e-2": Figures(deduction_ore=100)}
    paid = {"e-1": {"benefit_flat": 36_600, "deduction": 700}, "e-2": {"deduction": 100}}
    assert payroll.outstanding(due, paid) == {"e-1": {"benefit_flat": 36_600}}


def test_entries_carry_the_companys_wage_types_and_payroll_numbers():
    s = settings(employees={"e-1": {"payroll_number": "1001"}, "e-2": {"payroll_number": "27"}})
    amounts = payroll.add({"e-1": {"benefit_flat": 36_600}}, {"e-1": {"benefit_flat": 1}, "e-2": {"deduction": 280}})
    entries = payroll.entries(s, "2026-11", amounts, {"e-1": "dep-a", "e-2": "dep-b"})
    assert [(e.payroll_number, e.wage_type, e.amount_ore, e.department) for e in entries] == [
        ("1001", "5210", 36_601, "dep-a"),
        ("27", "7100", 280, "dep-b"),
    ]
    assert entries[0].text == "Elektronisk kommunikasjon 2026-11"


def test_an_employee_without_a_payroll_number_is_named():
    with pytest.raises(payroll.PayrollNumberMissing) as caught:
        payroll.entries(settings(employees={}), "2026-11", {"e-7": {"deduction": 1}}, {})
    assert caught.value.problems == [{"path": "employees.e-7.payroll_number", "message": "missing"}]
