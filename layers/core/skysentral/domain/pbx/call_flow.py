"""The SIP media application's decisions (A1-A5, A7, A9, A10, A12, A13): one invocation event
plus the call's small state in, the response actions, the new state, the call events and
the storage effects out. Pure: what it must know about the company (people, their
presence, the length of a queue, ring memory) it asks `facts`, an object the service
passes in (services.call_control); what must change in storage it returns as `effects`
for the service to apply with the state write.

The state machine (TransactionAttributes `node`, string values only, the whole map sent
back every time, reference §4.3):

    NEW_INBOUND_CALL ─► route(destination)
      menu     SpeakAndGetDigits ─ digits ─► option / extension ─► route(...)
               ─ invalid / timeout ─► again (attempts < max_attempts) ─► on_invalid / on_timeout
      person   available? ─► ring (softphone first, then mobile: One Number) ─► connected
               ─ not available ─► presence_routing[state] ─ no answer ─► the person's voicemail
      group    offer order (ring_strategies) ─► CallAndBridge one member at a time
               ─ CallNotAnswered ─► next member ─ all declined ─► overflow
      fork     ringall with two or more members to ring (docs/pbx.md): Speak + Pause
               (ring_timeout_s) while the service rings every member (op=fork calls); the
               first member to answer claims the call and joins a meeting, the caller is
               sent the same meeting (CALL_UPDATE_REQUESTED join_meeting) ─► connected;
               the Pause ends unclaimed ─► forks hung up, overflow
      queue    entry written, hold loop (Speak + Pause) with ReceiveDigits for the callback key
               ─ CALL_UPDATE_REQUESTED bridge (dispatcher) ─► offer ─► connected
               ─ callback key ─► entry kept as callback, caller told, call ended
               ─ CALL_UPDATE_REQUESTED overflow (max wait) ─► queue overflow
      (B3/B4, the switchboard: services.call_handling pokes the call, docs/switchboard-calls.md)
               ─ assign (a waiting or held call) ─► offer to that person ─► connected;
                 not answered ─► back to its place (queue entry, same sort key) or on hold
               ─ hold (connected) ─► Hangup LEG-B ─ its HANGUP ─► held: hold loop, agent freed
               ─ transfer (waiting, held, connected) ─► (Hangup LEG-B ─ its HANGUP ─►) route(to)
      voicemail Speak + RecordAudio ─► Speak thanks + Hangup
      external CallAndBridge PSTN (caller id = the main number)
    HANGUP ─► hang up the other leg, free the agent into wrap-up, close the entry, events

Responses never hold more than 10 actions and always echo the event's SchemaVersion.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.routing_plan import HANGUP, AnswerGroup, CallQueue, Destination, Member, Menu, RoutingPlan

EVENT_TYPES = (
    "NEW_INBOUND_CALL",
    "NEW_OUTBOUND_CALL",
    "RINGING",
    "CALL_ANSWERED",
    "ACTION_SUCCESSFUL",
    "ACTION_FAILED",
    "ACTION_INTERRUPTED",
    "HANGUP",
    "INVALID_LAMBDA_RESPONSE",
    "DIGITS_RECEIVED",
    "CALL_UPDATE_REQUESTED",
)
IGNORED_RESPONSES = ("NEW_OUTBOUND_CALL", "RINGING", "ACTION_INTERRUPTED")
MAX_ACTIONS = 10
LANGUAGE = "nb-NO"
VOICE = "Ida"
HOLD_PAUSE_MS = 30_000  # one hold cycle: every cycle costs an invocation (1,000 per call)
SOFTPHONE_FIRST_S = 8  # A10 fallback: the softphone alone this long, then the mobile
MAX_ROUTE_DEPTH = 8  # destinations leading to destinations (presence → switchboard → queue …)
VOICEMAIL_MAX_S = 120

TEXT = {
    "menu_invalid": "Ugyldig valg.",
    "not_available": "Beklager, vi kan ikke sette deg over nå.",
    "goodbye": "Takk for at du ringte. Ha det bra.",
    "queue_welcome": "Du er nummer {position} i køen.",
    "queue_hold": "Alle våre medarbeidere er opptatt. Vennligst vent.",
    "queue_callback": " Trykk {key} for å bli ringt opp igjen uten å miste plassen din.",
    "queue_full": "Køen er full.",
    "callback_ok": "Takk. Vi ringer deg tilbake på {number} når det er din tur. Ha det bra.",
    "voicemail": "Legg igjen en beskjed etter tonen. Trykk firkant når du er ferdig.",
    "voicemail_thanks": "Takk for beskjeden. Ha det bra.",
    "no_answer": "Nummeret svarer ikke.",
    "barred": "Dette nummeret er sperret for ditt abonnement.",
    "error": "Beklager, det oppstod en feil. Vennligst ring igjen senere.",
    "callback_agent": "Tilbakeringing fra kø {queue}. Vi setter deg over.",
    "fork_wait": "Et øyeblikk, vi setter deg over.",
    "on_hold": "Du er satt på vent. Vennligst vent.",
}
ASSIGN_RING_S = 25  # an assigned or picked-up call rings this long when no queue says otherwise
FORK_GRACE_MS = 5_000  # a member claimed the call as the ring time ran out: the join is on its way


# ---------------------------------------------------------------- what the flow needs to know


@dataclass(frozen=True)
class Person:
    """A person as call control sees them: where they can be rung and whether they want to be."""

    employee_id: str
    name: str = ""
    mobile: str | None = None  # E.164
    extension: str | None = None
    softphone_uri: str | None = None  # A13: SIP user behind the Voice Connector
    availability: str = "available"  # A7: presence.effective_availability, already applied
    display_number: str | None = None  # A10: the number shown when this person calls out


class Facts(Protocol):
    """Look-ups the flow makes; the service answers them from DynamoDB (cached where it can)."""

    def person(self, employee_id: str) -> Person | None: ...

    def person_by_extension(self, extension: str) -> Person | None: ...

    def queue_length(self, queue_id: str) -> int: ...

    def ring_memory(self, group_id: str) -> dict[str, Any]: ...

    def barring(self, employee_id: str) -> Any: ...

    def meeting_by_pin(self, pin: str) -> tuple[str, str] | None:
        """A11: (meeting id, the owner's JoinToken) of a phone meeting's dial-in PIN."""
        return None

    def claim_fork(self, call_id: str, claimant: str) -> bool:
        """A parallel ring (ringall) is decided once: True for the first claimant (a member's
        fork transaction, or "timeout"), and again for the same claimant (a retry); False
        for everyone after, and once the fork has ended (the caller left)."""
        ...


# ---------------------------------------------------------------- effects on storage


@dataclass(frozen=True)
class Enqueue:
    """A4: the caller's queue entry (sort key `<enqueued_ms:013d>#<txn>`)."""

    queue_id: str
    entry: str
    caller: str
    position: int
    max_wait_s: int


@dataclass(frozen=True)
class CloseEntry:
    """The entry is finished (abandoned, connected and over, overflowed)."""

    queue_id: str
    entry: str


@dataclass(frozen=True)
class EntryToCallback:
    """A5: the waiting entry becomes a callback, same sort key (its place is kept)."""

    queue_id: str
    entry: str
    number: str


@dataclass(frozen=True)
class EntryBackToWaiting:
    """An offer was not answered: the caller waits again, in the same place."""

    queue_id: str
    entry: str


@dataclass(frozen=True)
class CallbackAttemptFailed:
    """A5: the callback's attempt ended without a conversation: retry later or give up."""

    queue_id: str
    entry: str
    attempt: int
    max_attempts: int
    retry_delay_s: int


@dataclass(frozen=True)
class ReleaseAgent:
    """The agent's call ended (wrapup_s > 0: wrap-up first) or its offer was declined (0)."""

    employee_id: str
    queue_id: str
    wrapup_s: int
    completed: bool  # count a call taken (fewestcalls) and the end time (leastrecent)


@dataclass(frozen=True)
class RequestDispatch:
    queue_id: str
    reason: str
    delay_s: int = 0
    call_id: str | None = None


@dataclass(frozen=True)
class SaveRingMemory:
    group_id: str
    memory: dict[str, Any]


@dataclass(frozen=True)
class StartFork:
    """Ring every target at once: a meeting, one attendee each, one `op=fork` call each
    (create_call from `from_number`), all recorded on the caller's CALL#<txn>/FORK item."""

    call_id: str
    group_id: str
    targets: tuple[tuple[str, str], ...]  # (employee_id, E.164 number)
    from_number: str
    caller: str


@dataclass(frozen=True)
class ForkWon:
    """A member claimed the call: send the caller into the meeting, hang up the other forks."""

    call_id: str
    winner_txn: str
    employee_id: str


@dataclass(frozen=True)
class EndFork:
    """The parallel ring is over (ring time out, caller left, the conversation ended): hang up
    every fork still up, delete the meeting; `hang_up_caller` also ends the caller's call."""

    call_id: str
    reason: str
    hang_up_caller: bool = False


Effect = Enqueue | CloseEntry | EntryToCallback | EntryBackToWaiting | CallbackAttemptFailed
Effect = Effect | ReleaseAgent | RequestDispatch | SaveRingMemory  # type: ignore[misc]
Effect = Effect | StartFork | ForkWon | EndFork  # type: ignore[misc]


@dataclass(frozen=True)
class PutHold:
    """B3: the call is parked: `<company>#HOLD`/`<held_ms:013d>#<txn>` (store.call_repository)."""

    hold: str  # the sort key
    caller: str
    held_by: str
    held_ms: int


@dataclass(frozen=True)
class DeleteHold:
    """B3/B4: the held call was picked up, transferred or hung up."""

    hold: str


@dataclass(frozen=True)
class HoldOfferEnded:
    """B4: the person a held call was offered to did not take it: it may be offered again."""

    hold: str


Effect = Effect | PutHold | DeleteHold | HoldOfferEnded  # type: ignore[misc]


@dataclass
class Decision:
    """`actions` None: keep the pending actions (a NULL action set, reference §4.1)."""

    actions: list[dict[str, Any]] | None
    attrs: dict[str, str]
    events: list[CallEvent] = field(default_factory=list)
    effects: list[Any] = field(default_factory=list)
    error: str | None = None  # logged by the service (malformed / failed / invalid response)

    def response(self, schema_version: str) -> dict[str, Any]:
        body: dict[str, Any] = {"SchemaVersion": schema_version}
        if self.actions is not None:
            body["Actions"] = self.actions[:MAX_ACTIONS]
        body["TransactionAttributes"] = self.attrs
        return body


@dataclass(frozen=True)
class Context:
    """What the service resolved before deciding: the company the call belongs to and its plan."""

    company_id: str | None
    plan: RoutingPlan | None
    now_ms: int
    at_iso: str  # the same instant, UTC ISO 8601 with milliseconds (CallEvent.at)
    entry: Destination | None = None  # where a new inbound call goes (number plan / opening hours)
    outgoing_employee: str | None = None  # A9: the call came from this employee's softphone
    voice_connector_arn: str = ""
    voicemail_bucket: str = ""
    rng: Callable[[], float] = random.random


# ---------------------------------------------------------------- the event, read defensively


class Malformed(ValueError):
    pass


@dataclass(frozen=True)
class Leg:
    call_id: str
    tag: str
    to: str
    from_: str
    direction: str
    status: str
    start_ms: int


@dataclass(frozen=True)
class SmaEvent:
    schema_version: str
    sequence: int
    type: str
    transaction_id: str
    attrs: dict[str, str]
    legs: tuple[Leg, ...]
    action_type: str
    action_params: dict[str, Any]
    digits: str
    error_type: str
    error_message: str
    raw: dict[str, Any]

    def leg(self, tag: str) -> Leg | None:
        return next((p for p in self.legs if p.tag == tag), None)

    @property
    def leg_a(self) -> Leg | None:
        return self.leg("LEG-A")

    @property
    def arguments(self) -> dict[str, str]:
        args = self.action_params.get("Arguments") or {}
        return {str(k): str(v) for k, v in args.items()} if isinstance(args, dict) else {}


def parse_event(event: Any) -> SmaEvent:
    """Raises Malformed (a ValueError) for anything that is not an SMA invocation."""
    if not isinstance(event, dict):
        raise Malformed("the event is not an object")
    details = event.get("CallDetails")
    if not isinstance(details, dict) or not isinstance(details.get("TransactionId"), str):
        raise Malformed("CallDetails.TransactionId is missing")
    try:
        sequence = int(event.get("Sequence"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Malformed("Sequence is not a number") from None
    legs = []
    for p in details.get("Participants") or []:
        if not isinstance(p, dict):
            continue
        try:
            start_ms = int(p.get("StartTimeInMilliseconds") or 0)
        except (TypeError, ValueError):
            start_ms = 0
        legs.append(
            Leg(
                call_id=str(p.get("CallId", "")),
                tag=str(p.get("ParticipantTag", "")).upper(),
                to=str(p.get("To", "")),
                from_=str(p.get("From", "")),
                direction=str(p.get("Direction", "")),
                status=str(p.get("Status", "")),
                start_ms=start_ms,
            )
        )
    data: dict[str, Any] = event["ActionData"] if isinstance(event.get("ActionData"), dict) else {}
    params: dict[str, Any] = data["Parameters"] if isinstance(data.get("Parameters"), dict) else {}
    attrs = details.get("TransactionAttributes") or {}
    return SmaEvent(
        schema_version=str(event.get("SchemaVersion") or "1.0"),
        sequence=sequence,
        type=str(event.get("InvocationEventType", "")),
        transaction_id=details["TransactionId"],
        attrs={str(k): str(v) for k, v in attrs.items()} if isinstance(attrs, dict) else {},
        legs=tuple(legs),
        action_type=str(data.get("Type", "")),
        action_params=params,
        digits=str(data.get("ReceivedDigits") or ""),
        error_type=str(data.get("ErrorType") or event.get("ErrorType") or data.get("Error") or ""),
        error_message=str(data.get("ErrorMessage") or event.get("ErrorMessage") or ""),
        raw=event,
    )


# ---------------------------------------------------------------- action shapes (reference §4.4)


def speech(text: str) -> dict[str, str]:
    return {"Text": text, "TextType": "text", "Engine": "neural", "LanguageCode": LANGUAGE, "VoiceId": VOICE}


def speak(call_id: str, text: str) -> dict[str, Any]:
    return {"Type": "Speak", "Parameters": {"CallId": call_id, **speech(text)}}


def hangup(call_id: str, code: str = "0") -> dict[str, Any]:
    return {"Type": "Hangup", "Parameters": {"CallId": call_id, "SipResponseCode": code}}


def pause(call_id: str, ms: int) -> dict[str, Any]:
    return {"Type": "Pause", "Parameters": {"CallId": call_id, "DurationInMilliseconds": ms}}


def call_and_bridge(caller_id: str, endpoint: dict[str, str], timeout_s: int) -> dict[str, Any]:
    return {
        "Type": "CallAndBridge",
        "Parameters": {
            "CallTimeoutSeconds": max(1, min(120, int(timeout_s))),
            "CallerIdNumber": caller_id,
            "Endpoints": [endpoint],
        },
    }


def pstn(number: str) -> dict[str, str]:
    return {"BridgeEndpointType": "PSTN", "Uri": number}


def softphone(arn: str, user: str) -> dict[str, str]:
    """A13: a SIP user behind the Voice Connector (Uri = the user part, 1-36 characters)."""
    return {"BridgeEndpointType": "AWS", "Arn": arn, "Uri": user[:36]}


def menu_prompt(call_id: str, menu: Menu, text: str) -> dict[str, Any]:
    max_digits = 6 if menu.extension_dialling else 1
    params: dict[str, Any] = {
        "CallId": call_id,
        "MinNumberOfDigits": 1,
        "MaxNumberOfDigits": max_digits,
        "Repeat": 1,  # attempts are counted here (invalid key and timeout alike)
        "RepeatDurationInMilliseconds": menu.timeout_s * 1000,
        "InBetweenDigitsDurationInMilliseconds": 2000,
        "SpeechParameters": speech(text),
        "FailureSpeechParameters": speech(TEXT["menu_invalid"]),
    }
    if menu.extension_dialling:  # A1: an extension is ended by # or a pause
        params["TerminatorDigits"] = ["#"]
    return {"Type": "SpeakAndGetDigits", "Parameters": params}


# ---------------------------------------------------------------- the decision


class _Flow:
    def __init__(self, ev: SmaEvent, ctx: Context, facts: Facts):
        self.ev, self.ctx, self.facts = ev, ctx, facts
        self.attrs = dict(ev.attrs)
        self.events: list[CallEvent] = []
        self.effects: list[Any] = []
        self.error: str | None = None
        a = ev.leg_a
        self.a = self.attrs.get("a") or (a.call_id if a else "")

    # -- helpers
    @property
    def plan(self) -> RoutingPlan:
        assert self.ctx.plan is not None
        return self.ctx.plan

    @property
    def company(self) -> str:
        return self.attrs.get("company") or self.ctx.company_id or ""

    @property
    def call_id(self) -> str:
        return self.attrs.get("call_id") or self.ev.transaction_id

    def emit(self, kind: str, **kw: Any) -> None:
        n = len(self.events)
        self.events.append(
            CallEvent(
                event_id=f"{self.ev.transaction_id}#{self.ev.sequence}#{n}",
                kind=kind,
                company_id=self.company,
                call_id=self.call_id,
                at=self.ctx.at_iso,
                caller=self.attrs.get("caller", ""),
                called=self.attrs.get("called", ""),
                queue_id=kw.pop("queue_id", None),
                group_id=kw.pop("group_id", None),
                employee_id=kw.pop("employee_id", None),
                data=kw,
            )
        )

    def decision(self, actions: list[dict[str, Any]] | None) -> Decision:
        return Decision(actions, self.attrs, self.events, self.effects, self.error)

    def end(self, text: str | None = None) -> list[dict[str, Any]]:
        self.attrs["node"] = "ending"
        return ([speak(self.a, text)] if text else []) + [hangup(self.a)]

    def seconds_since(self, key: str) -> int:
        try:
            return max(0, (self.ctx.now_ms - int(self.attrs.get(key, ""))) // 1000)
        except ValueError:
            return 0

    def clear_route(self) -> None:
        for k in (
            "menu",
            "attempts",
            "group",
            "offers",
            "offer_i",
            "person",
            "stage",
            "queue",
            "entry",
            "agent",
            "grace",
        ):
            self.attrs.pop(k, None)

    # -- routing (A1-A5, A7)
    def route(self, dest: Destination, depth: int = 0) -> list[dict[str, Any]]:
        if depth > MAX_ROUTE_DEPTH:
            self.error = f"routing went deeper than {MAX_ROUTE_DEPTH} destinations"
            return self.end(TEXT["not_available"])
        self.clear_route()
        plan = self.plan
        if dest.kind != "hangup":
            self.emit("ROUTED", destination=dest.kind, target=dest.target)
        if dest.kind == "menu" and dest.target in plan.menus:
            return self.enter_menu(plan.menus[dest.target])
        if dest.kind == "person":
            return self.ring_person(dest.target, depth)
        if dest.kind == "group" and dest.target in plan.groups:
            return self.enter_group(plan.groups[dest.target], depth)
        if dest.kind == "queue" and dest.target in plan.queues:
            return self.enter_queue(plan.queues[dest.target], depth)
        if dest.kind == "voicemail":
            return self.voicemail(dest.target)
        if dest.kind == "external" and dest.target:
            self.attrs["node"] = "external"
            return [call_and_bridge(plan.main_number, pstn(dest.target), 60)]
        if dest.kind == "switchboard" and plan.switchboard and plan.switchboard.kind != "switchboard":
            return self.route(plan.switchboard, depth + 1)
        if dest.kind != "hangup":
            self.error = f"destination {dest.kind}:{dest.target} does not exist in the plan"
        return self.end(TEXT["goodbye"] if dest.kind == "hangup" else TEXT["not_available"])

    def enter_menu(self, menu: Menu, attempts: int = 0, invalid: bool = False) -> list[dict[str, Any]]:
        self.attrs.update(node="menu", menu=menu.menu_id, attempts=str(attempts))
        if attempts == 0:
            self.emit("MENU", menu_id=menu.menu_id)
        text = (TEXT["menu_invalid"] + " " if invalid else "") + menu.prompt
        return [menu_prompt(self.a, menu, text)]

    def menu_digits(self, digits: str) -> list[dict[str, Any]]:
        menu = self.plan.menus.get(self.attrs.get("menu", ""))
        if menu is None:
            return self.end(TEXT["not_available"])
        self.emit("KEYPRESS", menu_id=menu.menu_id, digits=digits)
        if digits in menu.options:
            return self.route(menu.options[digits])
        if menu.extension_dialling and 2 <= len(digits) <= 6 and digits.isdigit():
            person = self.facts.person_by_extension(digits)
            if person is not None:  # A1: an extension reaches the person
                return self.route(Destination("person", person.employee_id))
        if menu.extension_dialling and len(digits) == 6 and digits.isdigit():
            meeting = getattr(self.facts, "meeting_by_pin", lambda pin: None)(digits)
            if meeting is not None:  # A11: the owner dials in with the meeting's PIN
                self.clear_route()
                self.emit("ROUTED", destination="meeting", target=meeting[0])
                self.emit("ANSWERED", via="meeting", meeting_id=meeting[0])  # the bridge answers: talk time from here
                self.attrs.update(node="meeting", connected_ms=str(self.ctx.now_ms))
                return [join_meeting(self.a, meeting[0], meeting[1])]
        self.emit("INVALIDKEY", menu_id=menu.menu_id, digits=digits)
        return self.menu_retry(menu, menu.on_invalid, invalid=True)

    def menu_retry(self, menu: Menu, give_up: Destination, invalid: bool) -> list[dict[str, Any]]:
        attempts = int(self.attrs.get("attempts", "0") or 0) + 1
        if attempts >= menu.max_attempts:
            return self.route(give_up)
        return self.enter_menu(menu, attempts, invalid=invalid)

    def ring_person(self, employee_id: str, depth: int) -> list[dict[str, Any]]:
        person = self.facts.person(employee_id)
        if person is None:
            self.error = f"person {employee_id} not found"
            return self.end(TEXT["not_available"])
        if person.availability != "available":  # A7: the state routes the call
            target = _presence_destination(self.plan, employee_id, person.availability)
            self.emit("ROUTED", destination="presence", target=person.availability, employee_id=employee_id)
            return self.route(target, depth + 1)
        self.attrs.update(person=employee_id, started_ring_ms=str(self.ctx.now_ms))
        return self.ring_person_stage(person, "softphone" if person.softphone_uri else "mobile")

    def ring_person_stage(self, person: Person, stage: str) -> list[dict[str, Any]]:
        """A10/A13 One Number, sequential: the softphone alone for SOFTPHONE_FIRST_S, then the
        mobile for the rest of the ring time (the parallel, meeting-based fork is not built)."""
        self.attrs.update(node="person", stage=stage)
        caller_id = self.attrs.get("caller") or self.plan.main_number
        if stage == "softphone" and person.softphone_uri:
            timeout = SOFTPHONE_FIRST_S if person.mobile else 25
            return [call_and_bridge(caller_id, softphone(self.ctx.voice_connector_arn, person.softphone_uri), timeout)]
        if person.mobile:
            self.attrs["stage"] = "mobile"
            return [call_and_bridge(caller_id, pstn(person.mobile), 25)]
        return self.route(Destination("voicemail", person.employee_id))

    def endpoint_of(self, person: Person) -> dict[str, str] | None:
        if person.mobile:
            return pstn(person.mobile)
        if person.softphone_uri:
            return softphone(self.ctx.voice_connector_arn, person.softphone_uri)
        return None

    def enter_group(self, group: AnswerGroup, depth: int) -> list[dict[str, Any]]:
        """A3: members offered one at a time in the strategy's order; `ringall` rings every
        available member with a number at once (a fork, docs/pbx.md), or, with fewer than two
        such members, offers them in the configured order."""
        if group.strategy == "ringall":
            targets = []
            for m in group.members:
                person = self.facts.person(m.employee_id)
                if person and person.availability == "available" and person.mobile:
                    targets.append((person.employee_id, person.mobile))
            if len(targets) >= 2:
                return self.fork(group, tuple(targets))
        memory = self.facts.ring_memory(group.group_id)
        order, new_memory = offer_order(group.strategy, group.members, memory, self.ctx.rng)
        if new_memory != memory:
            self.effects.append(SaveRingMemory(group.group_id, new_memory))
        self.attrs.update(node="group", group=group.group_id, offers=",".join(order), offer_i="-1")
        return self.next_offer(group)

    def fork(self, group: AnswerGroup, targets: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
        self.attrs.update(node="fork", group=group.group_id, started_ring_ms=str(self.ctx.now_ms))
        self.effects.append(
            StartFork(self.call_id, group.group_id, targets, self.plan.main_number, self.attrs.get("caller", ""))
        )
        return [speak(self.a, TEXT["fork_wait"]), pause(self.a, group.ring_timeout_s * 1000)]

    def next_offer(self, group: AnswerGroup) -> list[dict[str, Any]]:
        offers = [o for o in self.attrs.get("offers", "").split(",") if o]
        i = int(self.attrs.get("offer_i", "-1")) + 1
        while i < len(offers):
            person = self.facts.person(offers[i])
            endpoint = self.endpoint_of(person) if person and person.availability == "available" else None
            if endpoint is not None:
                self.attrs.update(offer_i=str(i), started_ring_ms=str(self.ctx.now_ms))
                caller_id = self.attrs.get("caller") or self.plan.main_number
                return [call_and_bridge(caller_id, endpoint, group.ring_timeout_s)]
            i += 1
        self.emit("NOANSWER", group_id=group.group_id)
        return self.route(group.overflow, 1)

    def enter_queue(self, queue: CallQueue, depth: int) -> list[dict[str, Any]]:
        waiting = self.facts.queue_length(queue.queue_id)
        if waiting >= queue.max_length:  # A4: max length → overflow
            self.emit("EXITEMPTY", queue_id=queue.queue_id, reason="full", waiting=waiting)
            return self.route(queue.overflow, depth + 1)
        entry = f"{self.ctx.now_ms:013d}#{self.ev.transaction_id}"
        position = waiting + 1
        self.attrs.update(node="queue", queue=queue.queue_id, entry=entry, enqueued_ms=str(self.ctx.now_ms))
        self.attrs["position"] = str(position)
        self.effects.append(Enqueue(queue.queue_id, entry, self.attrs.get("caller", ""), position, queue.max_wait_s))
        self.effects.append(RequestDispatch(queue.queue_id, "enqueued"))
        self.effects.append(
            RequestDispatch(queue.queue_id, "max_wait", min(900, queue.max_wait_s), call_id=self.ev.transaction_id)
        )
        self.emit("ENTERQUEUE", queue_id=queue.queue_id, position=position)
        actions: list[dict[str, Any]] = []
        if queue.callback:  # A5: the callback key is caught by a background listener
            actions.append(receive_digits(self.a, queue.callback.key))
        if queue.announce_position:
            actions.append(speak(self.a, TEXT["queue_welcome"].format(position=position)))
        return actions + self.hold(queue)

    def hold(self, queue: CallQueue) -> list[dict[str, Any]]:
        text = TEXT["queue_hold"]
        if queue.callback:
            text += TEXT["queue_callback"].format(key=queue.callback.key)
        return [speak(self.a, text), pause(self.a, HOLD_PAUSE_MS)]

    def voicemail(self, target: str) -> list[dict[str, Any]]:
        self.attrs.update(node="voicemail", voicemail=target or "general")
        prefix = f"voicemail/{self.company}/{target or 'general'}/{self.ev.transaction_id}"
        record = {
            "Type": "RecordAudio",
            "Parameters": {
                "CallId": self.a,
                "DurationInSeconds": VOICEMAIL_MAX_S,
                "SilenceDurationInSeconds": 5,
                "RecordingTerminators": ["#"],
                "RecordingDestination": {"Type": "S3", "BucketName": self.ctx.voicemail_bucket, "Prefix": prefix},
            },
        }
        return [speak(self.a, TEXT["voicemail"]), record]

    def queue(self) -> CallQueue | None:
        return self.plan.queues.get(self.attrs.get("queue", "")) if self.ctx.plan else None


def receive_digits(call_id: str, key: str) -> dict[str, Any]:
    escaped = "\\" + key if key in "*#" else key
    return {
        "Type": "ReceiveDigits",
        "Parameters": {
            "CallId": call_id,
            "InputDigitsRegex": f"^{escaped}$",
            "InBetweenDigitsDurationInMilliseconds": 1000,
            "FlushDigitsDurationInMilliseconds": 5000,
        },
    }


def offer_order(
    strategy: str, members: tuple[Member, ...], memory: dict[str, Any], rng: Callable[[], float]
) -> tuple[list[str], dict[str, Any]]:
    """The members in the order they are offered (A3/A4, domain.pbx.ring_strategies) and the
    group's new ring memory (RingMemory.to_dict form: round robin moves on past the first
    member offered)."""
    from skysentral.domain.pbx import ring_strategies

    mem = ring_strategies.RingMemory.from_dict(memory)
    order = ring_strategies.offer_order(strategy, members, mem, random.Random(int(rng() * 2**32)))
    if order and strategy in ("rrmemory", "rrordered"):
        return order, ring_strategies.after_offer(mem, order[0], members).to_dict()
    return order, memory


# ---------------------------------------------------------------- per event type


def decide(event: Any, ctx: Context, facts: Facts) -> tuple[SmaEvent | None, Decision]:
    """The whole decision for one invocation. Never raises for a bad event: a malformed one
    gets an error and a safe response (Hangup of LEG-A when one can be named, else nothing)."""
    try:
        ev = parse_event(event)
    except Malformed as exc:
        return None, Decision([], {}, error=f"malformed event: {exc}")
    flow = _Flow(ev, ctx, facts)
    handler = _HANDLERS.get(ev.type)
    if handler is None:
        flow.error = f"unknown InvocationEventType {ev.type!r}"
        return ev, flow.decision([hangup(flow.a)] if flow.a else [])
    return ev, handler(flow)


def _new_inbound(f: _Flow) -> Decision:
    a = f.ev.leg_a
    if a is None:
        f.error = "NEW_INBOUND_CALL without LEG-A"
        return f.decision([])
    f.attrs = {"a": a.call_id, "caller": a.from_, "called": a.to, "started_ms": str(f.ctx.now_ms)}
    f.a = a.call_id
    if f.ctx.company_id is None or f.ctx.plan is None:
        f.error = f"no company owns {a.to} (nor the caller {a.from_})"
        return f.decision([hangup(a.call_id, "480")])  # rejected unanswered, not charged
    f.attrs["company"] = f.ctx.company_id
    if f.ctx.outgoing_employee:  # A9: an employee's softphone calls out
        return f.decision(_outgoing(f, f.ctx.outgoing_employee, a.to))
    f.emit("INCOMING")
    return f.decision(f.route(f.ctx.entry or f.plan.entry_open))


def _outgoing(f: _Flow, employee_id: str, number: str) -> list[dict[str, Any]]:
    f.attrs.update(employee=employee_id, node="external")
    reason = barred_reason(f.facts.barring(employee_id), number)
    if reason:
        f.emit("BARRED", employee_id=employee_id, number=number, reason=reason)
        return f.end(TEXT["barred"])
    f.emit("OUTBOUND", employee_id=employee_id, number=number)
    person = f.facts.person(employee_id)
    display = (person.display_number if person else None) or f.plan.main_number
    return [call_and_bridge(display, pstn(number), 60)]


def barred_reason(settings: Any, number: str) -> str | None:
    """A9 (domain.pbx.barring); `settings` a BarringSettings or its JSON form
    {"categories": [...], "chosen_prefixes": [...]}; without settings nothing is barred.
    Roaming is not known to call control: calls are judged as made at home."""
    if not settings:
        return None
    from skysentral.domain.errors import InvalidInput
    from skysentral.domain.pbx import barring

    try:
        if isinstance(settings, dict):
            settings = barring.BarringSettings(
                frozenset(settings.get("categories") or ()), tuple(settings.get("chosen_prefixes") or ())
            )
        return barring.barred_reason(settings, number, roaming=False)
    except InvalidInput:
        return "invalid_number"


def _presence_destination(plan: RoutingPlan, employee_id: str, state: str) -> Destination:
    """A7: domain.pbx.presence.destination_for_person; an unknown state counts as away."""
    from skysentral.domain.errors import InvalidInput
    from skysentral.domain.pbx import presence

    try:
        return presence.destination_for_person(plan, employee_id, state)
    except InvalidInput:
        return presence.destination_for_person(plan, employee_id, "away")


def _new_outbound(f: _Flow) -> Decision:
    """Calls the product placed (docs/pbx.md contracts): the arguments become the state."""
    args = f.ev.arguments
    a = f.ev.leg_a
    f.attrs = {**args, "a": a.call_id if a else "", "node": "dialling", "started_ms": str(f.ctx.now_ms)}
    f.attrs.setdefault("company", args.get("company_id", ""))
    f.a = f.attrs["a"]
    op = args.get("op", "")
    if op == "callback":
        f.attrs["call_id"] = args.get("entry", "").split("#", 1)[-1] or f.ev.transaction_id
        f.attrs.setdefault("caller", args.get("number", ""))
        f.emit(
            "CALLBACK_DIALLED",
            queue_id=args.get("queue_id"),
            employee_id=args.get("agent"),
            attempt=args.get("attempt"),
        )
    elif op == "click_to_dial":
        f.attrs.update(caller=a.to if a else "", called=args.get("contact", ""))
        f.emit("OUTBOUND", employee_id=args.get("employee_id"), number=args.get("contact"), op=op)
    elif op == "fork":
        f.attrs["call_id"] = args.get("call_id", f.ev.transaction_id)
    return f.decision([])


def _call_answered(f: _Flow) -> Decision:
    op = f.attrs.get("op", "")
    if op == "click_to_dial" and f.attrs.get("contact"):  # A12: the user answered; now the contact
        employee = f.attrs.get("employee_id", "")
        reason = barred_reason(f.facts.barring(employee), f.attrs["contact"])
        if reason:
            f.emit("BARRED", employee_id=employee, number=f.attrs["contact"], reason=reason)
            return f.decision(f.end(TEXT["barred"]))
        f.attrs["node"] = "external"
        a = f.ev.leg_a
        caller_id = (a.from_ if a else "") or (f.plan.main_number if f.ctx.plan else "")
        return f.decision([call_and_bridge(caller_id, pstn(f.attrs["contact"]), 60)])
    if op == "callback" and f.attrs.get("number"):  # A5: the agent answered; now the caller
        f.attrs["node"] = "callback_bridge"
        queue = f.attrs.get("queue_id", "")
        a = f.ev.leg_a
        caller_id = (a.from_ if a else "") or (f.plan.main_number if f.ctx.plan else "")
        return f.decision(
            [
                speak(f.a, TEXT["callback_agent"].format(queue=queue)),
                call_and_bridge(caller_id, pstn(f.attrs["number"]), 30),
            ]
        )
    if op == "fork":  # ringall: the first member to answer gets the caller
        return f.decision(_fork_answered(f))
    if op == "meeting" and f.attrs.get("attendee_token"):  # A11
        f.attrs["node"] = "meeting"
        return f.decision([join_meeting(f.a, f.attrs.get("meeting_id", ""), f.attrs["attendee_token"])])
    f.error = f"CALL_ANSWERED for a call without a known op ({op!r})"
    return f.decision([hangup(f.a)])


def _fork_answered(f: _Flow) -> list[dict[str, Any]]:
    employee = f.attrs.get("employee_id", "")
    if f.attrs.get("attendee_token") and f.facts.claim_fork(f.call_id, f.ev.transaction_id):
        f.attrs["node"] = "fork_won"
        f.effects.append(ForkWon(f.call_id, f.ev.transaction_id, employee))
        return [join_meeting(f.a, f.attrs.get("meeting_id", ""), f.attrs["attendee_token"])]
    f.attrs.update(node="ending", fork_done="1")  # answered too late: someone else has the caller
    f.emit("RINGCANCELED", group_id=f.attrs.get("group_id"), employee_id=employee, reason="answered_elsewhere")
    return [hangup(f.a)]


def _fork_timed_out(f: _Flow) -> list[dict[str, Any]]:
    """The caller's Pause (ring_timeout_s) ended: nobody answered → overflow, unless a member
    claimed the call at the last moment (then the join is on its way: wait a little)."""
    group = f.plan.groups.get(f.attrs.get("group", ""))
    if f.facts.claim_fork(f.call_id, "timeout"):
        f.effects.append(EndFork(f.call_id, "timeout"))
        f.emit("NOANSWER", group_id=f.attrs.get("group"), ring_s=f.seconds_since("started_ring_ms"))
        return f.route(group.overflow, 1) if group else f.end(TEXT["not_available"])
    if not f.attrs.get("grace"):
        f.attrs["grace"] = "1"
        return [pause(f.a, FORK_GRACE_MS)]
    f.error = "a member claimed the ringall call but the caller was never joined"
    f.effects.append(EndFork(f.call_id, "failed"))
    return f.end(TEXT["not_available"])


def join_meeting(call_id: str, meeting_id: str, token: str) -> dict[str, Any]:
    return {"Type": "JoinChimeMeeting", "Parameters": {"CallId": call_id, "JoinToken": token, "MeetingId": meeting_id}}


def _action_successful(f: _Flow) -> Decision:
    t, node = f.ev.action_type, f.attrs.get("node", "")
    if t in ("SpeakAndGetDigits", "PlayAudioAndGetDigits") and node == "menu" and f.ctx.plan:
        return f.decision(f.menu_digits(f.ev.digits))
    if t == "CallAndBridge":
        return f.decision(_bridged(f))
    if t == "Pause" and node == "fork" and f.ctx.plan:  # ringall: the ring time is over
        return f.decision(_fork_timed_out(f))
    if t == "Pause" and node == "queue" and (q := f.queue()):  # the hold loop
        f.attrs["holds"] = str(int(f.attrs.get("holds", "0")) + 1)
        return f.decision(f.hold(q))
    if t == "Pause" and node == "held":  # B3: a parked call's hold loop
        return f.decision(_hold_loop(f))
    if t == "RecordAudio" and node == "voicemail":
        dest = f.ev.action_params.get("RecordingDestination") or f.ev.raw.get("ActionData", {}).get(
            "RecordingDestination", {}
        )
        f.emit("VOICEMAIL", employee_id=f.attrs.get("voicemail"), key=(dest or {}).get("Key", ""))
        return f.decision(f.end(TEXT["voicemail_thanks"]))
    if t == "ReceiveDigits":
        return f.decision(None)  # armed; keep the pending hold actions
    return f.decision([])


def _bridged(f: _Flow) -> list[dict[str, Any]]:
    node = f.attrs.get("node", "")
    ring_s = f.seconds_since("started_ring_ms")
    if node == "offer" and f.attrs.get("from_hold"):  # B4: a held call picked up
        f.effects.append(DeleteHold(f.attrs.pop("hold", "")))
        f.attrs.pop("from_hold", None)
        f.attrs.update(node="connected", connected_ms=str(f.ctx.now_ms))
        f.emit("UNHOLD", employee_id=f.attrs.get("agent"), hold_s=f.seconds_since("held_ms"), ringtime_s=ring_s)
        f.emit("ANSWERED", employee_id=f.attrs.get("agent"), ringtime_s=ring_s, via="pickup")
    elif node == "offer":  # A4: the agent answered a queue call: the entry is done
        f.effects.append(CloseEntry(f.attrs.get("queue", ""), f.attrs.get("entry", "")))
        f.attrs["node"] = "connected"
        f.attrs["connected_ms"] = str(f.ctx.now_ms)
        f.emit(
            "CONNECT",
            queue_id=f.attrs.get("queue"),
            employee_id=f.attrs.get("agent"),
            holdtime_s=f.seconds_since("enqueued_ms"),
            ringtime_s=ring_s,
        )
    elif node == "callback_bridge":
        f.attrs["node"] = "connected"
        f.attrs["connected_ms"] = str(f.ctx.now_ms)
        f.emit("CONNECT", queue_id=f.attrs.get("queue_id"), employee_id=f.attrs.get("agent"), callback=True)
        f.effects.append(CloseEntry(f.attrs.get("queue_id", ""), f.attrs.get("entry", "")))
    else:
        answered_by = f.attrs.get("person")
        if node == "group":
            offers = f.attrs.get("offers", "").split(",")
            answered_by = offers[int(f.attrs.get("offer_i", "0"))]
        f.attrs["answered_by"] = answered_by or ""
        f.attrs["node"] = "connected"
        f.attrs["connected_ms"] = str(f.ctx.now_ms)
        f.emit("ANSWERED", group_id=f.attrs.get("group"), employee_id=answered_by, ringtime_s=ring_s, via=node)
    return []


def _action_failed(f: _Flow) -> Decision:
    t, node = f.ev.action_type, f.attrs.get("node", "")
    if t in ("SpeakAndGetDigits", "PlayAudioAndGetDigits") and node == "menu" and f.ctx.plan:
        menu = f.plan.menus.get(f.attrs.get("menu", ""))
        if menu is not None:  # A2: no key (or too few) within the timeout
            return f.decision(f.menu_retry(menu, menu.on_timeout, invalid=False))
    if t == "CallAndBridge" and f.ctx.plan:
        return f.decision(_not_answered(f))
    if t == "CallAndBridge" and node == "callback_bridge":
        return f.decision(_not_answered(f))
    f.error = f"{t} failed: {f.ev.error_type} {f.ev.error_message}".strip()
    return f.decision(f.end(TEXT["error"]))


def _not_answered(f: _Flow) -> list[dict[str, Any]]:
    node = f.attrs.get("node", "")
    ring_s = f.seconds_since("started_ring_ms")
    if node == "group" and (group := f.plan.groups.get(f.attrs.get("group", ""))):
        offers = f.attrs.get("offers", "").split(",")
        f.emit(
            "RINGNOANSWER", group_id=group.group_id, employee_id=offers[int(f.attrs.get("offer_i", "0"))], ring_s=ring_s
        )
        return f.next_offer(group)
    if node == "person" and (employee := f.attrs.get("person")):
        person = f.facts.person(employee)
        if f.attrs.get("stage") == "softphone" and person and person.mobile:
            return f.ring_person_stage(person, "mobile")
        f.emit("NOANSWER", employee_id=employee, ring_s=ring_s)
        return f.route(f.plan.presence_routing.get("no_answer") or Destination("voicemail", employee))
    if node == "offer" and f.attrs.get("from_hold"):  # B4: not picked up: on hold again
        agent = f.attrs.pop("agent", "")
        f.attrs.pop("from_hold", None)
        f.emit("RINGNOANSWER", employee_id=agent, ring_s=ring_s, held=True)
        f.effects.append(ReleaseAgent(agent, "", 0, completed=False))
        f.effects.append(HoldOfferEnded(f.attrs.get("hold", "")))
        f.attrs["node"] = "held"
        return _hold_loop(f)
    if node == "offer" and (queue := f.queue()):  # A4: the agent did not answer: wait again
        agent = f.attrs.pop("agent", "")
        f.attrs.pop("assigned", None)
        f.emit("RINGNOANSWER", queue_id=queue.queue_id, employee_id=agent, ring_s=ring_s)
        f.effects.append(ReleaseAgent(agent, queue.queue_id, 0, completed=False))
        f.effects.append(EntryBackToWaiting(queue.queue_id, f.attrs.get("entry", "")))
        f.effects.append(RequestDispatch(queue.queue_id, "declined"))
        f.attrs["node"] = "queue"
        return f.hold(queue)
    if node == "callback_bridge":  # A5: the caller did not answer the callback
        return _callback_failed(f)
    f.emit("NOANSWER", number=f.ev.action_params.get("Endpoints", [{}])[0].get("Uri", "") if f.ev.action_params else "")
    return f.end(TEXT["no_answer"])


def _callback_failed(f: _Flow) -> list[dict[str, Any]]:
    queue_id = f.attrs.get("queue_id", "")
    q = f.plan.queues.get(queue_id) if f.ctx.plan else None
    cb = q.callback if q and q.callback else None
    f.attrs["node"] = "ending"
    f.effects.append(ReleaseAgent(f.attrs.get("agent", ""), queue_id, 0, completed=False))
    f.effects.append(
        CallbackAttemptFailed(
            queue_id,
            f.attrs.get("entry", ""),
            int(f.attrs.get("attempt", "1") or 1),
            cb.max_attempts if cb else 3,
            cb.retry_delay_s if cb else 60,
        )
    )
    return [hangup(f.a)]


def _digits_received(f: _Flow) -> Decision:
    q = f.queue()
    if f.attrs.get("node") == "queue" and q and q.callback and f.ev.digits == q.callback.key:
        entry = f.attrs.get("entry", "")
        number = f.attrs.get("caller", "")
        f.effects.append(EntryToCallback(q.queue_id, entry, number))
        f.emit("EXITWITHKEY", queue_id=q.queue_id, key=f.ev.digits, wait_s=f.seconds_since("enqueued_ms"))
        f.emit("CALLBACK_REQUESTED", queue_id=q.queue_id, number=number, position=int(f.attrs.get("position", "0")))
        f.attrs["node"] = "callback_left"
        return f.decision([speak(f.a, TEXT["callback_ok"].format(number=_spoken(number))), hangup(f.a)])
    return f.decision(None)  # not a key we act on here: keep what runs


def _spoken(number: str) -> str:
    return " ".join(number.removeprefix("+47")) if number else "nummeret du ringte fra"


def _call_update(f: _Flow) -> Decision:
    args = f.ev.arguments
    op, node = args.get("op", ""), f.attrs.get("node", "")
    if op in ("assign", "hold", "transfer"):  # B3/B4: the switchboard
        return f.decision(_switchboard(f, op, args, node))
    if op == "bridge" and node == "queue" and (q := f.queue()):  # A4: the dispatcher found an agent
        f.attrs.update(node="offer", agent=args.get("employee_id", ""), started_ring_ms=str(f.ctx.now_ms))
        uri = args.get("uri", "")
        endpoint = pstn(uri) if uri.startswith("+") else softphone(f.ctx.voice_connector_arn, uri)
        caller_id = f.attrs.get("caller") or f.plan.main_number
        return f.decision([call_and_bridge(caller_id, endpoint, q.ring_timeout_s)])
    if op == "bridge":  # the caller has moved on (gone to a menu, already connected): decline
        f.error = f"bridge for a call that is {node!r}, not waiting"
        f.effects.append(ReleaseAgent(args.get("employee_id", ""), args.get("queue_id", ""), 0, completed=False))
        if args.get("queue_id"):
            f.effects.append(RequestDispatch(args["queue_id"], "declined"))
        return f.decision(None)
    if op == "overflow" and node == "queue" and (q := f.queue()):  # A4: max wait reached
        f.emit("EXITWITHTIMEOUT", queue_id=q.queue_id, wait_s=f.seconds_since("enqueued_ms"))
        f.effects.append(CloseEntry(q.queue_id, f.attrs.get("entry", "")))
        return f.decision(f.route(q.overflow, 1))
    if op == "join_meeting" and node == "fork" and args.get("attendee_token"):  # ringall: a member answered
        employee = args.get("employee_id", "")
        f.attrs.update(node="connected", answered_by=employee, connected_ms=str(f.ctx.now_ms))
        f.attrs["fork_meeting"] = args.get("meeting_id", "")
        f.attrs.pop("grace", None)
        f.emit(
            "ANSWERED",
            group_id=f.attrs.get("group"),
            employee_id=employee,
            ringtime_s=f.seconds_since("started_ring_ms"),
            via="group",
        )
        return f.decision([join_meeting(f.a, args.get("meeting_id", ""), args["attendee_token"])])
    if op == "hangup" and f.attrs.get("op") == "fork" and node == "dialling":  # a fork stops ringing
        reason = args.get("reason", "")
        kind = "RINGNOANSWER" if reason == "timeout" else "RINGCANCELED"
        f.emit(
            kind,
            group_id=f.attrs.get("group_id"),
            employee_id=f.attrs.get("employee_id"),
            ring_s=f.seconds_since("started_ms"),
            reason=reason,
        )
        f.attrs["fork_done"] = "1"
    if op == "hangup":
        legs = [p for p in f.ev.legs if p.status.lower() != "disconnected"] or list(f.ev.legs)
        f.attrs["node"] = "ending"
        return f.decision([hangup(p.call_id) for p in legs][:MAX_ACTIONS] or [hangup(f.a)])
    if op == "join_meeting" and args.get("attendee_token"):
        f.attrs["node"] = "meeting"
        return f.decision([join_meeting(f.a, args.get("meeting_id", ""), args["attendee_token"])])
    return f.decision(None)  # overflow of a caller already offered, callback_ok …: nothing changes


# ---------------------------------------------------------------- B3/B4: the switchboard's call handling


def _hold_loop(f: _Flow) -> list[dict[str, Any]]:
    return [speak(f.a, TEXT["on_hold"]), pause(f.a, HOLD_PAUSE_MS)]


def _switchboard(f: _Flow, op: str, args: dict[str, str], node: str) -> list[dict[str, Any]] | None:
    """CALL_UPDATE_REQUESTED from services.call_handling. The service checked the state when
    it was asked; the call may have moved on since (answered, hung up, transferred): then
    nothing changes for the caller and what the service claimed is given back."""
    by = args.get("by", "")
    b = f.ev.leg("LEG-B")
    agent_leg = b if b is not None and b.status.lower() == "connected" else None
    if op == "assign" and node in ("queue", "held") and args.get("uri"):
        return _assign(f, args, node, by)
    if op == "hold" and node == "connected" and agent_leg and not f.attrs.get("fork_meeting"):
        hold = f"{f.ctx.now_ms:013d}#{f.call_id}"
        talk_s = f.seconds_since("connected_ms")
        agent = _free_agent_of_connected(f)
        f.effects.append(PutHold(hold, f.attrs.get("caller", ""), by, f.ctx.now_ms))
        f.emit("HOLD", employee_id=agent or None, by=by, talk_s=talk_s)
        f.attrs.update(node="holding", hold=hold, held_ms=str(f.ctx.now_ms), held_by=by)
        return [hangup(agent_leg.call_id)]
    if op == "transfer" and node in ("queue", "held", "connected") and args.get("kind"):
        to = {"kind": args["kind"], "target": args.get("target", "")}
        if node == "connected" and (f.attrs.get("fork_meeting") or not agent_leg):
            f.error = "transfer of a connected call without an agent leg"
            return None
        if node == "queue":
            f.effects.append(CloseEntry(f.attrs.get("queue", ""), f.attrs.get("entry", "")))
            f.emit("BLINDTRANSFER", queue_id=f.attrs.get("queue"), to=to, by=by, wait_s=f.seconds_since("enqueued_ms"))
        elif node == "held":
            f.effects.append(DeleteHold(f.attrs.get("hold", "")))
            f.emit("BLINDTRANSFER", to=to, by=by, hold_s=f.seconds_since("held_ms"))
        else:
            talk_s = f.seconds_since("connected_ms")
            agent = _free_agent_of_connected(f)
            f.emit("BLINDTRANSFER", employee_id=agent or None, to=to, by=by, talk_s=talk_s)
            f.attrs.update(node="transferring", transfer_kind=to["kind"], transfer_target=to["target"])
            return [hangup(agent_leg.call_id)]  # type: ignore[union-attr]
        return _transfer_route(f, to["kind"], to["target"])
    f.error = f"{op} for a call that is {node!r}"
    if op == "assign":  # give back what the service claimed for this offer
        f.effects.append(ReleaseAgent(args.get("employee_id", ""), args.get("queue_id", ""), 0, completed=False))
        if args.get("hold"):
            f.effects.append(HoldOfferEnded(args["hold"]))
        elif args.get("queue_id") and args.get("entry"):
            f.effects.append(EntryBackToWaiting(args["queue_id"], args["entry"]))
            f.effects.append(RequestDispatch(args["queue_id"], "declined"))
    return None


def _assign(f: _Flow, args: dict[str, str], node: str, by: str) -> list[dict[str, Any]]:
    employee, uri = args.get("employee_id", ""), args["uri"]
    q = f.queue() if node == "queue" else None
    f.attrs.update(node="offer", agent=employee, started_ring_ms=str(f.ctx.now_ms), assigned=by or "1")
    if node == "held":
        f.attrs["from_hold"] = "1"
    f.emit("ASSIGNED", queue_id=q.queue_id if q else None, employee_id=employee, by=by, held=node == "held")
    endpoint = pstn(uri) if uri.startswith("+") else softphone(f.ctx.voice_connector_arn, uri)
    caller_id = f.attrs.get("caller") or (f.plan.main_number if f.ctx.plan else "")
    return [call_and_bridge(caller_id, endpoint, q.ring_timeout_s if q else ASSIGN_RING_S)]


def _free_agent_of_connected(f: _Flow) -> str:
    """The agent of a connected call whose leg is about to end (hold, transfer): wrap-up as
    after a hang-up, the next caller dispatched after it."""
    agent = f.attrs.pop("agent", "")
    answered_by = f.attrs.pop("answered_by", "")
    qid = f.attrs.get("queue") or f.attrs.get("queue_id") or ""
    if agent:
        q = f.plan.queues.get(qid) if f.ctx.plan and qid else None
        wrapup = q.wrapup_s if q else 0
        f.effects.append(ReleaseAgent(agent, qid if q else "", wrapup, completed=True))
        if q:
            f.effects.append(RequestDispatch(qid, "agent_free", wrapup))
    for k in ("entry", "queue", "queue_id", "assigned", "connected_ms"):
        f.attrs.pop(k, None)
    return agent or answered_by


def _agent_leg_dropped(f: _Flow, node: str) -> Decision:
    """The HANGUP of the agent's leg that hold or transfer asked for: its actions run on the
    caller's leg (reference: Hangup on a bridged call)."""
    if node == "holding":
        f.attrs["node"] = "held"
        return f.decision(_hold_loop(f))
    kind, target = f.attrs.pop("transfer_kind", ""), f.attrs.pop("transfer_target", "")
    return f.decision(_transfer_route(f, kind, target))


def _transfer_route(f: _Flow, kind: str, target: str) -> list[dict[str, Any]]:
    for k in ("hold", "held_ms", "held_by"):
        f.attrs.pop(k, None)
    if kind == "extension":
        person = f.facts.person_by_extension(target)
        if person is None:
            f.error = f"transfer to extension {target} that nobody has"
            return f.end(TEXT["not_available"])
        kind, target = "person", person.employee_id
    if not f.ctx.plan:
        return f.end(TEXT["not_available"])
    return f.route(Destination(kind, target))


def _hangup(f: _Flow) -> Decision:
    params = f.ev.action_params
    gone_tag = str(params.get("ParticipantTag", "")).upper()
    gone_id = str(params.get("CallId", ""))
    still_up = [p for p in f.ev.legs if p.status.lower() == "connected" and p.call_id != gone_id]
    node = f.attrs.get("node", "")
    duration_s = f.seconds_since("connected_ms") if "connected_ms" in f.attrs else 0
    queue_id = f.attrs.get("queue", "")
    entry = f.attrs.get("entry", "")
    q = f.queue()
    if node in ("holding", "transferring") and gone_tag == "LEG-B" and any(p.tag == "LEG-A" for p in still_up):
        return _agent_leg_dropped(f, node)  # B3/B4: the agent's leg is gone, the caller stays
    if node in ("held", "holding") or (node == "offer" and f.attrs.get("from_hold")):  # B3: a parked caller left
        f.effects.append(DeleteHold(f.attrs.get("hold", "")))
        if node == "offer":
            f.effects.append(ReleaseAgent(f.attrs.get("agent", ""), "", 0, completed=False))
            f.emit("RINGCANCELED", employee_id=f.attrs.get("agent"), held=True)
    if f.attrs.get("op") == "fork":  # a member's leg of a ringall: the caller's call reports
        if node == "dialling" and not f.attrs.get("fork_done"):  # declined, busy, gave up
            f.emit(
                "RINGNOANSWER",
                group_id=f.attrs.get("group_id"),
                employee_id=f.attrs.get("employee_id"),
                ring_s=f.seconds_since("started_ms"),
            )
        elif node == "fork_won":  # the member ended the conversation
            f.effects.append(EndFork(f.call_id, "member_left", hang_up_caller=True))
        f.attrs["node"] = "ended"
        return f.decision([hangup(p.call_id) for p in still_up][:MAX_ACTIONS])
    if node == "fork" or (node == "connected" and f.attrs.get("fork_meeting")):
        f.effects.append(EndFork(f.call_id, "caller_left" if node == "fork" else "ended"))
    if node == "queue" and entry:  # A4: the caller left while waiting
        f.effects.append(CloseEntry(queue_id, entry))
        f.emit(
            "ABANDON",
            queue_id=queue_id,
            position=int(f.attrs.get("position", "0")),
            original_position=int(f.attrs.get("position", "0")),
            wait_s=f.seconds_since("enqueued_ms"),
        )
    elif node == "offer" and entry:
        f.effects.append(CloseEntry(queue_id, entry))
        f.effects.append(ReleaseAgent(f.attrs.get("agent", ""), queue_id, 0, completed=False))
        f.effects.append(RequestDispatch(queue_id, "declined"))
        f.emit("RINGCANCELED", queue_id=queue_id, employee_id=f.attrs.get("agent"))
        f.emit("ABANDON", queue_id=queue_id, wait_s=f.seconds_since("enqueued_ms"))
    elif node == "connected" and f.attrs.get("agent") and (queue_id or f.attrs.get("queue_id")):
        qid = queue_id or f.attrs.get("queue_id", "")
        wrapup = q.wrapup_s if q else (f.plan.queues[qid].wrapup_s if f.ctx.plan and qid in f.plan.queues else 0)
        f.effects.append(ReleaseAgent(f.attrs["agent"], qid, wrapup, completed=True))
        f.effects.append(RequestDispatch(qid, "agent_free", wrapup))
        caller_left = gone_tag == "LEG-A" if queue_id else gone_tag == "LEG-B"
        f.emit(
            "COMPLETECALLER" if caller_left else "COMPLETEAGENT",
            queue_id=qid,
            employee_id=f.attrs["agent"],
            holdtime_s=max(0, (int(f.attrs.get("connected_ms", 0)) - int(f.attrs.get("enqueued_ms", 0) or 0)) // 1000)
            if f.attrs.get("enqueued_ms")
            else 0,
            talk_s=duration_s,
        )
    elif node == "connected" and f.attrs.get("agent"):  # B4: a picked-up or assigned call outside a queue
        f.effects.append(ReleaseAgent(f.attrs["agent"], "", 0, completed=True))
        kind = "COMPLETECALLER" if gone_tag == "LEG-A" else "COMPLETEAGENT"
        f.emit(kind, employee_id=f.attrs["agent"], talk_s=duration_s)
    elif node == "dialling" and f.attrs.get("op") == "callback":  # the agent did not answer
        f.emit("RINGNOANSWER", queue_id=f.attrs.get("queue_id"), employee_id=f.attrs.get("agent"), callback=True)
        _callback_failed(f)
    elif node == "callback_bridge":
        _callback_failed(f)
    if node not in ("ended",):
        f.emit("HANGUP", by=gone_tag or "", node=node, duration_s=duration_s, employee_id=f.attrs.get("answered_by"))
    f.attrs["node"] = "ended"
    return f.decision([hangup(p.call_id) for p in still_up][:MAX_ACTIONS])


def _invalid_response(f: _Flow) -> Decision:
    f.error = f"INVALID_LAMBDA_RESPONSE: {f.ev.error_type} {f.ev.error_message}".strip()
    return f.decision([hangup(f.a)] if f.a else [])


def _ignored(f: _Flow) -> Decision:
    return f.decision([])


_HANDLERS: dict[str, Callable[[_Flow], Decision]] = {
    "NEW_INBOUND_CALL": _new_inbound,
    "NEW_OUTBOUND_CALL": _new_outbound,
    "RINGING": _ignored,
    "CALL_ANSWERED": _call_answered,
    "ACTION_SUCCESSFUL": _action_successful,
    "ACTION_FAILED": _action_failed,
    "ACTION_INTERRUPTED": _ignored,
    "HANGUP": _hangup,
    "INVALID_LAMBDA_RESPONSE": _invalid_response,
    "DIGITS_RECEIVED": _digits_received,
    "CALL_UPDATE_REQUESTED": _call_update,
}

__all__ = ["HANGUP", "Context", "Decision", "Facts", "Person", "decide", "offer_order", "parse_event"]
