"""B5 SMS centre: send a text to numbers, employees, external contacts and departments;
the log, each recipient's status and the delivery receipts.

POST /switchboard/sms → recipients resolved (E.164, each number once) → the per-company
rate limit (one conditional UpdateItem; over it nothing is written) → the batch and one
item per recipient (`queued`) → messages on the SmsOutboxQueue → functions/sms_send sends
each recipient once (`sending` is claimed with a condition) and marks it `sent` or `failed`
→ a delivery receipt (End User Messaging event, SNS → SQS) marks it `delivered` or `failed`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from skysentral.domain import organisation, sms_parts
from skysentral.domain.errors import InvalidInput, NotFound, RateLimited, SmsRefused
from skysentral.domain.identity import Identity
from skysentral.store.directory_repository import AuditEntry, Directory
from skysentral.store.sms_repository import Recipient, SmsStore, recipient_of_message

OUTBOX_QUEUE_ENV = "SMS_OUTBOX_QUEUE_URL"
DEFAULT_PARTS_PER_MINUTE = 300
MAX_TEXT_BYTES = 1600  # what one SNS Publish (or SendTextMessage) takes
NUMBERS_PER_MESSAGE = 25  # recipients per outbox message: a Lambda invocation sends at most this many


def parts_per_minute() -> int:
    """B5: SMS_PARTS_PER_MINUTE per company (default 300)."""
    try:
        return max(1, int(os.environ.get("SMS_PARTS_PER_MINUTE", DEFAULT_PARTS_PER_MINUTE)))
    except ValueError:
        return DEFAULT_PARTS_PER_MINUTE


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------- recipients
def contact_recipient(directory: Directory, contact_id: str) -> Recipient:
    """An external contact's mobile (or other) number. The directory part owns the contacts
    (store/contact_repository.py, built beside this part): wire it here when merged. Until
    then no contact exists, which is what another company's contact looks like too (404)."""
    raise NotFound(f"No contact {contact_id}.")


def resolve(
    directory: Directory,
    wanted: list[dict],
    contact_of: Callable[[Directory, str], Recipient] = contact_recipient,
) -> list[Recipient]:
    """B5: the numbers to send to, in the order asked, each number once (the first way it
    was named wins). Unknown employees, contacts and departments are 404; a bad number 400."""
    found: dict[str, Recipient] = {}
    employees: list[organisation.Employee] | None = None

    def add(r: Recipient) -> None:
        found.setdefault(r.number, r)

    for ask in wanted:
        if ask.get("number") is not None:
            add(Recipient(organisation.to_e164(ask["number"]), None, {"kind": "number"}))
        elif ask.get("employee_id") is not None:
            employee = directory.employee(ask["employee_id"])
            if not employee.mobile:
                raise InvalidInput(f"{employee.name} has no mobile number.", code="no_mobile_number")
            add(
                Recipient(
                    organisation.to_e164(employee.mobile), employee.name, {"kind": "employee", "id": ask["employee_id"]}
                )
            )
        elif ask.get("contact_id") is not None:
            add(contact_of(directory, ask["contact_id"]))
        elif ask.get("department_id") is not None:
            department = directory.department(ask["department_id"])
            within = organisation.subtree(directory.departments(), {department.department_id})
            employees = directory.employees() if employees is None else employees
            for e in sorted(employees, key=lambda e: e.name):
                if e.department_id in within and e.mobile:
                    add(
                        Recipient(
                            organisation.to_e164(e.mobile),
                            e.name,
                            {"kind": "department", "id": department.department_id},
                        )
                    )
    return list(found.values())


# ---------------------------------------------------------------- sending
def send(
    identity: Identity,
    directory: Directory,
    wanted: list[dict],
    text: str,
    now: datetime,
    *,
    contact_of: Callable[[Directory, str], Recipient] = contact_recipient,
) -> dict:
    """POST /switchboard/sms → 202 {batch_id, recipients, encoding, parts, parts_total}."""
    if not text.strip():
        raise InvalidInput("The text is empty.", code="empty_text")
    if len(text.encode()) > MAX_TEXT_BYTES:
        raise InvalidInput(f"The text is longer than {MAX_TEXT_BYTES} bytes.", code="text_too_long")
    if not wanted:
        raise InvalidInput("Name at least one recipient.", code="no_recipients")
    recipients = resolve(directory, wanted, contact_of)
    if not recipients:
        raise InvalidInput("None of the recipients has a mobile number.", code="no_recipients")
    split = sms_parts.split(text)
    parts_total = split.count * len(recipients)
    store = SmsStore(directory.company_id)
    limit = parts_per_minute()
    retry_after = store.take_parts(parts_total, limit, now)
    if retry_after is not None:
        raise RateLimited(
            f"At most {limit} SMS parts a minute per company; this needs {parts_total}. Nothing was sent.",
            retry_after_s=retry_after,
        )
    batch: dict[str, Any] = {
        "batch_id": f"sms-{now.astimezone(UTC).strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}",
        "created_at": _stamp(now),
        "sent_by": identity.user_id,
        "text": text,
        "encoding": split.encoding,
        "parts": split.count,
        "recipients": len(recipients),
        "parts_total": parts_total,
    }
    store.save_batch(batch, recipients, now)
    _enqueue(directory.company_id, batch, [r.number for r in recipients])
    directory.commit(
        identity,
        audit=AuditEntry(
            "sms.sent",
            batch["batch_id"],
            None,
            {"text": text, "numbers": [r.number for r in recipients], "parts_total": parts_total},
        ),
        now=now,
    )
    return {k: batch[k] for k in ("batch_id", "recipients", "encoding", "parts", "parts_total")}


