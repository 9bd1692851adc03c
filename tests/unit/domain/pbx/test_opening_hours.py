"""A6: time-based routing in Europe/Oslo: weekly hours across the daylight-saving changes,
Norwegian public holidays and dated exceptions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.opening_hours import entry_destination, holiday_name
from skysentral.domain.pbx.routing_plan import Destination, RoutingPlan
from tests.unit.domain.pbx.plans import example_plan

PLAN = RoutingPlan.from_dict(example_plan())
OPEN = Destination("menu", "main")
CLOSED = Destination("voicemail", "")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def plan_with(**changes) -> RoutingPlan:
    return replace(PLAN, entry_holiday=Destination("queue", "switchboard"), **changes)


@pytest.mark.feature("A6")
@pytest.mark.parametrize(
    "at, expected",
    [
        # Monday after the March change (2026-03-29): Oslo is UTC+2, 08:00 local = 06:00Z
        ("2026-03-30T05:59:00", "closed"),
        ("2026-03-30T06:00:00", "open"),
        ("2026-03-30T13:59:00", "open"),
        ("2026-03-30T14:00:00", "closed"),
        # the Friday before it: UTC+1, 08:00 local = 07:00Z; lunch closed 11:30-12:00
        ("2026-03-27T06:59:00", "closed"),
        ("2026-03-27T07:00:00", "open"),
        ("2026-03-27T10:30:00", "closed"),
        ("2026-03-27T11:00:00", "open"),
        # Monday after the October change (2026-10-25): UTC+1 again, 08:00 local = 07:00Z
        ("2026-10-26T06:59:00", "closed"),
        ("2026-10-26T07:00:00", "open"),
        ("2026-10-26T14:59:00", "open"),
        ("2026-10-26T15:00:00", "closed"),
        # the Friday before it: still UTC+2
        ("2026-10-23T05:59:00", "closed"),
        ("2026-10-23T06:00:00", "open"),
    ],
)
def test_weekly_hours_follow_oslo_wall_clock_across_dst_changes(at, expected):
    destination, why = entry_destination(PLAN, utc(at))
    assert (destination, why) == ((OPEN, "open") if expected == "open" else (CLOSED, "closed"))


@pytest.mark.feature("A6")
@pytest.mark.parametrize(
    "at, expected",
    [
        # 2026-03-29: 02:00-03:00 does not exist; hours 01:00-04:00 local
        ("2026-03-29T00:30:00", "open"),  # 01:30 CET
        ("2026-03-29T01:00:00", "open"),  # 03:00 CEST (clocks jumped)
        ("2026-03-29T01:59:00", "open"),  # 03:59 CEST
        ("2026-03-29T02:00:00", "closed"),  # 04:00 CEST: three wall-clock hours, two real ones
        ("2026-03-28T23:59:00", "closed"),  # 00:59 CET
        # 2026-10-25: 02:00-03:00 happens twice; hours 01:00-04:00 local
        ("2026-10-24T23:00:00", "open"),  # 01:00 CEST
        ("2026-10-25T00:30:00", "open"),  # 02:30 CEST
        ("2026-10-25T01:30:00", "open"),  # 02:30 CET, the second time
        ("2026-10-25T02:59:00", "open"),  # 03:59 CET: four real hours
        ("2026-10-25T03:00:00", "closed"),  # 04:00 CET
    ],
)
def test_hours_spanning_the_change_are_wall_clock_hours(at, expected):
    plan = plan_with(opening_hours={"sun": (("01:00", "04:00"),)})
    assert entry_destination(plan, utc(at))[1] == expected


@pytest.mark.feature("A6")
def test_easter_monday_uses_the_holiday_routing():
    plan = plan_with()
    # 10:00 in Oslo on Monday 2026-04-06 (a weekday with hours 08-16)
    assert entry_destination(plan, utc("2026-04-06T08:00:00")) == (
        Destination("queue", "switchboard"),
        "holiday:Easter Monday",
    )
    # the Tuesday after is an ordinary working day
    assert entry_destination(plan, utc("2026-04-07T08:00:00")) == (OPEN, "open")


@pytest.mark.feature("A6")
@pytest.mark.parametrize(
    "at, name",
    [
        ("2027-05-17T08:00:00", "Constitution Day; Pentecost Monday"),  # both in 2027
        ("2029-05-17T08:00:00", "Constitution Day"),  # a Thursday in 2029
        ("2026-05-17T08:00:00", "Constitution Day"),  # a Sunday in 2026
        ("2026-04-02T08:00:00", "Maundy Thursday"),
        ("2026-05-14T08:00:00", "Ascension Day"),
        ("2026-05-25T08:00:00", "Pentecost Monday"),
        ("2026-12-25T08:00:00", "Christmas Day"),
    ],
)
def test_norwegian_public_holidays_are_closed(at, name):
    destination, why = entry_destination(PLAN, utc(at))
    assert why == f"holiday:{name}"
    assert destination == CLOSED  # no holiday entry in the plan: as closed


@pytest.mark.feature("A6")
def test_a_plain_sunday_is_not_a_holiday():
    assert holiday_name(datetime(2026, 3, 1).date()) is None
    assert entry_destination(PLAN, utc("2026-03-01T10:00:00")) == (CLOSED, "closed")


@pytest.mark.feature("A6")
def test_a_company_that_works_on_holidays_follows_its_weekly_hours():
    plan = plan_with(holidays_closed=False)
    assert entry_destination(plan, utc("2026-04-06T08:00:00")) == (OPEN, "open")


@pytest.mark.feature("A6")
@pytest.mark.parametrize(
    "at, expected",
    [
        ("2026-12-24T07:59:00", (CLOSED, "exception:Christmas Eve")),  # 08:59 local: opens 09:00
        ("2026-12-24T08:00:00", (OPEN, "exception:Christmas Eve")),  # 09:00 local
        ("2026-12-24T10:59:00", (OPEN, "exception:Christmas Eve")),
        ("2026-12-24T11:00:00", (CLOSED, "exception:Christmas Eve")),  # 12:00 local
        ("2026-06-12T08:00:00", (Destination("external", "+4791000001"), "exception:Summer party")),
    ],
)
def test_dated_exceptions_replace_the_weekday(at, expected):
    assert entry_destination(PLAN, utc(at)) == expected


@pytest.mark.feature("A6")
def test_an_exception_wins_over_a_holiday():
    plan = RoutingPlan.from_dict(
        {
            **example_plan(),
            "exceptions": [{"date": "2026-05-14", "closed": False, "hours": [["10:00", "14:00"]], "note": ""}],
        }
    )
    assert entry_destination(plan, utc("2026-05-14T09:00:00")) == (OPEN, "exception:2026-05-14")


@pytest.mark.feature("A6")
def test_a_time_without_zone_is_rejected():
    with pytest.raises(InvalidInput, match="time zone"):
        entry_destination(PLAN, datetime(2026, 3, 30, 8, 0))
