"""The SIP media application's decisions (domain.pbx.call_flow), event by event, with a
company's plan and the people in it as plain values."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from skysentral.domain.pbx import call_flow
from skysentral.domain.pbx.call_flow import Context, Person
from skysentral.domain.pbx.routing_plan import RoutingPlan
from tests.helpers import sample_event

TXN = "7c1e2f90-aaaa-4b4b-9c9c-000000000001"
NOW_MS = 1_795_694_400_000

PLAN = {
    "main_number": "+4722123400",
    "entry": {"open": {"kind": "menu", "target": "main"}, "closed": {"kind": "voicemail", "target": ""}},
    "menus": {
        "main": {
            "name": "Hovedmeny",
            "prompt": "Trykk 1 for salg, 2 for service, 3 for ekstern, 9 for mer.",
            "options": {
                "1": {"kind": "group", "target": "sales"},
                "2": {"kind": "queue", "target": "support"},
                "3": {"kind": "external", "target": "+4723000000"},
                "9": {"kind": "menu", "target": "more"},
                "0": {"kind": "person", "target": "e-kari"},
            },
            "timeout_s": 5,
            "max_attempts": 2,
            "on_timeout": {"kind": "queue", "target": "support"},
            "on_invalid": {"kind": "hangup", "target": ""},
            "extension_dialling": True,
        },
        "more": {
            "name": "Mer",
            "prompt": "Trykk 1 for lager.",
            "options": {"1": {"kind": "person", "target": "e-ola"}, "#": {"kind": "menu", "target": "main"}},
        },
    },
    "groups": {
        "sales": {
            "name": "Salg",
            "strategy": "linear",
            "members": [{"employee_id": "e-kari"}, {"employee_id": "e-ola"}, {"employee_id": "e-per"}],
            "ring_timeout_s": 15,
            "overflow": {"kind": "voicemail", "target": ""},
        },
        "rr": {
            "name": "Runde",
            "strategy": "rrmemory",
            "members": [{"employee_id": "e-kari"}, {"employee_id": "e-ola"}, {"employee_id": "e-per"}],
        },
    },
    "queues": {
        "support": {
            "name": "Service",
            "strategy": "leastrecent",
            "members": [{"employee_id": "e-kari"}],
            "ring_timeout_s": 20,
            "wrapup_s": 10,
            "max_length": 3,
            "max_wait_s": 600,
            "overflow": {"kind": "voicemail", "target": ""},
            "callback": {"key": "1", "max_attempts": 3, "retry_delay_s": 60},
        }
    },
    "presence_routing": {"in_meeting": {"kind": "switchboard", "target": ""}},
    "switchboard": {"kind": "queue", "target": "support"},
}

PEOPLE = {
    "e-kari": Person("e-kari", "Kari", mobile="+4791200001", extension="201"),
    "e-ola": Person("e-ola", "Ola", mobile="+4791200002", extension="202", softphone_uri="ola"),
    "e-per": Person("e-per", "Per", mobile="+4791200003", extension="203", availability="in_meeting"),
}


class FakeFacts:
    def __init__(self, people: dict[str, Person] | None = None, waiting: int = 0, memory: dict | None = None):
        self.people = dict(PEOPLE if people is None else people)
        self.waiting = waiting
        self.memory = memory or {}

    def person(self, employee_id: str) -> Person | None:
        return self.people.get(employee_id)

    def person_by_extension(self, extension: str) -> Person | None:
        return next((p for p in self.people.values() if p.extension == extension), None)

    def queue_length(self, queue_id: str) -> int:
        return self.waiting

    def ring_memory(self, group_id: str) -> dict:
        return self.memory

    def barring(self, employee_id: str) -> Any:
        return None

    def meeting_by_pin(self, pin: str) -> tuple[str, str] | None:
        return ("m-123", "owner-token") if pin == "482913" else None


def ctx(plan: dict | None = None, **kw: Any) -> Context:
    p = RoutingPlan.from_dict(plan or PLAN)
    return Context(
        company_id="c-test",
        plan=p,
        now_ms=NOW_MS,
        at_iso="2026-11-26T12:00:00.000Z",
        entry=kw.pop("entry", None),
        voice_connector_arn="arn:aws:chime:eu-central-1:123456789012:vc/abc",
        voicemail_bucket="vm-bucket",
        **kw,
    )


def inbound() -> dict:
    return sample_event("call_control_new_inbound_call.json")


def follow(previous: call_flow.Decision, event: dict) -> dict:
    """The next event of the same call carries the attributes the previous response set."""
    event = copy.deepcopy(event)
    event["CallDetails"]["TransactionAttributes"] = previous.attrs
    return event


def digits(seq: int, keys: str) -> dict:
    ev = sample_event("call_control_action_successful.json")
    ev["Sequence"] = seq
    ev["ActionData"]["ReceivedDigits"] = keys
    return ev


def failed(seq: int, action: str, error: str) -> dict:
    ev = sample_event("call_control_action_failed.json")
    ev["Sequence"] = seq
    ev["ActionData"]["Type"] = action
    ev["ActionData"]["ErrorType"] = error
    return ev


def decide(event: dict, facts: FakeFacts | None = None, **kw: Any) -> call_flow.Decision:
    _, d = call_flow.decide(event, ctx(**kw), facts or FakeFacts())
    response = d.response(event.get("SchemaVersion", "1.0") if isinstance(event, dict) else "1.0")
    assert len(response.get("Actions") or []) <= 10
    json.dumps(response)
    return d


def types(d: call_flow.Decision) -> list[str]:
    return [a["Type"] for a in d.actions or []]


def kinds(d: call_flow.Decision) -> list[str]:
    return [e.kind for e in d.events]


def start_menu() -> call_flow.Decision:
    return decide(inbound())


# ---------------------------------------------------------------- menus (A2) and extensions (A1)


@pytest.mark.feature("A2")
def test_a2_new_call_hears_the_main_menu_in_norwegian():
    d = start_menu()
    assert types(d) == ["SpeakAndGetDigits"]
    speech = d.actions[0]["Parameters"]["SpeechParameters"]
    assert speech["LanguageCode"] == "nb-NO" and speech["VoiceId"] == "Ida"
    assert "Trykk 1 for salg" in speech["Text"]
    assert d.attrs["node"] == "menu" and d.attrs["company"] == "c-test"
    assert kinds(d) == ["INCOMING", "ROUTED", "MENU"]
    assert d.response("1.0")["SchemaVersion"] == "1.0"


@pytest.mark.feature("A2")
def test_a2_key_leads_to_an_external_number_with_the_main_number_as_caller_id():
    d = decide(follow(start_menu(), digits(2, "3")))
    (bridge,) = d.actions
    assert bridge["Type"] == "CallAndBridge"
    assert bridge["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4723000000"}]
    assert bridge["Parameters"]["CallerIdNumber"] == "+4722123400"
    assert "KEYPRESS" in kinds(d)


@pytest.mark.feature("A2")
def test_a2_nested_menu_and_back():
    d = decide(follow(start_menu(), digits(2, "9")))
    assert d.attrs["menu"] == "more" and "Trykk 1 for lager" in d.actions[0]["Parameters"]["SpeechParameters"]["Text"]
    back = decide(follow(d, digits(3, "#")))
    assert back.attrs["menu"] == "main"


@pytest.mark.feature("A2")
def test_a2_invalid_key_is_said_then_after_max_attempts_on_invalid_applies():
    first = decide(follow(start_menu(), digits(2, "7")))
    assert first.attrs["menu"] == "main" and first.attrs["attempts"] == "1"
    assert first.actions[0]["Parameters"]["SpeechParameters"]["Text"].startswith("Ugyldig valg.")
    assert "INVALIDKEY" in kinds(first)
    second = decide(follow(first, digits(3, "7")))
    assert types(second)[-1] == "Hangup"  # on_invalid = hangup


@pytest.mark.feature("A2")
def test_a2_timeout_repeats_then_goes_to_on_timeout():
    first = decide(follow(start_menu(), failed(2, "SpeakAndGetDigits", "InvalidDigitsReceived")))
    assert types(first) == ["SpeakAndGetDigits"] and first.attrs["attempts"] == "1"
    second = decide(follow(first, failed(3, "SpeakAndGetDigits", "InvalidDigitsReceived")))
    assert second.attrs["node"] == "queue" and second.attrs["queue"] == "support"


@pytest.mark.feature("A1")
def test_a1_an_extension_keyed_in_the_menu_rings_the_person():
    d = decide(follow(start_menu(), digits(2, "202")))
    # Ola has a softphone: One Number rings it first, then the mobile (A10, A13)
    (bridge,) = d.actions
    assert bridge["Parameters"]["Endpoints"][0] == {
        "BridgeEndpointType": "AWS",
        "Arn": "arn:aws:chime:eu-central-1:123456789012:vc/abc",
        "Uri": "ola",
    }
    assert d.attrs["person"] == "e-ola"


@pytest.mark.feature("A1")
def test_a1_an_unknown_extension_is_an_invalid_key():
    d = decide(follow(start_menu(), digits(2, "299")))
    assert "INVALIDKEY" in kinds(d) and d.attrs["node"] == "menu"


@pytest.mark.feature("A11")
def test_a11_the_owner_joins_their_phone_meeting_by_keying_its_pin_in_the_menu():
    d = decide(follow(start_menu(), digits(2, "482913")))
    assert d.actions == [
        {
            "Type": "JoinChimeMeeting",
            "Parameters": {"CallId": d.attrs["a"], "JoinToken": "owner-token", "MeetingId": "m-123"},
        }
    ]
    assert d.attrs["node"] == "meeting"
    assert kinds(d)[-2:] == ["ROUTED", "ANSWERED"]  # the call log counts the meeting as answered


@pytest.mark.feature("A11")
def test_a11_a_six_digit_number_that_is_no_pin_is_an_invalid_key():
    d = decide(follow(start_menu(), digits(2, "111111")))
    assert "INVALIDKEY" in kinds(d) and d.attrs["node"] == "menu"


# ---------------------------------------------------------------- people (A7, A10, A13)


@pytest.mark.feature("A10")
@pytest.mark.feature("A13")
def test_a10_softphone_unanswered_then_mobile_then_voicemail():
    ringing = decide(follow(start_menu(), digits(2, "202")))
    mobile = decide(follow(ringing, failed(3, "CallAndBridge", "CallNotAnswered")))
    assert mobile.actions[0]["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4791200002"}]
    vm = decide(follow(mobile, failed(4, "CallAndBridge", "CallNotAnswered")))
    assert types(vm) == ["Speak", "RecordAudio"]
    dest = vm.actions[1]["Parameters"]["RecordingDestination"]
    assert dest["BucketName"] == "vm-bucket" and dest["Prefix"].startswith("voicemail/c-test/e-ola/")
    assert "NOANSWER" in kinds(vm)


@pytest.mark.feature("A7")
def test_a7_a_person_in_a_meeting_goes_to_the_switchboard():
    plan = {**PLAN, "entry": {"open": {"kind": "person", "target": "e-per"}, "closed": PLAN["entry"]["closed"]}}
    d = decide(inbound(), plan=plan)
    assert d.attrs["node"] == "queue" and d.attrs["queue"] == "support"


@pytest.mark.feature("A7")
def test_a7_presence_without_a_rule_sends_to_the_persons_voicemail():
    people = {**PEOPLE, "e-kari": Person("e-kari", mobile="+4791200001", availability="away")}
    d = decide(follow(start_menu(), digits(2, "0")), FakeFacts(people))
    assert types(d) == ["Speak", "RecordAudio"] and d.attrs["voicemail"] == "e-kari"


# ---------------------------------------------------------------- answer groups (A3)


@pytest.mark.feature("A3")
def test_a3_linear_offers_members_in_order_skipping_unavailable_then_overflows():
    d = decide(follow(start_menu(), digits(2, "1")))
    offered = [d.actions[0]["Parameters"]["Endpoints"][0]["Uri"]]
    assert d.actions[0]["Parameters"]["CallTimeoutSeconds"] == 15
    seq = 3
    while d.attrs.get("node") == "group":
        d = decide(follow(d, failed(seq, "CallAndBridge", "CallNotAnswered")))
        seq += 1
        if d.attrs.get("node") == "group":
            offered.append(d.actions[0]["Parameters"]["Endpoints"][0]["Uri"])
    # Kari, Ola (mobile first in a group), Per is in a meeting: skipped; then overflow = voicemail
    assert offered == ["+4791200001", "+4791200002"]
    assert types(d) == ["Speak", "RecordAudio"]
    assert kinds(d).count("NOANSWER") == 1


@pytest.mark.feature("A3")
def test_a3_rrmemory_starts_after_the_member_who_was_offered_last():
    plan = {**PLAN, "entry": {"open": {"kind": "group", "target": "rr"}, "closed": PLAN["entry"]["closed"]}}
    d = decide(inbound(), FakeFacts(memory={"last_offered": "e-kari"}), plan=plan)
    assert d.attrs["offers"].split(",")[0] == "e-ola"
    saves = [e for e in d.effects if isinstance(e, call_flow.SaveRingMemory)]
    assert saves and saves[0].memory["last_offered"] == "e-ola"


@pytest.mark.feature("A3")
@pytest.mark.parametrize(
    ("strategy", "memory", "expected"),
    [
        ("linear", {}, ["a", "b", "c"]),
        ("ringall", {}, ["a", "b", "c"]),
        ("rrmemory", {"last_offered": "b"}, ["c", "a", "b"]),
        ("leastrecent", {"last_call_end_ms": {"a": 30, "b": 10, "c": 20}}, ["b", "c", "a"]),
        ("fewestcalls", {"calls_taken": {"a": 5, "b": 1, "c": 3}}, ["b", "c", "a"]),
    ],
)
def test_a3_offer_order_follows_the_strategy(strategy, memory, expected):
    from skysentral.domain.pbx.routing_plan import Member

    members = tuple(Member(x) for x in "abc")
    order, _ = call_flow.offer_order(strategy, members, memory, lambda: 0.5)
    assert order == expected


@pytest.mark.feature("A3")
def test_a3_a_member_answering_is_reported_with_who_answered():
    d = decide(follow(start_menu(), digits(2, "1")))
    ok = sample_event("call_control_action_successful.json")
    ok["Sequence"] = 3
    ok["ActionData"] = {"Type": "CallAndBridge", "Parameters": d.actions[0]["Parameters"]}
    answered = decide(follow(d, ok))
    assert answered.attrs["node"] == "connected"
    (event,) = [e for e in answered.events if e.kind == "ANSWERED"]
    assert event.employee_id == "e-kari" and event.group_id == "sales"


# ---------------------------------------------------------------- queues and callback (A4, A5)


def enter_queue(waiting: int = 0) -> call_flow.Decision:
    return decide(follow(start_menu(), digits(2, "2")), FakeFacts(waiting=waiting))


@pytest.mark.feature("A4")
def test_a4_entering_a_queue_writes_the_entry_and_asks_for_dispatch():
    d = enter_queue(waiting=1)
    assert types(d) == ["ReceiveDigits", "Speak", "Speak", "Pause"]
    assert "nummer 2" in d.actions[1]["Parameters"]["Text"]
    (enq,) = [e for e in d.effects if isinstance(e, call_flow.Enqueue)]
    assert enq.entry == f"{NOW_MS:013d}#{TXN}" and enq.position == 2
    reasons = {(e.reason, e.delay_s) for e in d.effects if isinstance(e, call_flow.RequestDispatch)}
    assert reasons == {("enqueued", 0), ("max_wait", 600)}
    assert "ENTERQUEUE" in kinds(d)


@pytest.mark.feature("A4")
def test_a4_a_full_queue_overflows():
    d = enter_queue(waiting=3)
    assert types(d) == ["Speak", "RecordAudio"]
    assert not [e for e in d.effects if isinstance(e, call_flow.Enqueue)]


@pytest.mark.feature("A4")
def test_a4_hold_loop_repeats_and_receive_digits_keeps_the_pending_actions():
    q = enter_queue()
    pause_done = sample_event("call_control_action_successful.json")
    pause_done["ActionData"] = {"Type": "Pause", "Parameters": {"CallId": "c-caller-01"}}
    assert types(decide(follow(q, pause_done))) == ["Speak", "Pause"]
    armed = sample_event("call_control_action_successful.json")
    armed["ActionData"] = {"Type": "ReceiveDigits", "Parameters": {}, "ReceivedDigits": ""}
    assert "Actions" not in decide(follow(q, armed)).response("1.0")


@pytest.mark.feature("A4")
def test_a4_bridge_from_the_dispatcher_rings_the_agent_then_connects():
    q = enter_queue()
    upd = sample_event("call_control_call_update_requested.json")
    offer = decide(follow(q, upd))
    assert offer.actions[0]["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4791200003"}]
    assert offer.actions[0]["Parameters"]["CallTimeoutSeconds"] == 20
    ok = sample_event("call_control_action_successful.json")
    ok["ActionData"] = {"Type": "CallAndBridge", "Parameters": offer.actions[0]["Parameters"]}
    connected = decide(follow(offer, ok))
    assert kinds(connected) == ["CONNECT"] and connected.events[0].employee_id == "e-nordlys-03"


@pytest.mark.feature("A4")
def test_a4_an_unanswered_offer_puts_the_caller_back_on_hold_and_frees_the_agent():
    offer = decide(follow(enter_queue(), sample_event("call_control_call_update_requested.json")))
    back = decide(follow(offer, failed(8, "CallAndBridge", "CallNotAnswered")))
    assert types(back) == ["Speak", "Pause"] and back.attrs["node"] == "queue"
    effect_types = {type(e).__name__ for e in back.effects}
    assert effect_types == {"ReleaseAgent", "EntryBackToWaiting", "RequestDispatch"}
    assert "RINGNOANSWER" in kinds(back)


@pytest.mark.feature("A4")
def test_a4_max_wait_overflow_closes_the_entry_and_routes_to_overflow():
    q = enter_queue()
    upd = sample_event("call_control_call_update_requested.json")
    upd["ActionData"]["Parameters"]["Arguments"] = {"op": "overflow"}
    d = decide(follow(q, upd))
    assert types(d) == ["Speak", "RecordAudio"] and "EXITWITHTIMEOUT" in kinds(d)
    assert any(isinstance(e, call_flow.CloseEntry) for e in d.effects)


@pytest.mark.feature("A4")
def test_a4_hangup_while_waiting_is_an_abandon():
    q = enter_queue()
    h = sample_event("call_control_hangup.json")
    h["CallDetails"]["Participants"] = h["CallDetails"]["Participants"][:1]
    d = decide(follow(q, h))
    assert d.actions == [] and kinds(d) == ["ABANDON", "HANGUP"]
    assert any(isinstance(e, call_flow.CloseEntry) for e in d.effects)


@pytest.mark.feature("A4")
def test_a4_hangup_of_a_connected_queue_call_hangs_up_the_agent_and_starts_wrapup():
    d = decide(sample_event("call_control_hangup.json"))
    assert d.actions == [{"Type": "Hangup", "Parameters": {"CallId": "c-agent-07", "SipResponseCode": "0"}}]
    (release,) = [e for e in d.effects if isinstance(e, call_flow.ReleaseAgent)]
    assert release.wrapup_s == 10 and release.completed
    assert ("agent_free", 10) in {(e.reason, e.delay_s) for e in d.effects if isinstance(e, call_flow.RequestDispatch)}
    assert kinds(d) == ["COMPLETECALLER", "HANGUP"]


@pytest.mark.feature("A5")
def test_a5_callback_key_keeps_the_entry_as_a_callback_and_ends_politely():
    q = enter_queue()
    d = decide(follow(q, sample_event("call_control_digits_received.json")))
    assert types(d) == ["Speak", "Hangup"]
    (cb,) = [e for e in d.effects if isinstance(e, call_flow.EntryToCallback)]
    assert cb.entry == q.attrs["entry"] and cb.number == "+4791234567"
    assert kinds(d) == ["EXITWITHKEY", "CALLBACK_REQUESTED"]
    h = sample_event("call_control_hangup.json")
    h["CallDetails"]["Participants"] = h["CallDetails"]["Participants"][:1]
    after = decide(follow(d, h))
    assert not [e for e in after.effects if isinstance(e, call_flow.CloseEntry)]  # the place is kept


@pytest.mark.feature("A5")
def test_a5_callback_call_rings_the_agent_then_bridges_the_caller():
    out = decide(sample_event("call_control_new_outbound_call.json"))
    assert out.actions == [] and out.attrs["op"] == "callback" and kinds(out) == ["CALLBACK_DIALLED"]
    answered = decide(follow(out, sample_event("call_control_call_answered.json")))
    assert types(answered) == ["Speak", "CallAndBridge"]
    assert answered.actions[1]["Parameters"]["Endpoints"][0]["Uri"] == "+4791234567"
    not_answered = decide(follow(answered, failed(4, "CallAndBridge", "CallNotAnswered")))
    (attempt,) = [e for e in not_answered.effects if isinstance(e, call_flow.CallbackAttemptFailed)]
    assert attempt.attempt == 1 and attempt.max_attempts == 3 and attempt.retry_delay_s == 60


# ---------------------------------------------------------------- every other event type


@pytest.mark.feature("A12")
def test_a12_click_to_dial_rings_the_user_then_the_contact():
    out = sample_event("call_control_new_outbound_call.json")
    out["ActionData"]["Parameters"]["Arguments"] = {
        "op": "click_to_dial",
        "employee_id": "e-kari",
        "contact": "+4798765432",
    }
    d = decide(out)
    assert kinds(d) == ["OUTBOUND"]
    ans = decide(follow(d, sample_event("call_control_call_answered.json")))
    assert ans.actions[0]["Parameters"]["Endpoints"] == [{"BridgeEndpointType": "PSTN", "Uri": "+4798765432"}]


@pytest.mark.feature("A11")
def test_a11_meeting_participant_joins_on_answer():
    out = sample_event("call_control_new_outbound_call.json")
    out["ActionData"]["Parameters"]["Arguments"] = {"op": "meeting", "meeting_id": "m-1", "attendee_token": "tok"}
    d = decide(out)
    ans = decide(follow(d, sample_event("call_control_call_answered.json")))
    assert ans.actions[0] == {
        "Type": "JoinChimeMeeting",
        "Parameters": {"CallId": "c-agent-21", "JoinToken": "tok", "MeetingId": "m-1"},
    }


@pytest.mark.feature("A2")
@pytest.mark.parametrize("name", ["ringing", "action_interrupted"])
def test_ignored_events_return_nothing_to_do(name):
    d = decide(sample_event(f"call_control_{name}.json"))
    assert d.actions == [] and d.error is None


@pytest.mark.feature("A2")
def test_invalid_lambda_response_is_logged_and_the_caller_hung_up():
    d = decide(sample_event("call_control_invalid_lambda_response.json"))
    assert "InvalidActionParameter" in (d.error or "")
    assert d.actions == [{"Type": "Hangup", "Parameters": {"CallId": "c-caller-01", "SipResponseCode": "0"}}]


@pytest.mark.feature("A2")
@pytest.mark.parametrize("event", [None, [], {"Sequence": "x"}, {"CallDetails": {}}, "text"])
def test_malformed_events_get_a_safe_empty_response(event):
    ev, d = call_flow.decide(event, ctx(), FakeFacts())
    assert ev is None and d.actions == [] and d.error


@pytest.mark.feature("A2")
def test_unknown_event_type_hangs_up_leg_a_with_an_error():
    ev = inbound()
    ev["InvocationEventType"] = "SOMETHING_NEW"
    d = decide(ev)
    assert types(d) == ["Hangup"] and "SOMETHING_NEW" in (d.error or "")


@pytest.mark.feature("A1")
def test_a1_a_number_nobody_owns_is_rejected_unanswered():
    _, d = call_flow.decide(inbound(), Context(None, None, NOW_MS, "2026-11-26T12:00:00.000Z"), FakeFacts())
    assert d.actions == [{"Type": "Hangup", "Parameters": {"CallId": "c-caller-01", "SipResponseCode": "480"}}]


@pytest.mark.feature("A9")
def test_a9_outgoing_call_from_a_softphone_uses_the_display_number():
    d = decide(inbound(), outgoing_employee="e-kari")
    assert d.actions[0]["Parameters"]["Endpoints"][0]["Uri"] == "+4722123400"  # the dialled number
    assert kinds(d) == ["OUTBOUND"]


@pytest.mark.feature("A9")
def test_a9_barred_destination_is_refused():
    class Barring(FakeFacts):
        def barring(self, employee_id):
            return {"categories": [], "chosen_prefixes": ["+4722"]}

    d = decide(inbound(), Barring(), outgoing_employee="e-kari")
    assert types(d) == ["Speak", "Hangup"] and kinds(d) == ["BARRED"]


@pytest.mark.feature("A2")
def test_every_sample_event_gets_a_response_with_at_most_ten_actions():
    from tests.helpers import EVENTS

    for path in sorted(EVENTS.glob("call_control_*.json")):
        d = decide(json.loads(path.read_text()))
        assert d.response("1.0")["SchemaVersion"] == "1.0", path.name


# ---------------------------------------------------------------- ringall: every member at once (A3)

RINGALL = {**PLAN, "groups": {**PLAN["groups"], "sales": {**PLAN["groups"]["sales"], "strategy": "ringall"}}}


class ForkFacts(FakeFacts):
    """The CALL#<txn>/FORK claim: the first claimant wins (and a retry of the same one)."""

    def __init__(self, winner: str | None = None, ended: bool = False, **kw: Any):
        super().__init__(**kw)
        self.winner, self.ended = winner, ended

    def claim_fork(self, call_id: str, claimant: str) -> bool:
        if self.ended or self.winner not in (None, claimant):
            return False
        self.winner = claimant
        return True


