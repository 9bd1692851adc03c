"""F3 rating rules: charging increments, connect fee, peak/off-peak across DST, destination
classes (premium, international), content, fees pro rata, MVA rounding."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skysentral.domain import rating
from skysentral.domain.balances import AddOns, UsageRecord
from skysentral.domain.catalogue import PLANS
from skysentral.domain.organisation import Subscription
from skysentral.domain.rating import PeakHours, VoicePrice

BEDRIFT = rating.STANDARD_TARIFFS["BEDRIFT_10"]
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def call(to: str, seconds: int, at: str = "2026-11-03T10:00:00+01:00", zone: str = "NO") -> UsageRecord:
    return UsageRecord("r1", "voice", seconds, datetime.fromisoformat(at), zone, 0, "NO", to)


@pytest.mark.feature("F3")
@pytest.mark.parametrize(("seconds", "charged"), [(0, 0), (1, 60), (60, 60), (61, 61), (125, 125)])
def test_sixty_one_increments_charge_the_first_minute_then_per_second(seconds, charged):
    assert rating.charged_seconds(seconds, 60, 1) == charged


@pytest.mark.feature("F3")
def test_per_started_minute_and_per_second_increments():
    assert rating.charged_seconds(61, 60, 60) == 120
    assert rating.charged_seconds(61, 1, 1) == 61


@pytest.mark.feature("F3")
def test_call_to_sweden_costs_149_ore_a_minute_from_the_first_minute_then_per_second():
    assert rating.rate(call("+46701234567", 30), BEDRIFT).amount_ore == 149  # the first 60 s
    assert rating.rate(call("+46701234567", 90), BEDRIFT).amount_ore == 224  # 90 s * 149/60 = 223.5, rounded up


@pytest.mark.feature("F3")
def test_premium_820_number_has_a_connect_fee_and_per_second_price():
    r = rating.rate(call("+4782012345", 10), BEDRIFT)
    assert r.destination_class == "NO_PREMIUM"
    assert r.amount_ore == 100 + 165  # connect + ceil(10 * 990 / 60)
    assert r.tariff["connect_ore"] == 100 and r.tariff["increments"] == [1, 1]


@pytest.mark.feature("F3")
def test_unanswered_call_costs_nothing_not_even_the_connect_fee():
    assert rating.rate(call("+4782912345", 0), BEDRIFT).amount_ore == 0


@pytest.mark.feature("F3")
@pytest.mark.parametrize(
    ("number", "cls"),
    [
        ("+4791234567", "NO_MOBILE"),
        ("+4722123456", "NO_FIXED"),
        ("+4780012345", "NO_TOLL_FREE"),
        ("+4781012345", "NO_SHARED_COST"),
        ("+4782912345", "NO_PREMIUM"),
        ("1881", "NO_SHORT"),
        ("+4535123456", "INTL_NORDIC"),
        ("+4930123456", "INTL_EU_EEA"),
        ("+12025550123", "INTL_OTHER"),
        ("not a number", "INTL_OTHER"),
    ],
)
def test_destination_classes(number, cls):
    assert rating.destination_class(number) == cls


@pytest.mark.feature("F3")
def test_domestic_mobile_calls_are_in_the_monthly_fee():
    assert rating.rate(call("+4791234567", 600), BEDRIFT).amount_ore == 0


@pytest.mark.feature("F3", "D6")
def test_roaming_call_is_priced_by_the_zone_per_started_minute_whatever_the_destination():
    r = rating.rate(call("+4791234567", 61, zone="US"), BEDRIFT)
    assert r.amount_ore == 2 * 500 and r.tariff["rule"] == "roaming_voice"


def _peak_tariff():
    voice = dict(BEDRIFT.voice)
    voice["NO_MOBILE"] = VoicePrice(ore_per_min=60, off_peak_ore_per_min=30)
    return replace(BEDRIFT, voice=voice, peak=PeakHours((0, 1, 2, 3, 4), 8, 17))


@pytest.mark.feature("F3")
@pytest.mark.parametrize(
    ("at_utc", "period", "amount"),
    [
        ("2026-03-27T07:30:00Z", "peak", 60),  # Friday 08:30 CET (UTC+1)
        ("2026-03-27T06:30:00Z", "off_peak", 30),  # Friday 07:30 CET
        ("2026-03-30T06:30:00Z", "peak", 60),  # Monday 08:30 CEST (UTC+2), after the DST change
        ("2026-03-30T15:30:00Z", "off_peak", 30),  # Monday 17:30 CEST
        ("2026-10-26T07:30:00Z", "peak", 60),  # Monday 08:30 CET again
        ("2026-03-28T12:00:00Z", "off_peak", 30),  # Saturday
    ],
)
def test_peak_and_off_peak_by_oslo_time_across_daylight_saving(at_utc, period, amount):
    r = rating.rate(call("+4791234567", 60, at=at_utc.replace("Z", "+00:00")), _peak_tariff())
    assert (r.tariff["period"], r.amount_ore) == (period, amount)


@pytest.mark.feature("F3")
def test_sms_mms_and_content():
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    sms = UsageRecord("s", "sms", 3, at, "NO", 0, "NO", "+4930123456")
    mms = UsageRecord("m", "mms", 1, at, "NORDIC", 0, "SE", "+4791234567")
    content = UsageRecord("c", "content", 1, at, "NO", 4900, "NO", None)
    assert rating.rate(sms, BEDRIFT).amount_ore == 3 * 99
    assert rating.rate(mms, BEDRIFT).amount_ore == 2 * 50  # abroad: two SMS of the zone
    assert rating.rate(content, BEDRIFT).amount_ore == 4900


@pytest.mark.feature("F3", "D5")
def test_data_keeps_the_balance_steps_price():
    rec = UsageRecord("d", "data", 5 * 1024**2, datetime(2026, 11, 3, tzinfo=UTC), "US", 0, "US", None)
    assert rating.rate(rec, BEDRIFT, data_cost_ore=5000).amount_ore == 5000


@pytest.mark.feature("F3")
@given(
    st.integers(0, 20_000),
    st.integers(0, 20_000),
    st.integers(0, 1000),
    st.integers(0, 10_000),
    st.integers(1, 120),
    st.integers(1, 120),
)
def test_amount_is_monotonic_in_duration_and_never_negative(a, b, connect, per_min, first, then):
    price = VoicePrice(connect, per_min, None, first, then)
    short, long = sorted((a, b))
    assert 0 <= rating.voice_amount_ore(short, price) <= rating.voice_amount_ore(long, price)


@pytest.mark.feature("F3")
@pytest.mark.parametrize(("amount", "vat"), [(100, 25), (2, 1), (1, 0), (-2, -1), (6, 2), (39900, 9975)])
def test_line_mva_is_25_percent_rounded_half_away_from_zero(amount, vat):
    assert rating.line_vat_ore(amount) == vat


@pytest.mark.feature("F3", "F4")
def test_invoice_mva_is_computed_on_the_total_not_summed_per_line():
    lines = [2] * 10  # each line's MVA 0.5 -> 1 øre; on the total 20 * 25 % = 5
    assert sum(rating.line_vat_ore(a) for a in lines) == 10
    assert rating.invoice_vat_ore(sum(lines)) == 5


@pytest.mark.feature("F3")
def test_a_correction_version_supersedes_the_one_it_corrects():
    v2 = replace(BEDRIFT, version=2)
    at = datetime(2026, 11, 3, tzinfo=UTC)
    assert rating.applicable([BEDRIFT, v2], at).version == 2
    later = replace(BEDRIFT, version=3, valid_from=datetime(2026, 12, 1, tzinfo=UTC))
    assert rating.applicable([BEDRIFT, v2, later], at).version == 2


@pytest.mark.feature("F3")
def test_tariff_round_trips_through_its_stored_form():
    t = _peak_tariff()
    assert rating.Tariff.from_dict(t.to_dict()) == t


def _fees(sub, **kw):
    owner = rating.LineOwner("c1", sub.subscription_id, sub.msisdn, sub.department_id, "e1")
    return rating.fee_lines(owner, PLANS["BEDRIFT_10"], 1, sub, "2026-11", rated_at=NOW, **kw)


@pytest.mark.feature("F3", "E3")
def test_fee_lines_of_a_whole_month_plan_and_priced_add_ons():
    sub = Subscription(
        "s1", "+4748000001", "dep-1", "BEDRIFT_10", "e1", add_ons=AddOns(rollover=True), twin_sim_iccid="8947"
    )
    lines = _fees(sub)
    assert {(x.line_id, x.amount_ore) for x in lines} == {
        ("fee#s1#2026-11#PLAN", 39900),
        ("fee#s1#2026-11#TWIN_SIM", 4900),
    }  # Data Rollover costs 0: no line


@pytest.mark.feature("F3")
def test_fee_lines_pro_rata_for_a_subscription_that_started_mid_month():
    sub = Subscription("s1", "+4748000001", "dep-1", "BEDRIFT_10", "e1")
    (line,) = _fees(sub, active_from=date(2026, 11, 16))  # 15 of 30 days
    assert line.amount_ore == 19950 and line.quantity == 15
    assert _fees(sub, active_until=date(2026, 10, 31)) == []
