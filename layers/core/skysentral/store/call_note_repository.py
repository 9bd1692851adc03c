"""B2: switchboard notes and the calls of a number, kept per company and caller number so one
Query gives a number's earlier calls and every note on them:

- `<company>#CALLER#<e164>` / `CALL#<started_at>#<call_id>`: a call with that number (the
  call log writes it with its listings, `caller_call_item`); the call's record is then read
  by key from the call log (`<company>#CALL#<call_id>` / `LOG`);
- `<company>#CALLER#<e164>` / `NOTE#<call_id>#<at>#<note_id>`: a note on that call.

A call without a number (withheld) keeps its notes under `<company>#CALLER#-`, and has no
earlier calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.attributes import UnicodeAttribute

from skysentral.store.models import _Calls

NO_NUMBER = "-"
MAX_ITEMS = 500  # newest first: a frequent caller's older history is not shown


class CallerItem(_Calls):
    """pk = <company>#CALLER#<number>: a call marker (sk CALL#…) or a note (sk NOTE#…)."""

    call_id = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)  # a call marker
    text = UnicodeAttribute(null=True)  # a note
    author_id = UnicodeAttribute(null=True)
    author_name = UnicodeAttribute(null=True)
    at = UnicodeAttribute(null=True)


def caller_key(company_id: str, number: str) -> str:
    return f"{company_id}#CALLER#{number or NO_NUMBER}"


def caller_call_item(company_id: str, number: str, started_key: str, call_id: str) -> CallerItem:
    """The marker the call log writes (`started_key`: its listing's UTC key with milliseconds)."""
    return CallerItem(
        caller_key(company_id, number), f"CALL#{started_key}#{call_id}", call_id=call_id, started_at=started_key
    )


@dataclass(frozen=True)
class Note:
    note_id: str
    call_id: str
    at: str
    author_id: str
    author_name: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {
            "note_id": self.note_id,
            "call_id": self.call_id,
            "at": self.at,
            "author_id": self.author_id,
            "author_name": self.author_name,
            "text": self.text,
        }


@dataclass(frozen=True)
class NumberHistory:
    calls: list[tuple[str, str]]  # (started_at, call_id), newest first
    notes: list[Note]  # oldest first


def add_note(company_id: str, number: str, note: Note) -> None:
    CallerItem(
        caller_key(company_id, number),
        f"NOTE#{note.call_id}#{note.at}#{note.note_id}",
        call_id=note.call_id,
        text=note.text,
        author_id=note.author_id,
        author_name=note.author_name,
        at=note.at,
    ).save()


def history(company_id: str, number: str) -> NumberHistory:
    """B2: the number's calls and notes (one Query, newest first, at most MAX_ITEMS items)."""
    calls: list[tuple[str, str]] = []
    notes: list[Note] = []
    for item in CallerItem.query(caller_key(company_id, number), scan_index_forward=False, limit=MAX_ITEMS):
        if item.sk.startswith("CALL#"):
            calls.append((item.started_at or "", item.call_id))
        elif item.sk.startswith("NOTE#"):
            note_id = item.sk.rsplit("#", 1)[1]
            notes.append(
                Note(
                    note_id, item.call_id, item.at or "", item.author_id or "", item.author_name or "", item.text or ""
                )
            )
    notes.sort(key=lambda n: (n.at, n.note_id))
    return NumberHistory(calls, notes)


def records(company_id: str, call_ids: Iterable[str]) -> dict[str, dict]:
    """The call log's records of these calls, read by key (BatchGetItem)."""
    from skysentral.store.call_log_repository import CallLogWorkItem

    keys = [(f"{company_id}#CALL#{c}", "LOG") for c in dict.fromkeys(call_ids)]
    out: dict[str, dict] = {}
    for i in range(0, len(keys), 100):
        for item in CallLogWorkItem.batch_get(keys[i : i + 100]):
            if item.record and item.record.get("started_at"):
                out[item.pk.rsplit("#", 1)[1]] = item.record
    return out
