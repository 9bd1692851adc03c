"""Call control through the real handler (CallControlFunction in the local cloud's runtime)
and the queue dispatcher, against the emulator's CallsTable: idempotency on
(TransactionId, Sequence), concurrency of callers and dispatchers, callback order, max wait.

Chime's side is a recording fake: the dispatcher gets it as its `voice`; call control's
dispatch requests are recorded instead of being sent to the DispatchQueue (whose function
would use the real adapter, which moto lacks)."""

from __future__ import annotations

import copy
import itertools
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.helpers import sample_event

_numbers = itertools.count(100)


class FakeVoice:
    """adapters.chime_voice's calls, recorded; `gone` transactions raise CallGone."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, dict]] = []
        self.created: list[tuple[str, str, dict]] = []
        self.gone: set[str] = set()
        self._lock = threading.Lock()

    def update_call(self, txn: str, args: dict) -> None:
        from skysentral.adapters.chime_voice import CallGone

        if txn in self.gone:
            raise CallGone(txn)
        with self._lock:
            self.updates.append((txn, dict(args)))

    def create_call(self, from_number: str, to_number: str, args: dict) -> str:
        with self._lock:
            self.created.append((from_number, to_number, dict(args)))
        return f"out-{uuid.uuid4()}"


@pytest.fixture
def dispatches(monkeypatch):
    """Call control's dispatch requests, recorded (the real one sends to SQS)."""
    from skysentral.services import queue_dispatch

    sent: list[dict] = []
    lock = threading.Lock()

    def record(company_id, queue_id, reason, delay_s=0, call_id=None):
        with lock:
            sent.append({"company_id": company_id, "queue_id": queue_id, "reason": reason, "delay_s": delay_s})

    monkeypatch.setattr(queue_dispatch, "request_dispatch", record)
    return sent


