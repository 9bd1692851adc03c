"""The switchboard's call handling in call control's decisions (B3, B4): assign, hold, pick up
and blind transfer, as CALL_UPDATE_REQUESTED from services.call_handling and what follows."""

from __future__ import annotations

import pytest

from skysentral.domain.pbx import call_flow
from tests.helpers import sample_event
from tests.unit.domain.test_call_flow import NOW_MS, decide, enter_queue, failed, follow, types

AGENT_LEG = {
    "CallId": "c-agent-07",
    "ParticipantTag": "LEG-B",
    "To": "+4791200003",
    "From": "+4722123400",
    "Direction": "Outbound",
    "StartTimeInMilliseconds": "1795694460000",
    "Status": "Connected",
}


def kinds(d: call_flow.Decision) -> list[str]:
    return [e.kind for e in d.events]


def update(args: dict, agent_leg: bool = False) -> dict:
    ev = sample_event("call_control_call_update_requested.json")
    ev["ActionData"]["Parameters"]["Arguments"] = args
    if agent_leg:
        ev["CallDetails"]["Participants"].append(dict(AGENT_LEG))
    return ev


def bridged(offer: call_flow.Decision) -> dict:
    ok = sample_event("call_control_action_successful.json")
    ok["ActionData"] = {"Type": "CallAndBridge", "Parameters": offer.actions[0]["Parameters"]}
    return follow(offer, ok)


def agent_leg_gone(seq: int = 12) -> dict:
    """The HANGUP of LEG-B that our own Hangup action caused; the caller is still there."""
    h = sample_event("call_control_hangup.json")
    h["Sequence"] = seq
    h["ActionData"]["Parameters"].update(CallId="c-agent-07", ParticipantTag="LEG-B")
    legs = h["CallDetails"]["Participants"]
    legs[0]["Status"], legs[1]["Status"] = "Connected", "Disconnected"
    return h


def caller_gone(seq: int = 20) -> dict:
    h = sample_event("call_control_hangup.json")
    h["Sequence"] = seq
    h["CallDetails"]["Participants"] = h["CallDetails"]["Participants"][:1]
    return h


def connected_queue_call() -> call_flow.Decision:
    offer = decide(follow(enter_queue(), update({"op": "bridge", "employee_id": "e-kari", "uri": "+4791200001"})))
    return decide(bridged(offer))


def assign_args(**more: str) -> dict:
    return {"op": "assign", "employee_id": "e-ola", "uri": "+4791200002", "queue_id": "support", "by": "e-op", **more}


# ---------------------------------------------------------------- assign (B3)


@pytest.mark.feature("B3")
def test_b3_assign_rings_the_chosen_person_and_says_who_assigned():
    q = enter_queue()
    d = decide(follow(q, update(assign_args(entry=q.attrs["entry"]))))
    assert types(d) == ["CallAndBridge"]
    assert d.actions[0]["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4791200002"}]
    assert d.actions[0]["Parameters"]["CallTimeoutSeconds"] == 20  # the queue's ring timeout
    assert d.attrs["node"] == "offer" and d.attrs["agent"] == "e-ola"
    (assigned,) = d.events
    assert assigned.kind == "ASSIGNED" and assigned.employee_id == "e-ola" and assigned.data["by"] == "e-op"
    connected = decide(bridged(d))
    assert kinds(connected) == ["CONNECT"] and connected.events[0].employee_id == "e-ola"
    assert any(isinstance(e, call_flow.CloseEntry) for e in connected.effects)


@pytest.mark.feature("B3")
def test_b3_an_assigned_call_not_answered_goes_back_to_its_place_in_the_queue():
    q = enter_queue()
    offer = decide(follow(q, update(assign_args(entry=q.attrs["entry"]))))
    back = decide(follow(offer, failed(8, "CallAndBridge", "CallNotAnswered")))
    assert types(back) == ["Speak", "Pause"] and back.attrs["node"] == "queue"
    (again,) = [e for e in back.effects if isinstance(e, call_flow.EntryBackToWaiting)]
    assert again.entry == q.attrs["entry"] == f"{NOW_MS:013d}#{q.attrs['entry'].split('#')[1]}"  # the original key
    (freed,) = [e for e in back.effects if isinstance(e, call_flow.ReleaseAgent)]
    assert freed.employee_id == "e-ola" and not freed.completed
    assert "agent" not in back.attrs


