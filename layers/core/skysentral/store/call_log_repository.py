"""The call log (A14, C10) and mobile status (A8) in the CallsTable (keys in docs/pbx.md).

- `<company>#CALL#<call_id>` / `LOG`: the working item of a call: every event seen (by
  event_id), the names found for its numbers, the folded record and a version. Applying
  events reads it, merges, refolds and writes it back on the condition that the version
  is still the one read (optimistic; retried), so concurrent deliveries of one call's
  events lose nothing.
- `<company>#CALLLOG` / `<started_at>#<call_id>`: the company's log; and
  `<company>#EMPCALLS#<employee>` / `<started_at>#<call_id>`: each participant's log. Both
  are written from the working item once its start (INCOMING/OUTBOUND) is known, and again
  on every later change (plain puts: a redelivery rewrites the same items).
- `<company>#MOBILE` / `<employee>`: in_call | idle, since, call_id (A8). A change older than
  the stored one is ignored (conditional write), so out-of-order events cannot undo a newer
  status.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_log import IDLE, IN_CALL, CallRecord, final_mobile_changes, fold
from skysentral.store.conditions import condition_failed
from skysentral.store.models import _Calls

MAX_ATTEMPTS = 8


class CallLogWorkItem(_Calls):
    """pk = <company>#CALL#<call_id>, sk = LOG"""

    version = NumberAttribute(default=0)
    events = JSONAttribute(default=dict)  # event_id -> CallEvent.to_dict()
    names = JSONAttribute(default=dict)  # number -> name (or null: looked up, none found)
    record = JSONAttribute(null=True)


class CallLogListItem(_Calls):
    """pk = <company>#CALLLOG or <company>#EMPCALLS#<employee>, sk = <started_at>#<call_id>"""

    record = JSONAttribute()  # CallRecord.summary()


class MobileStatusItem(_Calls):
    """pk = <company>#MOBILE, sk = <employee>"""

    state = UnicodeAttribute()
    since = UnicodeAttribute()
    call_id = UnicodeAttribute()
    event_id = UnicodeAttribute()


def _work_key(company_id: str, call_id: str) -> tuple[str, str]:
    return f"{company_id}#CALL#{call_id}", "LOG"


def _utc_key(at: str) -> str:
    """One fixed width form of an instant (UTC, milliseconds), so keys sort by time."""
    ts = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def listing_sk(record: CallRecord) -> str:
    assert record.started_at is not None
    return f"{_utc_key(record.started_at)}#{record.call_id}"


@dataclass(frozen=True)
class Applied:
    record: CallRecord
    new_events: list[CallEvent]  # those not seen before, in (at, event_id) order


@dataclass(frozen=True)
class Page:
    items: list[CallRecord]
    next_cursor: str | None


