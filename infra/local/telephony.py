"""The service side of Amazon Chime SDK PSTN audio and Chime SDK meetings, locally
(reference/chime-pstn-audio.md; what it does and does not do: infra/local/README.md).

One :class:`Telephony` per process: an HTTP server speaking the REST APIs the product's
adapter calls (``chime-sdk-voice`` Create/UpdateSipMediaApplicationCall, ``chime-sdk-meetings``
Create/Get/DeleteMeeting, Create/ListAttendees; paths and shapes from botocore's models), found
by boto3 through AWS_ENDPOINT_URL_CHIME_SDK_VOICE / _MEETINGS, and a call engine that invokes the
SIP media application's function (the template's, through the local cloud's runtime) with events
in the service's shapes and runs the actions it returns against simulated phones (:class:`Phone`).

Time is real, but every duration the engine waits (prompts, audio, answer delays, a caller's
patience) is multiplied by ``time_scale`` (0.05: a minute of call in 3 s). Times in the call
log are in simulated seconds. The function's own run time is not scaled: the 5 s retry and
the 20 s give-up are wall-clock, as in the service.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import os
import queue
import re
import threading
import time
import uuid
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("infra.local.telephony")

SCHEMA_VERSION = "1.0"
MAX_ACTIONS, MAX_ATTRIBUTES, MAX_ATTRIBUTES_BYTES = 10, 100, 20 * 1024
MAX_ATTENDEES = 250
RETRY_AFTER_S, GIVE_UP_AFTER_S = 5.0, 20.0
OUTBOUND_RING_S = 60.0  # an unanswered CreateSipMediaApplicationCall gives up (480) after this
SMA_TYPES = ("AWS::Chime::SipMediaApplication",)
SIP_RULE_TYPES = ("Custom::ChimeSipRule", "AWS::Chime::SipRule")
REQUIRED = {  # action type → required parameters (reference §4.4)
    "CallAndBridge": ("CallerIdNumber", "Endpoints"),
    "Hangup": (),
    "JoinChimeMeeting": ("JoinToken",),
    "ModifyChimeMeetingAttendees": ("Operation", "MeetingId", "AttendeeList"),
    "Pause": ("DurationInMilliseconds",),
    "PlayAudio": ("AudioSource",),
    "PlayAudioAndGetDigits": ("AudioSource", "RepeatDurationInMilliseconds"),
    "ReceiveDigits": ("InputDigitsRegex", "InBetweenDigitsDurationInMilliseconds", "FlushDigitsDurationInMilliseconds"),
    "RecordAudio": ("RecordingDestination", "RecordingTerminators"),
    "SendDigits": ("CallId", "Digits"),
    "Speak": ("CallId", "Text"),
    "SpeakAndGetDigits": ("CallId", "SpeechParameters", "RepeatDurationInMilliseconds"),
    "StartBotConversation": ("BotAliasArn",),
    "VoiceFocus": ("Enable", "CallId"),
    "StartCallRecording": ("CallId", "Track", "Destination"),
    "StopCallRecording": ("CallId",),
    "PauseCallRecording": ("CallId",),
    "ResumeCallRecording": ("CallId",),
}
INTERRUPTIBLE = {"PlayAudio", "RecordAudio", "Pause"}
# Actions that always invoke the function when they end; others only at the end of the list.
RETURNS_DATA = {
    "PlayAudioAndGetDigits",
    "SpeakAndGetDigits",
    "RecordAudio",
    "CallAndBridge",
    "JoinChimeMeeting",
    "ModifyChimeMeetingAttendees",
    "StartBotConversation",
    "StartCallRecording",
}
IGNORED_RESPONSES = {"NEW_OUTBOUND_CALL", "RINGING", "ACTION_INTERRUPTED"}


@dataclass
class Phone:
    """A simulated phone's behaviour (seconds are simulated). ``keys``: what it keys at each
    prompt for digits, in order ("" = lets the prompt time out); ``keys_at``: [[s, digits]]
    keyed at s after the call started (caught by ReceiveDigits or a playback terminator)."""

    answer_after: float | None = 1.0  # None: never answers
    busy: bool = False
    hangup_after: float | None = 5.0  # after connecting; None: stays until the other side ends
    keys: list[str] = field(default_factory=list)
    keys_at: list[list[Any]] = field(default_factory=list)
    speaks_for: float = 3.0  # length of a voicemail it leaves

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Phone:
        known = {f.name for f in fields(cls)}
        unknown = set(d or {}) - known
        if unknown:
            raise ValueError(f"unknown phone behaviour {sorted(unknown)}; known: {sorted(known)}")
        return cls(**copy.deepcopy(d or {}))


class Leg:
    def __init__(self, tag: str, frm: str, to: str, direction: str, phone: Phone | None, kind: str = "pstn") -> None:
        self.call_id, self.tag, self.frm, self.to, self.direction = str(uuid.uuid4()), tag, frm, to, direction
        self.start_ms, self.status, self.phone, self.kind = str(int(time.time() * 1000)), "Connected", phone, kind
        self.keys = list(phone.keys) if phone else []
        self.armed: dict[str, Any] | None = None  # ReceiveDigits parameters
        self.meeting: tuple[str, str] | None = None  # (meeting id, attendee id) of a meeting leg
        self.answered = direction == "Inbound" or kind != "pstn"

    def participant(self) -> dict[str, str]:
        return {
            "CallId": self.call_id,
            "ParticipantTag": self.tag,
            "To": self.to,
            "From": self.frm,
            "Direction": self.direction,
            "StartTimeInMilliseconds": self.start_ms,
            "Status": self.status,
        }


class Txn:
    def __init__(self, engine: Telephony, sma_id: str, rule_id: str | None) -> None:
        self.id, self.sma_id, self.rule_id, self.engine = str(uuid.uuid4()), sma_id, rule_id, engine
        self.legs: dict[str, Leg] = {}
        self.sequence, self.attributes = 0, None  # type: tuple[int, dict[str, str] | None]
        self.pending: list[dict[str, Any]] = []
        self.running: dict[str, Any] | None = None  # {"token", "action", "leg"}
        self.tokens = itertools.count(1)
        self.inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.started = time.monotonic()
        self.ended: float | None = None
        self.kind, self.arguments = "inbound", {}  # type: tuple[str, dict[str, str]]
        self.log: list[dict[str, Any]] = []  # what happened, in simulated seconds
        self.invocations: list[dict[str, Any]] = []  # (event, response) pairs, for tests

    def now(self) -> float:
        return round((time.monotonic() - self.started) / self.engine.time_scale, 1)

    def note(self, who: str, what: str, **more: Any) -> None:
        self.log.append({"t": self.now(), "who": who, "what": what, **more})

    def connected(self) -> list[Leg]:
        return [leg for leg in self.legs.values() if leg.status == "Connected"]

    def leg(self, params: dict[str, Any], default: Leg | None) -> Leg | None:
        if params.get("CallId"):
            return next((leg for leg in self.legs.values() if leg.call_id == params["CallId"]), None)
        if params.get("ParticipantTag"):
            return self.legs.get(str(params["ParticipantTag"]).upper())
        return default or self.legs.get("LEG-A")

    def describe(self) -> dict[str, Any]:
        return {
            "transaction_id": self.id,
            "kind": self.kind,
            "arguments": self.arguments,
            "participants": [leg.participant() for leg in self.legs.values()],
            "transaction_attributes": self.attributes,
            "ended": self.ended is not None,
            "log": self.log,
        }


class Telephony:
    """The process's stand-in (see the module docstring). ``register(cloud)`` after a deploy
    takes the template's SIP media applications and SIP rules; ``call(frm, to)`` places an
    inbound call; ``phones`` maps numbers (or SIP URIs) to behaviours."""

    def __init__(self, time_scale: float = 1.0, retry_after_s: float = RETRY_AFTER_S) -> None:
        self.time_scale, self.retry_after_s = time_scale, retry_after_s
        self.smas: dict[str, tuple[Any, str]] = {}  # SMA id → (cloud, function logical id)
        self.rules: dict[str, tuple[str, str]] = {}  # dialled number → (SMA id, rule id)
        self.txns: dict[str, Txn] = {}
        self.phones: dict[str, Phone] = {}
        self.meetings: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # ------------------------------------------------------------------ wiring
    def start(self, port: int = 0) -> Telephony:
        if self._server is None:
            handler = type("Handler", (_Api,), {"engine": self})
            self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            self._server.daemon_threads = True
            self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
            threading.Thread(target=self._server.serve_forever, name="local-telephony", daemon=True).start()
        os.environ["AWS_ENDPOINT_URL_CHIME_SDK_VOICE"] = self.url
        os.environ["AWS_ENDPOINT_URL_CHIME_SDK_MEETINGS"] = self.url
        return self

    def register(self, cloud: Any) -> dict[str, Any]:
        """The stack's SIP media applications and SIP rules (kept by template.py as Skipped)."""
        from . import template as tpl

        found: dict[str, Any] = {"sip_media_applications": {}, "sip_rules": {}}
        for s in cloud.skipped:
            props = tpl.resolve(cloud, s.properties) if s.type in SMA_TYPES + SIP_RULE_TYPES else {}
            if s.type in SMA_TYPES:
                arn = str(((props.get("Endpoints") or [{}])[0]).get("LambdaArn") or "")
                function = cloud.runtime.logical_id_for(arn)
                if function is None:
                    log.warning("SIP media application %s: %r is not a template function", s.logical_id, arn)
                    continue
                # The id as `Ref` and as `GetAtt …SipMediaApplicationId` resolve it locally.
                for attr in (None, "SipMediaApplicationId"):
                    sma_id = tpl.placeholder(s.logical_id, s.type, attr, cloud.region, cloud.account)
                    with self.lock:
                        self.smas[sma_id] = (cloud, function)
                    found["sip_media_applications"][sma_id] = function
            elif s.type in SIP_RULE_TYPES and props.get("TriggerType", "ToPhoneNumber") == "ToPhoneNumber":
                targets = sorted(props.get("TargetApplications") or [], key=lambda t: int(t.get("Priority", 1)))
                target = str(targets[0]["SipMediaApplicationId"]) if targets else props.get("SipMediaApplicationId")
                values = props.get("TriggerValues") or [props.get("TriggerValue")]
                if isinstance(values, str):
                    values = values.split(",")
                rule_id = tpl.placeholder(s.logical_id, s.type, None, cloud.region, cloud.account)
                for value in (str(v).strip() for v in values if v and target):
                    with self.lock:
                        self.rules[value] = (str(target), rule_id)
                    found["sip_rules"][value] = str(target)
        return found

    def unregister(self, cloud: Any) -> None:
        with self.lock:
            gone = {k for k, (c, _) in self.smas.items() if c is cloud}
            self.smas = {k: v for k, v in self.smas.items() if k not in gone}
            self.rules = {k: v for k, v in self.rules.items() if v[0] not in gone}

    def phone(self, number: str) -> Phone:
        return self.phones.get(number) or Phone()

    def _after(self, txn: Txn, seconds: float, *signal: Any) -> None:
        timer = threading.Timer(max(0.0, seconds) * self.time_scale, txn.inbox.put, (signal,))
        timer.daemon = True
        timer.start()

    # ------------------------------------------------------------------ calls in and out
    def call(self, frm: str, to: str, phone: Phone | dict | None = None) -> Txn:
        """An inbound call from ``frm`` (behaving as ``phone``) to ``to``: a SIP rule → NEW_INBOUND_CALL."""
        with self.lock:
            if to not in self.rules:
                raise LookupError(f"no SIP rule for {to}; rules: {sorted(self.rules)}")
            sma_id, rule_id = self.rules[to]
            behaviour = phone if isinstance(phone, Phone) else Phone.from_dict(phone) if phone else self.phone(frm)
            txn = Txn(self, sma_id, rule_id)
            txn.legs["LEG-A"] = Leg("LEG-A", frm, to, "Inbound", behaviour)
            self.txns[txn.id] = txn
        txn.note(frm, f"calls {to}")
        self._phone_script(txn, txn.legs["LEG-A"])
        self._spawn(txn, ("invoke", "NEW_INBOUND_CALL", None, None))
        return txn

    def create_call(self, sma_id: str, frm: str, to: str, arguments: dict[str, str]) -> Txn:
        """CreateSipMediaApplicationCall: NEW_OUTBOUND_CALL, RINGING, then CALL_ANSWERED or HANGUP."""
        with self.lock:
            if sma_id not in self.smas:
                raise LookupError(f"SIP media application {sma_id} not found")
            txn = Txn(self, sma_id, None)
            txn.kind, txn.arguments = "outbound", dict(arguments)
            leg = txn.legs["LEG-A"] = Leg("LEG-A", frm, to, "Outbound", self.phone(to))
            self.txns[txn.id] = txn
        txn.note(to, f"is called from {frm}", arguments=arguments)
        phone = leg.phone or Phone()
        data = {"Type": "CallCreateRequest", "Parameters": {"Arguments": dict(arguments)}}
        self._spawn(txn, ("invoke", "NEW_OUTBOUND_CALL", data, None))
        self._after(txn, 0.2, "ringing")
        if phone.busy or self._in_call(to, txn):
            self._after(txn, 1.0, "unanswered", leg.call_id, 486)
        elif phone.answer_after is None or phone.answer_after > OUTBOUND_RING_S:
            self._after(txn, OUTBOUND_RING_S, "unanswered", leg.call_id, 480)
        else:
            self._after(txn, phone.answer_after, "answered", leg.call_id)
        return txn

    def update_call(self, sma_id: str, txn_id: str, arguments: dict[str, str]) -> Txn:
        txn = self.txns.get(txn_id)
        if txn is None or txn.ended is not None or txn.sma_id != sma_id:
            raise LookupError(f"transaction {txn_id} not found")
        txn.inbox.put(("update", dict(arguments)))
        return txn

    def _in_call(self, number: str, but: Txn | None = None) -> bool:
        with self.lock:
            return any(
                leg.to == number and leg.status == "Connected" and leg.answered and leg.direction == "Outbound"
                for t in self.txns.values()
                if t is not but and t.ended is None
                for leg in t.legs.values()
            )

    def _phone_script(self, txn: Txn, leg: Leg) -> None:
        """A connected leg's phone hangs up and keys at its times."""
        if leg.phone is None:
            return
        if leg.phone.hangup_after is not None:
            self._after(txn, leg.phone.hangup_after, "phone_hangup", leg.call_id)
        for at, digits in leg.phone.keys_at:
            self._after(txn, float(at), "keys", leg.call_id, str(digits))

    def _spawn(self, txn: Txn, first: tuple[Any, ...]) -> None:
        txn.inbox.put(first)
        threading.Thread(target=self._loop, args=(txn,), name=f"call-{txn.id[:8]}", daemon=True).start()

    def wait(self, txn_ids: list[str] | None = None, timeout_s: float = 60) -> bool:
        """Wait until the given (default: all) transactions have ended."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                txns = [self.txns[i] for i in txn_ids] if txn_ids else list(self.txns.values())
            if all(t.ended is not None for t in txns):
                return True
            time.sleep(0.02)
        return False

    # ------------------------------------------------------------------ one transaction
    def _loop(self, txn: Txn) -> None:
        while txn.ended is None:
            signal = txn.inbox.get()
            try:
                self._handle(txn, signal)
            except Exception:
                log.exception("call %s: handling %s failed", txn.id, signal[0])
                self._end(txn, "stand-in error")
        for leg in txn.legs.values():
            self._leave_meeting(leg)

    def _handle(self, txn: Txn, signal: tuple[Any, ...]) -> None:
        kind = signal[0]
        if kind == "invoke":
            _, etype, data, leg = signal
            self._respond(txn, etype, self._invoke(txn, etype, data, leg), leg)
        elif kind == "done":
            _, token, etype, data = signal
            if txn.running is None or txn.running["token"] != token:
                return  # a cancelled action's timer
            running, txn.running = txn.running, None
            if etype == "BRIDGED":  # the far end answered a CallAndBridge
                self._finish_bridge(txn, data)
                etype, data = "ACTION_SUCCESSFUL", None
            self._finished(txn, running["action"], running["leg"], etype, data)
        elif kind == "update":
            etype, data = "CALL_UPDATE_REQUESTED", {"Type": "CallUpdateRequest", "Parameters": {"Arguments": signal[1]}}
            txn.note("service", "update requested", arguments=signal[1])
            self._respond(txn, etype, self._invoke(txn, etype, data, None), None)
        elif kind == "ringing":
            self._invoke(txn, "RINGING", None, None)
        elif kind == "answered":
            leg = txn.leg({"CallId": signal[1]}, None)
            if leg is not None and leg.status == "Connected":
                leg.answered = True
                txn.note(leg.to, "answers")
                self._phone_script(txn, leg)
                self._respond(txn, "CALL_ANSWERED", self._invoke(txn, "CALL_ANSWERED", None, leg), leg)
        elif kind == "unanswered":
            leg = txn.leg({"CallId": signal[1]}, None)
            if leg is not None and leg.status == "Connected" and not leg.answered:
                txn.note(leg.to, "busy" if signal[2] == 486 else "does not answer")
                self._hangup(txn, leg, signal[2], by_action=False)
        elif kind == "phone_hangup":
            leg = txn.leg({"CallId": signal[1]}, None)
            if leg is not None and leg.status == "Connected":
                txn.note(leg.to if leg.direction == "Outbound" else leg.frm, "hangs up")
                self._hangup(txn, leg, 0, by_action=False)
        elif kind == "keys":
            self._keys(txn, signal[1], signal[2])

    def _invoke(self, txn: Txn, etype: str, data: dict | None, leg: Leg | None, error: tuple | None = None) -> Any:
        """One invocation (retried after 5 s with the same Sequence); returns the validated
        response's Actions (None: absent), or "ended" when the call had to be ended."""
        txn.sequence += 1
        details: dict[str, Any] = {
            "TransactionId": txn.id,
            "AwsAccountId": "123456789012",
            "AwsRegion": os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
            "SipMediaApplicationId": txn.sma_id,
            "Participants": [leg_.participant() for leg_ in txn.legs.values()],
        }
        if txn.rule_id:
            details["SipRuleId"] = txn.rule_id
        if txn.attributes is not None:
            details["TransactionAttributes"] = dict(txn.attributes)
        event: dict[str, Any] = {
            "SchemaVersion": SCHEMA_VERSION,
            "Sequence": txn.sequence,
            "InvocationEventType": etype,
            "CallDetails": details,
        }
        if data is not None:
            event["ActionData"] = data
        if error is not None:
            event["ErrorType"], event["ErrorMessage"] = error
        response = self._call_function(txn, event)
        txn.invocations.append({"event": event, "response": response})
        if response is _FAILED:
            self._end(txn, "the function did not answer")
            return "ended"
        problem = validate(response, event)
        if problem is None:
            if "TransactionAttributes" in response:
                txn.attributes = dict(response["TransactionAttributes"])
            actions = response.get("Actions")
            return None if actions is None else list(actions)
        txn.note("service", f"invalid response: {problem[1]}", error_type=problem[0])
        log.warning("call %s: INVALID_LAMBDA_RESPONSE to %s: %s", txn.id, etype, problem[1])
        if etype == "INVALID_LAMBDA_RESPONSE":
            self._end(txn, "the function answered invalidly twice")
            return "ended"
        err = {**({"Type": data["Type"]} if data and data.get("Type") else {}), **_err(*problem)}
        return self._invoke(txn, "INVALID_LAMBDA_RESPONSE", err, leg, error=problem)

    def _call_function(self, txn: Txn, event: dict[str, Any]) -> Any:
        """The function's response; after 5 s without one the same event again; _FAILED after
        20 s, or after two function errors."""
        cloud, function = self.smas.get(txn.sma_id) or (None, None)
        if cloud is None:
            return _FAILED
        answers: queue.Queue[tuple[Any, bool]] = queue.Queue()

        def run() -> None:
            answers.put(cloud.runtime.invoke_raw(function, copy.deepcopy(event)))

        deadline, started, errors = time.monotonic() + GIVE_UP_AFTER_S, 1, 0
        threading.Thread(target=run, daemon=True).start()
        while True:
            left = deadline - time.monotonic()
            try:
                payload, errored = answers.get(
                    timeout=max(0.0, min(left, self.retry_after_s) if started == 1 else left)
                )
            except queue.Empty:
                if started == 1 and time.monotonic() < deadline:
                    log.warning("call %s: no answer to Sequence %s in time: retried", txn.id, event["Sequence"])
                    txn.note("service", f"retries Sequence {event['Sequence']} (no answer in time)")
                    started += 1
                    threading.Thread(target=run, daemon=True).start()
                    continue
                return _FAILED
            if not errored:
                return payload
            errors += 1
            log.warning("call %s: the function failed: %s", txn.id, payload)
            if started == 1:  # a function error is retried once
                started += 1
                threading.Thread(target=run, daemon=True).start()
            elif errors >= started:
                return _FAILED

    def _respond(self, txn: Txn, etype: str, actions: Any, cause: Leg | None) -> None:
        if actions == "ended" or txn.ended is not None:
            return
        if etype in IGNORED_RESPONSES or (etype == "HANGUP" and not txn.connected()):
            return
        if actions:
            txn.pending = actions
            running = txn.running
            if running and etype == "CALL_UPDATE_REQUESTED" and running["action"]["Type"] in INTERRUPTIBLE:
                txn.running = None
                txn.note("service", f"{running['action']['Type']} interrupted")
                data = self._action_data(running["action"], running["leg"])
                self._respond(
                    txn, "ACTION_INTERRUPTED", self._invoke(txn, "ACTION_INTERRUPTED", data, running["leg"]), None
                )
        self._advance(txn, cause)

    def _finished(self, txn: Txn, action: dict, leg: Leg | None, etype: str, extra: dict | None) -> None:
        data = {**self._action_data(action, leg), **(extra or {})}
        if etype == "ACTION_FAILED":
            txn.pending = []
        elif action["Type"] not in RETURNS_DATA and txn.pending:
            self._advance(txn, leg)
            return
        self._respond(txn, etype, self._invoke(txn, etype, data, leg), leg)

    @staticmethod
    def _action_data(action: dict, leg: Leg | None) -> dict[str, Any]:
        params = dict(action.get("Parameters") or {})
        if leg is not None:
            params["CallId"] = leg.call_id
        return {"Type": action["Type"], "Parameters": params}

    def _advance(self, txn: Txn, cause: Leg | None) -> None:
        """Start the next pending action unless one runs (instant ones run through)."""
        while txn.running is None and txn.pending and txn.ended is None and txn.connected():
            action = txn.pending.pop(0)
            params = action.get("Parameters") or {}
            leg = txn.leg(params, cause)
            if leg is None or leg.status != "Connected":
                message = f"no connected leg {params.get('CallId') or params.get('ParticipantTag')}"
                self._finished(txn, action, None, "ACTION_FAILED", _err("InvalidActionParameter", message))
                return
            token = next(txn.tokens)
            txn.running = {"token": token, "action": action, "leg": leg}
            outcome = self._start(txn, action, leg, token)
            if outcome is not None:  # finished at once
                etype, extra = outcome
                if etype == "HANGUP_DONE":  # _hangup ran it, and the HANGUP event's actions
                    continue
                txn.running = None
                if etype == "ACTION_FAILED" or action["Type"] in RETURNS_DATA or not txn.pending:
                    self._finished(txn, action, leg, etype, extra)
                    return

    def _done(
        self, txn: Txn, token: int, seconds: float, etype: str = "ACTION_SUCCESSFUL", extra: dict | None = None
    ) -> None:
        self._after(txn, seconds, "done", token, etype, extra)

    # ------------------------------------------------------------------ the actions
    def _start(self, txn: Txn, action: dict, leg: Leg, token: int) -> tuple[str, dict | None] | None:
        """Start ``action`` on ``leg``: None while it runs (a timer ends it), or its outcome."""
        kind, p = action["Type"], action.get("Parameters") or {}
        who = leg.frm if leg.direction == "Inbound" else leg.to
        if kind == "Speak":
            txn.note(who, f"hears {p['Text']!r}")
            self._done(txn, token, _speech_s(p["Text"]))
        elif kind == "PlayAudio":
            txn.note(who, f"hears {(p.get('AudioSource') or {}).get('Key')} x{p.get('Repeat', 1)}")
            self._done(txn, token, 3.0 * int(p.get("Repeat") or 1))
        elif kind == "Pause":
            self._done(txn, token, int(p["DurationInMilliseconds"]) / 1000)
        elif kind in ("SpeakAndGetDigits", "PlayAudioAndGetDigits"):
            self._get_digits(txn, kind, p, leg, who, token)
        elif kind == "ReceiveDigits":
            leg.armed = dict(p)
            return "ACTION_SUCCESSFUL", {"ReceivedDigits": ""}
        elif kind == "CallAndBridge":
            return self._bridge(txn, p, leg, token)
        elif kind == "Hangup":
            if leg.meeting:
                self._leave_meeting(leg)
                return "ACTION_SUCCESSFUL", None
            self._hangup(txn, leg, int(p.get("SipResponseCode") or 0), by_action=True)
            return "HANGUP_DONE", None
        elif kind == "RecordAudio":
            txn.note(who, "leaves a voicemail")
            dest = p["RecordingDestination"]
            key = f"{dest.get('Prefix', '')}{txn.id}.wav"
            limit = float(p.get("DurationInSeconds") or 300)
            speaks = leg.phone.speaks_for if leg.phone else 3.0
            recording = {"Type": "S3", "BucketName": dest.get("BucketName"), "Key": key}
            self._done(txn, token, min(limit, speaks), extra={"RecordingDestination": recording})
        elif kind == "JoinChimeMeeting":
            return self._join(txn, p, leg)
        elif kind == "StartCallRecording":
            return "ACTION_SUCCESSFUL", {"CallRecordingDestination": p["Destination"]}
        elif kind == "StartBotConversation":
            return "ACTION_FAILED", _err("ResourceNotFound", "no Amazon Lex in the local cloud")
        elif kind == "SendDigits":
            txn.note(who, f"is sent digits {p['Digits']}")
            return "ACTION_SUCCESSFUL", None
        else:  # ModifyChimeMeetingAttendees, VoiceFocus, Stop/Pause/ResumeCallRecording
            return "ACTION_SUCCESSFUL", None
        return None

    def _get_digits(self, txn: Txn, kind: str, p: dict, leg: Leg, who: str, token: int) -> None:
        prompt = (p.get("SpeechParameters") or {}).get("Text") or (p.get("AudioSource") or {}).get("Key") or ""
        txn.note(who, f"hears {prompt!r}")
        lo, hi = int(p.get("MinNumberOfDigits") or 0), int(p.get("MaxNumberOfDigits") or 128)
        regex, terminators = p.get("InputDigitsRegex"), p.get("TerminatorDigits") or ["#"]
        t = 0.0
        for _ in range(max(1, int(p.get("Repeat") or 1))):
            t += _speech_s(prompt) if kind == "SpeakAndGetDigits" else 3.0
            if not leg.keys:
                t += int(p["RepeatDurationInMilliseconds"]) / 1000
                continue
            digits = leg.keys.pop(0).rstrip("".join(terminators))
            t += 0.5 + 0.2 * len(digits)
            if not digits:
                t += int(p["RepeatDurationInMilliseconds"]) / 1000
                continue
            txn.note(who, f"presses {digits}")
            if lo <= len(digits) <= hi and (not regex or re.search(regex, digits)):
                self._done(txn, token, t, extra={"ReceivedDigits": digits})
                return
            t += 1.5  # the failure prompt
        self._done(txn, token, t, "ACTION_FAILED", _err("InvalidDigitsReceived", "no valid digits"))

    def _keys(self, txn: Txn, call_id: str, digits: str) -> None:
        leg = txn.leg({"CallId": call_id}, None)
        if leg is None or leg.status != "Connected":
            return
        who = leg.frm if leg.direction == "Inbound" else leg.to
        txn.note(who, f"presses {digits}")
        running = txn.running
        if running and running["leg"] is leg:
            kind, p = running["action"]["Type"], running["action"].get("Parameters") or {}
            if kind.endswith("GetDigits"):
                txn.inbox.put(("done", running["token"], "ACTION_SUCCESSFUL", {"ReceivedDigits": digits}))
                return
            if kind == "PlayAudio" and set(digits) & set(p.get("PlaybackTerminators") or []):
                txn.inbox.put(("done", running["token"], "ACTION_SUCCESSFUL", None))
                return
        armed = leg.armed
        if armed and re.search(armed["InputDigitsRegex"], digits):
            data = {"Type": "ReceiveDigits", "Parameters": {**armed, "CallId": leg.call_id}, "ReceivedDigits": digits}
            self._respond(txn, "DIGITS_RECEIVED", self._invoke(txn, "DIGITS_RECEIVED", data, leg), leg)

    def _bridge(self, txn: Txn, p: dict, leg: Leg, token: int) -> tuple[str, dict | None] | None:
        endpoints = p.get("Endpoints") or []
        if len(endpoints) != 1 or not endpoints[0].get("Uri"):
            return "ACTION_FAILED", _err(
                "InvalidActionParameter", "CallAndBridge takes exactly one endpoint with a Uri"
            )
        if "LEG-B" in txn.legs and txn.legs["LEG-B"].status == "Connected":
            return "ACTION_FAILED", _err("InvalidActionParameter", "the call is already bridged")
        uri, timeout = str(endpoints[0]["Uri"]), float(p.get("CallTimeoutSeconds") or 30)
        phone = self.phone(uri)
        who = leg.frm if leg.direction == "Inbound" else leg.to
        txn.note(uri, f"rings (for {who})")
        if phone.busy or self._in_call(uri):
            txn.note(uri, "is busy")
            self._done(txn, token, 1.0, "ACTION_FAILED", _err("CallBusy", "Busy (486)"))
        elif phone.answer_after is None or phone.answer_after > timeout:
            self._after(txn, timeout, "done", token, "ACTION_FAILED", _err("CallNotAnswered", "Call not answered"))
        else:
            self._after(
                txn, phone.answer_after, "done", token, "BRIDGED", {"uri": uri, "caller_id": p["CallerIdNumber"]}
            )
        return None

    def _finish_bridge(self, txn: Txn, extra: dict) -> Leg:
        kind = "pstn" if not extra["uri"].startswith("sip:") else "sip"
        b = txn.legs["LEG-B"] = Leg(
            "LEG-B", extra["caller_id"], extra["uri"], "Outbound", self.phone(extra["uri"]), kind
        )
        b.answered = True
        txn.note(extra["uri"], "answers")
        self._phone_script(txn, b)
        return b

    def _join(self, txn: Txn, p: dict, leg: Leg) -> tuple[str, dict | None]:
        with self.lock:
            meeting = self.meetings.get(str(p.get("MeetingId") or ""))
            if meeting is None:
                meeting = next((m for m in self.meetings.values() if _attendee(m, p["JoinToken"])), None)
            attendee = _attendee(meeting, p["JoinToken"]) if meeting else None
            if meeting is None or attendee is None:
                return "ACTION_FAILED", _err("InvalidActionParameter", "no meeting attendee with that JoinToken")
            b = txn.legs["LEG-B"] = Leg("LEG-B", "SMA", meeting["Meeting"]["MeetingId"], "Outbound", None, "meeting")
            b.meeting = (meeting["Meeting"]["MeetingId"], attendee["AttendeeId"])
            meeting["legs"][b.call_id] = txn.id
        who = leg.frm if leg.direction == "Inbound" else leg.to
        txn.note(who, f"joins meeting {b.meeting[0]}", meeting_id=b.meeting[0])
        return "ACTION_SUCCESSFUL", None

    def _leave_meeting(self, leg: Leg) -> None:
        if leg.meeting:
            with self.lock:
                (self.meetings.get(leg.meeting[0]) or {"legs": {}})["legs"].pop(leg.call_id, None)
            leg.status = "Disconnected"

    def _hangup(self, txn: Txn, leg: Leg, code: int, *, by_action: bool) -> None:
        """A leg ends: the HANGUP event (its actions run while another leg is up)."""
        leg.status = "Disconnected"
        running = txn.running
        if running and (running["leg"] is leg or running["action"]["Type"] == "CallAndBridge" or not by_action):
            txn.running = None
        if not by_action:
            txn.pending = []
        a = txn.legs.get("LEG-A")
        if leg.tag == "LEG-A":
            for other in txn.legs.values():
                if other.meeting:
                    self._leave_meeting(other)
        elif a is not None and a.status != "Connected" and leg.meeting:
            self._leave_meeting(leg)
        params = {"SipResponseCode": code, "CallId": leg.call_id, "ParticipantTag": leg.tag}
        data = {"Type": "Hangup", "Parameters": params}
        actions = self._invoke(txn, "HANGUP", data, leg)
        if not txn.connected():
            self._end(txn, None)
            return
        self._respond(txn, "HANGUP", actions, a if a is not None and a.status == "Connected" else None)

    def _end(self, txn: Txn, why: str | None) -> None:
        if txn.ended is not None:
            return
        for leg in txn.legs.values():
            self._leave_meeting(leg)
            leg.status = "Disconnected"
        txn.running, txn.pending = None, []
        txn.note("service", f"call ends{f' ({why})' if why else ''}")
        txn.ended = time.monotonic()

    # ------------------------------------------------------------------ meetings
    def create_meeting(self, body: dict[str, Any]) -> dict[str, Any]:
        token = body.get("ClientRequestToken")
        with self.lock:
            for m in self.meetings.values():
                if token and m["token"] == token:
                    return m["Meeting"]
            mid = str(uuid.uuid4())
            region = body.get("MediaRegion") or os.environ.get("AWS_DEFAULT_REGION", "eu-central-1")
            meeting = {
                "MeetingId": mid,
                "ExternalMeetingId": body.get("ExternalMeetingId"),
                "MediaRegion": region,
                "MediaPlacement": {"AudioHostUrl": f"{mid}.local:3478", "SignalingUrl": f"wss://signal.local/{mid}"},
                "MeetingArn": f"arn:aws:chime:{region}:123456789012:meeting/{mid}",
            }
            self.meetings[mid] = {"Meeting": meeting, "token": token, "attendees": {}, "legs": {}}
            return meeting

    def create_attendee(self, meeting_id: str, external_user_id: str) -> dict[str, Any]:
        with self.lock:
            meeting = self.meetings[meeting_id]
            for a in meeting["attendees"].values():
                if a["ExternalUserId"] == external_user_id:
                    return dict(a)
            if len(meeting["attendees"]) >= MAX_ATTENDEES:
                raise OverflowError(f"a meeting has at most {MAX_ATTENDEES} attendees")
            aid = str(uuid.uuid4())
            attendee = {"ExternalUserId": external_user_id, "AttendeeId": aid, "JoinToken": uuid.uuid4().hex}
            meeting["attendees"][aid] = attendee
            return dict(attendee)

    def delete_meeting(self, meeting_id: str) -> None:
        with self.lock:
            meeting = self.meetings.pop(meeting_id)
        for call_id, txn_id in list(meeting["legs"].items()):
            txn = self.txns.get(txn_id)
            if txn is not None:
                leg = txn.leg({"CallId": call_id}, None)
                if leg is not None:
                    leg.meeting = None
                    txn.inbox.put(("phone_hangup", call_id))

    def in_meeting(self, meeting_id: str) -> list[str]:
        """The numbers of the phones now in a meeting."""
        with self.lock:
            meeting = self.meetings.get(meeting_id) or {"legs": {}}
            txns = [self.txns[t] for t in meeting["legs"].values() if t in self.txns]
        return [(t.legs["LEG-A"].frm if t.legs["LEG-A"].direction == "Inbound" else t.legs["LEG-A"].to) for t in txns]


