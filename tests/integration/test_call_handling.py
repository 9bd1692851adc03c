"""The switchboard's call handling (B3, B4) through services.call_handling, the real call-control
handler (CallControlFunction in the local cloud's runtime) and the dispatcher, against the
emulator's CallsTable. Chime's side is test_call_control's recording FakeVoice: what the
service asks of a live call is then delivered to call control as CALL_UPDATE_REQUESTED.
The fixtures `pbx` and `dispatches` are test_call_control's, imported (hence F811 below)."""
# ruff: noqa: F811

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.test_call_control import Call, FakeVoice, agents_state, dispatches, entries, pbx  # noqa: F401

AGENT_LEG = {
    "CallId": "c-agent-07",
    "ParticipantTag": "LEG-B",
    "To": "+4791200003",
    "From": "+4722123400",
    "Direction": "Outbound",
    "StartTimeInMilliseconds": "1795694460000",
    "Status": "Connected",
}


def directory(cid: str):
    from skysentral.store.directory_repository import Directory

    return Directory(cid)


def poke(call: Call, args: dict, agent_leg: bool = False) -> dict:
    """Deliver what the service sent with update_call to call control."""
    ev = call.event("call_update_requested", Type="CallUpdateRequest", Parameters={"Arguments": args})
    if agent_leg:
        ev["CallDetails"]["Participants"] = [ev["CallDetails"]["Participants"][0], dict(AGENT_LEG)]
    return call.send(ev)


def agent_leg_gone(call: Call) -> dict:
    ev = call.event("hangup")
    ev["ActionData"] = {"Type": "Hangup", "Parameters": {"CallId": "c-agent-07", "ParticipantTag": "LEG-B"}}
    legs = ev["CallDetails"]["Participants"]
    legs[0]["Status"] = "Connected"
    legs[1:] = [{**AGENT_LEG, "Status": "Disconnected"}]
    return call.send(ev)


def connected_call(cloud, cid: str, main: str, agent: str = "e-0") -> Call:
    from skysentral.store import call_repository as repo

    call = Call(cloud, main)
    call.arrive()
    (entry,) = [e for e in entries(cid) if e.call_id == call.txn]
    assert repo.AgentRepository(cid).claim(agent, entry, "support", 10**13, callback=False)
    offer = call.update({"op": "bridge", "employee_id": agent, "uri": "+4791200003", "queue_id": "support"})
    call.bridged(offer["Actions"][0]["Parameters"])
    assert call.attrs["node"] == "connected"
    return call


# ---------------------------------------------------------------- assign (B3)


@pytest.mark.feature("B3")
def test_b3_an_entry_offered_by_the_dispatcher_and_assigned_at_once_goes_to_exactly_one(cloud, pbx, dispatches):
    from skysentral.domain.errors import Conflict
    from skysentral.services import call_handling, queue_dispatch
    from skysentral.store import call_repository as repo

    cid, main = pbx(agents=3)
    repo.AgentRepository(cid).log_out("e-2", ["support"])  # e-2 is assigned, not a logged-in member
    for _round in range(4):
        call = Call(cloud, main)
        call.arrive()
        voice = FakeVoice()
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def dispatcher(barrier=barrier, outcomes=outcomes, voice=voice) -> None:
            barrier.wait()
            outcomes.extend(queue_dispatch.dispatch(cid, "support", "test", voice=voice))

        def operator(barrier=barrier, outcomes=outcomes, voice=voice, call=call) -> None:
            barrier.wait()
            try:
                call_handling.assign(directory(cid), call.txn, "e-2", "e-1", voice=voice)
                outcomes.append("assigned")
            except Conflict:
                outcomes.append("409")

        with ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(dispatcher), pool.submit(operator)]:
                f.result()
        offers = [args for txn, args in voice.updates if txn == call.txn]
        assert len(offers) == 1, (outcomes, offers)  # offered to exactly one person
        (entry,) = [e for e in entries(cid) if e.call_id == call.txn]
        assert entry.status == "offered" and entry.agent == offers[0]["employee_id"]
        ringing = [a for a, (state, c) in agents_state(cid).items() if state == "ringing" and c == call.txn]
        assert ringing == [offers[0]["employee_id"]]
        # give everyone back for the next round: the caller hangs up while it rings
        poke(call, offers[0])
        call.hang_up()
        assert not [e for e in entries(cid) if e.call_id == call.txn]
        assert all(state == "idle" for state, _ in agents_state(cid).values())