def plan_for(main: str, queue: dict | None = None) -> dict:
    q = {
        "name": "Service",
        "strategy": "linear",
        "members": [{"employee_id": "e-0"}, {"employee_id": "e-1"}],
        "ring_timeout_s": 20,
        "wrapup_s": 0,
        "max_length": 100,
        "max_wait_s": 600,
        "overflow": {"kind": "voicemail", "target": ""},
        "callback": {"key": "1", "max_attempts": 2, "retry_delay_s": 60},
        "announce_position": True,
    }
    return {
        "main_number": main,
        "entry": {"open": {"kind": "queue", "target": "support"}, "closed": {"kind": "queue", "target": "support"}},
        "holidays_closed": False,
        "opening_hours": {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "queues": {"support": {**q, **(queue or {})}},
    }


@pytest.fixture
def pbx(cloud, company):
    """pbx(queue=None, agents=2) -> (company_id, main number): a company whose main number
    goes to queue `support`, with `agents` employees logged in to it."""
    from skysentral.store import call_repository as repo

    def make(queue: dict | None = None, agents: int = 2) -> tuple[str, str]:
        repo.clear_caches()
        cid, _subs = company(["BEDRIFT_5"] * max(agents, 1))
        main = f"+47221{next(_numbers):05d}"
        repo.RoutingItem(cid, "ROUTING", plan=plan_for(main, queue), version=1).save()
        repo.NumberItem(f"NUMBER#{main}", "NUMBER", company_id=cid).save()
        for n in range(agents):
            repo.AgentRepository(cid).log_in(f"e-{n}", ["support"])
        return cid, main

    return make


class Call:
    """One caller's transaction, driven event by event through the real handler."""

    def __init__(self, cloud: Any, main: str, caller: str | None = None):
        self.cloud, self.main = cloud, main
        self.txn = str(uuid.uuid4())
        self.caller = caller or f"+4790{uuid.uuid4().int % 10**6:06d}"
        self.seq = 0
        self.attrs: dict | None = None

    def event(self, name: str, **action: Any) -> dict:
        ev = sample_event(f"call_control_{name}.json")
        self.seq += 1
        ev["Sequence"] = self.seq
        ev["CallDetails"]["TransactionId"] = self.txn
        legs = ev["CallDetails"]["Participants"]
        legs[0].update(To=self.main, From=self.caller)
        if self.attrs is not None:
            ev["CallDetails"]["TransactionAttributes"] = self.attrs
        else:
            ev["CallDetails"].pop("TransactionAttributes", None)
        if action:
            ev["ActionData"] = action
        return ev

    def send(self, ev: dict) -> dict:
        response = self.cloud.invoke("CallControlFunction", ev)
        if "TransactionAttributes" in response:
            self.attrs = response["TransactionAttributes"]
        return response

    def arrive(self) -> dict:
        return self.send(self.event("new_inbound_call"))

    def update(self, args: dict) -> dict:
        return self.send(self.event("call_update_requested", Type="CallUpdateRequest", Parameters={"Arguments": args}))

    def bridged(self, bridge_params: dict) -> dict:
        return self.send(self.event("action_successful", Type="CallAndBridge", Parameters=bridge_params))

    def hang_up(self, agent_leg: bool = False) -> dict:
        ev = self.event("hangup")
        legs = ev["CallDetails"]["Participants"]
        legs[0]["Status"] = "Disconnected"
        if not agent_leg:
            del legs[1:]
        return self.send(ev)


def entries(cid: str) -> list:
    from skysentral.store import call_repository as repo

    return repo.entries(cid, "support")


def agents_state(cid: str) -> dict[str, tuple[str, str | None]]:
    from skysentral.store import call_repository as repo

    return {a.sk: (a.state, a.call) for a in repo.agents(cid)}


# ---------------------------------------------------------------- idempotency


@pytest.mark.feature("A4")
def test_a4_a_duplicated_event_returns_the_same_response_and_changes_nothing_twice(cloud, pbx, dispatches):
    cid, main = pbx()
    call = Call(cloud, main)
    first_event = call.event("new_inbound_call")
    first = call.send(copy.deepcopy(first_event))
    again = call.send(copy.deepcopy(first_event))  # the service's retry after 5 s
    assert again == first
    assert [a["Type"] for a in first["Actions"]] == ["ReceiveDigits", "Speak", "Speak", "Pause"]
    assert len(entries(cid)) == 1
    assert [d["reason"] for d in dispatches] == ["enqueued", "max_wait"]  # not twice


@pytest.mark.feature("A4")
def test_a4_an_out_of_order_event_is_answered_safely_and_changes_nothing(cloud, pbx, dispatches):
    cid, main = pbx()
    call = Call(cloud, main)
    call.arrive()
    late_hangup = call.event("hangup")  # Sequence 2, delivered after Sequence 3
    late_hangup["CallDetails"]["Participants"][0]["Status"] = "Disconnected"
    del late_hangup["CallDetails"]["Participants"][1:]
    call.send(call.event("action_successful", Type="Pause", Parameters={"CallId": "c-caller-01"}))  # Sequence 3
    response = cloud.invoke("CallControlFunction", late_hangup)
    assert response == {"SchemaVersion": "1.0", "Actions": []}
    assert len(entries(cid)) == 1  # the caller is still waiting: the stale hangup did not remove it


@pytest.mark.feature("A4")
def test_a4_a_malformed_event_gets_a_safe_response(cloud):
    assert cloud.invoke("CallControlFunction", {"InvocationEventType": "NEW_INBOUND_CALL"}) == {
        "SchemaVersion": "1.0",
        "Actions": [],
    }


# ---------------------------------------------------------------- concurrency (A4)


def _dispatch_in_threads(cid: str, voice: FakeVoice, threads: int = 4) -> None:
    from skysentral.services import queue_dispatch

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: queue_dispatch.dispatch(cid, "support", "test", voice=voice), range(threads)))


@pytest.mark.feature("A4")
def test_a4_twenty_concurrent_callers_two_agents_never_double_assigned(cloud, pbx, dispatches):
    cid, main = pbx(agents=2)
    calls = [Call(cloud, main) for _ in range(20)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda c: c.arrive(), calls))
    assert len(entries(cid)) == 20
    by_txn = {c.txn: c for c in calls}
    order = [e.call_id for e in entries(cid)]
    voice = FakeVoice()
    served: list[str] = []
    for _round in range(15):
        before = len(voice.updates)
        _dispatch_in_threads(cid, voice)
        new = voice.updates[before:]
        # GIVEN four dispatchers at once WHEN they pair agents and callers THEN each agent gets
        # at most one caller, each caller at most one agent
        assert len(new) <= 2
        assert len({args["employee_id"] for _, args in new}) == len(new)
        states = agents_state(cid)
        assert sum(1 for s, _ in states.values() if s == "ringing") == len(new)
        for txn, args in new:
            call = by_txn[txn]
            offer = call.update(args)
            call.bridged(offer["Actions"][0]["Parameters"])
            served.append(txn)
        for txn, _ in new:
            by_txn[txn].hang_up(agent_leg=True)
        if not new:
            break
    assert sorted(served) == sorted(order) and len(served) == len(set(served)) == 20
    assert served == order  # served in the order they entered
    assert entries(cid) == []
    assert all(state == "idle" for state, _ in agents_state(cid).values())  # wrapup_s = 0