_FAILED = object()


def _err(error_type: str, message: str) -> dict[str, str]:
    return {"ErrorType": error_type, "ErrorMessage": message}


def _speech_s(text: str) -> float:
    return max(1.0, 0.06 * len(re.sub(r"<[^>]+>", "", text or "")))


def _attendee(meeting: dict | None, token: str) -> dict | None:
    return next((a for a in (meeting or {}).get("attendees", {}).values() if a["JoinToken"] == token), None)


def validate(response: Any, event: dict[str, Any]) -> tuple[str, str] | None:
    """(ErrorType, message) when the service would not use ``response``, else None."""
    if not isinstance(response, dict) or "SchemaVersion" not in response:
        return "InvalidResponse", "the response must be an object with SchemaVersion"
    if response["SchemaVersion"] != event["SchemaVersion"]:
        return "InvalidSchemaVersion", f"SchemaVersion {response['SchemaVersion']!r} is not {event['SchemaVersion']!r}"
    attrs = response.get("TransactionAttributes")
    if attrs is not None:
        if not isinstance(attrs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()):
            return "TransactionAttributesInvalidMapSize", "TransactionAttributes must map strings to strings"
        if len(attrs) > MAX_ATTRIBUTES or len(json.dumps(attrs).encode()) > MAX_ATTRIBUTES_BYTES:
            return "TransactionAttributesInvalidMapSize", f"at most {MAX_ATTRIBUTES} pairs and 20 KB"
    actions = response.get("Actions")
    if actions is None:
        return None
    if not isinstance(actions, list):
        return "InvalidResponse", "Actions must be a list"
    if len(actions) > MAX_ACTIONS:
        return "InvalidResponse", "Too many actions specified in response"
    if not actions and event["InvocationEventType"] == "NEW_INBOUND_CALL":
        return "InvalidResponse", "Action list is empty"
    for n, action in enumerate(actions):
        if not isinstance(action, dict) or action.get("Type") not in REQUIRED:
            kind = action.get("Type") if isinstance(action, dict) else action
            return "InvalidActionType", f"Actions[{n}]: unknown action type {kind!r}"
        params = action.get("Parameters", {})
        if not isinstance(params, dict):
            return "InvalidActionParameter", f"Actions[{n}] {action['Type']}: Parameters must be an object"
        missing = [p for p in REQUIRED[action["Type"]] if p not in params]
        if missing:
            return "MissingRequiredActionParameter", f"Actions[{n}] {action['Type']}: missing {', '.join(missing)}"
    return None


