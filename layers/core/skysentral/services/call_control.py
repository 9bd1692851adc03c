"""Call control (A1-A5, A7, A9-A13): one SIP media application invocation in, the response out.

Idempotent on (TransactionId, Sequence) (issue 9; the service retries after 5 s): the call's
`CALL#<txn>`/`STATE` item is written with the condition "stored Sequence older than this
one", holding the new state AND the response. A duplicate (same Sequence) gets the stored
response back and changes nothing; an older Sequence (out of order) gets a safe empty
response and changes nothing. The queue entry of a caller who enters a queue is written in
the same transaction as the state; the other storage effects (closing an entry, freeing an
agent, a callback's retry) are applied after the state write succeeded, so a duplicate
never applies them twice. Call events are published after the write, dispatch requests
sent last.

Round trips (DynamoDB) per event: the state write, plus at most one or two look-ups
(dialled number and routing plan are cached per container, presence of a person rung,
a queue's length). TransactionAttributes carry the call's small state, so the stored state
is read only when they are missing (NEW_OUTBOUND_CALL's response is documented as ignored)
or when the write finds a newer Sequence.

`handle(event, voice=..., publish=..., dispatch=...)`: the adapters are parameters with the
real ones as defaults, so tests pass recording fakes.

Ring all (docs/pbx.md): the decision's StartFork / ForkWon / EndFork effects are carried out
here after the state write, with `voice` (adapters.chime_voice: meetings, create_call,
update_call); a failure there is logged and the call goes on (the caller's ring-time Pause
still ends the ring)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from skysentral import clock
from skysentral.domain.pbx import call_flow
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.routing_plan import Destination, RoutingPlan

logger = logging.getLogger(__name__)


def _publish_default(events: list[CallEvent]) -> None:
    from skysentral.adapters import call_event_bus

    call_event_bus.publish(events)


def _dispatch_default(
    company_id: str, queue_id: str, reason: str, delay_s: int = 0, call_id: str | None = None
) -> None:
    from skysentral.services import queue_dispatch

    queue_dispatch.request_dispatch(company_id, queue_id, reason, delay_s, call_id=call_id)


def safe_response(event: Any) -> dict[str, Any]:
    """A response that does nothing and that the service accepts."""
    version = event.get("SchemaVersion", "1.0") if isinstance(event, dict) else "1.0"
    return {"SchemaVersion": str(version or "1.0"), "Actions": []}


class StoreFacts:
    """call_flow.Facts from the CallsTable and the directory (employees cached)."""

    def __init__(self, company_id: str, at: datetime):
        self.company_id, self.at = company_id, at

    def _employees(self) -> dict[str, Any]:
        from skysentral.store import call_repository

        return call_repository.employees(self.company_id)

    def person(self, employee_id: str) -> call_flow.Person | None:
        from skysentral.store import call_repository

        emp = self._employees().get(employee_id)
        if emp is None:
            return None
        pres = call_repository.presence(self.company_id, employee_id)
        return call_flow.Person(
            employee_id=employee_id,
            name=emp.name,
            mobile=emp.mobile,
            extension=emp.extension,
            softphone_uri=pres.softphone_uri if pres else None,
            availability=availability(pres.manual if pres else None, pres.calendar if pres else None, self.at),
            display_number=emp.mobile if emp.display_number == "personal" else None,
        )

    def person_by_extension(self, extension: str) -> call_flow.Person | None:
        for employee_id, emp in self._employees().items():
            if emp.extension == extension:
                return self.person(employee_id)
        return None

    def queue_length(self, queue_id: str) -> int:
        from skysentral.store import call_repository

        return call_repository.waiting_count(self.company_id, queue_id)

    def ring_memory(self, group_id: str) -> dict[str, Any]:
        from skysentral.store import call_repository

        return call_repository.ring_memory(self.company_id, group_id)

    def barring(self, employee_id: str) -> Any:
        from skysentral.store import call_repository

        return call_repository.barring_settings(self.company_id, employee_id)

    def meeting_by_pin(self, pin: str) -> tuple[str, str] | None:
        from skysentral.services import calls_placed

        return calls_placed.meeting_by_pin(self.company_id, pin)

    def claim_fork(self, call_id: str, claimant: str) -> bool:
        from skysentral.store import call_repository

        return call_repository.claim_fork(call_id, claimant)


def availability(manual: Any, calendar: Any, at: datetime) -> str:
    """A7: the state that routes a person's calls (domain.pbx.presence.effective_availability)
    from the stored presence: `manual` an Availability's JSON or null, `calendar` today's
    entries (Graph events, or {"subject","start","end","show_as"} with ISO times)."""
    from skysentral.domain.errors import InvalidInput
    from skysentral.domain.pbx import presence

    try:
        m = manual if isinstance(manual, dict) else (json.loads(manual) if isinstance(manual, str) else None)
        chosen = (
            presence.Availability(**{k: m[k] for k in ("state", "source", "until", "note") if k in m}) if m else None
        )
        entries = []
        for e in calendar if isinstance(calendar, list) else []:
            if isinstance(e.get("start"), dict):
                entries.append(presence.CalendarEntry.from_graph(e))
            else:
                entries.append(
                    presence.CalendarEntry(
                        str(e.get("subject") or ""),
                        datetime.fromisoformat(str(e["start"]).replace("Z", "+00:00")),
                        datetime.fromisoformat(str(e["end"]).replace("Z", "+00:00")),
                        str(e.get("show_as") or e.get("showAs") or "busy"),
                    )
                )
        return presence.effective_availability(chosen, entries, at).state
    except (InvalidInput, KeyError, TypeError, ValueError, AttributeError):
        logger.warning("unreadable presence: counted as available", extra={"manual": manual})
        return "available"


def entry_destination(plan: RoutingPlan, at: datetime) -> Destination:
    """A6: domain.pbx.opening_hours (Europe/Oslo, Norwegian holidays, dated exceptions)."""
    from skysentral.domain.pbx import opening_hours

    destination, _reason = opening_hours.entry_destination(plan, at)
    return destination


def _context(ev: call_flow.SmaEvent, attrs: dict[str, str], at: datetime, now_ms: int) -> call_flow.Context:
    from skysentral.store import call_repository

    company_id = attrs.get("company") or attrs.get("company_id") or None
    entry: Destination | None = None
    outgoing: str | None = None
    if ev.type == "NEW_INBOUND_CALL" and ev.leg_a is not None:
        a = ev.leg_a
        owners = call_repository.number_owners([a.to, a.from_])
        dialled, calling = owners.get(a.to), owners.get(a.from_)
        if dialled is not None:
            company_id = dialled.company_id
        elif calling is not None and calling.employee_id:  # A9/A13: a softphone calls out
            company_id, outgoing = calling.company_id, calling.employee_id
        plan = call_repository.routing_plan(company_id) if company_id else None
        if dialled is not None and plan is not None:
            d = dialled.destination
            entry = Destination(d["kind"], d.get("target", "")) if d else entry_destination(plan, at)
    else:
        plan = call_repository.routing_plan(company_id) if company_id else None
    return call_flow.Context(
        company_id=company_id,
        plan=plan,
        now_ms=now_ms,
        at_iso=at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        entry=entry,
        outgoing_employee=outgoing,
        voice_connector_arn=os.environ.get("VOICE_CONNECTOR_ARN", ""),
        voicemail_bucket=os.environ.get("VOICEMAIL_BUCKET", ""),
        rng=random.random,
    )


def decide(
    event: Any, attrs_of: Callable[[str], dict[str, str]] | None = None, facts: call_flow.Facts | None = None
) -> tuple[call_flow.SmaEvent | None, call_flow.Decision]:
    """Parse, resolve the context and decide (no writes). `attrs_of(txn)` gives the stored
    state when the event carries no TransactionAttributes."""
    at = clock.now()
    now_ms = int(at.timestamp() * 1000)
    try:
        ev = call_flow.parse_event(event)
    except call_flow.Malformed:
        return call_flow.decide(event, _EMPTY_CONTEXT, _NoFacts())
    attrs = ev.attrs
    if not attrs and ev.type not in ("NEW_INBOUND_CALL", "NEW_OUTBOUND_CALL") and attrs_of is not None:
        attrs = attrs_of(ev.transaction_id)
        if attrs:
            event = {**event, "CallDetails": {**event["CallDetails"], "TransactionAttributes": attrs}}
    ctx = _context(ev, attrs, at, now_ms)
    if facts is None:
        facts = StoreFacts(ctx.company_id, at) if ctx.company_id else _NoFacts()
    return call_flow.decide(event, ctx, facts)


_EMPTY_CONTEXT = call_flow.Context(None, None, 0, "")


class _NoFacts:
    def person(self, employee_id: str) -> None:
        return None

    def person_by_extension(self, extension: str) -> None:
        return None

    def queue_length(self, queue_id: str) -> int:
        return 0

    def ring_memory(self, group_id: str) -> dict[str, Any]:
        return {}

    def barring(self, employee_id: str) -> None:
        return None

    def meeting_by_pin(self, pin: str) -> None:
        return None

    def claim_fork(self, call_id: str, claimant: str) -> bool:
        return False


def handle(
    event: Any,
    voice: Any = None,
    publish: Callable[[list[CallEvent]], None] = _publish_default,
    dispatch: Callable[..., None] = _dispatch_default,
) -> dict[str, Any]:
    """The response to one SMA invocation. Raises only for storage errors (the service then
    retries, which the idempotency makes harmless); the handler logs and answers safely."""
    from skysentral.store import call_repository

    stored: dict[str, call_repository.StoredCall | None] = {}

    def attrs_of(txn: str) -> dict[str, str]:
        stored[txn] = call_repository.stored_call(txn)
        s = stored[txn]
        return dict(s.attrs) if s else {}

    ev, decision = decide(event, attrs_of)
    if decision.error:
        logger.error("call control: %s", decision.error, extra={"event_type": getattr(ev, "type", None)})
    if ev is None:
        return safe_response(event)
    response = decision.response(ev.schema_version)
    now = clock.now()
    now_ms, now_s = int(now.timestamp() * 1000), int(now.timestamp())
    company_id = decision.attrs.get("company") or None
    extra = [
        call_repository.put_entry(company_id or "", e.queue_id, e.entry, e.caller, e.position, now_s)
        for e in decision.effects
        if isinstance(e, call_flow.Enqueue)
    ]
    item = call_repository.state_item(ev.transaction_id, ev.sequence, response, decision.attrs, company_id, now_s)
    try:
        call_repository.save_state(item, extra)
    except call_repository.StaleSequence:
        previous = stored.get(ev.transaction_id) or call_repository.stored_call(ev.transaction_id)
        if previous is not None and previous.sequence == ev.sequence:
            logger.info("duplicate invocation", extra={"txn": ev.transaction_id, "sequence": ev.sequence})
            return previous.response
        logger.warning("out-of-order invocation", extra={"txn": ev.transaction_id, "sequence": ev.sequence})
        return safe_response(event)
    _apply(decision, company_id or "", ev.transaction_id, now_ms, dispatch)
    _forks(decision, company_id or "", now_s, voice)
    if decision.events:
        publish(decision.events)
    return response


def _apply(decision: call_flow.Decision, company_id: str, txn: str, now_ms: int, dispatch: Callable[..., None]) -> None:
    from skysentral.store import call_repository as repo
    from skysentral.store.call_repository import QueueEntryItem

    agents = repo.AgentRepository(company_id)
    dispatches: list[call_flow.RequestDispatch] = []
    for e in decision.effects:
        if isinstance(e, call_flow.CloseEntry) and e.entry:
            repo.delete_entry(company_id, e.queue_id, e.entry)
        elif isinstance(e, call_flow.EntryToCallback):  # A5: same sort key, same place
            repo.update_entry(
                company_id,
                e.queue_id,
                e.entry,
                QueueEntryItem.kind.set("callback"),
                QueueEntryItem.status.set("callback_waiting"),
                QueueEntryItem.caller.set(e.number),
                QueueEntryItem.not_before_ms.set(0),
            )
            dispatches.append(call_flow.RequestDispatch(e.queue_id, "callback"))
        elif isinstance(e, call_flow.EntryBackToWaiting):
            repo.update_entry(
                company_id, e.queue_id, e.entry, QueueEntryItem.status.set("waiting"), QueueEntryItem.agent.remove()
            )
        elif isinstance(e, call_flow.CallbackAttemptFailed):
            _callback_attempt_failed(company_id, txn, e, now_ms, dispatches, decision)
        elif isinstance(e, call_flow.ReleaseAgent):
            agents.release(e.employee_id, e.queue_id, e.wrapup_s, e.completed, now_ms)
        elif isinstance(e, call_flow.SaveRingMemory):
            repo.RingMemoryItem(f"{company_id}#GROUP#{e.group_id}", "STATE", memory=e.memory).save()
        elif isinstance(e, call_flow.RequestDispatch):
            dispatches.append(e)
        elif isinstance(e, call_flow.PutHold):  # B3: parked
            call_id, queue_id = decision.attrs.get("call_id") or txn, decision.attrs.get("queue_id") or None
            repo.put_hold(company_id, call_id, e.caller, e.held_by, e.held_ms, queue_id)
        elif isinstance(e, call_flow.DeleteHold) and e.hold:
            repo.delete_hold(company_id, e.hold)
        elif isinstance(e, call_flow.HoldOfferEnded) and e.hold:
            repo.release_hold(company_id, e.hold)
    if decision.attrs.get("node") == "connected" and decision.attrs.get("agent"):
        agents.on_call(decision.attrs["agent"], decision.attrs.get("call_id") or txn)
    for d in dispatches:
        dispatch(company_id, d.queue_id, d.reason, d.delay_s, call_id=d.call_id)


def _forks(decision: call_flow.Decision, company_id: str, now_s: int, voice: Any) -> None:
    """Ring all (docs/pbx.md): the calls and meetings behind StartFork, ForkWon, EndFork."""
    effects = [
        e for e in decision.effects if isinstance(e, call_flow.StartFork | call_flow.ForkWon | call_flow.EndFork)
    ]
    if not effects:
        return
    if voice is None:
        from skysentral.adapters import chime_voice

        voice = chime_voice
    for e in effects:
        try:
            if isinstance(e, call_flow.StartFork):
                _start_fork(e, company_id, now_s, voice)
            elif isinstance(e, call_flow.ForkWon):
                _fork_won(e, voice)
            else:
                _end_fork(e, voice)
        except Exception:  # the call goes on (the ring time still ends it); log for the operator
            logger.exception("ringall: %s failed", type(e).__name__, extra={"call_id": e.call_id})


def _hang_up(voice: Any, txn: str, reason: str) -> None:
    from skysentral.adapters.chime_voice import CallGone

    with contextlib.suppress(CallGone):
        voice.update_call(txn, {"op": "hangup", "reason": reason})


def _start_fork(e: call_flow.StartFork, company_id: str, now_s: int, voice: Any) -> None:
    from skysentral.store import call_repository as repo

    meeting = voice.create_meeting(f"fork-{e.call_id}"[:64])
    meeting_id = meeting["MeetingId"]
    caller = voice.create_attendee(meeting_id, f"caller-{e.call_id}"[:64])
    repo.put_fork(e.call_id, company_id, meeting_id, caller["JoinToken"], now_s)
    forks: dict[str, str] = {}
    for employee_id, number in e.targets:
        try:
            attendee = voice.create_attendee(meeting_id, employee_id)
            txn = voice.create_call(
                e.from_number,
                number,
                {
                    "op": "fork",
                    "company_id": company_id,
                    "call_id": e.call_id,
                    "employee_id": employee_id,
                    "group_id": e.group_id,
                    "caller": e.caller,
                    "meeting_id": meeting_id,
                    "attendee_token": attendee["JoinToken"],
                },
            )
        except Exception:  # one member's phone: the others still ring
            logger.exception("ringall: could not ring %s", employee_id, extra={"call_id": e.call_id})
            continue
        forks[txn] = employee_id
    item = repo.add_forks(e.call_id, forks)
    if item is not None and (item.ended or (item.winner and item.winner != "timeout")):
        for txn in forks:  # claimed or ended while the calls were being placed
            if txn != item.winner:
                _hang_up(voice, txn, "caller_left" if item.ended else "answered_elsewhere")


def _fork_won(e: call_flow.ForkWon, voice: Any) -> None:
    from skysentral.adapters.chime_voice import CallGone
    from skysentral.store import call_repository as repo

    item = repo.fork(e.call_id)
    if item is None:
        return
    args = {
        "op": "join_meeting",
        "meeting_id": item.meeting_id,
        "attendee_token": item.caller_token,
        "employee_id": e.employee_id,
    }
    try:
        voice.update_call(e.call_id, args)
    except CallGone:  # the caller left as the member answered
        _end_fork(call_flow.EndFork(e.call_id, "caller_left"), voice)
        return
    for txn in item.forks.as_dict() if item.forks else {}:
        if txn != e.winner_txn:
            _hang_up(voice, txn, "answered_elsewhere")


def _end_fork(e: call_flow.EndFork, voice: Any) -> None:
    from skysentral.store import call_repository as repo

    item = repo.end_fork(e.call_id, e.reason)
    if item is None:
        return
    for txn in item.forks.as_dict() if item.forks else {}:
        _hang_up(voice, txn, e.reason)
    voice.delete_meeting(item.meeting_id)
    if e.hang_up_caller:
        _hang_up(voice, e.call_id, e.reason)


def _callback_attempt_failed(
    company_id: str,
    txn: str,
    e: call_flow.CallbackAttemptFailed,
    now_ms: int,
    dispatches: list[call_flow.RequestDispatch],
    decision: call_flow.Decision,
) -> None:
    """A5: retry after retry_delay_s, up to max_attempts, then CALLBACK_FAILED."""
    from skysentral.store import call_repository as repo
    from skysentral.store.call_repository import QueueEntryItem

    if e.attempt >= e.max_attempts:
        repo.delete_entry(company_id, e.queue_id, e.entry)
        decision.events.append(
            CallEvent(
                event_id=f"{txn}#f{now_ms}#0",
                kind="CALLBACK_FAILED",
                company_id=company_id,
                call_id=e.entry.split("#", 1)[-1],
                at=datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                queue_id=e.queue_id,
                data={"attempts": e.attempt},
            )
        )
        return
    repo.update_entry(
        company_id,
        e.queue_id,
        e.entry,
        QueueEntryItem.status.set("callback_waiting"),
        QueueEntryItem.agent.remove(),
        QueueEntryItem.not_before_ms.set(now_ms + e.retry_delay_s * 1000),
        condition=QueueEntryItem.status == "callback_dialling",
    )
    dispatches.append(call_flow.RequestDispatch(e.queue_id, "callback_retry", min(900, e.retry_delay_s)))
