"""F1: the dashboard's month series and its sums, without the cloud."""

from __future__ import annotations

import pytest

from skysentral.services.cost_dashboard import KINDS, accrued, months_back, trend


@pytest.mark.feature("F1")
def test_thirteen_months_back_cross_the_new_year_oldest_first():
    months = months_back("2026-02")
    assert len(months) == 13 and months[0] == "2025-02" and months[-1] == "2026-02"
    assert months[10:] == ["2025-12", "2026-01", "2026-02"]


@pytest.mark.feature("F1")
def test_the_trend_sums_scopes_fills_gaps_with_zeros_and_ignores_months_outside():
    rows = [
        {"month": "2026-11", "kind": "voice", "amount_ore": 224, "mva_ore": 56, "quantity": 90, "lines": 1},
        {"month": "2026-11", "kind": "voice", "amount_ore": 100, "mva_ore": 25, "quantity": 60, "lines": 1},
        {"month": "2026-11", "kind": "fee", "amount_ore": -50, "mva_ore": -13, "quantity": 1, "lines": 1},
        {"month": "2025-10", "kind": "sms", "amount_ore": 99, "mva_ore": 25, "quantity": 1, "lines": 1},
    ]
    series = trend(rows, months_back("2026-11"))
    assert [r["month"] for r in series][:2] == ["2025-11", "2025-12"]
    assert all(set(r["by_kind"]) == set(KINDS) for r in series)
    assert sum(r["net_ore"] for r in series) == 274  # 2025-10 is outside the 13 months
    nov = series[-1]
    assert nov["by_kind"]["voice"] == {"amount_ore": 324, "mva_ore": 81, "quantity": 150, "lines": 2}
    # the MVA of the month is computed on the total, as the invoice does (not the lines' sum)
    assert accrued(nov)["vat_ore"] == 69 and accrued(nov)["total_ore"] == 274 + 69