# ---------------------------------------------------------------- callback (A5)


@pytest.mark.feature("A5")
def test_a5_callback_keeps_its_place_among_fifty_and_is_dialled_once(cloud, pbx, dispatches):
    cid, main = pbx(agents=1)
    calls = [Call(cloud, main) for _ in range(50)]
    for c in calls:
        c.arrive()
    # the 10th caller asks to be called back, then is hung up by the goodbye
    tenth = calls[9]
    bye = tenth.send(tenth.event("digits_received", Type="ReceiveDigits", Parameters={}, ReceivedDigits="1"))
    assert [a["Type"] for a in bye["Actions"]] == ["Speak", "Hangup"]
    tenth.hang_up()
    queue = entries(cid)
    assert [e.call_id for e in queue] == [c.txn for c in calls]  # same place
    assert queue[9].kind == "callback" and queue[9].status == "callback_waiting"

    voice = FakeVoice()
    order: list[str] = []
    for _ in range(12):
        before_u = len(voice.updates)
        _dispatch_in_threads(cid, voice, threads=3)
        for txn, args in voice.updates[before_u:]:
            call = next(c for c in calls if c.txn == txn)
            offer = call.update(args)
            call.bridged(offer["Actions"][0]["Parameters"])
            call.hang_up(agent_leg=True)
            order.append(txn)
        if voice.created:
            break
    (dialled,) = voice.created  # the callback came in its place: after the 9 before it
    order.append(dialled[2]["entry"].split("#", 1)[1])
    assert order == [c.txn for c in calls[:10]]
    assert dialled[1].startswith("+4748") and dialled[2]["number"] == tenth.caller  # the agent's mobile first
    assert dialled[2]["attempt"] == 1
    # GIVEN the callback being dialled WHEN more dispatchers run THEN it is not dialled again
    _dispatch_in_threads(cid, voice, threads=3)
    assert len(voice.created) == 1
    _complete_callback(cloud, dialled[2], main)
    assert tenth.txn not in [e.call_id for e in entries(cid)]
    assert len(entries(cid)) == 40  # the 40 after it still wait, in order


def _complete_callback(cloud: Any, args: dict, main: str) -> None:
    """The agent's phone answers the callback, the caller answers, the conversation ends."""
    txn = str(uuid.uuid4())
    seq = itertools.count(1)

    def ev(name: str, attrs: dict | None, **action: Any) -> dict:
        e = sample_event(f"call_control_{name}.json")
        e["Sequence"] = next(seq)
        e["CallDetails"]["TransactionId"] = txn
        if attrs is None:
            e["CallDetails"].pop("TransactionAttributes", None)
        else:
            e["CallDetails"]["TransactionAttributes"] = attrs
        if action:
            e["ActionData"] = action
        return e

    new = ev("new_outbound_call", None, Type="CallUpdateRequest", Parameters={"Arguments": {**args, "attempt": "1"}})
    attrs = cloud.invoke("CallControlFunction", new)["TransactionAttributes"]
    answered = cloud.invoke("CallControlFunction", ev("call_answered", attrs))
    attrs = answered["TransactionAttributes"]
    bridge = answered["Actions"][1]["Parameters"]
    attrs = cloud.invoke(
        "CallControlFunction", ev("action_successful", attrs, Type="CallAndBridge", Parameters=bridge)
    )["TransactionAttributes"]
    h = ev("hangup", attrs, Type="Hangup", Parameters={"CallId": "c-agent-21", "ParticipantTag": "LEG-A"})
    h["CallDetails"]["Participants"] = [{**h["CallDetails"]["Participants"][0], "Status": "Disconnected"}]
    cloud.invoke("CallControlFunction", h)


# ---------------------------------------------------------------- max wait (A4)


@pytest.mark.feature("A4")
def test_a4_max_wait_sends_the_caller_to_the_overflow(cloud, pbx, dispatches):
    from skysentral.services import queue_dispatch

    cid, main = pbx(queue={"max_wait_s": 1}, agents=0)
    call = Call(cloud, main)
    call.arrive()
    assert {"reason": "max_wait", "delay_s": 1} in [{k: d[k] for k in ("reason", "delay_s")} for d in dispatches]
    voice = FakeVoice()
    assert queue_dispatch.dispatch(cid, "support", "max_wait", call_id=call.txn, voice=voice) == [
        f"overflow {call.txn}"
    ]
    assert voice.updates == [(call.txn, {"op": "overflow"})]
    response = call.update({"op": "overflow"})
    assert [a["Type"] for a in response["Actions"]] == ["Speak", "RecordAudio"]  # overflow = voicemail
    assert entries(cid) == []