def _enqueue(company_id: str, batch: dict, numbers: list[str]) -> None:
    from skysentral.adapters import queues

    messages: list[Any] = [
        {
            "company_id": company_id,
            "batch_id": batch["batch_id"],
            "text": batch["text"],
            "numbers": numbers[i : i + NUMBERS_PER_MESSAGE],
        }
        for i in range(0, len(numbers), NUMBERS_PER_MESSAGE)
    ]
    queues.send(queues.queue_url(OUTBOX_QUEUE_ENV), messages)


def deliver_outbox(message: dict, send_sms: Callable[[str, str], str], now: Callable[[], datetime]) -> dict:
    """functions/sms_send: send the message's recipients that are still `queued`; a recipient
    another delivery of the same message has claimed is skipped (sent once, not twice).
    A number the provider refuses (SmsRefused) is `failed` with its reason; when the provider
    cannot be reached the recipient goes back to `queued` and the message is retried."""
    store = SmsStore(message["company_id"])
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for number in message["numbers"]:
        if not store.claim(message["batch_id"], number, now()):
            counts["skipped"] += 1
            continue
        try:
            message_id = send_sms(number, message["text"])
        except SmsRefused as refused:  # this number will not take it: the recipient's reason
            store.mark_failed(message["batch_id"], number, refused.message, now())
            counts["failed"] += 1
            continue
        except Exception:  # the provider not reached: back to queued, and SQS delivers the message again
            store.release(message["batch_id"], number, now())
            raise
        store.mark_sent(message["batch_id"], number, message_id, now())
        counts["sent"] += 1
    return counts


# ---------------------------------------------------------------- delivery receipts
# End User Messaging SMS event types (configuration set → SNS); anything else is not final
DELIVERED_EVENTS = {"TEXT_DELIVERED", "TEXT_SUCCESSFUL"}
FAILED_EVENTS = {
    "TEXT_BLOCKED",
    "TEXT_CARRIER_UNREACHABLE",
    "TEXT_INVALID",
    "TEXT_INVALID_MESSAGE",
    "TEXT_SPAM",
    "TEXT_TTL_EXPIRED",
    "TEXT_UNREACHABLE",
    "TEXT_CARRIER_BLOCKED",
    "TEXT_OPTED_OUT",
    "TEXT_PROTECT_BLOCKED",
    "TEXT_UNKNOWN",
}


def apply_receipt(event: dict, now: datetime) -> str:
    """A delivery receipt (the End User Messaging event, the body of the SNS notification):
    `delivered` or `failed` with the carrier's description. Answers what happened:
    delivered, failed, ignored (not final, or not our message) or stale (already final)."""
    kind = str(event.get("eventType", ""))
    if kind in DELIVERED_EVENTS:
        status = "delivered"
    elif kind in FAILED_EVENTS:
        status = "failed"
    else:
        return "ignored"
    found = recipient_of_message(str(event.get("messageId", "")))
    if found is None:
        return "ignored"
    company_id, batch_id, number = found
    reason = None if status == "delivered" else str(event.get("messageStatusDescription") or kind)[:300]
    changed = SmsStore(company_id).apply_receipt(batch_id, number, status, reason, now)
    return status if changed else "stale"


# ---------------------------------------------------------------- the log
def log(directory: Directory, limit: int, cursor: str | None) -> dict:
    """GET /switchboard/sms: the company's batches, newest first."""
    batches, next_cursor = SmsStore(directory.company_id).log(limit, cursor)
    return {"batches": batches, "next_cursor": next_cursor}


def batch(directory: Directory, batch_id: str) -> dict[str, Any]:
    """GET /switchboard/sms/{batch_id}: the batch and each recipient's status."""
    store = SmsStore(directory.company_id)
    found = store.batch(batch_id)
    recipients = store.recipients(batch_id)
    counts: dict[str, int] = {}
    for r in recipients:
        if r["status"] == "sending":  # claimed by the sender, not yet handed over: still queued to the user
            r["status"] = "queued"
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {**found, "statuses": counts, "to": recipients}