def ringall(facts: FakeFacts | None = None) -> call_flow.Decision:
    return decide(follow(start_menu(), digits(2, "1")), facts or ForkFacts(), plan=RINGALL)


def fork_leg(seq: int, employee_id: str, txn: str, kind: str = "call_answered", **args: str) -> dict:
    """An event of a member's op=fork call (placed by the service for the caller TXN)."""
    ev = sample_event(f"call_control_{kind}.json")
    ev["Sequence"] = seq
    ev["CallDetails"]["TransactionId"] = txn
    ev["CallDetails"]["Participants"] = ev["CallDetails"]["Participants"][:1]
    ev["CallDetails"]["TransactionAttributes"] = {
        "op": "fork",
        "company": "c-test",
        "company_id": "c-test",
        "call_id": TXN,
        "employee_id": employee_id,
        "group_id": "sales",
        "meeting_id": "m-1",
        "attendee_token": f"tok-{employee_id}",
        "a": "c-agent-21",
        "node": "dialling",
        "started_ms": str(NOW_MS),
        **args,
    }
    return ev


def pause_over(d: call_flow.Decision, seq: int) -> dict:
    ev = sample_event("call_control_action_successful.json")
    ev["Sequence"] = seq
    ev["ActionData"] = {"Type": "Pause", "Parameters": {"CallId": "c-caller-01", "DurationInMilliseconds": 15000}}
    return follow(d, ev)