@pytest.mark.feature("A4")
def test_a4_a_caller_gone_before_the_bridge_frees_the_agent_for_the_next(cloud, pbx, dispatches):
    from skysentral.services import queue_dispatch

    cid, main = pbx(agents=1)
    first, second = Call(cloud, main), Call(cloud, main)
    first.arrive()
    second.arrive()
    voice = FakeVoice()
    voice.gone.add(first.txn)
    assert queue_dispatch.dispatch(cid, "support", "test", voice=voice) == [f"bridge {second.txn} e-0"]
    assert [e.call_id for e in entries(cid)] == [second.txn]


# ---------------------------------------------------------------- ringall: every member at once (A3)


class MeetingVoice(FakeVoice):
    """FakeVoice with Chime SDK meetings, recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.meetings: list[str] = []
        self.deleted: list[str] = []

    def create_meeting(self, external_id: str, media_region: str | None = None) -> dict:
        self.meetings.append(external_id)
        return {"MeetingId": f"m-{external_id}"}

    def create_attendee(self, meeting_id: str, external_user_id: str) -> dict:
        return {"AttendeeId": f"a-{external_user_id}", "JoinToken": f"tok-{external_user_id}"}

    def delete_meeting(self, meeting_id: str) -> None:
        self.deleted.append(meeting_id)


@pytest.fixture
def ringall_company(cloud, company):
    """(company_id, main number): the main number goes to group `sales` (ringall, e-0 and e-1)."""
    from skysentral.store import call_repository as repo

    repo.clear_caches()
    cid, _subs = company(["BEDRIFT_5"] * 2)
    main = f"+47221{next(_numbers):05d}"
    plan = {
        "main_number": main,
        "entry": {"open": {"kind": "group", "target": "sales"}, "closed": {"kind": "group", "target": "sales"}},
        "holidays_closed": False,
        "opening_hours": {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "groups": {
            "sales": {
                "name": "Salg",
                "strategy": "ringall",
                "members": [{"employee_id": "e-0"}, {"employee_id": "e-1"}],
                "ring_timeout_s": 20,
                "overflow": {"kind": "voicemail", "target": ""},
            }
        },
    }
    repo.RoutingItem(cid, "ROUTING", plan=plan, version=1).save()
    repo.NumberItem(f"NUMBER#{main}", "NUMBER", company_id=cid).save()
    return cid, main


class Handled(Call):
    """A Call sent straight to services.call_control.handle with a recording voice."""

    def __init__(self, cloud: Any, main: str, voice: MeetingVoice, published: list) -> None:
        super().__init__(cloud, main)
        self.voice, self.published = voice, published

    def send(self, ev: dict) -> dict:
        from skysentral.services import call_control

        response = call_control.handle(
            ev, voice=self.voice, publish=self.published.extend, dispatch=lambda *a, **k: None
        )
        if "TransactionAttributes" in response:
            self.attrs = response["TransactionAttributes"]
        return response


def fork_event(name: str, created: tuple[str, str, dict], txn: str, seq: int) -> dict:
    """An event of a member's op=fork call as the service sends it: NEW_OUTBOUND_CALL carries
    the ArgumentsMap, later events no TransactionAttributes (that response is ignored)."""
    _from, to, args = created
    ev = sample_event(f"call_control_{name}.json")
    ev["Sequence"] = seq
    ev["CallDetails"]["TransactionId"] = txn
    ev["CallDetails"].pop("TransactionAttributes", None)
    ev["CallDetails"]["Participants"][0].update(To=to, From=_from)
    if name == "new_outbound_call":
        ev["ActionData"]["Parameters"]["Arguments"] = dict(args)
    return ev


def handle(ev: dict, voice: MeetingVoice, published: list) -> dict:
    from skysentral.services import call_control

    return call_control.handle(copy.deepcopy(ev), voice=voice, publish=published.extend, dispatch=lambda *a, **k: None)


@pytest.mark.feature("A3")
def test_a3_ringall_rings_both_members_and_the_first_answer_gets_the_caller(cloud, ringall_company):
    from skysentral.store import call_repository as repo

    cid, main = ringall_company
    voice, published = MeetingVoice(), []
    caller = Handled(cloud, main, voice, published)
    first = caller.arrive()
    assert [a["Type"] for a in first["Actions"]] == ["Speak", "Pause"]
    # both members' phones are called at once, into one meeting, each with its own token
    mobiles = {k: e.mobile for k, e in repo.employees(cid).items()}
    assert sorted(to for _f, to, _a in voice.created) == sorted([mobiles["e-0"], mobiles["e-1"]])
    assert {a["op"] for _f, _t, a in voice.created} == {"fork"}
    assert {a["meeting_id"] for _f, _t, a in voice.created} == {f"m-fork-{caller.txn}"}
    assert {a["call_id"] for _f, _t, a in voice.created} == {caller.txn}
    assert all(f == main for f, _t, _a in voice.created)
    forks = repo.fork(caller.txn).forks.as_dict()
    assert sorted(forks.values()) == ["e-0", "e-1"]
    txn_of = {e: t for t, e in forks.items()}
    created = {a["employee_id"]: (f, t, a) for f, t, a in voice.created}

    # e-1 answers first: it joins the meeting; the caller is sent in; e-0's ringing is ended
    for name, seq in (("new_outbound_call", 1), ("ringing", 2)):
        handle(fork_event(name, created["e-1"], txn_of["e-1"], seq), voice, published)
        handle(fork_event(name, created["e-0"], txn_of["e-0"], seq), voice, published)
    answered = fork_event("call_answered", created["e-1"], txn_of["e-1"], 3)
    won = handle(answered, voice, published)
    assert won["Actions"] == [
        {
            "Type": "JoinChimeMeeting",
            "Parameters": {"CallId": "c-agent-21", "JoinToken": "tok-e-1", "MeetingId": f"m-fork-{caller.txn}"},
        }
    ]
    assert voice.updates == [
        (
            caller.txn,
            {
                "op": "join_meeting",
                "meeting_id": f"m-fork-{caller.txn}",
                "attendee_token": f"tok-caller-{caller.txn}",
                "employee_id": "e-1",
            },
        ),
        (txn_of["e-0"], {"op": "hangup", "reason": "answered_elsewhere"}),
    ]
    assert handle(answered, voice, published) == won  # the service's retry: same answer, nothing again
    assert len(voice.updates) == 2

    # e-0 answers anyway before its hangup lands: too late, hung up
    late = handle(fork_event("call_answered", created["e-0"], txn_of["e-0"], 3), voice, published)
    assert [a["Type"] for a in late["Actions"]] == ["Hangup"]

    joined = caller.update(voice.updates[0][1])
    assert [a["Type"] for a in joined["Actions"]] == ["JoinChimeMeeting"]
    assert joined["Actions"][0]["Parameters"]["JoinToken"] == f"tok-caller-{caller.txn}"
    (event,) = [e for e in published if e.kind == "ANSWERED"]
    assert (event.employee_id, event.group_id, event.call_id) == ("e-1", "sales", caller.txn)

    # the caller hangs up: the member's call is ended and the meeting deleted
    caller.hang_up()
    assert (txn_of["e-1"], {"op": "hangup", "reason": "ended"}) in voice.updates
    assert voice.deleted == [f"m-fork-{caller.txn}"]


@pytest.mark.feature("A3")
def test_a3_ringall_nobody_answering_sends_the_caller_to_overflow_and_stops_the_ringing(cloud, ringall_company):
    _cid, main = ringall_company
    voice, published = MeetingVoice(), []
    caller = Handled(cloud, main, voice, published)
    caller.arrive()
    from skysentral.store import call_repository as repo

    fork_txns = list(repo.fork(caller.txn).forks.as_dict())
    over = caller.send(caller.event("action_successful", Type="Pause", Parameters={"CallId": "c-caller-01"}))
    assert [a["Type"] for a in over["Actions"]] == ["Speak", "RecordAudio"]  # the group's overflow
    assert sorted(voice.updates) == sorted((t, {"op": "hangup", "reason": "timeout"}) for t in fork_txns)
    assert voice.deleted == [f"m-fork-{caller.txn}"]
    # a member answering now loses: hung up
    txn = fork_txns[0]
    employee = repo.fork(caller.txn).forks.as_dict()[txn]
    created = next(c for c in voice.created if c[2]["employee_id"] == employee)
    handle(fork_event("new_outbound_call", created, txn, 1), voice, published)
    late = handle(fork_event("call_answered", created, txn, 2), voice, published)
    assert [a["Type"] for a in late["Actions"]] == ["Hangup"]


@pytest.mark.feature("A3")
def test_a3_ringall_caller_hanging_up_while_it_rings_stops_every_fork(cloud, ringall_company):
    _cid, main = ringall_company
    voice, published = MeetingVoice(), []
    caller = Handled(cloud, main, voice, published)
    caller.arrive()
    caller.hang_up()
    assert sorted(r for _t, a in voice.updates for r in [a["reason"]]) == ["caller_left", "caller_left"]
    assert voice.deleted == [f"m-fork-{caller.txn}"]