# ---------------------------------------------------------------------- the REST APIs
_ROUTES = [
    ("POST", re.compile(r"/sip-media-applications/([^/]+)/calls"), "create_call"),
    ("POST", re.compile(r"/sip-media-applications/([^/]+)/calls/([^/]+)"), "update_call"),
    ("POST", re.compile(r"/meetings"), "create_meeting"),
    ("GET", re.compile(r"/meetings/([^/]+)"), "get_meeting"),
    ("DELETE", re.compile(r"/meetings/([^/]+)"), "delete_meeting"),
    ("POST", re.compile(r"/meetings/([^/]+)/attendees"), "create_attendee"),
    ("GET", re.compile(r"/meetings/([^/]+)/attendees"), "list_attendees"),
]


class _Api(BaseHTTPRequestHandler):
    """chime-sdk-voice and chime-sdk-meetings (rest-json): errors as x-amzn-ErrorType."""

    engine: Telephony
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug(format, *args)

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_DELETE(self) -> None:
        self._route()

    def _send(self, status: int, body: Any = None, error: str | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, status: int, error: str, message: str) -> None:
        self._send(status, {"Code": error, "Message": message}, error)

    def _route(self) -> None:
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        except ValueError:
            return self._fail(400, "BadRequestException", "the body must be JSON")
        for method, pattern, name in _ROUTES:
            m = pattern.fullmatch(path)
            if m and method == self.command:
                try:
                    return getattr(self, name)(body, *m.groups())
                except LookupError as exc:
                    return self._fail(404, "NotFoundException", str(exc.args[0] if exc.args else exc))
                except OverflowError as exc:
                    return self._fail(400, "LimitExceededException", str(exc))
                except (KeyError, ValueError, TypeError) as exc:
                    return self._fail(400, "BadRequestException", f"bad request: {exc}")
        self._fail(404, "NotFoundException", f"no route {self.command} {path}")

    def create_call(self, body: dict, sma_id: str) -> None:
        for field_ in ("FromPhoneNumber", "ToPhoneNumber"):
            if not re.fullmatch(r"\+[1-9]\d{1,14}", str(body.get(field_) or "")):
                return self._fail(400, "BadRequestException", f"{field_} must be an E.164 number")
        txn = self.engine.create_call(
            sma_id, body["FromPhoneNumber"], body["ToPhoneNumber"], body.get("ArgumentsMap") or {}
        )
        self._send(201, {"SipMediaApplicationCall": {"TransactionId": txn.id}})

    def update_call(self, body: dict, sma_id: str, txn_id: str) -> None:
        txn = self.engine.update_call(sma_id, txn_id, body.get("Arguments") or {})
        self._send(202, {"SipMediaApplicationCall": {"TransactionId": txn.id}})

    def create_meeting(self, body: dict) -> None:
        self._send(200, {"Meeting": self.engine.create_meeting(body)})

    def _meeting(self, meeting_id: str) -> dict:
        meeting = self.engine.meetings.get(meeting_id)
        if meeting is None:
            raise LookupError(f"meeting {meeting_id} not found")
        return meeting

    def get_meeting(self, body: dict, meeting_id: str) -> None:
        self._send(200, {"Meeting": self._meeting(meeting_id)["Meeting"]})

    def delete_meeting(self, body: dict, meeting_id: str) -> None:
        self._meeting(meeting_id)
        self.engine.delete_meeting(meeting_id)
        self._send(204)

    def create_attendee(self, body: dict, meeting_id: str) -> None:
        self._meeting(meeting_id)
        self._send(200, {"Attendee": self.engine.create_attendee(meeting_id, str(body["ExternalUserId"]))})

    def list_attendees(self, body: dict, meeting_id: str) -> None:
        attendees = list(self._meeting(meeting_id)["attendees"].values())
        self._send(200, {"Attendees": [{k: v for k, v in a.items() if k != "JoinToken"} for a in attendees]})


_instance: list[Telephony] = []


def standin() -> Telephony:
    """The process's stand-in, started (and its endpoint variables set) on first use."""
    if not _instance:
        _instance.append(Telephony(time_scale=float(os.environ.get("SKYSENTRAL_CALL_TIME_SCALE") or 1.0)).start())
    return _instance[0]