@pytest.mark.feature("B3")
def test_b3_an_assign_that_arrives_after_the_call_moved_on_gives_back_what_was_claimed():
    q = enter_queue()
    connected = connected_queue_call()
    late = decide(follow(connected, update(assign_args(entry=q.attrs["entry"]))))
    assert late.actions is None and late.attrs["node"] == "connected"  # the conversation goes on
    (freed,) = [e for e in late.effects if isinstance(e, call_flow.ReleaseAgent)]
    assert freed.employee_id == "e-ola"
    assert not late.events


# ---------------------------------------------------------------- hold and pick up (B3, B4)


@pytest.mark.feature("B3")
def test_b3_hold_drops_the_agent_leg_frees_the_agent_and_lists_the_call_on_hold():
    connected = connected_queue_call()
    d = decide(follow(connected, update({"op": "hold", "by": "e-op"}, agent_leg=True)))
    assert d.actions == [call_flow.hangup("c-agent-07")]
    (put,) = [e for e in d.effects if isinstance(e, call_flow.PutHold)]
    assert put.held_by == "e-op" and put.caller == "+4791234567" and put.hold.startswith(f"{NOW_MS:013d}#")
    (freed,) = [e for e in d.effects if isinstance(e, call_flow.ReleaseAgent)]
    assert freed.employee_id == "e-kari" and freed.completed and freed.wrapup_s == 10
    (hold,) = d.events
    assert hold.kind == "HOLD" and hold.data["by"] == "e-op" and hold.employee_id == "e-kari"
    held = decide(follow(d, agent_leg_gone()))
    assert types(held) == ["Speak", "Pause"] and held.attrs["node"] == "held"
    assert "vent" in held.actions[0]["Parameters"]["Text"]
    assert not held.events  # the agent's leg ending is not the end of the call
    pause_done = sample_event("call_control_action_successful.json")
    pause_done["Sequence"] = 13
    pause_done["ActionData"] = {"Type": "Pause", "Parameters": {"CallId": "c-caller-01"}}
    assert types(decide(follow(held, pause_done))) == ["Speak", "Pause"]  # the hold loop


@pytest.mark.feature("B3")
def test_b3_hold_of_a_call_that_is_not_connected_changes_nothing():
    q = enter_queue()
    d = decide(follow(q, update({"op": "hold", "by": "e-op"})))
    assert d.actions is None and d.attrs["node"] == "queue" and not d.effects


def held_call() -> call_flow.Decision:
    d = decide(follow(connected_queue_call(), update({"op": "hold", "by": "e-op"}, agent_leg=True)))
    return decide(follow(d, agent_leg_gone()))


@pytest.mark.feature("B3")
def test_b3_a_held_caller_who_hangs_up_leaves_the_hold_list():
    held = held_call()
    d = decide(follow(held, caller_gone()))
    (gone,) = [e for e in d.effects if isinstance(e, call_flow.DeleteHold)]
    assert gone.hold == held.attrs["hold"]
    assert kinds(d) == ["HANGUP"]


