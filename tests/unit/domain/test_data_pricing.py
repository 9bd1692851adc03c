"""Defect 7, F3, D5: priced data is charged per started KB in EU/EEA zones (the EU roaming
regulation's unit) and per started MB elsewhere, each record rounded up to whole øre."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skysentral.domain.balances import AddOns, UsageRecord, apply_usage, new_balance
from skysentral.domain.balances.data_pricing import data_price_ore
from skysentral.domain.catalogue import GIB, MIB, PLANS

B6 = PLANS["BEDRIFT_6"]  # includes NO only: EU_EEA 2,00 kr per MB, US 10,00 kr per MB
JAN = datetime(2026, 1, 10, 12, tzinfo=UTC)


def roaming_cost_ore(n_bytes: int, zone: str) -> int:
    _, outcome = apply_usage(
        new_balance(B6, "2026-01"), B6, AddOns(), UsageRecord("r1", "data", n_bytes, JAN, zone=zone)
    )
    return outcome.cost_ore


@pytest.mark.feature("D5", "F3")
def test_f3_one_byte_in_the_us_costs_a_started_mb():
    assert roaming_cost_ore(1, "US") == B6.data_ore_per_mb["US"] == 1000


@pytest.mark.feature("D5", "F3")
def test_f3_one_byte_in_the_eu_costs_a_started_kb_rounded_up_to_whole_ore():
    assert B6.data_ore_per_mb["EU_EEA"] == 200  # 1 KB = 200/1024 øre
    assert roaming_cost_ore(1, "EU_EEA") == 1


@pytest.mark.feature("D5", "F3")
def test_f3_1536_bytes_in_the_eu_cost_two_started_kb():
    assert data_price_ore(1536, "EU_EEA", 2048) == 4  # 2 KB at 2 øre per KB; by the byte it would be 3
    assert roaming_cost_ore(1536, "EU_EEA") == roaming_cost_ore(2048, "EU_EEA") == 1


@pytest.mark.feature("D5", "F3")
def test_f3_the_started_kb_is_charged_not_the_bytes():
    """25.5 KB at 2,00 kr per MB: 26 started KB cost 5.08 øre, so 6 øre (by the byte: 4.98, so 5)."""
    assert roaming_cost_ore(25 * 1024 + 512, "EU_EEA") == 6
    assert roaming_cost_ore(25 * 1024, "EU_EEA") == 5


@pytest.mark.feature("D5", "F3")
def test_f3_whole_mb_in_the_eu_cost_exactly_the_mb_price():
    assert roaming_cost_ore(3 * MIB, "EU_EEA") == 600


@pytest.mark.feature("D5", "F3")
@pytest.mark.parametrize(
    "zone, unit",
    [("NO", 1024), ("NORDIC", 1024), ("EU_EEA", 1024), ("CH", MIB), ("US", MIB), ("WORLD", MIB), ("REST", MIB)],
)
def test_f3_each_zone_charges_per_its_started_unit(zone, unit):
    ore_per_mb = 1024 * 1024  # 1 øre per byte, so the price shows the unit
    assert data_price_ore(1, zone, ore_per_mb) == unit
    assert data_price_ore(unit + 1, zone, ore_per_mb) == 2 * unit


@pytest.mark.feature("D1", "D5", "F3")
def test_d1_d5_overage_in_norway_is_charged_per_started_kb():
    b5 = PLANS["BEDRIFT_5"]
    balance, _ = apply_usage(new_balance(b5, "2026-01"), b5, AddOns(), UsageRecord("r1", "data", 5 * GIB, JAN))
    _, outcome = apply_usage(balance, b5, AddOns(), UsageRecord("r2", "data", 1, JAN))
    assert outcome.drawn == [("overage", 1)] and outcome.cost_ore == 1  # 100/1024 øre, rounded up
