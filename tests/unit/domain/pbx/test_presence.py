"""A7, C3: availability from the app or the calendar, and where it sends a person's calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.presence import (
    Availability,
    CalendarEntry,
    destination_for_person,
    effective_availability,
    next_calendar_entry,
)
from skysentral.domain.pbx.routing_plan import Destination, RoutingPlan
from tests.unit.domain.pbx.plans import example_plan

PLAN = RoutingPlan.from_dict(example_plan())
AT = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def entry(start_h, end_h, show_as, subject="Meeting"):
    return CalendarEntry(subject, AT.replace(hour=start_h), AT.replace(hour=end_h), show_as)


@pytest.mark.feature("A7")
@pytest.mark.parametrize(
    "show_as, state",
    [
        ("busy", "in_meeting"),
        ("tentative", "in_meeting"),
        ("oof", "away"),
        ("free", "available"),
        ("workingElsewhere", "available"),
    ],
)
def test_a_calendar_entry_now_sets_the_availability(show_as, state):
    got = effective_availability(None, [entry(9, 11, show_as, "Board")], AT)
    assert (got.state, got.source) == (state, "calendar")
    assert got.until == "2026-03-30T11:00:00+00:00" and got.note == "Board"


@pytest.mark.feature("A7")
def test_without_a_setting_or_entry_the_person_is_available():
    assert effective_availability(None, [entry(8, 10, "busy"), entry(11, 12, "oof")], AT) == Availability(
        "available", "default"
    )


@pytest.mark.feature("A7")
def test_the_strongest_of_overlapping_entries_wins():
    got = effective_availability(None, [entry(9, 11, "tentative"), entry(8, 17, "oof", "Holiday")], AT)
    assert (got.state, got.note) == ("away", "Holiday")


@pytest.mark.feature("A7", "C3")
def test_a_manual_setting_wins_until_it_expires():
    manual = Availability("busy", "app", "2026-03-30T12:00:00+02:00")  # 10:00 UTC
    meeting = [entry(9, 11, "busy")]
    assert effective_availability(manual, meeting, AT.replace(minute=0, hour=9)) == manual
    assert effective_availability(manual, meeting, AT).state == "in_meeting"  # expired at 10:00 UTC
    forever = Availability("available", "app")
    assert effective_availability(forever, meeting, AT) == forever


@pytest.mark.feature("C3")
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"state": "lunch"}, "'lunch' is not an availability state"),
        ({"state": "busy", "source": "phone"}, "'phone' is not an availability source"),
        ({"state": "busy", "until": "tomorrow"}, "'tomorrow' is not a time"),
        ({"state": "busy", "until": "2026-03-30T12:00:00"}, "must carry its time zone"),
    ],
)
def test_invalid_availability_is_rejected(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        Availability(**kwargs)


@pytest.mark.feature("A7")
def test_next_calendar_entry_is_the_first_to_start_later():
    later, latest = entry(14, 15, "busy", "Review"), entry(16, 17, "busy")
    assert next_calendar_entry([latest, entry(9, 11, "busy"), later], AT) == later
    assert next_calendar_entry([entry(9, 11, "busy")], AT) is None


@pytest.mark.feature("A7")
def test_graph_events_become_calendar_entries():
    event = {
        "subject": "Kundemøte",
        "start": {"dateTime": "2026-03-30T08:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-30T09:30:00.0000000", "timeZone": "Europe/Oslo"},
        "showAs": "tentative",
    }
    got = CalendarEntry.from_graph(event)
    assert got == CalendarEntry(
        "Kundemøte", datetime(2026, 3, 30, 8, tzinfo=UTC), datetime(2026, 3, 30, 7, 30, tzinfo=UTC), "tentative"
    )
    with pytest.raises(InvalidInput, match="not an IANA zone"):
        CalendarEntry.from_graph(
            {**event, "end": {"dateTime": "2026-03-30T09:30:00", "timeZone": "W. Europe Standard Time"}}
        )


@pytest.mark.feature("A7")
@pytest.mark.parametrize(
    "state, expected",
    [
        ("available", Destination("person", "e2")),
        ("busy", Destination("voicemail", "e2")),  # the plan's voicemail without target: e2's own
        ("in_meeting", Destination("switchboard")),
        ("away", Destination("voicemail", "e2")),
        ("off_work", Destination("voicemail", "e2")),
    ],
)
def test_each_state_routes_the_persons_calls_by_the_plan(state, expected):
    assert destination_for_person(PLAN, "e2", state) == expected


@pytest.mark.feature("A7")
@pytest.mark.parametrize(
    "state, expected",
    [
        ("busy", Destination("voicemail", "e2")),
        ("in_meeting", Destination("switchboard")),
        ("away", Destination("voicemail", "e2")),
        ("off_work", Destination("voicemail", "e2")),
    ],
)
def test_defaults_without_presence_routing(state, expected):
    assert destination_for_person(replace(PLAN, presence_routing={}), "e2", state) == expected


@pytest.mark.feature("A7")
def test_in_a_meeting_goes_to_voicemail_when_the_company_has_no_switchboard():
    plan = replace(PLAN, presence_routing={}, switchboard=None)
    assert destination_for_person(plan, "e2", "in_meeting") == Destination("voicemail", "e2")


@pytest.mark.feature("A7")
def test_a_person_destination_never_sends_the_call_back_to_the_same_person():
    plan = replace(
        PLAN, presence_routing={"busy": Destination("person", "e4"), "away": Destination("queue", "support")}
    )
    assert destination_for_person(plan, "e2", "busy") == Destination("person", "e4")  # a colleague answers
    assert destination_for_person(plan, "e4", "busy") == Destination("voicemail", "e4")  # not e4 itself
    assert destination_for_person(plan, "e4", "away") == Destination("queue", "support")


@pytest.mark.feature("A7")
def test_an_unknown_state_is_refused():
    with pytest.raises(InvalidInput, match="'lunch' is not an availability state"):
        destination_for_person(PLAN, "e2", "lunch")
