"""Call events (A14, C10, and the switchboard's B1-B3 and statistics later): every step of a
call, modelled on Asterisk's queue_log, versioned. The JSON schema is
events/schemas/call_event.schema.json; a test keeps the two in step.

An event is identified by `event_id` = "<transaction id>#<sequence>#<n>" (the SMA
invocation that produced it and its place in that invocation's output; events made outside
an invocation, e.g. by the queue dispatcher, use "<transaction id>#d<ms>#<n>"), so a
redelivered invocation produces the same ids and consumers drop the duplicates. `at` is the
time of the step (UTC, ISO 8601 with milliseconds); consumers order by (at, event_id), never
by arrival.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

SCHEMA_VERSION = 1
SOURCE = "skysentral.pbx"  # EventBridge source
DETAIL_TYPE = "CallEvent"

# Caller path (queue_log names), then ringing, transfers, members, and the call's own steps.
KINDS = (
    "INCOMING",  # a call reached the company (number dialled, caller)
    "ROUTED",  # the call went to a destination (menu, group, queue, person, voicemail, external)
    "MENU",  # the caller heard a menu
    "KEYPRESS",  # the caller pressed a key (digits)
    "INVALIDKEY",
    "ENTERQUEUE",
    "CONNECT",  # holdtime_s, ringtime_s
    "ABANDON",  # position, original_position, wait_s
    "EXITEMPTY",
    "EXITWITHKEY",
    "EXITWITHTIMEOUT",
    "COMPLETECALLER",  # holdtime_s, talk_s
    "COMPLETEAGENT",
    "RINGNOANSWER",  # employee_id, ring_s
    "RINGCANCELED",
    "TRANSFER",
    "BLINDTRANSFER",
    "CALLBACK_REQUESTED",
    "CALLBACK_DIALLED",  # attempt
    "CALLBACK_FAILED",
    "VOICEMAIL",
    "ANSWERED",  # a direct (non-queue) call answered by a person
    "NOANSWER",
    "HANGUP",  # the call ended (by whom, duration_s)
    "AGENTLOGIN",
    "AGENTLOGOFF",
    "OUTBOUND",  # click-to-dial / callback / outgoing call started
    "BARRED",  # A9: an outgoing call refused
    # B3/B4 (the switchboard's call handling, services.call_handling)
    "ASSIGNED",  # the operator offered the call to employee_id (data.by)
    "HOLD",  # the call was parked (data.by; employee_id: the agent whose leg ended)
    "UNHOLD",  # a held call was picked up: employee_id answered it
)


@dataclass(frozen=True)
class CallEvent:
    event_id: str
    kind: str
    company_id: str
    call_id: str  # the caller's transaction id: groups a call's events
    at: str
    caller: str = ""  # E.164 or extension of the calling party
    called: str = ""  # the number dialled
    queue_id: str | None = None
    group_id: str | None = None
    employee_id: str | None = None  # the person offered, answering, logging in …
    data: dict[str, Any] = field(default_factory=dict)  # kind-specific figures (holdtime_s …)
    version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CallEvent:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


REQUIRED = ("event_id", "kind", "company_id", "call_id", "at")


def of_envelope(body: str) -> CallEvent | None:
    """The CallEvent in an EventBridge event as its consumers' SQS queues carry it (the
    event's `detail`), or None when it is not a call event of a version we read (retrying
    cannot help such a message: consumers log and drop it)."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if (
        not isinstance(detail, dict)
        or detail.get("version") != SCHEMA_VERSION
        or detail.get("kind") not in KINDS
        or not all(isinstance(detail.get(k), str) and detail.get(k) for k in REQUIRED)
        or not isinstance(detail.get("data", {}), dict)
    ):
        return None
    try:
        datetime.fromisoformat(detail["at"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return CallEvent.from_dict(detail)
