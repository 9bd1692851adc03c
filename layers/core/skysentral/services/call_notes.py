"""B2: one call as the switchboard sees it (its path from the call log, where it is now, the
caller's name, earlier calls with the number and the notes on them) and adding a note.

Notes are kept per company and caller number (store.call_note_repository), so the next
call from the number shows them under `earlier_calls`: one Query for the number's calls
and notes, one BatchGetItem for the call log's records of those calls.

A call exists for the company when the call log has it (its key holds the company) or
call control's STATE item names the company; otherwise 404, as another company's call.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.store import call_note_repository as notes_store
from skysentral.store.directory_repository import Directory

MAX_NOTE_CHARS = 2000
MAX_EARLIER_CALLS = 20

_LIVE_OF_NODE = {
    "queue": "waiting",
    "offer": "ringing",
    "menu": "ringing",
    "person": "ringing",
    "group": "ringing",
    "fork": "ringing",
    "dialling": "ringing",
    "connected": "connected",
    "fork_won": "connected",
    "meeting": "connected",
    "external": "connected",
    "callback_bridge": "connected",
}


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _found(company_id: str, call_id: str) -> tuple[dict[str, Any] | None, Any]:
    """(the call log's record or None, call control's STATE item or None); NotFound when neither
    belongs to the company."""
    from pynamodb.exceptions import DoesNotExist

    from skysentral.store.call_log_repository import CallLogWorkItem
    from skysentral.store.call_repository import CallStateItem, call_key

    record = None
    try:
        item = CallLogWorkItem.get(f"{company_id}#CALL#{call_id}", "LOG")
        record = item.record if item.record and item.record.get("started_at") else None
    except DoesNotExist:
        pass
    state: CallStateItem | None
    try:
        state = CallStateItem.get(call_key(call_id), "STATE")
        if state.company_id != company_id:
            state = None
    except DoesNotExist:
        state = None
    if record is None and state is None:
        raise NotFound(f"No call {call_id}.")
    return record, state


def _caller_of(record: dict[str, Any] | None, state: Any) -> str:
    if record is not None:
        party = record.get("called") if record.get("direction") == "outbound" else record.get("caller")
        return str(party or "")
    return str((state.attrs or {}).get("caller", "")) if state is not None else ""


def _live(company_id: str, call_id: str, state: Any) -> dict[str, Any]:
    from skysentral.store import call_repository

    hold = next((h for h in call_repository.holds(company_id) if h.call_id == call_id), None)
    if hold is not None:
        return {"status": "on_hold", "queue_id": hold.queue_id, "employee_id": hold.held_by}
    attrs = dict(state.attrs or {}) if state is not None else {}
    status = _LIVE_OF_NODE.get(attrs.get("node", ""), "ended")
    return {
        "status": status,
        "queue_id": attrs.get("queue") or None,
        "employee_id": (attrs.get("answered_by") or attrs.get("agent") or attrs.get("person") or None)
        if status != "waiting"
        else None,
    }


def call_view(directory: Directory, call_id: str, now: datetime) -> dict[str, Any]:
    """B2: GET /switchboard/calls/{call_id}."""
    from skysentral.services.switchboard_view import caller_names
    from skysentral.store import call_repository

    company_id = directory.company_id
    record, state = _found(company_id, call_id)
    number = _caller_of(record, state)
    employees = call_repository.employees(company_id)
    own = {e.mobile for e in employees.values() if getattr(e, "mobile", None)}
    name = caller_names(company_id, [number], employees, now).get(number) if number else None
    if name is None and record is not None:
        name = (record.get("names") or {}).get(number) or record.get("caller_name")
    source = ("directory" if number in own else "lookup") if name else None

    history = notes_store.history(company_id, number) if number.startswith("+") else None
    notes_by_call: dict[str, list[dict[str, str]]] = {}
    all_notes = history.notes if history else notes_store.history(company_id, "").notes
    for note in all_notes:
        notes_by_call.setdefault(note.call_id, []).append(note.to_dict())
    earlier_ids = [c for _, c in (history.calls if history else []) if c != call_id][:MAX_EARLIER_CALLS]
    if history is not None:  # notes on calls the log has not listed yet
        earlier_ids += [c for c in notes_by_call if c != call_id and c not in earlier_ids]
        earlier_ids = earlier_ids[:MAX_EARLIER_CALLS]
    records = notes_store.records(company_id, earlier_ids)
    earlier = [
        {
            "call_id": c,
            "started_at": records.get(c, {}).get("started_at"),
            "outcome": records.get(c, {}).get("outcome"),
            "answered_by": records.get(c, {}).get("answered_by"),
            "notes": notes_by_call.get(c, []),
        }
        for c in earlier_ids
    ]
    earlier.sort(key=lambda c: c["started_at"] or "", reverse=True)
    return {
        "call": record,
        "live": _live(company_id, call_id, state),
        "caller": {"number": number or None, "name": name, "source": source},
        "notes": notes_by_call.get(call_id, []),
        "earlier_calls": earlier,
    }


def add_note(identity: Identity, directory: Directory, call_id: str, text: str, now: datetime) -> dict[str, str]:
    """B2: POST /switchboard/calls/{call_id}/notes → the note (kept under the caller's number)."""
    text = text.strip()
    if not 1 <= len(text) <= MAX_NOTE_CHARS:
        raise InvalidInput(f"A note is 1-{MAX_NOTE_CHARS} characters.", code="invalid_note")
    record, state = _found(directory.company_id, call_id)
    number = _caller_of(record, state)
    from skysentral.store import call_repository

    author = call_repository.employees(directory.company_id).get(identity.user_id)
    note = notes_store.Note(
        note_id=f"n-{uuid.uuid4().hex[:12]}",
        call_id=call_id,
        at=_iso(now),
        author_id=identity.user_id,
        author_name=author.name if author is not None else identity.user_id,
        text=text,
    )
    notes_store.add_note(directory.company_id, number if number.startswith("+") else "", note)
    return note.to_dict()
