"""F9: a month's payroll entries: what is due year to date minus what sent exports paid,
per employee and wage type, so a line that arrives after a month was sent is paid in the
next export, never twice and never lost. A negative difference (a correction that lowered
what was already paid) is not an entry: it nets against what falls due later."""

from __future__ import annotations

from collections.abc import Mapping

from skysentral.documents.payroll_entries import PayrollEntry
from skysentral.domain.errors import Unprocessable
from skysentral.domain.invoice_control.policies import PolicySet
from skysentral.domain.invoice_control.tax import Figures

# which figure each configured wage type carries
FIGURE_OF = {"benefit_flat": "benefit_flat_ore", "benefit_content": "benefit_content_ore", "deduction": "deduction_ore"}
TEXTS = {
    "benefit_flat": "Elektronisk kommunikasjon",
    "benefit_content": "Innholdstjenester over 1000 kr",
    "deduction": "Trekk privat bruk mobil",
}


class PayrollNumberMissing(Unprocessable):
    code = "payroll_number_missing"

    def __init__(self, employee_ids: list[str]) -> None:
        super().__init__(
            f"{len(employee_ids)} employee(s) with amounts to pay have no payroll number: set "
            "`employees.<id>.payroll_number` in the invoice-control settings."
        )
        self.problems = [{"path": f"employees.{e}.payroll_number", "message": "missing"} for e in employee_ids]


def due_by_key(ytd: Figures) -> dict[str, int]:
    return {key: getattr(ytd, figure) for key, figure in FIGURE_OF.items()}


def entries(
    settings: PolicySet,
    period: str,
    due: Mapping[str, Figures],
    paid: Mapping[str, Mapping[str, int]],
    departments: Mapping[str, str],
) -> tuple[list[PayrollEntry], dict[str, dict[str, int]]]:
    """The entries of `period` (employee id -> year-to-date figures in `due`; `paid`:
    employee id -> wage-type key -> øre paid by sent exports this year), and what each
    employee is paid by them (the amounts to record when the export is sent)."""
    out: list[PayrollEntry] = []
    amounts: dict[str, dict[str, int]] = {}
    missing: list[str] = []
    for employee_id, ytd in sorted(due.items()):
        for key, owed in due_by_key(ytd).items():
            amount = owed - paid.get(employee_id, {}).get(key, 0)
            if amount <= 0:
                continue
            number = settings.payroll_number(employee_id)
            if number is None:
                missing.append(employee_id)
                continue
            amounts.setdefault(employee_id, {})[key] = amount
            out.append(
                PayrollEntry(
                    payroll_number=number,
                    wage_type=settings.payroll.wage_types[key],
                    amount_ore=amount,
                    department=departments.get(employee_id, ""),
                    text=f"{TEXTS[key]} {period}",
                )
            )
    if missing:
        raise PayrollNumberMissing(sorted(set(missing)))
    return out, amounts
