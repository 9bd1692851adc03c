"""F7: the Norwegian rules for one employee's year, month by month (docs/invoice-control.md).

- Flat benefit: 4 392 NOK a year for employer-paid electronic communication (FSFIN
  § 5-12-21), booked 366 NOK for each month with a company-paid subscription (a fee line):
  someone joining in June has 7 months, 2 562 NOK. Only the `benefit` treatment; never
  reduced by what the employee pays privately.
- Private content purchases the company covers: the first 1 000 NOK of the calendar year
  are tax free (not pro rata), what goes beyond is a taxable benefit (`benefit`) or a
  salary deduction (`deduction`). Private content the company does not cover is deducted.
- Other private use: covered by the flat benefit (`benefit`), deducted (`deduction`).
Amounts are integer øre including MVA. The allowance is consumed in month order, so a
late negative correction can give a month a negative figure (it nets what was paid).
"""

from __future__ import annotations

from dataclasses import asdict, astuple, dataclass

from skysentral.domain.invoice_control.policies import BENEFIT, DEDUCTION

FLAT_BENEFIT_YEAR_ORE = 439_200
FLAT_BENEFIT_MONTH_ORE = FLAT_BENEFIT_YEAR_ORE // 12  # 36 600
TAX_FREE_CONTENT_YEAR_ORE = 100_000


@dataclass(frozen=True)
class MonthUse:
    """One employee's month, by effective use (policies + their own reports)."""

    month: str  # YYYY-MM
    private_content_ore: int = 0
    private_other_ore: int = 0
    work_ore: int = 0
    has_service: bool = False  # a company-paid subscription this month
    treatment: str = BENEFIT
    covers_content: bool = True


@dataclass(frozen=True)
class Figures:
    private_ore: int = 0
    work_ore: int = 0
    benefit_flat_ore: int = 0
    benefit_content_ore: int = 0
    tax_free_content_ore: int = 0
    deduction_ore: int = 0

    @property
    def benefit_ore(self) -> int:
        return self.benefit_flat_ore + self.benefit_content_ore

    def plus(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def to_dict(self) -> dict[str, int]:
        return {**asdict(self), "benefit_ore": self.benefit_ore}


@dataclass(frozen=True)
class MonthTax:
    month: str
    month_figures: Figures
    year_to_date: Figures


def year(months: list[MonthUse]) -> list[MonthTax]:
    """The figures of each month of one employee's year, in month order, with the year to
    date after each (`months` from one calendar year; missing months count as empty)."""
    out: list[MonthTax] = []
    ytd = Figures()
    covered_ytd = 0  # private content the company covered so far this year
    for m in sorted(months, key=lambda m: m.month):
        flat = FLAT_BENEFIT_MONTH_ORE if m.has_service and m.treatment == BENEFIT else 0
        deduction = m.private_other_ore if m.treatment == DEDUCTION else 0
        beyond = tax_free = 0
        if m.covers_content:
            before = max(0, covered_ytd - TAX_FREE_CONTENT_YEAR_ORE)
            covered_ytd += m.private_content_ore
            beyond = max(0, covered_ytd - TAX_FREE_CONTENT_YEAR_ORE) - before
            tax_free = m.private_content_ore - beyond
        else:
            deduction += m.private_content_ore
        content_benefit = beyond if m.treatment == BENEFIT else 0
        if m.treatment == DEDUCTION:
            deduction += beyond
        figures = Figures(
            private_ore=m.private_content_ore + m.private_other_ore,
            work_ore=m.work_ore,
            benefit_flat_ore=flat,
            benefit_content_ore=content_benefit,
            tax_free_content_ore=tax_free,
            deduction_ore=deduction,
        )
        ytd = ytd.plus(figures)
        out.append(MonthTax(m.month, figures, ytd))
    return out