class CallLog:
    """One company's call log and mobile statuses."""

    def __init__(self, company_id: str):
        self.company_id = company_id

    # ------------------------------------------------------------------ writes (the consumer)
    def apply(
        self, call_id: str, events: list[CallEvent], names_for: Callable[[list[str]], dict[str, str | None]]
    ) -> Applied:
        """Merges `events` (all of `call_id`) into the call, refolds and stores it, writes the
        listing items and the mobile statuses. `names_for([number])` is asked once, when the
        start is first seen, for the other party's number (an inbound call's caller, an
        outbound call's called number)."""
        pk, sk = _work_key(self.company_id, call_id)
        for _ in range(MAX_ATTEMPTS):
            try:
                item = CallLogWorkItem.get(pk, sk, consistent_read=True)
                known = True
            except DoesNotExist:
                item = CallLogWorkItem(pk, sk, version=0, events={}, names={})
                known = False
            seen = dict(item.events or {})
            new = [e for e in events if e.event_id not in seen]
            new_ids = {e.event_id for e in new}
            for e in new:
                seen[e.event_id] = e.to_dict()
            all_events = [CallEvent.from_dict(d) for d in seen.values()]
            names = dict(item.names or {})
            record = fold(all_events, names)
            party = {"inbound": record.caller, "outbound": record.called}.get(record.direction, "")
            if record.started_at is not None and party.startswith("+") and party not in names:
                names[party] = names_for([party]).get(party)
                record = fold(all_events, names)
            if new or names != (item.names or {}):
                condition = CallLogWorkItem.version == item.version if known else CallLogWorkItem.pk.does_not_exist()
                item.events, item.names, item.record = seen, names, record.to_dict()
                item.version = (item.version or 0) + 1
                try:
                    item.save(condition=condition)
                except PutError as exc:
                    if condition_failed(exc):
                        continue  # another delivery of this call wrote first: read it again
                    raise
            break
        else:
            raise RuntimeError(f"call {call_id}: {MAX_ATTEMPTS} concurrent writers in a row")
        if record.started_at is not None:
            self._write_listings(record)
        ordered_new = sorted((e for e in all_events if e.event_id in new_ids), key=lambda e: (e.at, e.event_id))
        if ordered_new:
            for change in final_mobile_changes(all_events, record):
                self._set_mobile(change.employee_id, change.state, change.at, change.call_id, change.event_id)
        return Applied(record, ordered_new)

    def _write_listings(self, record: CallRecord) -> None:
        sk = listing_sk(record)
        summary = record.summary()
        with CallLogListItem.batch_write() as batch:
            batch.save(CallLogListItem(f"{self.company_id}#CALLLOG", sk, record=summary))
            for emp in record.participants:
                batch.save(CallLogListItem(f"{self.company_id}#EMPCALLS#{emp}", sk, record=summary))
        party = {"inbound": record.caller, "outbound": record.called}.get(record.direction, "")
        if party.startswith("+"):  # B2: the number's calls, for the switchboard's earlier calls
            from skysentral.store.call_note_repository import caller_call_item

            caller_call_item(self.company_id, party, _utc_key(record.started_at or ""), record.call_id).save()

    def _set_mobile(self, employee_id: str, state: str, at: str, call_id: str, event_id: str) -> None:
        """A8: only a change at least as new as the stored one; an idle only ends the call
        it belongs to (a later call's in_call stays)."""
        since = _utc_key(at)
        item = MobileStatusItem(
            f"{self.company_id}#MOBILE", employee_id, state=state, since=since, call_id=call_id, event_id=event_id
        )
        newer = MobileStatusItem.pk.does_not_exist() | (MobileStatusItem.since < since)
        same_time = (MobileStatusItem.since == since) & (MobileStatusItem.event_id <= event_id)
        condition = newer | same_time
        if state == IDLE:
            condition = condition & (MobileStatusItem.pk.does_not_exist() | (MobileStatusItem.call_id == call_id))
        try:
            item.save(condition=condition)
        except PutError as exc:
            if not condition_failed(exc):
                raise

    # ------------------------------------------------------------------ reads
    def call(self, call_id: str) -> CallRecord:
        """One call with its whole path (404 for another company's call: its key differs)."""
        try:
            item = CallLogWorkItem.get(*_work_key(self.company_id, call_id))
        except DoesNotExist:
            raise NotFound(f"No call {call_id}.") from None
        if not item.record or not item.record.get("started_at"):
            raise NotFound(f"No call {call_id}.")
        return CallRecord.from_dict(item.record)

    def page(
        self,
        *,
        employee_id: str | None,
        since: datetime | None,
        until: datetime | None,
        predicate: Callable[[CallRecord], bool],
        limit: int,
        cursor: str | None,
    ) -> Page:
        """Newest first: the company's log (employee_id None) or one employee's, calls started
        in [since, until), matching `predicate`, `limit` at a time."""
        pk = f"{self.company_id}#CALLLOG" if employee_id is None else f"{self.company_id}#EMPCALLS#{employee_id}"
        upper = _utc_key(until.isoformat()) if until else "~"
        if cursor:
            upper = min(upper, _cursor_decode(cursor))
        lower = _utc_key(since.isoformat()) if since else ""
        found: list[CallRecord] = []
        last_sk = ""
        for item in CallLogListItem.query(pk, CallLogListItem.sk < upper, scan_index_forward=False):
            if item.sk < lower:
                break
            record = CallRecord.from_dict(item.record)
            if not predicate(record):
                continue
            if len(found) == limit:
                return Page(found, _cursor_encode(last_sk))
            found.append(record)
            last_sk = item.sk
        return Page(found, None)

    def mobile_status(self, employee_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """A8: {employee_id: {"state": in_call|idle, "since": ISO|None, "call_id": str|None}};
        an employee never seen in a call is idle since None."""
        ids = list(dict.fromkeys(employee_ids))
        out: dict[str, dict[str, Any]] = {e: {"state": IDLE, "since": None, "call_id": None} for e in ids}
        keys = [(f"{self.company_id}#MOBILE", e) for e in ids]
        for item in _batch_get(keys):
            out[item.sk] = {
                "state": item.state,
                "since": item.since,
                "call_id": item.call_id if item.state == IN_CALL else None,
            }
        return out


def _batch_get(keys: list[tuple[str, str]]) -> Iterator[MobileStatusItem]:
    for i in range(0, len(keys), 100):
        yield from MobileStatusItem.batch_get(keys[i : i + 100])


def _cursor_encode(sk: str) -> str:
    return base64.urlsafe_b64encode(sk.encode()).decode()


def _cursor_decode(cursor: str) -> str:
    try:
        sk = base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor") from None
    if "#" not in sk or not sk[:4].isdigit():
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor")
    return sk


def mobile_status(company_id: str, employee_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """A8, for the people and switchboard parts: see `CallLog.mobile_status`."""
    return CallLog(company_id).mobile_status(employee_ids)
