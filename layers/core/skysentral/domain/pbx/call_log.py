"""The call log (A14, C10): a call's events (domain.pbx.call_events) folded into one
`CallRecord`, and the mobile status (A8) an event implies. Pure.

Events arrive through SQS: in any order, and possibly more than once. `fold` drops
duplicates by `event_id` and orders by (`at`, `event_id`), so the same set of events always
gives the same record, however they arrived.

What the fold reads of each kind (beyond `at`, `caller`, `called`, `queue_id`, `group_id`,
`employee_id`), all optional, so older or partial events still fold:
- INCOMING: `data.internal` (an extension called an extension), else a caller without "+"
  makes the call internal. OUTBOUND: `employee_id` (who calls), `data.answered` (the other
  party answered), `data.op` (click_to_dial, callback, ...).
- ROUTED: `data.destination` (menu, group, queue, person, voicemail, external) and `data.target`.
- CONNECT: `data.holdtime_s`; COMPLETECALLER/COMPLETEAGENT: `data.talk_s`;
  HANGUP: `data.by` (caller, agent, system or an employee id), `data.duration_s`;
  ABANDON: `data.wait_s`; RINGNOANSWER: `data.ring_s`; TRANSFER/BLINDTRANSFER: `data.to`.
- The switchboard (B3, B4): ASSIGNED (`employee_id`, `data.by`), HOLD (`data.by`; `employee_id`
  the agent whose leg ended), UNHOLD (`employee_id` who picked up), BLINDTRANSFER (`data.to`
  {kind, target}, `data.by`). Their path steps say it in words: `assigned_to`, `held_by`,
  `picked_up_by`, `transferred_to` (and `by`, the operator).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from skysentral.domain.pbx.call_events import CallEvent

ANSWER_KINDS = ("CONNECT", "ANSWERED")
END_KINDS = ("HANGUP", "COMPLETECALLER", "COMPLETEAGENT")
START_KINDS = ("INCOMING", "OUTBOUND")
NOT_IN_PATH = ("AGENTLOGIN", "AGENTLOGOFF")  # an agent's own steps, not the call's
SWITCHBOARD_KINDS = ("ASSIGNED", "HOLD", "UNHOLD", "BLINDTRANSFER")  # B3/B4: the operator is `data.by`

DIRECTIONS = ("inbound", "outbound", "internal")
CALL_KINDS = ("direct", "queue", "group")
OUTCOMES = (
    "in_progress",
    "answered",
    "abandoned",
    "voicemail",
    "callback_requested",
    "overflowed",
    "no_answer",
    "barred",
)

IN_CALL, IDLE = "in_call", "idle"


@dataclass(frozen=True)
class CallRecord:
    call_id: str
    company_id: str
    direction: str
    kind: str
    caller: str
    called: str
    started_at: str | None  # None until the INCOMING/OUTBOUND event has been seen
    answered: bool
    answered_by: str | None
    wait_s: int | None  # to the answer (answered) or to the end (not answered)
    talk_s: int | None
    duration_s: int | None
    ended_at: str | None
    ended_by: str | None
    outcome: str
    caller_name: str | None = None  # from the directory or the number lookup (A14)
    called_name: str | None = None  # of an outbound call's other party
    queue_ids: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)  # employees involved, first seen first
    path: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CallRecord:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def summary(self) -> dict[str, Any]:
        """The record without its path: one line of a listing."""
        d = self.to_dict()
        d.pop("path")
        return d


def ordered(events: list[CallEvent]) -> list[CallEvent]:
    """Each event once (by event_id), in (at, event_id) order. Two deliveries of one id carry
    the same content; if they did not, the choice still does not depend on arrival order."""
    unique: dict[str, CallEvent] = {}
    for e in sorted(events, key=lambda e: (e.at, e.event_id, json.dumps(e.to_dict(), sort_keys=True))):
        unique.setdefault(e.event_id, e)
    return sorted(unique.values(), key=lambda e: (e.at, e.event_id))


def _ts(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def _seconds(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((_ts(end) - _ts(start)).total_seconds()))


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _step(e: CallEvent) -> dict[str, Any]:
    step: dict[str, Any] = {"at": e.at, "kind": e.kind}
    for key in ("queue_id", "group_id", "employee_id"):
        if getattr(e, key):
            step[key] = getattr(e, key)
    if e.data:
        step["data"] = dict(e.data)
    by = e.data.get("by") if e.kind in SWITCHBOARD_KINDS and isinstance(e.data.get("by"), str) else None
    if e.kind == "ASSIGNED" and e.employee_id:
        step["assigned_to"] = e.employee_id
    elif e.kind == "HOLD" and by:
        step["held_by"] = by
    elif e.kind == "UNHOLD" and e.employee_id:
        step["picked_up_by"] = e.employee_id
    elif e.kind in ("BLINDTRANSFER", "TRANSFER") and isinstance(e.data.get("to"), dict | str):
        to = e.data["to"]
        step["transferred_to"] = f"{to.get('kind', '')}:{to.get('target', '')}" if isinstance(to, dict) else to
    if by and e.kind != "HOLD":
        step["by"] = by
    return step


def fold(events: list[CallEvent], names: Mapping[str, str | None] | None = None) -> CallRecord:
    """A14: the record of one call from its events (at least one; all of one call_id);
    `names` maps numbers to the names found for them (caller_name, called_name)."""
    evs = ordered(events)
    if not evs:
        raise ValueError("fold needs at least one event")
    first = evs[0]
    start = next((e for e in evs if e.kind in START_KINDS), None)
    kinds = {e.kind for e in evs}

    caller = start.caller if start else next((e.caller for e in evs if e.caller), "")
    called = start.called if start else next((e.called for e in evs if e.called), "")
    if start is not None and start.kind == "OUTBOUND":
        direction = "outbound" if called.startswith("+") or not called else "internal"
    elif (start is not None and start.data.get("internal")) or (caller and not caller.startswith("+")):
        direction = "internal"
    else:
        direction = "inbound"

    queue_ids = list(dict.fromkeys(e.queue_id for e in evs if e.queue_id))
    group_ids = list(dict.fromkeys(e.group_id for e in evs if e.group_id))
    routed_to = {str(e.data.get("destination", "")) for e in evs if e.kind == "ROUTED"}
    kind = "queue" if queue_ids or "ENTERQUEUE" in kinds else "group" if group_ids or "group" in routed_to else "direct"

    answer = next(
        (e for e in evs if e.kind in ANSWER_KINDS or (e.kind == "OUTBOUND" and e.data.get("answered"))),
        None,
    )
    ends = [e for e in evs if e.kind in END_KINDS]
    end = ends[-1] if ends else None
    hangup = next((e for e in reversed(evs) if e.kind == "HANGUP"), None)
    started_at = start.at if start else None
    ended_at = end.at if end else None

    if answer is not None:
        wait_s = _int(answer.data.get("holdtime_s")) if answer.kind == "CONNECT" else None
        if wait_s is None:
            wait_s = _seconds(started_at, answer.at) if answer.kind != "OUTBOUND" else 0
    else:
        abandon = next((e for e in evs if e.kind == "ABANDON"), None)
        wait_s = _int(abandon.data.get("wait_s")) if abandon else None
        if wait_s is None:
            wait_s = _seconds(started_at, ended_at)

    talk_s = None
    if answer is not None:
        complete = next((e for e in reversed(evs) if e.kind in ("COMPLETECALLER", "COMPLETEAGENT")), None)
        talk_s = _int(complete.data.get("talk_s")) if complete else None
        if talk_s is None:
            talk_s = _seconds(answer.at, ended_at)

    duration_s = _int(hangup.data.get("duration_s")) if hangup else None
    if duration_s is None:
        duration_s = _seconds(started_at or first.at, ended_at)

    if hangup is not None and hangup.data.get("by"):
        ended_by: str | None = str(hangup.data["by"])
    elif end is not None and end.kind == "COMPLETECALLER":
        ended_by = "caller"
    elif end is not None and end.kind == "COMPLETEAGENT":
        ended_by = "agent"
    elif hangup is not None and hangup.employee_id:
        ended_by = hangup.employee_id
    else:
        ended_by = None

    if "BARRED" in kinds:
        outcome = "barred"
    elif answer is not None:
        outcome = "answered"
    elif "CALLBACK_REQUESTED" in kinds:
        outcome = "callback_requested"
    elif "VOICEMAIL" in kinds:
        outcome = "voicemail"
    elif kinds & {"EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"}:
        outcome = "overflowed"
    elif "ABANDON" in kinds:
        outcome = "abandoned"
    elif end is None:
        outcome = "in_progress"
    elif "NOANSWER" in kinds or "RINGNOANSWER" in kinds or direction == "outbound" or ended_by not in ("caller", None):
        outcome = "no_answer"
    else:
        outcome = "abandoned"  # the caller hung up before anyone answered

    participants = list(dict.fromkeys(e.employee_id for e in evs if e.employee_id))
    return CallRecord(
        call_id=first.call_id,
        company_id=first.company_id,
        direction=direction,
        kind=kind,
        caller=caller,
        called=called,
        started_at=started_at,
        answered=answer is not None,
        answered_by=answer.employee_id if answer is not None else None,
        wait_s=wait_s,
        talk_s=talk_s,
        duration_s=duration_s,
        ended_at=ended_at,
        ended_by=ended_by,
        outcome=outcome,
        caller_name=(names or {}).get(caller),
        called_name=(names or {}).get(called),
        queue_ids=queue_ids,
        group_ids=group_ids,
        participants=participants,
        path=[_step(e) for e in evs if e.kind not in NOT_IN_PATH],
    )


@dataclass(frozen=True)
class MobileChange:
    """A8: what an event says of an employee's phone: in a call (on `call_id`) or idle."""

    employee_id: str
    state: str  # in_call | idle
    at: str
    call_id: str
    event_id: str