@pytest.mark.feature("B3")
def test_b3_an_assigned_call_not_answered_waits_again_in_its_original_place(cloud, pbx, dispatches):
    from skysentral.services import call_handling
    from skysentral.store import call_repository as repo

    cid, main = pbx(agents=3)
    repo.AgentRepository(cid).log_out("e-2", ["support"])
    first, second = Call(cloud, main), Call(cloud, main)
    first.arrive()
    second.arrive()
    place = [e.sk for e in entries(cid)]
    voice = FakeVoice()
    answer = call_handling.assign(directory(cid), second.txn, "e-2", "e-0", voice=voice)
    assert answer == {"call_id": second.txn, "status": "offered", "employee_id": "e-2"}
    ((txn, args),) = voice.updates
    assert txn == second.txn and args["op"] == "assign" and args["by"] == "e-0"
    offer = poke(second, args)
    assert offer["Actions"][0]["Type"] == "CallAndBridge"
    assert offer["Actions"][0]["Parameters"]["Endpoints"][0]["Uri"] == args["uri"]
    bridge = offer["Actions"][0]["Parameters"]
    back = second.send(
        second.event("action_failed", Type="CallAndBridge", Parameters=bridge, ErrorType="CallNotAnswered")
    )
    assert [a["Type"] for a in back["Actions"]] == ["Speak", "Pause"]
    assert [e.sk for e in entries(cid)] == place  # the same sort keys: the caller kept the place
    assert {e.call_id: e.status for e in entries(cid)}[second.txn] == "waiting"
    assert agents_state(cid)["e-2"][0] == "idle"


@pytest.mark.feature("B3")
def test_b3_assign_answers_409_404_and_422_as_the_call_and_person_are(cloud, pbx, dispatches):
    from skysentral.domain.errors import Conflict, NotFound, Unprocessable
    from skysentral.services import call_handling

    cid, main = pbx(agents=2)
    other_cid, _ = pbx(agents=1)
    call = connected_call(cloud, cid, main)
    voice = FakeVoice()
    with pytest.raises(Conflict) as not_waiting:
        call_handling.assign(directory(cid), call.txn, "e-1", "e-1", voice=voice)
    assert not_waiting.value.code == "call_not_waiting"
    with pytest.raises(NotFound):
        call_handling.assign(directory(other_cid), call.txn, "e-0", "e-0", voice=voice)  # another company's call
    waiting = Call(cloud, main)
    waiting.arrive()
    with pytest.raises(Unprocessable) as nobody:
        call_handling.assign(directory(cid), waiting.txn, "e-99", "e-1", voice=voice)
    assert nobody.value.code == "unknown_person"
    assert voice.updates == []


# ---------------------------------------------------------------- hold and pick up (B3, B4)