@pytest.mark.feature("A3")
def test_a3_ringall_rings_every_available_member_at_once_while_the_caller_holds():
    d = ringall()
    assert d.attrs["node"] == "fork"
    assert types(d) == ["Speak", "Pause"]  # no CallAndBridge: the members are rung by op=fork calls
    assert d.actions[0]["Parameters"]["Text"] == "Et øyeblikk, vi setter deg over."
    assert d.actions[1]["Parameters"]["DurationInMilliseconds"] == 15_000  # ring_timeout_s
    (start,) = [e for e in d.effects if isinstance(e, call_flow.StartFork)]
    # Kari and Ola on their mobiles together; Per is in a meeting (A7): not rung
    assert start.targets == (("e-kari", "+4791200001"), ("e-ola", "+4791200002"))
    assert start.call_id == TXN and start.from_number == "+4722123400" and start.group_id == "sales"


@pytest.mark.feature("A3")
def test_a3_ringall_first_answer_wins_and_the_caller_joins_the_same_meeting():
    facts = ForkFacts()
    d = ringall(facts)
    won = decide(fork_leg(3, "e-ola", "fork-ola"), facts)
    assert won.actions == [
        {
            "Type": "JoinChimeMeeting",
            "Parameters": {"CallId": "c-agent-21", "JoinToken": "tok-e-ola", "MeetingId": "m-1"},
        }
    ]
    assert [e for e in won.effects if isinstance(e, call_flow.ForkWon)] == [call_flow.ForkWon(TXN, "fork-ola", "e-ola")]
    # the service then sends the caller the meeting (CALL_UPDATE_REQUESTED join_meeting)
    upd = sample_event("call_control_call_update_requested.json")
    upd["Sequence"] = 3
    upd["ActionData"]["Parameters"]["Arguments"] = {
        "op": "join_meeting",
        "meeting_id": "m-1",
        "attendee_token": "tok-caller",
        "employee_id": "e-ola",
    }
    joined = decide(follow(d, upd), facts)
    assert joined.attrs["node"] == "connected" and joined.attrs["answered_by"] == "e-ola"
    assert types(joined) == ["JoinChimeMeeting"] and joined.actions[0]["Parameters"]["JoinToken"] == "tok-caller"
    (event,) = [e for e in joined.events if e.kind == "ANSWERED"]
    assert event.employee_id == "e-ola" and event.group_id == "sales"


