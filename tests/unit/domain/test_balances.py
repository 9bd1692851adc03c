"""The data balance stack of one subscription (D1, D2, D3, D4, D5, D6, D7, D9), one rule per test."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from skysentral.api.http import http_status_of
from skysentral.domain.balances import (
    AddOns,
    UsageRecord,
    apply_usage,
    buy_package,
    close_month,
    dashboard,
    enable_rollover,
    enable_rollover_allowed,
    lift_roaming_block,
    new_balance,
    remaining_included_bytes,
)
from skysentral.domain.calendar import month_end_utc, month_of, month_start_utc, next_month, prev_month
from skysentral.domain.catalogue import GIB, MIB, ORE_PER_EUR, PLANS, PricePlan
from skysentral.domain.errors import DomainError, InvalidUsageRecord, RolloverNotAllowed, UnknownProduct
from skysentral.store.balance_format import balance_from_item, balance_to_item
from skysentral.texts.alert_texts import render_alert

UTC = UTC
B5, B6, B10, B20 = PLANS["BEDRIFT_5"], PLANS["BEDRIFT_6"], PLANS["BEDRIFT_10"], PLANS["BEDRIFT_20"]
FRI10 = PLANS["FRI_BRUK_10"]
PLAIN = AddOns()
ROLLOVER = AddOns(rollover=True)
DK = AddOns(datakontroll=True)


def at(day: int, hour: int = 12, month: str = "2026-01") -> datetime:
    year, mon = int(month[:4]), int(month[5:])
    return datetime(year, mon, day, hour, tzinfo=UTC)


_seq = iter(range(10**9))


def data(n_bytes: int, when: datetime, zone: str = "NO", record_id: str | None = None) -> UsageRecord:
    return UsageRecord(record_id or f"r{next(_seq)}", "data", n_bytes, when, zone=zone)


def use(balance, plan, addons, n_bytes, when, zone="NO"):
    return apply_usage(balance, plan, addons, data(n_bytes, when, zone))


def kinds(outcome) -> list[str]:
    return [a.kind for a in outcome.alerts]


# --- calendar (D9) -------------------------------------------------------------------


@pytest.mark.feature("D9")
def test_record_at_2330_utc_on_31_october_is_november_usage():
    assert month_of(datetime(2026, 10, 31, 23, 30, tzinfo=UTC)) == "2026-11"


@pytest.mark.feature("D9")
def test_record_at_2230_utc_on_31_july_is_august_usage_in_summer_time():
    assert month_of(datetime(2026, 7, 31, 22, 30, tzinfo=UTC)) == "2026-08"
    assert month_of(datetime(2026, 7, 31, 21, 59, tzinfo=UTC)) == "2026-07"


@pytest.mark.feature("D9")
def test_month_boundaries_follow_oslo_daylight_saving():
    assert month_start_utc("2026-03") == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # winter time
    assert month_start_utc("2026-04") == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # summer time
    assert month_end_utc("2026-10") == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # back to winter
    assert month_end_utc("2026-12") == month_start_utc("2027-01")


@pytest.mark.feature("D9")
def test_next_and_previous_month_cross_the_year():
    assert next_month("2026-12") == "2027-01"
    assert prev_month("2026-01") == "2025-12"


@pytest.mark.feature("D9")
def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError):
        month_of(datetime(2026, 1, 1))
    with pytest.raises(InvalidUsageRecord):
        apply_usage(new_balance(B6, "2026-01"), B6, PLAIN, data(1, datetime(2026, 1, 2)))


# --- D1 package ------------------------------------------------------------------------


@pytest.mark.feature("D1")
def test_included_zone_data_draws_from_the_month_package():
    balance, outcome = use(new_balance(B6, "2026-01"), B6, PLAIN, 2 * GIB, at(5))
    assert balance.package_used_bytes == 2 * GIB
    assert outcome.drawn == [("package", 2 * GIB)]
    assert outcome.status == "applied" and outcome.cost_ore == 0 and outcome.month == "2026-01"


@pytest.mark.feature("D1", "F3")
def test_fri_bruk_includes_eu_data_but_bedrift_prices_it():
    fri, fri_out = use(new_balance(FRI10, "2026-01"), FRI10, PLAIN, MIB, at(5), zone="EU_EEA")
    assert fri.package_used_bytes == MIB and fri_out.cost_ore == 0
    bed, bed_out = use(new_balance(B6, "2026-01"), B6, PLAIN, MIB, at(5), zone="EU_EEA")
    assert bed.package_used_bytes == 0 and bed_out.cost_ore == B6.data_ore_per_mb["EU_EEA"]
    assert bed.roaming_spent_ore == bed.costs_ore == bed_out.cost_ore


def test_apply_usage_never_mutates_its_input():
    before = new_balance(B6, "2026-01")
    before, _ = buy_package(before, "EXTRA_1GB", "x1", at(2))
    snapshot = balance_to_item(before)
    apply_usage(before, B6, AddOns(datakontroll=True, topup_product="EXTRA_1GB"), data(20 * GIB, at(5)))
    assert balance_to_item(before) == snapshot


@pytest.mark.feature("D1", "D5", "F3")
def test_overage_in_norway_without_datakontroll_is_priced_per_started_kb():
    """D1, D5, defect 7: Norway is in the EEA, so overage there is charged per started KB."""
    balance = new_balance(B5, "2026-01")
    balance, _ = use(balance, B5, PLAIN, 5 * GIB, at(5))
    balance, outcome = use(balance, B5, PLAIN, MIB + 1, at(6))
    assert outcome.drawn == [("overage", MIB + 1)]
    assert outcome.cost_ore == -(-1025 * B5.overage_ore_per_mb // 1024)  # 1025 started KB: 101 øre
    assert balance.costs_ore == outcome.cost_ore


@pytest.mark.feature("D1")
def test_fri_bruk_overage_is_throttled_without_cost():
    balance, _ = use(new_balance(FRI10, "2026-01"), FRI10, PLAIN, 10 * GIB, at(5))
    balance, outcome = use(balance, FRI10, PLAIN, 3 * GIB, at(6))
    assert outcome.counted_bytes == 3 * GIB and outcome.cost_ore == 0


# --- D2 rollover -----------------------------------------------------------------------


@pytest.mark.feature("D2", "D9")
def test_six_gb_plan_using_two_gb_in_january_has_four_gb_rollover_in_february_expiring_end_of_february():
    balance, _ = use(new_balance(B6, "2026-01"), B6, ROLLOVER, 2 * GIB, at(10))
    feb = close_month(balance, B6, ROLLOVER, "2026-02")
    assert feb.rollover_bytes == feb.rollover_granted_bytes == 4 * GIB
    assert feb.rollover_from_month == "2026-01"
    view = dashboard(feb, B6, ROLLOVER)
    assert view["data"]["rollover_expires_at"] == "2026-02-28T23:00:00Z"  # 00:00 Oslo on 1 March
    assert view["data"]["remaining_bytes"] == 10 * GIB
    march = close_month(feb, B6, ROLLOVER, "2026-03")
    assert march.rollover_bytes == 6 * GIB  # February's package unused; January's rollover expired


@pytest.mark.feature("D2")
def test_rollover_is_capped_at_monthly_package():
    # GIVEN a month that started with 6 GB rollover and used nothing
    feb = close_month(new_balance(B6, "2026-01"), B6, ROLLOVER, "2026-02")
    assert feb.rollover_bytes == 6 * GIB
    # WHEN it closes THEN at most one monthly package is carried, not 12 GB
    assert close_month(feb, B6, ROLLOVER, "2026-03").rollover_bytes == 6 * GIB


@pytest.mark.feature("D2")
def test_rollover_is_capped_at_a_smaller_new_plan():
    jan = new_balance(B20, "2026-01")
    assert close_month(jan, B10, ROLLOVER, "2026-02").rollover_bytes == 10 * GIB


@pytest.mark.feature("D2", "D7")
def test_package_is_used_before_rollover_and_rollover_start_is_alerted_once():
    feb = close_month(use(new_balance(B6, "2026-01"), B6, ROLLOVER, 2 * GIB, at(10))[0], B6, ROLLOVER, "2026-02")
    feb, first = use(feb, B6, ROLLOVER, 6 * GIB + MIB, at(3, month="2026-02"))
    assert first.drawn == [("package", 6 * GIB), ("rollover", MIB)]
    assert "rollover_started" in kinds(first)
    feb, second = use(feb, B6, ROLLOVER, MIB, at(4, month="2026-02"))
    assert second.drawn == [("rollover", MIB)] and second.alerts == []
    assert feb.rollover_bytes == 4 * GIB - 2 * MIB


@pytest.mark.feature("D2", "D3")
def test_only_included_package_data_rolls_over_never_extras():
    jan, _ = buy_package(new_balance(B6, "2026-01"), "EXTRA_5GB", "x1", at(2))
    jan, _ = use(jan, B6, ROLLOVER, 6 * GIB + GIB, at(5))  # extra activated, 4 GB left in it
    feb = close_month(jan, B6, ROLLOVER, "2026-02")
    assert feb.rollover_bytes == 0 and feb.extras == []


@pytest.mark.feature("D2")
def test_no_rollover_without_the_add_on_or_below_six_gb():
    assert close_month(new_balance(B6, "2026-01"), B6, PLAIN, "2026-02").rollover_bytes == 0
    assert close_month(new_balance(B5, "2026-01"), B5, ROLLOVER, "2026-02").rollover_bytes == 0


@pytest.mark.feature("D2", "E3")
def test_enabling_rollover_on_a_five_gb_package_is_refused():
    assert not enable_rollover_allowed(B5) and enable_rollover_allowed(B6)
    with pytest.raises(RolloverNotAllowed) as refused:
        enable_rollover(PLAIN, B5)
    assert http_status_of(refused.value) == 422 and refused.value.code == "rollover_not_allowed"
    assert enable_rollover(PLAIN, B6).rollover is True


# --- D3 extra packages -----------------------------------------------------------------


@pytest.mark.feature("D3")
def test_extra_bought_while_data_is_left_waits_in_line():
    balance, alerts = buy_package(new_balance(B6, "2026-01"), "EXTRA_1GB", "x1", at(2))
    assert balance.extras[0].status == "queued" and alerts == []
    assert remaining_included_bytes(balance) == 7 * GIB


@pytest.mark.feature("D2", "D3")
def test_extra_bought_while_only_rollover_is_left_waits_in_line():
    feb = close_month(new_balance(B6, "2026-01"), B6, ROLLOVER, "2026-02")
    feb, _ = use(feb, B6, ROLLOVER, 6 * GIB, at(2, month="2026-02"))
    feb, alerts = buy_package(feb, "EXTRA_1GB", "x1", at(3, month="2026-02"))
    assert feb.extras[0].status == "queued" and alerts == []


@pytest.mark.feature("D3", "D9")
def test_buying_for_a_month_the_balance_has_not_reached_asks_for_a_close_first():
    with pytest.raises(DomainError) as refused:
        buy_package(new_balance(B6, "2026-01"), "EXTRA_1GB", "x1", at(1, month="2026-02"))
    assert http_status_of(refused.value) == 409


@pytest.mark.feature("D3", "D7")
def test_queued_extra_activates_when_data_before_it_is_used():
    balance, _ = buy_package(new_balance(B6, "2026-01"), "EXTRA_1GB", "x1", at(2))
    balance, outcome = use(balance, B6, PLAIN, 6 * GIB + MIB, at(5))
    assert outcome.drawn == [("package", 6 * GIB), ("extra:x1", MIB)]
    assert balance.extras[0].status == "active" and balance.extras[0].activated_month == "2026-01"
    assert kinds(outcome) == ["package_100", "extra_activated"]
    assert outcome.alerts[1].key == "2026-01:extra_activated:x1"


@pytest.mark.feature("D3", "D7")
def test_queued_extra_activates_the_moment_the_package_hits_exactly_zero():
    balance, _ = buy_package(new_balance(B6, "2026-01"), "EXTRA_1GB", "x1", at(2))
    balance, outcome = use(balance, B6, PLAIN, 6 * GIB, at(5))
    assert balance.extras[0].status == "active" and balance.extras[0].remaining_bytes == GIB
    assert "extra_activated" in kinds(outcome)


@pytest.mark.feature("D3")
def test_extras_are_used_in_the_order_they_were_bought():
    balance = new_balance(B6, "2026-01")
    balance, _ = buy_package(balance, "EXTRA_5GB", "first", at(2))
    balance, _ = buy_package(balance, "EXTRA_1GB", "second", at(3))
    balance, outcome = use(balance, B6, PLAIN, 6 * GIB + 5 * GIB + MIB, at(5))
    assert [name for name, _ in outcome.drawn] == ["package", "extra:first", "extra:second"]


@pytest.mark.feature("D3", "D9")
def test_active_extra_expires_at_the_end_of_the_month_it_activated_in():
    balance, _ = buy_package(new_balance(B6, "2026-01"), "EXTRA_5GB", "x1", at(2))
    balance, _ = use(balance, B6, PLAIN, 7 * GIB, at(5))
    assert dashboard(balance, B6, PLAIN)["data"]["extra_packages"][0]["expires_at"] == "2026-01-31T23:00:00Z"
    assert close_month(balance, B6, PLAIN, "2026-02").extras == []


@pytest.mark.feature("D3", "D9")
def test_queued_extra_stays_queued_into_new_month():
    balance, _ = buy_package(new_balance(B6, "2026-01"), "EXTRA_1GB", "x1", at(30))
    feb = close_month(balance, B6, PLAIN, "2026-02")
    assert [(e.id, e.status, e.remaining_bytes) for e in feb.extras] == [("x1", "queued", GIB)]
    feb, outcome = use(feb, B6, PLAIN, 6 * GIB + 1, at(10, month="2026-02"))
    assert feb.extras[0].activated_month == "2026-02" and outcome.drawn[-1] == ("extra:x1", 1)


@pytest.mark.feature("D3", "D5", "D7")
def test_extra_bought_with_nothing_left_is_active_at_once_and_lifts_the_datakontroll_block():
    balance, outcome = use(new_balance(B6, "2026-01"), B6, DK, 7 * GIB, at(5))
    assert balance.data_blocked and outcome.refused_bytes == GIB
    balance, alerts = buy_package(balance, "EXTRA_1GB", "x1", at(6))
    assert not balance.data_blocked and balance.extras[0].status == "active"
    assert [a.kind for a in alerts] == ["extra_activated"]
    balance, outcome = use(balance, B6, DK, MIB, at(7))
    assert outcome.drawn == [("extra:x1", MIB)]


@pytest.mark.feature("D3")
def test_buying_the_same_package_twice_changes_nothing():
    once, _ = buy_package(new_balance(B6, "2026-01"), "EXTRA_1GB", "x1", at(2))
    twice, alerts = buy_package(once, "EXTRA_1GB", "x1", at(2))
    assert twice == once and alerts == []


@pytest.mark.feature("D3")
def test_unknown_product_is_refused():
    with pytest.raises(UnknownProduct) as refused:
        buy_package(new_balance(B6, "2026-01"), "EXTRA_2GB", "x1", at(2))
    assert http_status_of(refused.value) == 400


# --- D4 automatic top-up ---------------------------------------------------------------


@pytest.mark.feature("D4", "D7", "D9")
def test_topup_repeats_within_month_and_is_gone_next_month():
    topup = AddOns(topup_product="EXTRA_1GB")
    balance, outcome = use(new_balance(B6, "2026-01"), B6, topup, 6 * GIB + GIB + MIB, at(5))
    assert [e.id for e in balance.extras] == [
        f"topup-{outcome.record_id}-1",
        f"topup-{outcome.record_id}-2",
    ]
    assert all(e.is_topup and e.status == "active" for e in balance.extras)
    assert outcome.cost_ore == balance.costs_ore == 2 * 9900
    assert kinds(outcome).count("topup_activated") == 2
    feb = close_month(balance, B6, topup, "2026-02")
    assert feb.extras == [] and feb.package_bytes == 6 * GIB and feb.costs_ore == 0


@pytest.mark.feature("D4", "D5")
def test_topup_applies_before_datakontroll_blocks():
    addons = AddOns(datakontroll=True, topup_product="EXTRA_5GB")
    balance, outcome = use(new_balance(B6, "2026-01"), B6, addons, 7 * GIB, at(5))
    assert outcome.status == "applied" and not balance.data_blocked
    assert balance.extras[0].remaining_bytes == 4 * GIB


@pytest.mark.feature("D4")
def test_replaying_a_record_gives_identical_topup_ids():
    topup = AddOns(topup_product="EXTRA_1GB")
    record = data(7 * GIB, at(5), record_id="cdr-42")
    first = apply_usage(new_balance(B6, "2026-01"), B6, topup, record)
    second = apply_usage(new_balance(B6, "2026-01"), B6, topup, record)
    assert first == second and first[0].extras[0].id == "topup-cdr-42-1"


# --- D5 Datakontroll ---------------------------------------------------------------------


@pytest.mark.feature("D5", "D7")
def test_datakontroll_splits_record_crossing_zero():
    balance, _ = use(new_balance(B6, "2026-01"), B6, DK, 6 * GIB - 100, at(5))
    balance, outcome = use(balance, B6, DK, 300, at(6))
    assert (outcome.counted_bytes, outcome.refused_bytes, outcome.status) == (100, 200, "partial")
    assert balance.data_blocked and remaining_included_bytes(balance) == 0
    assert outcome.cost_ore == 0 and "data_blocked" in kinds(outcome)


@pytest.mark.feature("D5", "D7")
def test_record_while_data_is_blocked_is_refused_entirely():
    balance, _ = use(new_balance(B6, "2026-01"), B6, DK, 7 * GIB, at(5))
    balance, outcome = use(balance, B6, DK, MIB, at(6))
    assert (outcome.counted_bytes, outcome.refused_bytes, outcome.status) == (0, MIB, "refused")
    assert outcome.alerts == []  # data_blocked was already sent this month
    assert dashboard(balance, B6, DK)["data"]["block_reason"] == "datakontroll"


@pytest.mark.feature("D5", "D9")
def test_datakontroll_block_is_lifted_at_the_new_month():
    balance, _ = use(new_balance(B6, "2026-01"), B6, DK, 7 * GIB, at(5))
    balance, outcome = use(balance, B6, DK, MIB, at(1, month="2026-02"))
    assert not balance.data_blocked and outcome.drawn == [("package", MIB)]


# --- D5 Datakontroll Utland and D6 surf ----------------------------------------------------


def roaming_bytes_for(amount_ore: int, plan: PricePlan, zone: str) -> int:
    """Whole MB (US data is charged per started MB) costing at least `amount_ore`."""
    return -(-amount_ore // plan.data_ore_per_mb[zone]) * MIB


@pytest.mark.feature("D5", "D7")
def test_roaming_is_blocked_after_the_record_reaching_50_eur_and_alerted_at_80_and_100_percent():
    limit_ore = 5000 * ORE_PER_EUR // 100  # 585,00 kr
    balance = new_balance(B6, "2026-01")
    balance, first = use(balance, B6, DK, 47 * MIB, at(5), "US")  # 470 kr >= 80 % of 585 kr
    assert first.cost_ore == 47 * 1000 >= limit_ore * 8 // 10
    assert kinds(first) == ["roaming_80"] and not balance.roaming_blocked
    balance, crossing = use(balance, B6, DK, 12 * MIB, at(6), "US")  # 590 kr in all
    assert crossing.status == "applied" and crossing.cost_ore == 12 * 1000  # counted in full
    assert balance.roaming_blocked and kinds(crossing) == ["roaming_100"]
    assert crossing.alerts[0].params["blocked"] is True
    balance, blocked = use(balance, B6, DK, MIB, at(7), "US")
    assert blocked.status == "refused" and blocked.cost_ore == 0
    assert dashboard(balance, B6, DK)["roaming"] == {
        "spent_eur_cents": 59000 * 100 // ORE_PER_EUR,
        "limit_eur_cents": 5000,
        "blocked": True,
        "surf_packages": [],
    }


@pytest.mark.feature("D5")
def test_roaming_limit_compares_exactly_in_integers():
    just_below = new_balance(B6, "2026-01")
    just_below.roaming_spent_ore = 58499  # one øre below 50 EUR at 11,70
    b, _ = use(just_below, B6, DK, 0, at(5), "EU_EEA")
    assert not b.roaming_blocked
    b, _ = use(just_below, B6, DK, 1, at(5), "EU_EEA")  # 1 byte: a started KB, 200/1024 øre, rounded up to 1 øre
    assert b.roaming_spent_ore == 58500 and b.roaming_blocked


@pytest.mark.feature("D5")
def test_company_lifting_the_roaming_block_stops_re_blocking_this_month():
    balance = new_balance(B6, "2026-01")
    balance, _ = use(balance, B6, DK, 60 * MIB, at(5), "US")  # 600 kr
    assert balance.roaming_blocked
    balance = lift_roaming_block(balance)
    balance, outcome = use(balance, B6, DK, 10 * MIB, at(6), "US")
    assert outcome.status == "applied" and not balance.roaming_blocked
    feb, _ = use(balance, B6, DK, 60 * MIB, at(1, month="2026-02"), "US")
    assert feb.roaming_blocked  # a new month blocks again


@pytest.mark.feature("D5")
def test_without_datakontroll_there_is_no_roaming_limit():
    balance, outcome = use(new_balance(B6, "2026-01"), B6, PLAIN, 100 * MIB, at(5), "US")
    assert not balance.roaming_blocked and outcome.alerts == []
    assert dashboard(balance, B6, PLAIN)["roaming"]["limit_eur_cents"] is None


@pytest.mark.feature("D6")
def test_surf_package_is_drawn_before_roaming_is_priced():
    balance, _ = buy_package(new_balance(B6, "2026-01"), "SURF_EU_600MB", "s1", at(2))
    balance, outcome = use(balance, B6, PLAIN, 601 * MIB, at(5), "EU_EEA")
    assert outcome.drawn == [("surf:s1", 600 * MIB), ("priced", MIB)]
    assert outcome.cost_ore == B6.data_ore_per_mb["EU_EEA"]


@pytest.mark.feature("D6")
def test_surf_package_only_covers_its_zones():
    balance, _ = buy_package(new_balance(B6, "2026-01"), "SURF_WORLD_300MB", "s1", at(2))
    balance, outcome = use(balance, B6, PLAIN, MIB, at(5), "US")
    assert outcome.drawn == [("priced", MIB)] and balance.surf[0].remaining_bytes == 300 * MIB


@pytest.mark.feature("D6")
def test_surf_package_is_valid_for_30_days_from_activation():
    bought = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 Oslo, winter time
    balance, _ = buy_package(new_balance(B6, "2026-03"), "SURF_EU_600MB", "s1", bought)
    surf = balance.surf[0]
    # 30 Oslo days later, 10:00 summer time = 08:00 UTC
    assert surf.expires_at == datetime(2026, 4, 9, 8, 0, tzinfo=UTC)
    before = datetime(2026, 3, 10, 8, 59, tzinfo=UTC)
    _, early = use(balance, B6, PLAIN, MIB, before, "CH")
    assert early.drawn == [("priced", MIB)]
    april = close_month(balance, B6, PLAIN, "2026-04")
    _, inside = use(april, B6, PLAIN, MIB, surf.expires_at - timedelta(seconds=1), "CH")
    assert inside.drawn == [("surf:s1", MIB)]
    _, after = use(april, B6, PLAIN, MIB, surf.expires_at, "CH")
    assert after.drawn == [("priced", MIB)]


@pytest.mark.feature("D6")
def test_oldest_expiring_surf_package_is_used_first():
    balance = new_balance(B6, "2026-01")
    balance, _ = buy_package(balance, "SURF_EU_600MB", "later", at(10))
    balance, _ = buy_package(balance, "SURF_EU_600MB", "sooner", at(3))
    _, outcome = use(balance, B6, PLAIN, MIB, at(12), "US")
    assert outcome.drawn == [("surf:sooner", MIB)]


@pytest.mark.feature("D5", "D6")
def test_surf_still_draws_while_roaming_is_blocked():
    balance = new_balance(B6, "2026-01")
    balance, _ = use(balance, B6, DK, 60 * MIB, at(5), "US")
    balance, _ = buy_package(balance, "SURF_EU_600MB", "s1", at(6))
    _, outcome = use(balance, B6, DK, 601 * MIB, at(7), "US")
    assert outcome.drawn == [("surf:s1", 600 * MIB)] and outcome.refused_bytes == MIB


# --- D7 alerts ---------------------------------------------------------------------------


@pytest.mark.feature("D7")
def test_alert_sent_once_per_threshold_per_month():
    balance, first = use(new_balance(B10, "2026-01"), B10, PLAIN, 8 * GIB, at(5))
    assert [a.key for a in first.alerts] == ["2026-01:package_80"]
    balance, again = use(balance, B10, PLAIN, MIB, at(6))
    assert again.alerts == []
    balance, full = use(balance, B10, PLAIN, 2 * GIB, at(7))
    assert [a.key for a in full.alerts] == ["2026-01:package_100"]
    _feb, next_month_alert = use(balance, B10, PLAIN, 9 * GIB, at(1, month="2026-02"))
    assert [a.key for a in next_month_alert.alerts] == ["2026-02:package_80"]


@pytest.mark.feature("D7")
def test_jumping_past_80_and_100_percent_at_once_sends_only_the_100_percent_alert():
    balance, outcome = use(new_balance(B10, "2026-01"), B10, PLAIN, 10 * GIB, at(5))
    assert kinds(outcome) == ["package_100"]
    _, later = use(balance, B10, PLAIN, MIB, at(6))
    assert later.alerts == [] and "2026-01:package_80" in balance.alerts_sent


@pytest.mark.feature("D7")
def test_replayed_state_does_not_resend_alerts():
    balance, _ = use(new_balance(B10, "2026-01"), B10, PLAIN, 8 * GIB, at(5))
    stored = balance_from_item(json.loads(json.dumps(balance_to_item(balance))))
    _, outcome = use(stored, B10, PLAIN, 100, at(6))
    assert outcome.alerts == []


@pytest.mark.feature("D7")
@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_alert_renders_a_short_text_with_what_to_do(language):
    addons = AddOns(rollover=True, datakontroll=True)
    balance = close_month(new_balance(B6, "2026-01"), B6, addons, "2026-02")
    balance, _ = buy_package(balance, "EXTRA_1GB", "x1", at(1, month="2026-02"))
    balance, filling = use(balance, B6, addons, 5 * GIB, at(2, month="2026-02"))
    balance, emptying = use(balance, B6, addons, 20 * GIB, at(3, month="2026-02"))
    _, topped = use(new_balance(B6, "2026-02"), B6, AddOns(topup_product="EXTRA_5GB"), 7 * GIB, at(3, month="2026-02"))
    roaming_80_bytes = roaming_bytes_for(46800, B6, "US")  # 80 % of 585,00 kr
    roam, r80 = use(new_balance(B6, "2026-02"), B6, addons, roaming_80_bytes, at(3, month="2026-02"), "US")
    _, r100 = use(roam, B6, addons, 20 * MIB, at(4, month="2026-02"), "US")
    alerts = filling.alerts + emptying.alerts + topped.alerts + r80.alerts + r100.alerts
    assert sorted({a.kind for a in alerts}) == sorted(
        {
            "package_80",
            "package_100",
            "rollover_started",
            "extra_activated",
            "data_blocked",
            "topup_activated",
            "roaming_80",
            "roaming_100",
        }
    )
    for alert in alerts:
        text = render_alert(alert, language)
        assert 20 < len(text) < 300
    blocked = render_alert(next(a for a in alerts if a.kind == "data_blocked"), language)
    assert "DATA 1" in blocked and "2000" in blocked
    topup_text = render_alert(next(a for a in alerts if a.kind == "topup_activated"), language)
    assert "5 GB" in topup_text and "199,00 kr" in topup_text


# --- D9 month close and late records -----------------------------------------------------


@pytest.mark.feature("D4", "D5", "D9")
def test_close_resets_the_month():
    addons = AddOns(datakontroll=True, topup_product="EXTRA_1GB")
    jan = new_balance(B6, "2026-01")
    jan, _ = use(jan, B6, addons, 8 * GIB, at(5))
    jan, _ = use(jan, B6, addons, 100 * MIB, at(6), "US")
    feb = close_month(jan, B6, addons, "2026-02")
    assert (feb.month, feb.package_used_bytes, feb.roaming_spent_ore, feb.costs_ore) == ("2026-02", 0, 0, 0)
    assert not feb.roaming_blocked and not feb.data_blocked and feb.alerts_sent == set()


@pytest.mark.feature("D9")
def test_close_is_idempotent():
    jan, _ = use(new_balance(B6, "2026-01"), B6, ROLLOVER, 2 * GIB, at(10))
    once = close_month(jan, B6, ROLLOVER, "2026-02")
    assert close_month(once, B6, ROLLOVER, "2026-02") is once
    assert close_month(once, B6, ROLLOVER, "2026-01") is once


@pytest.mark.feature("D2", "D9")
def test_lazy_close_by_a_record_then_scheduled_close_changes_nothing():
    jan, _ = use(new_balance(B6, "2026-01"), B6, ROLLOVER, 2 * GIB, at(10))
    feb, outcome = use(jan, B6, ROLLOVER, MIB, datetime(2026, 1, 31, 23, 5, tzinfo=UTC))
    assert feb.month == "2026-02" and outcome.month == "2026-02"
    assert close_month(feb, B6, ROLLOVER, "2026-02") is feb
    assert feb.rollover_bytes == 4 * GIB


@pytest.mark.feature("D2", "D9")
def test_closing_several_months_at_once_equals_closing_one_by_one():
    jan, _ = use(new_balance(B6, "2026-01"), B6, ROLLOVER, 2 * GIB, at(10))
    stepwise = jan
    for month in ("2026-02", "2026-03", "2026-04"):
        stepwise = close_month(stepwise, B6, ROLLOVER, month)
    assert close_month(jan, B6, ROLLOVER, "2026-04") == stepwise
    assert stepwise.rollover_bytes == 6 * GIB and stepwise.rollover_from_month == "2026-03"


@pytest.mark.feature("D2", "D9")
def test_late_record_reduces_rollover_its_month_produced():
    jan, _ = use(new_balance(B6, "2026-01"), B6, ROLLOVER, 2 * GIB, at(10))
    feb = close_month(jan, B6, ROLLOVER, "2026-02")
    feb, outcome = use(feb, B6, ROLLOVER, GIB, at(31, month="2026-01"))
    assert outcome.late and outcome.month == "2026-01"
    assert outcome.drawn == [("rollover", GIB)]
    assert feb.rollover_bytes == 3 * GIB and feb.package_used_bytes == 0
    assert outcome.alerts == []


@pytest.mark.feature("D2", "D9")
def test_late_record_beyond_its_rollover_draws_from_the_current_month():
    jan, _ = use(new_balance(B6, "2026-01"), B6, ROLLOVER, 5 * GIB, at(10))
    feb = close_month(jan, B6, ROLLOVER, "2026-02")
    feb, outcome = use(feb, B6, ROLLOVER, 2 * GIB, at(31, month="2026-01"))
    assert outcome.drawn == [("rollover", GIB), ("package", GIB)]
    assert feb.rollover_bytes == 0 and feb.package_used_bytes == GIB


@pytest.mark.feature("D5", "D9")
def test_late_roaming_record_is_priced_in_its_own_month_only():
    feb = close_month(new_balance(B6, "2026-01"), B6, DK, "2026-02")
    feb, outcome = use(feb, B6, DK, 100 * MIB, at(31, month="2026-01"), "US")
    assert outcome.late and outcome.month == "2026-01" and outcome.cost_ore == 100 * 1000
    assert feb.costs_ore == 0 and feb.roaming_spent_ore == 0 and not feb.roaming_blocked


@pytest.mark.feature("D5", "D9")
def test_late_roaming_record_is_not_refused_by_this_months_roaming_block():
    feb = close_month(new_balance(B6, "2026-01"), B6, DK, "2026-02")
    feb, _ = use(feb, B6, DK, 60 * MIB, at(1, month="2026-02"), "US")
    assert feb.roaming_blocked
    _, outcome = use(feb, B6, DK, MIB, at(31, month="2026-01"), "US")
    assert outcome.status == "applied" and outcome.cost_ore == 1000


@pytest.mark.feature("D6", "D9")
def test_late_record_draws_from_the_surf_package_valid_when_it_was_used():
    # GIVEN a surf package that expired on 31 January, before the month closed
    jan, _ = buy_package(new_balance(B6, "2026-01"), "SURF_EU_600MB", "s1", datetime(2026, 1, 1, 9, tzinfo=UTC))
    assert jan.surf[0].expires_at < month_end_utc("2026-01")
    feb = close_month(jan, B6, PLAIN, "2026-02")
    # WHEN a record from 30 January arrives after the close
    feb, outcome = use(feb, B6, PLAIN, MIB, datetime(2026, 1, 30, 12, tzinfo=UTC), "EU_EEA")
    # THEN it draws from the surf package, as if it had arrived in time
    assert outcome.drawn == [("surf:s1", MIB)] and outcome.cost_ore == 0
    assert dashboard(feb, B6, PLAIN)["roaming"]["surf_packages"] == []  # expired: not shown
    assert close_month(feb, B6, PLAIN, "2026-03").surf == []


@pytest.mark.feature("D9")
def test_record_older_than_the_closed_month_changes_no_balance():
    march = close_month(new_balance(B6, "2026-01"), B6, ROLLOVER, "2026-03")
    after, outcome = use(march, B6, ROLLOVER, GIB, at(20, month="2026-01"))
    assert after == march and outcome.late and outcome.month == "2026-01" and outcome.status == "applied"


# --- voice, sms, content ---------------------------------------------------------------------


@pytest.mark.feature("F3")
def test_voice_is_priced_per_started_minute_and_sms_per_message():
    balance = new_balance(B6, "2026-01")
    balance, call = apply_usage(balance, B6, PLAIN, UsageRecord("v1", "voice", 61, at(5), zone="US"))
    balance, sms = apply_usage(balance, B6, PLAIN, UsageRecord("s1", "sms", 3, at(5), zone="EU_EEA"))
    balance, content = apply_usage(balance, B6, PLAIN, UsageRecord("c1", "content", 1, at(5), amount_ore=4900))
    assert (call.cost_ore, sms.cost_ore, content.cost_ore) == (2 * 500, 3 * 50, 4900)
    assert balance.costs_ore == 1000 + 150 + 4900 and balance.package_used_bytes == 0


def test_invalid_records_are_refused_with_a_domain_error():
    balance = new_balance(B6, "2026-01")
    for bad in (
        UsageRecord("x", "fax", 1, at(5)),
        UsageRecord("x", "data", -1, at(5)),
        UsageRecord("x", "data", 1, at(5), zone="MARS"),
    ):
        with pytest.raises(InvalidUsageRecord) as refused:
            apply_usage(balance, B6, PLAIN, bad)
        assert isinstance(refused.value, DomainError) and http_status_of(refused.value) == 400


# --- storage shapes ----------------------------------------------------------------------------


def test_balance_round_trips_through_json():
    addons = AddOns(rollover=True, datakontroll=True, topup_product="EXTRA_1GB")
    balance = close_month(new_balance(B6, "2026-01"), B6, addons, "2026-02")
    balance, _ = buy_package(balance, "EXTRA_5GB", "x1", at(1, month="2026-02"))
    balance, _ = buy_package(balance, "SURF_EU_600MB", "s1", at(1, month="2026-02"))
    balance, _ = use(balance, B6, addons, 20 * GIB, at(2, month="2026-02"))
    balance, _ = use(balance, B6, addons, 700 * MIB, at(3, month="2026-02"), "US")
    stored = json.dumps(balance_to_item(balance))
    assert balance_from_item(json.loads(stored)) == balance
    assert len(stored) < 2000


def test_price_plan_round_trips_through_json():
    for plan in PLANS.values():
        assert PricePlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


@pytest.mark.feature("C8", "D3")
def test_extra_packages_wait_in_the_order_they_were_bought_even_when_added_out_of_order():
    """D3 with card payments: the order bought first may be paid (and added) last."""
    from datetime import datetime

    from skysentral.domain.balances import buy_package, new_balance
    from skysentral.domain.catalogue import PLANS

    balance = new_balance(PLANS["BEDRIFT_10"], "2026-11")
    balance, _ = buy_package(balance, "EXTRA_5GB", "second", datetime(2026, 11, 5, 12, 1, tzinfo=UTC))
    balance, _ = buy_package(balance, "EXTRA_1GB", "first", datetime(2026, 11, 5, 12, 0, tzinfo=UTC))
    assert [e.id for e in balance.extras] == ["first", "second"]
    assert {e.status for e in balance.extras} == {"queued"}
