"""The call log (A14, C10) and mobile status (A8): call events in, the log and its views out.

Consuming: `record_events(events)` groups events by call and applies each call's events
(store.call_log_repository.CallLog.apply); the other party's name comes from the company's
own directory first, then the number lookup adapter through a cache (30 days, "nobody
listed" 1 day); a lookup that fails gives no name and is not cached.

Reading: `list_calls` (the company's log; a department admin sees the calls involving the
employees of the departments they administer), `my_calls` (C10) and `get_call` (one call
with its path)."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from skysentral import clock
from skysentral.adapters import number_lookup
from skysentral.domain import organisation
from skysentral.domain.calendar import OSLO
from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_log import CallRecord
from skysentral.store import number_names_repository as name_cache
from skysentral.store.call_log_repository import CallLog, Page
from skysentral.store.directory_repository import Directory

logger = Logger()

MAX_PAGE = 200


# ---------------------------------------------------------------- consuming the events
def record_events(events: list[CallEvent]) -> list[CallRecord]:
    """A14: apply events (any order, duplicates welcome) to their calls' logs."""
    by_call: dict[tuple[str, str], list[CallEvent]] = defaultdict(list)
    for e in events:
        by_call[(e.company_id, e.call_id)].append(e)
    records = []
    for (company_id, call_id), evs in sorted(by_call.items()):
        applied = CallLog(company_id).apply(call_id, evs, functools.partial(names_of, company_id))
        records.append(applied.record)
    return records


def names_of(company_id: str, numbers: list[str]) -> dict[str, str | None]:
    """A14: the names of phone numbers: the company's own employees first, then the lookup."""
    directory = Directory(company_id)
    own = {}
    for e in directory.employees():
        if e.mobile:
            own[e.mobile] = e.name
    now = clock.now()
    out: dict[str, str | None] = {}
    for number in numbers:
        if number in own:
            out[number] = own[number]
            continue
        cached = name_cache.cached_name(number, now)
        if cached is not name_cache.MISSING:
            out[number] = cached  # type: ignore[assignment]
            continue
        try:
            name = number_lookup.lookup_name(number)
        except number_lookup.LookupFailed as exc:
            logger.warning("number lookup failed; the call is logged without a name", extra={"reason": str(exc)})
            out[number] = None
            continue
        name_cache.cache_name(number, name, now)
        out[number] = name
    return out


# ---------------------------------------------------------------- reading the log
def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=OSLO)


def _period(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Calendar days in Europe/Oslo, both ends included."""
    if date_from and date_to and date_to < date_from:
        raise InvalidInput("to must not be before from.", code="invalid_period")
    return (
        _day_start(date_from) if date_from else None,
        _day_start(date_to + timedelta(days=1)) if date_to else None,
    )


def _matcher(
    *,
    direction: str | None = None,
    answered: bool | None = None,
    kind: str | None = None,
    queue_id: str | None = None,
    employee_id: str | None = None,
    number: str | None = None,
    involving: set[str] | None = None,
):
    def keep(r: CallRecord) -> bool:
        return (
            (direction is None or r.direction == direction)
            and (answered is None or r.answered == answered)
            and (kind is None or r.kind == kind)
            and (queue_id is None or queue_id in r.queue_ids)
            and (employee_id is None or employee_id in r.participants)
            and (number is None or number in (r.caller, r.called))
            and (involving is None or bool(involving & set(r.participants)))
        )

    return keep


def _page_out(page: Page) -> dict[str, Any]:
    return {"items": [r.summary() for r in page.items], "next_cursor": page.next_cursor}


def _normalise_number(number: str | None) -> str | None:
    if number is None:
        return None
    if not number.startswith("+") and number.isdigit() and len(number) <= 6:
        return number  # an extension
    return organisation.to_e164(number)


def list_calls(
    identity: Identity,
    directory: Directory,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    direction: str | None = None,
    answered: bool | None = None,
    kind: str | None = None,
    queue_id: str | None = None,
    employee_id: str | None = None,
    number: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A14: the company's call log, newest first; a department admin sees the calls that
    involved an employee of the departments they administer (E5)."""
    scope = organisation.scope_of(identity, directory.departments())
    involving = None if scope is None else {e.employee_id for e in directory.employees() if e.department_id in scope}
    since, until = _period(date_from, date_to)
    keep = _matcher(
        direction=direction,
        answered=answered,
        kind=kind,
        queue_id=queue_id,
        employee_id=employee_id,
        number=_normalise_number(number),
        involving=involving,
    )
    page = CallLog(directory.company_id).page(
        employee_id=None, since=since, until=until, predicate=keep, limit=min(limit, MAX_PAGE), cursor=cursor
    )
    return _page_out(page)


def my_calls(
    identity: Identity,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    direction: str | None = None,
    answered: bool | None = None,
    kind: str | None = None,
    queue_id: str | None = None,
    number: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """C10: the calls I took part in, newest first."""
    since, until = _period(date_from, date_to)
    keep = _matcher(
        direction=direction, answered=answered, kind=kind, queue_id=queue_id, number=_normalise_number(number)
    )
    page = CallLog(identity.company_id).page(
        employee_id=identity.user_id,
        since=since,
        until=until,
        predicate=keep,
        limit=min(limit, MAX_PAGE),
        cursor=cursor,
    )
    return _page_out(page)


def get_call(identity: Identity, directory: Directory, call_id: str) -> dict[str, Any]:
    """A14: one call with its path through the company. Outside a department admin's
    departments it does not exist for them (404, as another company's call)."""
    record = CallLog(directory.company_id).call(call_id)
    scope = organisation.scope_of(identity, directory.departments())
    if scope is not None:
        involving = {e.employee_id for e in directory.employees() if e.department_id in scope}
        if not involving & set(record.participants):
            raise NotFound(f"No call {call_id}.")
    return record.to_dict()


def mobile_status(company_id: str, employee_ids: list[str]) -> dict[str, dict[str, Any]]:
    """A8 (for the people and switchboard parts)."""
    return CallLog(company_id).mobile_status(employee_ids)