@pytest.mark.feature("A3")
def test_a3_ringall_a_late_answer_is_hung_up():
    facts = ForkFacts(winner="fork-ola")
    late = decide(fork_leg(3, "e-kari", "fork-kari"), facts)
    assert types(late) == ["Hangup"]
    assert not [e for e in late.effects if isinstance(e, call_flow.ForkWon)]
    (event,) = late.events
    assert (event.kind, event.employee_id, event.call_id) == ("RINGCANCELED", "e-kari", TXN)


@pytest.mark.feature("A3")
def test_a3_ringall_nobody_answering_within_the_ring_time_sends_the_caller_to_overflow():
    facts = ForkFacts()
    d = ringall(facts)
    over = decide(pause_over(d, 3), facts)
    assert types(over) == ["Speak", "RecordAudio"]  # the group's overflow: voicemail
    assert [e for e in over.effects if isinstance(e, call_flow.EndFork)] == [call_flow.EndFork(TXN, "timeout")]
    assert "NOANSWER" in kinds(over)
    # a member answering after that loses the claim and is hung up
    assert types(decide(fork_leg(4, "e-kari", "fork-kari"), facts)) == ["Hangup"]


@pytest.mark.feature("A3")
def test_a3_ringall_a_claim_at_the_last_moment_keeps_the_caller_for_the_join():
    facts = ForkFacts(winner="fork-kari")
    d = ringall(facts)
    over = decide(pause_over(d, 3), facts)
    assert types(over) == ["Pause"] and over.attrs["node"] == "fork"
    assert not [e for e in over.effects if isinstance(e, call_flow.EndFork)]