def mobile_changes(event: CallEvent, record: CallRecord) -> list[MobileChange]:
    """A8: an answer puts the answering employee in a call; the end of the call (or a
    transfer away from them) makes them idle. `record` is the call folded so far: an end
    event that names nobody frees every participant (the store frees only those whose
    status is still this call)."""

    def change(emp: str, state: str) -> MobileChange:
        return MobileChange(emp, state, event.at, event.call_id, event.event_id)

    if event.kind in ANSWER_KINDS or (event.kind == "OUTBOUND" and event.data.get("answered")):
        return [change(event.employee_id, IN_CALL)] if event.employee_id else []
    if event.kind in ("TRANSFER", "BLINDTRANSFER", "HOLD"):  # the agent's leg ended, the call goes on
        return [change(event.employee_id, IDLE)] if event.employee_id else []
    if event.kind in END_KINDS:
        return [change(emp, IDLE) for emp in record.participants]
    return []


def final_mobile_changes(events: list[CallEvent], record: CallRecord) -> list[MobileChange]:
    """A8: the last change this call makes to each employee's phone, from all its events:
    however the events arrived, an ended call leaves nobody in it (an answer seen after the
    hang-up does not put its employee back in the call)."""
    last: dict[str, MobileChange] = {}
    for event in ordered(events):
        for change in mobile_changes(event, record):
            last[change.employee_id] = change
    return [last[e] for e in sorted(last)]
