"""F9: a month's payroll entries: what is due year to date minus what sent exports paid,
per employee and wage type, so a line (or an employee's report) that arrives after a month
was sent is paid in the next export, never twice and never lost. A negative difference (a
correction that lowered what was already paid) is not an entry: it nets against what falls
due later. What the previous year still owes after its last export (a December line that
came in January) is carried into the first exports of the new year."""

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


def outstanding(due: Mapping[str, Figures], paid: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Per employee and wage-type key: what is due (year to date) minus what sent exports
    paid of that year, where positive."""
    out: dict[str, dict[str, int]] = {}
    for employee_id, ytd in due.items():
        for key, owed in due_by_key(ytd).items():
            amount = owed - paid.get(employee_id, {}).get(key, 0)
            if amount > 0:
                out.setdefault(employee_id, {})[key] = amount
    return out


def add(a: Mapping[str, Mapping[str, int]], b: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    out = {e: dict(v) for e, v in a.items()}
    for e, by_key in b.items():
        for key, amount in by_key.items():
            out.setdefault(e, {})[key] = out.get(e, {}).get(key, 0) + amount
    return out


def entries(
    settings: PolicySet, period: str, amounts: Mapping[str, Mapping[str, int]], departments: Mapping[str, str]
) -> list[PayrollEntry]:
    """The file's entries: one per employee and wage type with an amount to pay."""
    out: list[PayrollEntry] = []
    missing = sorted(e for e in amounts if settings.payroll_number(e) is None)
    if missing:
        raise PayrollNumberMissing(missing)
    for employee_id, by_key in sorted(amounts.items()):
        for key, amount in sorted(by_key.items()):
            out.append(
                PayrollEntry(
                    payroll_number=settings.payroll_number(employee_id) or "",
                    wage_type=settings.payroll.wage_types[key],
                    amount_ore=amount,
                    department=departments.get(employee_id, ""),
                    text=f"{TEXTS[key]} {period}",
                )
            )
    return out
