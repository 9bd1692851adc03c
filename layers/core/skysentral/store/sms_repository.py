"""B5 SMS centre items in the CallsTable (keys also in docs/switchboard-sms.md).

| pk | sk | what |
|---|---|---|
| `<company>#SMS` | `<created_at>#<batch_id>` | the SMS log: one line per batch, newest first by key |
| `<company>#SMSBATCH#<batch_id>` | `BATCH` | the batch: who sent what, encoding, parts |
| `<company>#SMSBATCH#<batch_id>` | `TO#<e164>` | one recipient: status queued → sending → sent → delivered, or failed |
| `SMSMSG#<message id>` | `SMS` | a provider message id → its recipient (a delivery receipt has only the id) |
| `<company>#SMSRATE` | `<YYYY-MM-DDTHH:MM>` | parts sent in that minute (the rate limit's window) |

Every status change is one conditional UpdateItem, so a redelivered outbox message or
receipt changes nothing twice.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.transactions import TransactWrite

from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.store.conditions import condition_failed
from skysentral.store.models import _Calls

SMS_TTL_S = 400 * 24 * 3600  # the log is kept a bit over a year
MESSAGE_TTL_S = 7 * 24 * 3600  # receipts come within 72 hours (End User Messaging)
RATE_TTL_S = 3600
FINAL = ("delivered", "failed")


class SmsLogItem(_Calls):
    """pk = <company>#SMS, sk = <created_at>#<batch_id>"""

    batch = JSONAttribute()


class SmsBatchItem(_Calls):
    """pk = <company>#SMSBATCH#<batch_id>, sk = BATCH"""

    batch = JSONAttribute()


class SmsRecipientItem(_Calls):
    """pk = <company>#SMSBATCH#<batch_id>, sk = TO#<e164>"""

    number = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    source = JSONAttribute(null=True)  # {"kind": "number|employee|contact|department", "id": …}
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class SmsMessageItem(_Calls):
    """pk = SMSMSG#<message id>, sk = SMS"""

    company_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    number = UnicodeAttribute()


class SmsRateItem(_Calls):
    """pk = <company>#SMSRATE, sk = <minute>"""

    parts = NumberAttribute(null=True)


@dataclass(frozen=True)
class Recipient:
    number: str
    name: str | None
    source: dict


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _expires(at: datetime, ttl_s: int) -> int:
    return int(at.timestamp()) + ttl_s


def _cursor_encode(sk: str) -> str:
    return base64.urlsafe_b64encode(sk.encode()).decode()


def _cursor_decode(cursor: str) -> str:
    try:
        sk = base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:
        sk = ""
    if not _LOG_KEY.match(sk):
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor")
    return sk


_LOG_KEY = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z#sms-[\w-]+$")


