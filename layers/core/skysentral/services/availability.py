"""A7/C3 availability, A13 softphone registration, and the Microsoft 365 calendar sync.

A person's effective availability is domain.pbx.presence.effective_availability(manual,
calendar entries, now): a state set in the app wins until its `until`; otherwise a calendar
entry now (busy/tentative → in_meeting, oof → away); otherwise available. Call control
reads the same presence item and routes the person's calls by that state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from skysentral.domain import organisation
from skysentral.domain.errors import InvalidInput
from skysentral.domain.identity import Identity
from skysentral.domain.pbx.routing_plan import AVAILABILITY_STATES
from skysentral.store.directory_repository import Directory
from skysentral.store.presence_repository import Presence, PresenceRepository

OSLO = ZoneInfo("Europe/Oslo")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _entries(presence: Presence) -> list[Any]:
    from skysentral.domain.pbx.presence import CalendarEntry  # type: ignore[import-not-found,unused-ignore]

    return [
        CalendarEntry(
            subject=e.get("subject", ""), start=_parse(e["start"]), end=_parse(e["end"]), show_as=e["show_as"]
        )
        for e in presence.calendar
    ]


def _manual(presence: Presence) -> Any:
    from skysentral.domain.pbx.presence import Availability  # type: ignore[import-not-found,unused-ignore]

    m = presence.manual
    if not m:
        return None
    return Availability(state=m["state"], source="app", until=m.get("until"), note=m.get("note") or "")


def availability_of(directory: Directory, employee_id: str, now: datetime) -> dict[str, Any]:
    """The effective availability, where it comes from, the next calendar entry, the
    registered softphone and the mobile status (A8: in a call now, from call events)."""
    from skysentral.domain.pbx.presence import effective_availability, next_calendar_entry
    from skysentral.store.call_log_repository import mobile_status

    presence = PresenceRepository(directory.company_id).get(employee_id)
    entries = _entries(presence)
    effective = effective_availability(_manual(presence), entries, now)
    upcoming = next_calendar_entry(entries, now)
    view: dict[str, Any] = {
        "employee_id": employee_id,
        "state": effective.state,
        "source": effective.source,
        "until": effective.until,
        "note": effective.note,
        "manual": presence.manual,
        "next_calendar_entry": (
            {
                "subject": upcoming.subject,
                "start": _iso(upcoming.start),
                "end": _iso(upcoming.end),
                "show_as": upcoming.show_as,
            }
            if upcoming
            else None
        ),
        "calendar_synced_at": presence.calendar_synced_at,
        "softphone": presence.softphone_uri,
    }
    view["mobile_status"] = mobile_status(directory.company_id, [employee_id]).get(employee_id)
    return view


def set_my_availability(
    directory: Directory, employee_id: str, state: str, until: datetime | None, note: str, now: datetime
) -> dict[str, Any]:
    """C3: set my availability in a few taps; `until` (future) ends it, else it lasts until changed.
    `available` without `until` clears the manual setting (the calendar steers again)."""
    if state not in AVAILABILITY_STATES:
        raise InvalidInput(f"state must be one of {', '.join(AVAILABILITY_STATES)}.", code="invalid_state")
    if until is not None:
        if until.tzinfo is None:
            raise InvalidInput("until must include a time zone.", code="invalid_until")
        if until <= now:
            raise InvalidInput("until must be in the future.", code="invalid_until")
    repository = PresenceRepository(directory.company_id)
    if state == "available" and until is None:
        repository.set_manual(employee_id, None)
    else:
        repository.set_manual(
            employee_id,
            {
                "state": state,
                "source": "app",
                "until": _iso(until) if until else None,
                "note": note,
                "set_at": _iso(now),
            },
        )
    return availability_of(directory, employee_id, now)


def colleague_availability(identity: Identity, directory: Directory, employee_id: str, now: datetime) -> dict:
    """Admins (within their departments) and the switchboard read a colleague's availability."""
    employee = directory.employee(employee_id)
    if identity.role in ("company_admin", "department_admin"):
        organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), employee.department_id)
    return availability_of(directory, employee_id, now)


# ---------------------------------------------------------------- A13 softphone
def set_softphone(directory: Directory, employee_id: str, sip_user: str | None) -> dict[str, Any]:
    """A13: register (or remove, None) the SIP user of my softphone behind the company's Voice
    Connector; with it, calls to me ring the softphone and the mobile (A10 One Number)."""
    from skysentral.store import call_repository

    presence = PresenceRepository(directory.company_id)
    previous = presence.get(employee_id).softphone_uri
    call_repository.register_softphone(directory.company_id, employee_id, sip_user, previous)
    presence.set_softphone(employee_id, sip_user)
    return {"employee_id": employee_id, "softphone": sip_user}


# ---------------------------------------------------------------- A7 calendar sync
def today_window(now: datetime) -> tuple[datetime, datetime]:
    """Today in Europe/Oslo, as UTC instants (the calendar entries the sync keeps)."""
    local = now.astimezone(OSLO)
    start = datetime(local.year, local.month, local.day, tzinfo=OSLO)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)  # DST-safe next local midnight
    return start.astimezone(UTC), end.astimezone(UTC)


def sync_company_calendars(
    company_id: str, now: datetime, calendar_view: Callable[[str, datetime, datetime], list[dict[str, Any]]]
) -> int:
    """Refreshes each employee's `calendar` with today's entries; an employee whose calendar
    cannot be read keeps the entries of the last sync. Returns how many were refreshed."""
    import logging

    directory = Directory(company_id)
    repository = PresenceRepository(company_id)
    start, end = today_window(now)
    refreshed = 0
    for employee in directory.employees():
        if not employee.email:
            continue
        try:
            entries = calendar_view(employee.email, start, end)
        except Exception:  # one mailbox failing must not stop the others
            logging.getLogger(__name__).exception("calendar of %s could not be read", employee.employee_id)
            continue
        repository.set_calendar(employee.employee_id, entries, _iso(now))
        refreshed += 1
    return refreshed


# ---------------------------------------------------------------- issue 10 (B4): many at once
def availability_many(company_id: str, employee_ids: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """B4: {employee_id: {"state", "until", "source", "next_calendar_entry"}} for a page of
    people, read with batched gets (the directory search; never one read per person)."""
    from skysentral.domain.pbx.presence import effective_availability, next_calendar_entry

    out: dict[str, dict[str, Any]] = {}
    for employee_id, presence in PresenceRepository(company_id).many(employee_ids).items():
        entries = _entries(presence)
        effective = effective_availability(_manual(presence), entries, now)
        upcoming = next_calendar_entry(entries, now)
        out[employee_id] = {
            "state": effective.state,
            "until": effective.until,
            "source": effective.source,
            "next_calendar_entry": (
                {
                    "subject": upcoming.subject,
                    "start": _iso(upcoming.start),
                    "end": _iso(upcoming.end),
                    "show_as": upcoming.show_as,
                }
                if upcoming
                else None
            ),
        }
    return out
