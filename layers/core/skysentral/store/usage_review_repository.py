"""What the operator reviews about usage ingestion: records held as implausible and
conflicting duplicates. System partitions of the balances table (the operator's, not a
tenant's: no tenant reads them), each a list the operator pages through.

  pk = OPERATOR#HELD       sk = <company id>#<record id>        a held record and its status
  pk = OPERATOR#CONFLICTS  sk = <company id>#<record id>#<fingerprint of the conflicting version>
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from skysentral.domain.errors import InvalidInput
from skysentral.store.models import _Balances

HELD_PK = "OPERATOR#HELD"
CONFLICTS_PK = "OPERATOR#CONFLICTS"
HELD, RELEASED, REJECTED = "held", "released", "rejected"


class HeldUsageItem(_Balances):
    """A usage record held for review (defect 9): not applied until released."""

    company_id = UnicodeAttribute()
    subscription_id = UnicodeAttribute()
    status = UnicodeAttribute()  # held | released | rejected
    reason = UnicodeAttribute()
    record = JSONAttribute()  # the record as it arrived (UsageRecordIn.model_dump(mode="json"))
    received_at = UnicodeAttribute()  # when it arrived: the D9 lateness rule is judged then
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)


class UsageConflictItem(_Balances):
    """A second version of an already received record id (defect 8): the first is kept."""

    company_id = UnicodeAttribute()
    record_id = UnicodeAttribute()
    kept = JSONAttribute()  # the version kept (as stored), or its fingerprint when not stored yet
    conflicting = JSONAttribute()  # the version that was not applied
    detected_at = UnicodeAttribute()


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None


def _put_new(item: HeldUsageItem | UsageConflictItem) -> bool:
    """Write `item` unless one with its key exists; True if this call wrote it."""
    try:
        item.save(condition=type(item).sk.does_not_exist())
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _held_view(item: HeldUsageItem) -> dict:
    return {
        "company_id": item.company_id,
        "subscription_id": item.subscription_id,
        "record_id": item.sk.split("#", 1)[1],
        "status": item.status,
        "reason": item.reason,
        "record": item.record,
        "received_at": item.received_at,
        "decided_by": item.decided_by,
        "decided_at": item.decided_at,
    }


def hold(company_id: str, subscription_id: str, record: dict, reason: str, received_at: str) -> dict:
    """Hold a record unless it is held (or decided) already; returns the item as it stands."""
    item = HeldUsageItem(
        HELD_PK,
        f"{company_id}#{record['record_id']}",
        company_id=company_id,
        subscription_id=subscription_id,
        status=HELD,
        reason=reason,
        record=record,
        received_at=received_at,
    )
    if _put_new(item):
        return _held_view(item)
    return held(company_id, record["record_id"]) or _held_view(item)


def held_many(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Held items for (company id, record id) pairs (one batch read per 100)."""
    keys = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], dict] = {}
    for i in range(0, len(keys), 100):
        for item in HeldUsageItem.batch_get(
            [(HELD_PK, f"{c}#{r}") for c, r in keys[i : i + 100]], consistent_read=True
        ):
            view = _held_view(item)
            found[(view["company_id"], view["record_id"])] = view
    return found


def held(company_id: str, record_id: str) -> dict | None:
    try:
        return _held_view(HeldUsageItem.get(HELD_PK, f"{company_id}#{record_id}", consistent_read=True))
    except HeldUsageItem.DoesNotExist:
        return None


def decided_item(view: dict, status: str, decided_by: str, decided_at: str) -> HeldUsageItem:
    """The held item with a decision, to be written (with its audit entry) by the caller."""
    return HeldUsageItem(
        HELD_PK,
        f"{view['company_id']}#{view['record_id']}",
        company_id=view["company_id"],
        subscription_id=view["subscription_id"],
        status=status,
        reason=view["reason"],
        record=view["record"],
        received_at=view["received_at"],
        decided_by=decided_by,
        decided_at=decided_at,
    )


def record_conflict(
    company_id: str, record_id: str, kept: dict, conflicting: dict, fingerprint: str, detected_at: str
) -> bool:
    """List a conflict once per (company, record id, conflicting version); True if new
    (a redelivered conflicting message is not listed or counted twice)."""
    item = UsageConflictItem(
        CONFLICTS_PK,
        f"{company_id}#{record_id}#{fingerprint}",
        company_id=company_id,
        record_id=record_id,
        kept=kept,
        conflicting=conflicting,
        detected_at=detected_at,
    )
    return _put_new(item)


def _cursor(sk: str | None) -> str | None:
    return base64.urlsafe_b64encode(sk.encode()).decode() if sk else None


def _after(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor") from None


def _page(model, pk: str, view, limit: int, cursor: str | None, filter_condition=None) -> Page:
    after = _after(cursor)
    kwargs = {"limit": limit, "filter_condition": filter_condition}
    if after:
        kwargs["last_evaluated_key"] = {"pk": {"S": pk}, "sk": {"S": after}}
    result = model.query(pk, **kwargs)
    items = [view(item) for item in result]
    last = result.last_evaluated_key
    return Page(items, _cursor(last["sk"]["S"]) if last else None)


def held_page(status: str | None, limit: int, cursor: str | None) -> Page:
    condition = (HeldUsageItem.status == status) if status else None
    return _page(HeldUsageItem, HELD_PK, _held_view, limit, cursor, condition)


def conflicts_page(limit: int, cursor: str | None) -> Page:
    def view(item: UsageConflictItem) -> dict:
        return {
            "company_id": item.company_id,
            "record_id": item.record_id,
            "kept": item.kept,
            "conflicting": item.conflicting,
            "detected_at": item.detected_at,
        }

    return _page(UsageConflictItem, CONFLICTS_PK, view, limit, cursor)
