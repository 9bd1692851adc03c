"""F7 the Norwegian rules per employee: the flat benefit alone, private content under, at
and over 1 000 NOK with and without company cover, an employee paying privately, mid-year
start and end, the deduction treatment, and month-by-month consumption of the allowance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skysentral.domain.invoice_control.tax import (
    FLAT_BENEFIT_MONTH_ORE,
    FLAT_BENEFIT_YEAR_ORE,
    TAX_FREE_CONTENT_YEAR_ORE,
    MonthUse,
    year,
)

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def full_year(**month_fields) -> list[MonthUse]:
    return [MonthUse(m, has_service=True, **month_fields) for m in MONTHS]


@pytest.mark.feature("F7")
def test_a_year_with_a_company_phone_and_no_private_purchases_is_the_flat_benefit_of_4392_nok():
    rows = year(full_year(work_ore=50_000))
    assert rows[-1].year_to_date.benefit_flat_ore == FLAT_BENEFIT_YEAR_ORE == 439_200
    assert all(r.month_figures.benefit_flat_ore == 36_600 for r in rows)
    assert rows[-1].year_to_date.deduction_ore == 0
    assert rows[-1].year_to_date.work_ore == 12 * 50_000


@pytest.mark.feature("F7")
@pytest.mark.parametrize(
    ("content_ore", "benefit_ore", "tax_free_ore"),
    [(99_999, 0, 99_999), (100_000, 0, 100_000), (100_001, 1, 100_000), (250_000, 150_000, 100_000)],
)
def test_covered_private_content_is_tax_free_up_to_1000_nok_a_year_and_a_benefit_beyond(
    content_ore, benefit_ore, tax_free_ore
):
    months = full_year()
    months[5] = MonthUse("2026-06", private_content_ore=content_ore, has_service=True)
    ytd = year(months)[-1].year_to_date
    assert ytd.benefit_content_ore == benefit_ore
    assert ytd.tax_free_content_ore == tax_free_ore
    assert ytd.deduction_ore == 0
    assert ytd.benefit_flat_ore == FLAT_BENEFIT_YEAR_ORE  # the flat benefit comes on top


@pytest.mark.feature("F7")
@pytest.mark.parametrize("content_ore", [99_999, 100_000, 100_001])
def test_private_content_the_company_does_not_cover_is_deducted_in_full(content_ore):
    months = [MonthUse(m, has_service=True, covers_content=False) for m in MONTHS]
    months[2] = MonthUse("2026-03", private_content_ore=content_ore, has_service=True, covers_content=False)
    rows = year(months)
    assert rows[2].month_figures.deduction_ore == content_ore
    assert rows[-1].year_to_date.benefit_content_ore == 0
    assert rows[-1].year_to_date.tax_free_content_ore == 0


@pytest.mark.feature("F7")
def test_the_allowance_is_used_in_month_order_and_the_month_that_crosses_it_carries_the_benefit():
    months = [MonthUse(m, private_content_ore=40_000, has_service=True) for m in MONTHS[:4]]
    rows = year(months)
    assert [r.month_figures.benefit_content_ore for r in rows] == [0, 0, 20_000, 40_000]
    assert [r.month_figures.tax_free_content_ore for r in rows] == [40_000, 40_000, 20_000, 0]
    assert rows[-1].year_to_date.benefit_content_ore == 60_000


@pytest.mark.feature("F7")
def test_what_an_employee_pays_privately_does_not_reduce_the_flat_benefit():
    """A deduction (or a card-paid package, which is no line of the company's) leaves the
    benefit whole: 4 392 NOK whatever the employee pays (Skatte-ABC)."""
    months = full_year(private_other_ore=20_000)
    assert year(months)[-1].year_to_date.benefit_flat_ore == FLAT_BENEFIT_YEAR_ORE


@pytest.mark.feature("F7")
def test_someone_joining_in_june_has_seven_benefit_months_and_the_whole_content_allowance():
    months = [
        MonthUse(m, has_service=m >= "2026-06", private_content_ore=30_000 if m >= "2026-06" else 0) for m in MONTHS
    ]
    ytd = year(months)[-1].year_to_date
    assert ytd.benefit_flat_ore == 7 * FLAT_BENEFIT_MONTH_ORE == 256_200
    assert ytd.tax_free_content_ore == TAX_FREE_CONTENT_YEAR_ORE  # not pro rata
    assert ytd.benefit_content_ore == 7 * 30_000 - TAX_FREE_CONTENT_YEAR_ORE


@pytest.mark.feature("F7")
def test_someone_leaving_in_march_has_three_benefit_months():
    months = [MonthUse(m, has_service=m <= "2026-03") for m in MONTHS]
    assert year(months)[-1].year_to_date.benefit_flat_ore == 3 * 36_600


@pytest.mark.feature("F7")
def test_the_deduction_treatment_has_no_flat_benefit_and_deducts_private_use():
    months = [
        MonthUse(m, private_other_ore=12_500, has_service=True, treatment="deduction", covers_content=False)
        for m in MONTHS
    ]
    ytd = year(months)[-1].year_to_date
    assert ytd.benefit_flat_ore == 0
    assert ytd.deduction_ore == 12 * 12_500


@pytest.mark.feature("F7")
def test_covered_content_beyond_the_allowance_is_deducted_under_the_deduction_treatment():
    rows = year([MonthUse("2026-01", private_content_ore=130_000, has_service=True, treatment="deduction")])
    assert rows[0].month_figures.deduction_ore == 30_000
    assert rows[0].month_figures.benefit_content_ore == 0
    assert rows[0].month_figures.tax_free_content_ore == 100_000


@pytest.mark.feature("F7")
@given(st.lists(st.integers(min_value=0, max_value=80_000), min_size=1, max_size=12))
def test_the_year_to_date_is_the_sum_of_the_months_and_tax_free_plus_benefit_is_all_covered_content(amounts):
    months = [MonthUse(MONTHS[i], private_content_ore=a, has_service=True) for i, a in enumerate(amounts)]
    rows = year(months)
    ytd = rows[-1].year_to_date
    assert ytd.benefit_content_ore == sum(r.month_figures.benefit_content_ore for r in rows)
    assert ytd.tax_free_content_ore + ytd.benefit_content_ore == sum(amounts)
    assert ytd.tax_free_content_ore == min(sum(amounts), TAX_FREE_CONTENT_YEAR_ORE)