@pytest.mark.feature("A3")
def test_a3_ringall_caller_hanging_up_ends_the_forks_and_a_fork_reports_the_cancelled_ring():
    d = ringall()
    h = sample_event("call_control_hangup.json")
    h["Sequence"] = 3
    h["CallDetails"]["Participants"] = h["CallDetails"]["Participants"][:1]
    gone = decide(follow(d, h))
    assert gone.actions == []
    assert [e for e in gone.effects if isinstance(e, call_flow.EndFork)] == [call_flow.EndFork(TXN, "caller_left")]
    upd = fork_leg(3, "e-kari", "fork-kari", kind="call_update_requested")
    upd["ActionData"]["Parameters"]["Arguments"] = {"op": "hangup", "reason": "caller_left"}
    cancelled = decide(upd)
    assert types(cancelled) == ["Hangup"] and kinds(cancelled) == ["RINGCANCELED"]


@pytest.mark.feature("A3")
def test_a3_ringall_the_member_hanging_up_ends_the_callers_call():
    h = fork_leg(5, "e-ola", "fork-ola", kind="hangup", node="fork_won")
    h["ActionData"] = {"Type": "Hangup", "Parameters": {"CallId": "c-agent-21", "ParticipantTag": "LEG-A"}}
    d = decide(h)
    assert [e for e in d.effects if isinstance(e, call_flow.EndFork)] == [
        call_flow.EndFork(TXN, "member_left", hang_up_caller=True)
    ]
    assert kinds(d) == []  # the caller's own call reports the end


@pytest.mark.feature("A3")
def test_a3_ringall_with_one_member_to_ring_bridges_as_before():
    people = {**PEOPLE, "e-ola": Person("e-ola", "Ola", availability="away")}
    d = ringall(ForkFacts(people=people))
    assert d.attrs["node"] == "group" and types(d) == ["CallAndBridge"]
