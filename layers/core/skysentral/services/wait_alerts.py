"""B3: a wait alert when a waiting call reaches its queue's `wait_alert_s`.

Timing: at ENTERQUEUE (the call events rule → WaitAlertQueue → functions/wait_alerts)
`schedule` sends a check to WAIT_ALERT_QUEUE_URL delayed until the threshold (SQS
DelaySeconds ≤ 900; a longer threshold is re-delayed in steps by `check`). The check reads
the queue entry (one GetItem): still waiting (or being offered) → the alert.

Exactly one alert per call and queue: `store.wait_alert_repository.claim` is a conditional
put, and only its winner publishes the `WaitAlert` event (source `skysentral.switchboard`,
on the call events bus) and sends the SMS / e-mail to the queue's supervisors in their
language. A redelivered check finds the claim and does nothing. A failed SMS or e-mail is
logged, not retried (retrying the check would not send it: the claim is taken); the event
and the live view still show the alert.
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger

from skysentral.domain.pbx.call_events import CallEvent
from skysentral.texts import text

logger = Logger()

SOURCE = "skysentral.switchboard"
DETAIL_TYPE = "WaitAlert"
MAX_DELAY_S = 900
STILL_WAITING = ("waiting", "offered")


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


@lru_cache(maxsize=1)
def _events() -> Any:
    import boto3

    return boto3.client("events")


def _ms_of(at: str) -> int:
    """Exact milliseconds (float arithmetic could give one less than the entry's key)."""
    t = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return int(t.timestamp()) * 1000 + t.microsecond // 1000


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _send_check(check: dict[str, Any], now_ms: int) -> None:
    """`stepped`: the delay was cut at SQS's 900 s, so the check comes early and is sent on
    again; a check that was not cut is decided when it arrives, whatever the clock says (a
    clock that disagrees with SQS's, e.g. the local cloud's set clock, never loops it)."""
    wanted_s = math.ceil((check["due_ms"] - now_ms) / 1000)
    delay_s = max(0, min(MAX_DELAY_S, wanted_s))
    body = {**check, "stepped": wanted_s > MAX_DELAY_S}
    _sqs().send_message(
        QueueUrl=os.environ["WAIT_ALERT_QUEUE_URL"],
        MessageBody=json.dumps({"check": body}, separators=(",", ":")),
        DelaySeconds=delay_s,
    )


def schedule(event: CallEvent, now_ms: int) -> dict[str, Any] | None:
    """ENTERQUEUE → a delayed check at the queue's alert threshold (None: nothing to watch)."""
    from skysentral.store import call_repository

    if event.kind != "ENTERQUEUE" or not event.queue_id:
        return None
    plan = call_repository.routing_plan(event.company_id)
    queue = plan.queues.get(event.queue_id) if plan is not None else None
    if queue is None:
        return None
    entered_ms = _ms_of(event.at)
    check = {
        "company_id": event.company_id,
        "queue_id": event.queue_id,
        "call_id": event.call_id,
        "caller": event.caller,
        "entry": f"{entered_ms:013d}#{event.call_id}",
        "threshold_s": queue.wait_alert_s,
        "due_ms": entered_ms + queue.wait_alert_s * 1000,
    }
    _send_check(check, now_ms)
    return check


def check(check: dict[str, Any], now_ms: int, notify: Any = None) -> str:
    """The delayed check: "early" (re-delayed), "gone" (no longer waiting), "duplicate" (an
    alert was raised already) or "alerted"."""
    from pynamodb.exceptions import DoesNotExist

    from skysentral.store import call_repository, wait_alert_repository
    from skysentral.store.call_repository import QueueEntryItem, queue_key

    if check.get("stepped") and now_ms < check["due_ms"] - 500:  # thresholds over 900 s: delayed in steps
        _send_check(check, now_ms)
        return "early"
    company_id, queue_id, call_id = check["company_id"], check["queue_id"], check["call_id"]
    try:
        entry = QueueEntryItem.get(queue_key(company_id, queue_id), check["entry"], consistent_read=True)
    except DoesNotExist:
        return "gone"
    if entry.status not in STILL_WAITING:
        return "gone"
    entered_ms = int(check["entry"].split("#", 1)[0])
    wait_s = max(0, (now_ms - entered_ms) // 1000)
    at = _iso(now_ms)
    threshold_s = int(check["threshold_s"])
    caller = check.get("caller") or entry.caller
    if not wait_alert_repository.claim(company_id, call_id, queue_id, caller, wait_s, threshold_s, at, now_ms // 1000):
        return "duplicate"
    detail = {
        "company_id": company_id,
        "queue_id": queue_id,
        "call_id": call_id,
        "caller": caller,
        "wait_s": wait_s,
        "threshold_s": threshold_s,
        "at": at,
    }
    _events().put_events(
        Entries=[
            {
                "Source": SOURCE,
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(detail, separators=(",", ":")),
                "EventBusName": os.environ["CALL_EVENTS_BUS"],
            }
        ]
    )
    plan = call_repository.routing_plan(company_id)
    queue = plan.queues.get(queue_id) if plan is not None else None
    if queue is not None:
        notify_supervisors(detail, queue.name, queue.supervisors, call_repository.employees(company_id), notify)
    return "alerted"


def notify_supervisors(
    detail: dict[str, Any], queue_name: str, supervisors: Any, employees: dict[str, Any], notify: Any = None
) -> list[tuple[str, str]]:
    """SMS and/or e-mail per supervisor's channels, in their language; [(channel, address)] sent."""
    from skysentral.adapters import email, sms

    send_sms, send_email = (notify.send_sms, notify.send_email) if notify else (sms.send_sms, email.send_email)
    sent = []
    for sup in supervisors:
        person = employees.get(sup.employee_id)
        if person is None:
            continue
        language = getattr(person, "language", "nb") or "nb"
        params = {
            "caller": detail["caller"] or "?",
            "wait_s": detail["wait_s"],
            "queue": queue_name,
            "threshold_s": detail["threshold_s"],
        }
        for channel in sup.channels:
            address = person.mobile if channel == "sms" else person.email
            if not address:
                continue
            try:
                if channel == "sms":
                    send_sms(address, text(language, "switchboard.wait_alert_sms", **params))
                else:
                    send_email(
                        address,
                        text(language, "switchboard.wait_alert_subject", **params),
                        text(language, "switchboard.wait_alert_email", **params),
                    )
            except Exception:  # one supervisor's channel failing must not stop the others
                logger.exception("wait alert not delivered", extra={"channel": channel, "employee_id": sup.employee_id})
                continue
            sent.append((channel, address))
    return sent
