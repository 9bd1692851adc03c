"""A7, C3: a person's availability (set in the app or taken from their Microsoft 365
calendar) and where it sends their calls.

- A manual setting (app or switchboard, C3) wins until its `until`; without `until` it
  stands until changed.
- Otherwise a calendar entry happening now decides: busy or tentative → in_meeting,
  oof → away, free or workingElsewhere → available (Microsoft Graph's showAs values).
  When entries overlap, the strongest wins (oof, busy, tentative, workingElsewhere, free).
- Otherwise the person is available.

`destination_for_person` applies the company's presence routing: an available person
rings; otherwise `plan.presence_routing[state]`, or by default busy/away/off_work → the
person's voicemail and in_meeting → the switchboard (voicemail when the plan has none).
A voicemail destination without a target means the called person's own voicemail here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.routing_plan import AVAILABILITY_STATES, Destination, RoutingPlan

SOURCES = ("app", "calendar", "default")
SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere")
_STATE_OF_SHOW_AS = {
    "oof": "away",
    "busy": "in_meeting",
    "tentative": "in_meeting",
    "workingElsewhere": "available",
    "free": "available",
}
_STRENGTH = {s: i for i, s in enumerate(("free", "workingElsewhere", "tentative", "busy", "oof"))}


@dataclass(frozen=True)
class Availability:
    """A7: state (AVAILABILITY_STATES), where it came from, until when (ISO 8601 with
    offset, or None), and a note (e.g. the meeting's subject)."""

    state: str
    source: str = "app"
    until: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.state not in AVAILABILITY_STATES:
            raise InvalidInput(f"{self.state!r} is not an availability state ({', '.join(AVAILABILITY_STATES)}).")
        if self.source not in SOURCES:
            raise InvalidInput(f"{self.source!r} is not an availability source ({', '.join(SOURCES)}).")
        if self.until is not None:
            _aware(self.until, "until")

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "source": self.source, "until": self.until, "note": self.note}


@dataclass(frozen=True)
class CalendarEntry:
    """One event of the person's calendar, as Microsoft Graph returns it (start, end aware)."""

    subject: str
    start: datetime
    end: datetime
    show_as: str

    @classmethod
    def from_graph(cls, event: dict[str, Any]) -> CalendarEntry:
        """From a Graph event (`subject`, `start`/`end` {dateTime, timeZone}, `showAs`)."""
        show_as = event.get("showAs", "busy")
        if show_as not in SHOW_AS:  # Graph's "unknown": treat as a meeting, the cautious reading
            show_as = "busy"
        return cls(event.get("subject") or "", _graph_time(event["start"]), _graph_time(event["end"]), show_as)


def effective_availability(
    manual: Availability | None, calendar_entries: Iterable[CalendarEntry], at: datetime
) -> Availability:
    """A7/C3: the availability in force at `at` (aware)."""
    if manual is not None and (manual.until is None or at < _aware(manual.until, "until")):
        return manual
    now = [e for e in calendar_entries if e.start <= at < e.end]
    if now:
        entry = max(now, key=lambda e: _STRENGTH.get(e.show_as, _STRENGTH["busy"]))
        state = _STATE_OF_SHOW_AS.get(entry.show_as, "in_meeting")
        return Availability(state, "calendar", entry.end.isoformat(), entry.subject)
    return Availability("available", "default")


def next_calendar_entry(entries: Iterable[CalendarEntry], at: datetime) -> CalendarEntry | None:
    """The first entry that starts after `at` (e.g. for "in a meeting from 14:00"), or None."""
    later = [e for e in entries if e.start > at]
    return min(later, key=lambda e: e.start) if later else None


def destination_for_person(plan: RoutingPlan, employee_id: str, state: str) -> Destination:
    """A7: where a call to `employee_id` goes while they are in `state`."""
    if state not in AVAILABILITY_STATES:
        raise InvalidInput(f"{state!r} is not an availability state ({', '.join(AVAILABILITY_STATES)}).")
    own_voicemail = Destination("voicemail", employee_id)
    if state == "available":
        return Destination("person", employee_id)
    chosen = plan.presence_routing.get(state)
    if chosen is not None and not (chosen.kind == "person" and chosen.target == employee_id):
        if chosen.kind == "voicemail" and not chosen.target:
            return own_voicemail
        if chosen.kind != "switchboard" or plan.switchboard is not None:
            return chosen
    if state == "in_meeting" and plan.switchboard is not None:
        return Destination("switchboard")
    return own_voicemail


def _aware(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{what} {text!r} is not a time (ISO 8601).") from None
    if value.tzinfo is None:
        raise InvalidInput(f"{what} {text!r} must carry its time zone (e.g. +01:00 or Z).")
    return value


def _graph_time(d: dict[str, Any]) -> datetime:
    """Graph's dateTimeTimeZone: "2026-03-30T08:00:00.0000000" in "UTC" or an IANA zone."""
    text = d["dateTime"]
    if "." in text:  # Graph writes seven fractional digits; Python reads at most six
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    zone = d.get("timeZone") or "UTC"
    try:
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):  # e.g. a Windows zone name: ask Graph for UTC
        raise InvalidInput(f"Calendar time zone {zone!r} is not an IANA zone; request times in UTC.") from None
    return datetime.fromisoformat(text).replace(tzinfo=tz)