class SmsStore:
    """One company's SMS items."""

    def __init__(self, company_id: str):
        self.company_id = company_id

    def _batch_pk(self, batch_id: str) -> str:
        return f"{self.company_id}#SMSBATCH#{batch_id}"

    # ---------------------------------------------------------------- rate limit
    def take_parts(self, parts: int, limit: int, now: datetime) -> int | None:
        """B5: count `parts` into this minute's window unless that passes `limit`: one
        conditional UpdateItem. None when taken, else the seconds until the next window."""
        window = now.astimezone(UTC).replace(second=0, microsecond=0)
        retry_after = int((window + timedelta(minutes=1) - now).total_seconds()) + 1
        if parts > limit:
            return retry_after
        item = SmsRateItem(f"{self.company_id}#SMSRATE", window.strftime("%Y-%m-%dT%H:%M"))
        try:
            item.update(
                actions=[SmsRateItem.parts.add(parts), SmsRateItem.expires_at.set(_expires(now, RATE_TTL_S))],
                condition=SmsRateItem.parts.does_not_exist() | (SmsRateItem.parts <= limit - parts),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return retry_after
            raise
        return None

    # ---------------------------------------------------------------- writes
    def save_batch(self, batch: dict, recipients: list[Recipient], now: datetime) -> None:
        """The recipients (queued) and the batch first, the log line last: the log only
        lists batches whose recipients are all written."""
        pk, expires, stamp = self._batch_pk(batch["batch_id"]), _expires(now, SMS_TTL_S), _stamp(now)
        with SmsRecipientItem.batch_write() as writer:
            for r in recipients:
                writer.save(
                    SmsRecipientItem(
                        pk,
                        f"TO#{r.number}",
                        number=r.number,
                        name=r.name,
                        source=r.source,
                        status="queued",
                        updated_at=stamp,
                        expires_at=expires,
                    )
                )
        with TransactWrite(connection=Connection()) as tx:
            tx.save(SmsBatchItem(pk, "BATCH", batch=batch, expires_at=expires))
            tx.save(
                SmsLogItem(f"{self.company_id}#SMS", f"{batch['created_at']}#{batch['batch_id']}", batch=batch),
                condition=SmsLogItem.sk.does_not_exist(),
            )

    def claim(self, batch_id: str, number: str, now: datetime) -> bool:
        """queued → sending, only once: False when another delivery of the message has it."""
        item = SmsRecipientItem(self._batch_pk(batch_id), f"TO#{number}")
        try:
            item.update(
                actions=[SmsRecipientItem.status.set("sending"), SmsRecipientItem.updated_at.set(_stamp(now))],
                condition=SmsRecipientItem.status == "queued",
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def mark_sent(self, batch_id: str, number: str, message_id: str, now: datetime) -> None:
        SmsMessageItem(
            f"SMSMSG#{message_id}",
            "SMS",
            company_id=self.company_id,
            batch_id=batch_id,
            number=number,
            expires_at=_expires(now, MESSAGE_TTL_S),
        ).save()
        self._set_status(batch_id, number, "sent", None, now, message_id=message_id, only_from=("sending",))

    def release(self, batch_id: str, number: str, now: datetime) -> None:
        """sending → queued: the provider could not be reached; the outbox message is retried."""
        self._set_status(batch_id, number, "queued", None, now, only_from=("sending",))

    def mark_failed(self, batch_id: str, number: str, reason: str, now: datetime) -> None:
        self._set_status(batch_id, number, "failed", reason, now, only_from=("sending",))

    def apply_receipt(self, batch_id: str, number: str, status: str, reason: str | None, now: datetime) -> bool:
        """A delivery receipt moves `sent` (or a `sending` whose mark was slower) to its final
        status; a final status stays."""
        return self._set_status(batch_id, number, status, reason, now, only_from=("sending", "sent"))

    def _set_status(self, batch_id, number, status, reason, now, *, message_id=None, only_from=()) -> bool:
        item = SmsRecipientItem(self._batch_pk(batch_id), f"TO#{number}")
        actions: list[Any] = [SmsRecipientItem.status.set(status), SmsRecipientItem.updated_at.set(_stamp(now))]
        actions.append(SmsRecipientItem.reason.set(reason) if reason else SmsRecipientItem.reason.remove())
        if message_id:
            actions.append(SmsRecipientItem.message_id.set(message_id))
        condition = SmsRecipientItem.status.is_in(*only_from)
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    # ---------------------------------------------------------------- reads
    def batch(self, batch_id: str) -> dict:
        try:
            return dict(SmsBatchItem.get(self._batch_pk(batch_id), "BATCH").batch)
        except DoesNotExist:
            raise NotFound(f"No SMS batch {batch_id}.") from None

    def recipients(self, batch_id: str) -> list[dict]:
        return [
            {
                "number": i.number,
                "name": i.name,
                "source": i.source,
                "status": i.status,
                "reason": i.reason,
                "updated_at": i.updated_at,
            }
            for i in SmsRecipientItem.query(self._batch_pk(batch_id), SmsRecipientItem.sk.startswith("TO#"))
        ]

    def log(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Newest first; `cursor` is the key of the last batch of the page before."""
        pk = f"{self.company_id}#SMS"
        condition = SmsLogItem.sk < _cursor_decode(cursor) if cursor else None
        found: list[dict] = []
        last: str | None = None
        for item in SmsLogItem.query(pk, condition, scan_index_forward=False, limit=limit + 1):
            if len(found) == limit:
                return found, _cursor_encode(last or "")
            found.append(dict(item.batch))
            last = item.sk
        return found, None


def recipient_of_message(message_id: str) -> tuple[str, str, str] | None:
    """System lookup (delivery receipts): (company id, batch id, number) of a message we sent."""
    try:
        item = SmsMessageItem.get(f"SMSMSG#{message_id}", "SMS")
    except DoesNotExist:
        return None
    return item.company_id, item.batch_id, item.number