@pytest.mark.feature("B3", "B4")
def test_b3_b4_a_parked_call_is_listed_on_hold_and_picked_up_by_someone_else(cloud, pbx, dispatches):
    from skysentral.domain.errors import Conflict
    from skysentral.services import call_handling
    from skysentral.store import call_repository as repo

    cid, main = pbx(agents=2)
    call = connected_call(cloud, cid, main, agent="e-0")
    voice = FakeVoice()
    assert call_handling.hold(directory(cid), call.txn, "e-0", voice=voice)["status"] == "holding"
    ((_, hold_args),) = voice.updates
    drop = poke(call, hold_args, agent_leg=True)
    assert drop["Actions"] == [{"Type": "Hangup", "Parameters": {"CallId": "c-agent-07", "SipResponseCode": "0"}}]
    held = agent_leg_gone(call)
    assert [a["Type"] for a in held["Actions"]] == ["Speak", "Pause"] and call.attrs["node"] == "held"
    (item,) = repo.holds(cid)
    assert (item.call_id, item.caller, item.held_by) == (call.txn, call.caller, "e-0")
    assert item.sk.endswith(f"#{call.txn}") and item.held_at.endswith("Z")
    assert agents_state(cid)["e-0"][0] in ("idle", "wrapup")  # the agent is free for the next caller
    with pytest.raises(Conflict):
        call_handling.hold(directory(cid), call.txn, "e-0", voice=voice)  # not connected any more

    call_handling.pickup(directory(cid), call.txn, "e-1", "e-0", voice=voice)
    with pytest.raises(Conflict):  # one pick-up at a time
        call_handling.pickup(directory(cid), call.txn, "e-0", "e-0", voice=voice)
    pickup_args = voice.updates[-1][1]
    assert pickup_args["op"] == "assign" and pickup_args["hold"] == item.sk
    ring = poke(call, pickup_args)
    call.bridged(ring["Actions"][0]["Parameters"])
    assert call.attrs["node"] == "connected" and repo.holds(cid) == []
    assert agents_state(cid)["e-1"] == ("on_call", call.txn)
    call.hang_up(agent_leg=True)
    assert agents_state(cid)["e-1"][0] in ("idle", "wrapup")


@pytest.mark.feature("B3")
def test_b3_a_held_caller_who_hangs_up_leaves_the_hold_list(cloud, pbx, dispatches):
    from skysentral.services import call_handling
    from skysentral.store import call_repository as repo

    cid, main = pbx(agents=1)
    call = connected_call(cloud, cid, main)
    voice = FakeVoice()
    call_handling.hold(directory(cid), call.txn, "e-0", voice=voice)
    poke(call, voice.updates[-1][1], agent_leg=True)
    agent_leg_gone(call)
    assert len(repo.holds(cid)) == 1
    call.hang_up()
    assert repo.holds(cid) == []


# ---------------------------------------------------------------- transfer (B4)


@pytest.mark.feature("B4")
def test_b4_a_waiting_call_transferred_to_a_number_leaves_the_queue(cloud, pbx, dispatches):
    from skysentral.domain.errors import Unprocessable
    from skysentral.services import call_handling

    cid, main = pbx(agents=1)
    call = Call(cloud, main)
    call.arrive()
    voice = FakeVoice()
    with pytest.raises(Unprocessable):
        call_handling.transfer(directory(cid), call.txn, {"kind": "queue", "target": "nope"}, "e-0", voice=voice)
    to = {"kind": "external", "target": "23 00 00 00"}
    answer = call_handling.transfer(directory(cid), call.txn, to, "e-0", voice=voice)
    assert answer["to"] == {"kind": "external", "target": "+4723000000"}
    routed = poke(call, voice.updates[-1][1])
    assert routed["Actions"][0]["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4723000000"}]
    assert [e for e in entries(cid) if e.call_id == call.txn] == []


@pytest.mark.feature("B4")
def test_b4_a_connected_call_transferred_frees_the_agent_and_rings_the_person(cloud, pbx, dispatches):
    from skysentral.services import call_handling

    cid, main = pbx(agents=2)
    call = connected_call(cloud, cid, main, agent="e-0")
    voice = FakeVoice()
    call_handling.transfer(directory(cid), call.txn, {"kind": "person", "target": "e-1"}, "e-0", voice=voice)
    drop = poke(call, voice.updates[-1][1], agent_leg=True)
    assert drop["Actions"][0]["Type"] == "Hangup"
    assert agents_state(cid)["e-0"][0] in ("idle", "wrapup")
    ring = agent_leg_gone(call)
    assert ring["Actions"][0]["Type"] == "CallAndBridge" and call.attrs["person"] == "e-1"
