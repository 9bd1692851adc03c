"""The operator's review of usage ingestion (defects 8 and 9): records held as
implausible (release: applied once; reject: never applied, kept listed) and conflicting
duplicates (listed). Each decision is written with an audit entry (E6) in the company's
audit log, in one transaction, so the company sees who released or rejected its usage."""

from __future__ import annotations

from datetime import UTC, datetime

from skysentral.domain.errors import Conflict, NotFound
from skysentral.domain.identity import Identity
from skysentral.events import UsageRecordIn, parse_time
from skysentral.services import usage_ingestion
from skysentral.store import usage_review_repository as review
from skysentral.store.directory_repository import AuditEntry, Directory


def held_records(status: str | None, limit: int, cursor: str | None) -> dict:
    page = review.held_page(status, limit, cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


def conflicts(limit: int, cursor: str | None) -> dict:
    page = review.conflicts_page(limit, cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _held_or_404(company_id: str, record_id: str) -> dict:
    found = review.held(company_id, record_id)
    if found is None:
        raise NotFound(f"No usage record {record_id} of {company_id} is held for review.")
    return found


def release(identity: Identity, company_id: str, record_id: str, notify: usage_ingestion.Notify, now: datetime) -> dict:
    """Apply a held record, exactly once (a repeated release applies nothing more: the
    ledger knows the record). D9 lateness is judged at the time the record arrived, not at
    the release, so the operator's review does not turn it into a late correction."""
    held = _held_or_404(company_id, record_id)
    if held["status"] == review.REJECTED:
        raise Conflict("The record was rejected; it cannot be released.", code="record_rejected")
    record = UsageRecordIn.model_validate(held["record"])
    result = usage_ingestion.ingest(
        [record], notify, now=parse_time(held["received_at"]), released=frozenset({(company_id, record_id)})
    )
    if result.failed:
        raise Conflict(
            f"The record could not be applied now ({result.failed[record_id]}); try again.", code="release_failed"
        )
    if held["status"] == review.HELD:
        _decide(identity, held, review.RELEASED, now, "usage.record_released")
    return {**held, **_decided(identity, review.RELEASED, now)}


def reject(identity: Identity, company_id: str, record_id: str, now: datetime) -> dict:
    """Never apply a held record; it stays listed as rejected. Rejecting twice is harmless."""
    held = _held_or_404(company_id, record_id)
    if held["status"] == review.RELEASED:
        raise Conflict("The record was released and applied; it cannot be rejected.", code="record_released")
    if held["status"] == review.HELD:
        _decide(identity, held, review.REJECTED, now, "usage.record_rejected")
        return {**held, **_decided(identity, review.REJECTED, now)}
    return held


def _decided(identity: Identity, status: str, now: datetime) -> dict:
    return {"status": status, "decided_by": identity.user_id, "decided_at": _stamp(now)}


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat()


def _decide(identity: Identity, held: dict, status: str, now: datetime, kind: str) -> None:
    item = review.decided_item(held, status, identity.user_id, _stamp(now))
    Directory(held["company_id"]).commit(
        identity,
        put=[item],
        now=now,
        audit=AuditEntry(
            kind, held["record_id"], {"status": held["status"], "reason": held["reason"]}, {"status": status}
        ),
    )