@pytest.mark.feature("B4")
def test_b4_pickup_of_a_held_call_rings_the_person_and_unholds_on_answer():
    held = held_call()
    offer = decide(follow(held, update(assign_args(hold=held.attrs["hold"]))))
    assert types(offer) == ["CallAndBridge"] and offer.attrs["node"] == "offer"
    assert offer.actions[0]["Parameters"]["CallTimeoutSeconds"] == call_flow.ASSIGN_RING_S
    assert kinds(offer) == ["ASSIGNED"]
    connected = decide(bridged(offer))
    assert connected.attrs["node"] == "connected" and connected.attrs["agent"] == "e-ola"
    assert kinds(connected) == ["UNHOLD", "ANSWERED"] and connected.events[0].employee_id == "e-ola"
    assert [e.hold for e in connected.effects if isinstance(e, call_flow.DeleteHold)] == [held.attrs["hold"]]
    end = decide(follow(connected, caller_gone(30)))
    (freed,) = [e for e in end.effects if isinstance(e, call_flow.ReleaseAgent)]
    assert freed.employee_id == "e-ola" and freed.completed
    assert "COMPLETECALLER" in kinds(end)


@pytest.mark.feature("B4")
def test_b4_a_pickup_not_answered_puts_the_caller_back_on_hold():
    held = held_call()
    offer = decide(follow(held, update(assign_args(hold=held.attrs["hold"]))))
    back = decide(follow(offer, failed(25, "CallAndBridge", "CallNotAnswered")))
    assert types(back) == ["Speak", "Pause"] and back.attrs["node"] == "held"
    assert [type(e).__name__ for e in back.effects] == ["ReleaseAgent", "HoldOfferEnded"]
    assert back.attrs["hold"] == held.attrs["hold"]


# ---------------------------------------------------------------- blind transfer (B4)


@pytest.mark.feature("B4")
def test_b4_transfer_of_a_waiting_call_closes_its_entry_and_routes_it():
    q = enter_queue()
    d = decide(follow(q, update({"op": "transfer", "kind": "person", "target": "e-ola", "by": "e-op"})))
    assert types(d) == ["CallAndBridge"] and d.attrs["node"] == "person"
    assert any(isinstance(e, call_flow.CloseEntry) and e.entry == q.attrs["entry"] for e in d.effects)
    transfer = d.events[0]
    assert transfer.kind == "BLINDTRANSFER" and transfer.data["to"] == {"kind": "person", "target": "e-ola"}
    assert transfer.data["by"] == "e-op"


@pytest.mark.feature("B4")
def test_b4_transfer_of_a_connected_call_frees_the_agent_then_routes_the_caller():
    connected = connected_queue_call()
    d = decide(follow(connected, update({"op": "transfer", "kind": "extension", "target": "202", "by": "e-op"}, True)))
    assert d.actions == [call_flow.hangup("c-agent-07")] and d.attrs["node"] == "transferring"
    assert kinds(d) == ["BLINDTRANSFER"] and d.events[0].employee_id == "e-kari"
    (freed,) = [e for e in d.effects if isinstance(e, call_flow.ReleaseAgent)]
    assert freed.employee_id == "e-kari" and freed.completed
    routed = decide(follow(d, agent_leg_gone()))
    assert types(routed) == ["CallAndBridge"] and routed.attrs["person"] == "e-ola"  # extension 202
    assert "HANGUP" not in kinds(routed)


@pytest.mark.feature("B4")
def test_b4_transfer_of_a_held_call_to_a_queue_leaves_the_hold_list():
    held = held_call()
    d = decide(follow(held, update({"op": "transfer", "kind": "queue", "target": "support", "by": "e-op"})))
    assert d.attrs["node"] == "queue" and any(isinstance(e, call_flow.Enqueue) for e in d.effects)
    assert [e.hold for e in d.effects if isinstance(e, call_flow.DeleteHold)] == [held.attrs["hold"]]
    assert "hold" not in d.attrs
    assert kinds(d)[0] == "BLINDTRANSFER" and "ENTERQUEUE" in kinds(d)


@pytest.mark.feature("B4")
def test_b4_transfer_to_an_external_number_bridges_it_with_the_main_number():
    q = enter_queue()
    d = decide(follow(q, update({"op": "transfer", "kind": "external", "target": "+4723000000", "by": "e-op"})))
    assert d.actions[0]["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4723000000"}]
    assert d.attrs["node"] == "external"
