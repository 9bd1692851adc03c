"""The local Chime SDK stand-in (infra/local/telephony.py) keeps the service's contract with a
SIP media application's function (reference/chime-pstn-audio.md), checked with a probe
stack: a probe SMA handler whose answers each test scripts per caller (PROGRAMS)."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from infra.local.cloud import LocalCloud
from infra.local.telephony import Phone, Telephony

NUMBER = "+4722000001"  # routed by the probe SIP rule
pytestmark = pytest.mark.feature("A1")

PROBE_SMA = textwrap.dedent('''
    """A probe SIP media application handler: answers as PROGRAMS[number] says."""
    import time

    EVENTS = []
    PROGRAMS = {}


    def respond(actions, **more):
        return {"SchemaVersion": "1.0", "Actions": actions, **more}


    def handler(event, context):
        EVENTS.append(event)
        a = event["CallDetails"]["Participants"][0]
        program = PROGRAMS.get(a["From"] if a["Direction"] == "Inbound" else a["To"], {})
        etype, data = event["InvocationEventType"], event.get("ActionData") or {}
        step = program.get(f"{etype}:{data.get('Type')}", program.get(etype))
        if callable(step):
            return step(event)
        if step is not None:
            return step
        if etype == "HANGUP":
            up = [p for p in event["CallDetails"]["Participants"] if p["Status"] == "Connected"]
            return respond([{"Type": "Hangup", "Parameters": {"CallId": p["CallId"]}} for p in up])
        return respond([])
''')

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "ProbeSmaFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "functions/sma/",
                "Handler": "app.handler",
                "Runtime": "python3.11",
                "Timeout": 30,
            },
        },
        "ProbeSma": {
            "Type": "AWS::Chime::SipMediaApplication",
            "Properties": {
                "AwsRegion": {"Ref": "AWS::Region"},
                "Name": "probe",
                "Endpoints": [{"LambdaArn": {"Fn::GetAtt": ["ProbeSmaFunction", "Arn"]}}],
            },
        },
        "ProbeSipRule": {
            "Type": "Custom::ChimeSipRule",
            "Properties": {
                "ServiceToken": "arn:aws:lambda:eu-central-1:123456789012:function:none",
                "TriggerType": "ToPhoneNumber",
                "TriggerValue": NUMBER,
                "TargetApplications": [{"SipMediaApplicationId": {"Ref": "ProbeSma"}, "Priority": 1}],
            },
        },
    },
}


@pytest.fixture(scope="module")
def sma(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, dict]]:
    root = tmp_path_factory.mktemp("sma")
    (root / "functions" / "sma").mkdir(parents=True)
    (root / "functions" / "sma" / "app.py").write_text(PROBE_SMA)
    (root / "template.yaml").write_text(json.dumps(TEMPLATE))
    c = LocalCloud(root, port=cloud.port, stack_name="smaprobe")
    c.start()
    try:
        c.deploy()
        module = c.runtime.handler_for("ProbeSmaFunction").__globals__
        assert c.telephony is not None
        engine: Telephony = c.telephony
        scale, engine.time_scale = engine.time_scale, 0.02
        yield c, module
        engine.time_scale = scale
    finally:
        c.stop()


def respond(actions: list[dict], **more: Any) -> dict:
    return {"SchemaVersion": "1.0", "Actions": actions, **more}


def caller_id(event: dict, tag: str = "LEG-A") -> str:
    return next(p["CallId"] for p in event["CallDetails"]["Participants"] if p["ParticipantTag"] == tag)


_numbers = iter(range(10_000_000, 99_999_999))


def new_number() -> str:
    return f"+4791{next(_numbers) % 1_000_000:06d}"


def run_call(
    sma: tuple[LocalCloud, dict], program: dict, phone: dict | None = None, timeout_s: float = 10
) -> list[dict]:
    """Place a call from a new number with ``program``; return the events its transaction got."""
    c, module = sma
    frm = new_number()
    module["PROGRAMS"][frm] = program
    engine = c.telephony
    assert engine is not None
    txn = engine.call(frm, NUMBER, phone or {"hangup_after": None})
    assert engine.wait([txn.id], timeout_s), txn.describe()
    return [e for e in module["EVENTS"] if e["CallDetails"]["TransactionId"] == txn.id]


def types(events: list[dict]) -> list[str]:
    return [
        e["InvocationEventType"] + (f":{e['ActionData']['Type']}" if "Type" in e.get("ActionData", {}) else "")
        for e in events
    ]


def hangup_a(event: dict) -> dict:
    return respond([{"Type": "Hangup", "Parameters": {"CallId": caller_id(event)}}])


def test_inbound_call_menu_bridge_and_hangups_in_the_documented_shapes(sma: tuple[LocalCloud, dict]) -> None:
    agent = new_number()
    sma[0].telephony.phones[agent] = Phone(answer_after=2, hangup_after=3)  # type: ignore[union-attr]
    menu = {
        "CallId": "",
        "MinNumberOfDigits": 1,
        "MaxNumberOfDigits": 1,
        "InputDigitsRegex": "^[12]$",
        "RepeatDurationInMilliseconds": 3000,
        "SpeechParameters": {"Text": "Press 1 for sales"},
    }
    program: dict[str, Callable] = {
        "NEW_INBOUND_CALL": lambda e: respond(
            [{"Type": "SpeakAndGetDigits", "Parameters": {**menu, "CallId": caller_id(e)}}],
            TransactionAttributes={"state": "menu", "lang": "nb"},
        ),
        "ACTION_SUCCESSFUL:SpeakAndGetDigits": lambda e: respond(
            [
                {
                    "Type": "CallAndBridge",
                    "Parameters": {
                        "CallerIdNumber": NUMBER,
                        "CallTimeoutSeconds": 20,
                        "Endpoints": [{"BridgeEndpointType": "PSTN", "Uri": agent}],
                    },
                }
            ],
            TransactionAttributes={"state": "bridging"},
        ),
    }
    events = run_call(sma, program, {"keys": ["2"], "hangup_after": None})
    assert types(events) == [
        "NEW_INBOUND_CALL",
        "ACTION_SUCCESSFUL:SpeakAndGetDigits",
        "ACTION_SUCCESSFUL:CallAndBridge",
        "HANGUP:Hangup",  # the agent hung up after 3 s
        "HANGUP:Hangup",  # the probe then hung up the caller
    ]
    first = events[0]
    assert [e["Sequence"] for e in events] == [1, 2, 3, 4, 5]
    details = first["CallDetails"]
    assert details["SipMediaApplicationId"] == "local-ProbeSma" and details["SipRuleId"] == "local-ProbeSipRule"
    assert "TransactionAttributes" not in details
    (leg_a,) = details["Participants"]
    assert leg_a["ParticipantTag"] == "LEG-A" and leg_a["Direction"] == "Inbound" and leg_a["To"] == NUMBER
    assert leg_a["Status"] == "Connected" and isinstance(leg_a["StartTimeInMilliseconds"], str)
    digits = events[1]["ActionData"]
    assert digits["ReceivedDigits"] == "2" and digits["Parameters"]["CallId"] == leg_a["CallId"]
    # The whole map as last sent comes back: {"state": "bridging"} replaced the first map.
    assert events[1]["CallDetails"]["TransactionAttributes"] == {"state": "menu", "lang": "nb"}
    assert events[2]["CallDetails"]["TransactionAttributes"] == {"state": "bridging"}
    bridged = {p["ParticipantTag"]: p for p in events[2]["CallDetails"]["Participants"]}
    assert bridged["LEG-B"]["To"] == agent and {p["Status"] for p in bridged.values()} == {"Connected"}
    agent_gone = events[3]
    assert agent_gone["ActionData"]["Parameters"]["ParticipantTag"] == "LEG-B"
    assert agent_gone["ActionData"]["Parameters"]["SipResponseCode"] == 0
    status = {p["ParticipantTag"]: p["Status"] for p in agent_gone["CallDetails"]["Participants"]}
    assert status == {"LEG-A": "Connected", "LEG-B": "Disconnected"}


@pytest.mark.parametrize(
    ("phone", "error_type"), [({"answer_after": None}, "CallNotAnswered"), ({"busy": True}, "CallBusy")]
)
def test_call_and_bridge_fails_when_nobody_answers_or_the_line_is_busy(
    sma: tuple[LocalCloud, dict], phone: dict, error_type: str
) -> None:
    agent = new_number()
    sma[0].telephony.phones[agent] = Phone.from_dict(phone)  # type: ignore[union-attr]
    bridge = {
        "CallerIdNumber": NUMBER,
        "CallTimeoutSeconds": 5,
        "Endpoints": [{"BridgeEndpointType": "PSTN", "Uri": agent}],
    }
    program = {
        "NEW_INBOUND_CALL": respond([{"Type": "CallAndBridge", "Parameters": bridge}]),
        "ACTION_FAILED": hangup_a,
    }
    events = run_call(sma, program)
    assert types(events) == ["NEW_INBOUND_CALL", "ACTION_FAILED:CallAndBridge", "HANGUP:Hangup"]
    assert events[1]["ActionData"]["ErrorType"] == error_type
    assert len(events[1]["CallDetails"]["Participants"]) == 1


def _speak(n: int = 1) -> list[dict]:
    return [{"Type": "Pause", "Parameters": {"DurationInMilliseconds": 100}}] * n


@pytest.mark.parametrize(
    ("response", "error_type"),
    [
        (respond(_speak(11)), "InvalidResponse"),
        ({"SchemaVersion": "2.0", "Actions": _speak()}, "InvalidSchemaVersion"),
        ({"Actions": _speak()}, "InvalidResponse"),
        (respond([{"Type": "Answer", "Parameters": {}}]), "InvalidActionType"),
        (respond([{"Type": "Speak", "Parameters": {"Text": "no CallId"}}]), "MissingRequiredActionParameter"),
        (
            respond(_speak(), TransactionAttributes={str(i): "x" for i in range(101)}),
            "TransactionAttributesInvalidMapSize",
        ),
        (respond(_speak(), TransactionAttributes={"big": "x" * 21_000}), "TransactionAttributesInvalidMapSize"),
        (respond(_speak(), TransactionAttributes={"n": 1}), "TransactionAttributesInvalidMapSize"),
        (respond([]), "InvalidResponse"),  # an empty list answers no inbound call
    ],
)
def test_an_invalid_response_gets_invalid_lambda_response(
    sma: tuple[LocalCloud, dict], response: dict, error_type: str
) -> None:
    events = run_call(sma, {"NEW_INBOUND_CALL": response, "INVALID_LAMBDA_RESPONSE": hangup_a})
    assert types(events)[:2] == ["NEW_INBOUND_CALL", "INVALID_LAMBDA_RESPONSE"]
    invalid = events[1]
    assert invalid["ErrorType"] == invalid["ActionData"]["ErrorType"] == error_type
    assert invalid["Sequence"] == 2 and "TransactionAttributes" not in invalid["CallDetails"]


def test_a_slow_answer_is_retried_with_the_same_sequence(sma: tuple[LocalCloud, dict]) -> None:
    engine = sma[0].telephony
    assert engine is not None
    slow = {"first": True}

    def first_slow(event: dict) -> dict:
        if slow.pop("first", False):
            time.sleep(1.0)  # longer than the (shortened) 5 s
        return respond([{"Type": "Hangup", "Parameters": {}}])

    before, engine.retry_after_s = engine.retry_after_s, 0.3
    try:
        events = run_call(sma, {"NEW_INBOUND_CALL": first_slow})
    finally:
        engine.retry_after_s = before
    assert [(e["InvocationEventType"], e["Sequence"]) for e in events][:2] == [
        ("NEW_INBOUND_CALL", 1),
        ("NEW_INBOUND_CALL", 1),
    ]


def test_receive_digits_then_keys_while_waiting_give_digits_received(sma: tuple[LocalCloud, dict]) -> None:
    listen = {
        "InputDigitsRegex": r"^\*\d$",
        "InBetweenDigitsDurationInMilliseconds": 500,
        "FlushDigitsDurationInMilliseconds": 3000,
    }
    program = {
        "NEW_INBOUND_CALL": respond(
            [
                {"Type": "ReceiveDigits", "Parameters": listen},
                {"Type": "Pause", "Parameters": {"DurationInMilliseconds": 20000}},
            ]
        ),
        "DIGITS_RECEIVED": lambda e: respond(
            [
                {
                    "Type": "RecordAudio",
                    "Parameters": {
                        "CallId": caller_id(e),
                        "RecordingTerminators": ["#"],
                        "DurationInSeconds": 30,
                        "RecordingDestination": {"Type": "S3", "BucketName": "vm", "Prefix": "vm/"},
                    },
                }
            ]
        ),
        "ACTION_SUCCESSFUL:RecordAudio": hangup_a,
    }
    events = run_call(sma, program, {"keys_at": [[2, "*5"]], "hangup_after": None, "speaks_for": 4})
    assert types(events)[:3] == ["NEW_INBOUND_CALL", "DIGITS_RECEIVED:ReceiveDigits", "ACTION_SUCCESSFUL:RecordAudio"]
    assert events[1]["ActionData"]["ReceivedDigits"] == "*5"
    recording = events[2]["ActionData"]["RecordingDestination"]
    assert recording["BucketName"] == "vm" and recording["Key"].startswith("vm/")


@pytest.mark.feature("A12")
def test_outbound_call_update_interrupts_and_a_gone_call_is_404_through_boto3(sma: tuple[LocalCloud, dict]) -> None:
    c, module = sma
    assert c.telephony is not None
    callee = new_number()
    c.telephony.phones[callee] = Phone(answer_after=1, hangup_after=None)
    hold = {
        "Type": "PlayAudio",
        "Parameters": {"Repeat": 50, "AudioSource": {"Type": "S3", "BucketName": "b", "Key": "hold.wav"}},
    }
    module["PROGRAMS"][callee] = {
        "NEW_OUTBOUND_CALL": lambda e: respond([], TransactionAttributes=e["ActionData"]["Parameters"]["Arguments"]),
        "CALL_ANSWERED": respond([hold]),
        "CALL_UPDATE_REQUESTED": lambda e: respond([{"Type": "Hangup", "Parameters": {"CallId": caller_id(e)}}]),
    }
    voice = boto3.client("chime-sdk-voice", region_name=c.region)
    created = voice.create_sip_media_application_call(
        SipMediaApplicationId="local-ProbeSma",
        FromPhoneNumber=NUMBER,
        ToPhoneNumber=callee,
        ArgumentsMap={"op": "probe"},
    )
    txn_id = created["SipMediaApplicationCall"]["TransactionId"]
    deadline = time.monotonic() + 10
    while not any(
        e["InvocationEventType"] == "CALL_ANSWERED"
        for e in module["EVENTS"]
        if e["CallDetails"]["TransactionId"] == txn_id
    ):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    voice.update_sip_media_application_call(
        SipMediaApplicationId="local-ProbeSma", TransactionId=txn_id, Arguments={"op": "bye"}
    )
    assert c.telephony.wait([txn_id], 10)
    events = [e for e in module["EVENTS"] if e["CallDetails"]["TransactionId"] == txn_id]
    assert types(events) == [
        "NEW_OUTBOUND_CALL:CallCreateRequest",
        "RINGING",
        "CALL_ANSWERED",
        "CALL_UPDATE_REQUESTED:CallUpdateRequest",
        "ACTION_INTERRUPTED:PlayAudio",
        "HANGUP:Hangup",
    ]
    assert events[0]["ActionData"]["Parameters"]["Arguments"] == {"op": "probe"}
    assert events[0]["CallDetails"]["Participants"][0]["Direction"] == "Outbound"
    assert events[2]["CallDetails"]["TransactionAttributes"] == {"op": "probe"}  # kept, as the samples rely on
    assert events[3]["ActionData"]["Parameters"]["Arguments"] == {"op": "bye"}
    with pytest.raises(voice.exceptions.NotFoundException):
        voice.update_sip_media_application_call(
            SipMediaApplicationId="local-ProbeSma", TransactionId=txn_id, Arguments={}
        )


@pytest.mark.feature("A11", "C9")
def test_thirty_callers_join_one_meeting_and_leave_when_it_is_deleted(sma: tuple[LocalCloud, dict]) -> None:
    c, module = sma
    engine = c.telephony
    assert engine is not None
    meetings = boto3.client("chime-sdk-meetings", region_name=c.region)
    meeting = meetings.create_meeting(ClientRequestToken="m-30", ExternalMeetingId="m-30", MediaRegion=c.region)[
        "Meeting"
    ]
    mid = meeting["MeetingId"]
    txns = []
    for n in range(30):
        attendee = meetings.create_attendee(MeetingId=mid, ExternalUserId=f"p{n}")["Attendee"]
        frm = new_number()
        join = {"Type": "JoinChimeMeeting", "Parameters": {"JoinToken": attendee["JoinToken"], "MeetingId": mid}}
        module["PROGRAMS"][frm] = {"NEW_INBOUND_CALL": respond([join])}
        txns.append(engine.call(frm, NUMBER, {"hangup_after": None}))
    deadline = time.monotonic() + 15
    while len(engine.in_meeting(mid)) < 30:
        assert time.monotonic() < deadline, len(engine.in_meeting(mid))
        time.sleep(0.05)
    assert len(meetings.list_attendees(MeetingId=mid)["Attendees"]) == 30
    assert meetings.get_meeting(MeetingId=mid)["Meeting"]["MeetingId"] == mid
    meetings.delete_meeting(MeetingId=mid)
    assert engine.wait([t.id for t in txns], 15)
    with pytest.raises(meetings.exceptions.NotFoundException):
        meetings.get_meeting(MeetingId=mid)


def test_a_meeting_takes_at_most_250_attendees(sma: tuple[LocalCloud, dict]) -> None:
    meetings = boto3.client("chime-sdk-meetings", region_name=sma[0].region)
    mid = meetings.create_meeting(ClientRequestToken="m-big", ExternalMeetingId="m-big", MediaRegion="eu-central-1")[
        "Meeting"
    ]["MeetingId"]
    for n in range(250):
        meetings.create_attendee(MeetingId=mid, ExternalUserId=f"p{n}")
    with pytest.raises(meetings.exceptions.LimitExceededException):
        meetings.create_attendee(MeetingId=mid, ExternalUserId="one-too-many")


def test_a_scenario_reports_each_caller_and_fails_on_a_wrong_outcome(sma: tuple[LocalCloud, dict]) -> None:
    from infra.local import scenarios

    c, module = sma
    frm = new_number()
    module["PROGRAMS"][frm] = {
        "NEW_INBOUND_CALL": lambda e: respond(
            [{"Type": "Speak", "Parameters": {"CallId": caller_id(e), "Text": "Velkommen"}}, {"Type": "Hangup"}]
        )
    }
    scenario = {
        "name": "probe",
        "time_scale": 0.02,
        "calls": [{"name": "one", "at": 0, "from": frm, "to": NUMBER, "hangup_after": None}],
        "expect": {"one": {"heard": "velkommen", "answered_by": None, "hung_up": "system"}},
    }
    assert c.telephony is not None
    report = scenarios.run(c.telephony, scenario, "http://unused", {})
    assert report["ok"], report
    assert any("hears 'Velkommen'" in line for line in report["callers"]["one"]["lines"])
    wrong = scenarios.run(c.telephony, {**scenario, "expect": {"one": {"voicemail": True}}}, "http://unused", {})
    assert not wrong["ok"] and wrong["failures"] == ["one: voicemail is False, expected True"]
