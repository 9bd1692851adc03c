"""B1, B2, B3 through the gateway: the switchboard's live view (waits, colours, holds, agents,
alerts, ETag), one call's path with the caller's earlier calls and notes, and the wait
alert raised once when a call waits past its queue's threshold (event, SMS, e-mail).

Each test works in a company of its own (written straight into the emulator), whose plan
has one queue (warning 10 s, alert 20 s; the alert test: 1 s and 2 s), so the demo company's
calls and plans are left alone."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import Client, sms_sent_to, wait_for_sms

QUEUE = "q"
_mobiles = iter(range(100, 1000))


def _plan(main: str, warning_s: int = 10, alert_s: int = 20) -> dict[str, Any]:
    return {
        "main_number": main,
        "entry": {"open": {"kind": "queue", "target": QUEUE}, "closed": {"kind": "queue", "target": QUEUE}},
        "queues": {
            QUEUE: {
                "name": "Kundeservice",
                "strategy": "rrmemory",
                "members": [{"employee_id": "e-1"}, {"employee_id": "e-2"}],
                "wait_warning_s": warning_s,
                "wait_alert_s": alert_s,
                "supervisors": [{"employee_id": "e-0", "channels": ["sms", "email"]}],
            }
        },
    }


@pytest.fixture
def switchboard(cloud, gateway, issuer, seeded):
    """A fresh company: e-0 supervisor (English), e-1 and e-2 agents, e-3 an employee; its plan;
    and Clients by role."""
    from skysentral.domain import organisation
    from skysentral.domain.pbx.routing_plan import RoutingPlan
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import RoutingPlanItem, SubscriptionItem

    cloud.apply_function_environment()
    cid = f"c-sb{uuid.uuid4().hex[:8]}"
    directory = Directory(cid)
    n = next(_mobiles)
    mobiles = [f"+47481{n:03d}{i:02d}" for i in range(4)]
    people = [
        organisation.Employee("e-0", "Kari Sjef", f"kari@{cid}.no", "company_admin", "dep-1", "en", mobile=mobiles[0]),
        organisation.Employee(
            "e-1", "Ingrid Agent", f"ingrid@{cid}.no", "switchboard_agent", "dep-1", mobile=mobiles[1]
        ),
        organisation.Employee("e-2", "Per Agent", f"per@{cid}.no", "switchboard_agent", "dep-1", mobile=mobiles[2]),
        organisation.Employee("e-3", "Lise Ansatt", f"lise@{cid}.no", "employee", "dep-1", mobile=mobiles[3]),
    ]
    with SubscriptionItem.batch_write() as batch:
        for value in [
            organisation.Company(cid, "Sentral AS", "999888771", "+4722000000"),
            organisation.Department("dep-1", "Drift"),
            *people,
        ]:
            batch.save(directory.item(value))
    plan = RoutingPlan.from_dict(_plan("+4722000000")).to_dict()
    RoutingPlanItem(cid, "ROUTING", plan=plan, version=1).save()

    def client(emp: organisation.Employee) -> Client:
        claims = {
            "sub": emp.employee_id,
            "email": emp.email,
            "custom:company_id": cid,
            "custom:role": emp.role,
            "custom:departments": "",
        }
        return Client(gateway, issuer.issue(claims))

    return {
        "company_id": cid,
        "people": people,
        "mobiles": mobiles,
        "admin": client(people[0]),
        "agent": client(people[1]),
        "employee": client(people[3]),
        "gateway": gateway,
        "token": client(people[1]).token,
    }


def _enter(cid: str, caller: str, entered: datetime, status: str = "waiting") -> str:
    """A caller waiting in the queue since `entered` (as call control writes it)."""
    from skysentral.store.call_repository import QueueEntryItem, queue_key

    txn = f"t-{uuid.uuid4().hex[:12]}"
    ms = _ms(entered)
    QueueEntryItem(queue_key(cid, QUEUE), f"{ms:013d}#{txn}", call_id=txn, caller=caller, status=status).save()
    return txn


def _ms(t: datetime) -> int:
    return int(t.timestamp()) * 1000 + t.microsecond // 1000


def _get_live(sb: dict, etag: str | None = None) -> tuple[int, dict | None, str | None]:
    request = urllib.request.Request(sb["gateway"] + "/switchboard/live")
    request.add_header("Authorization", f"Bearer {sb['token']}")
    if etag:
        request.add_header("If-None-Match", etag)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text), response.headers.get("ETag")
    except urllib.error.HTTPError as err:
        return err.code, None, err.headers.get("ETag")


@pytest.mark.feature("B1", "B3")
def test_b1_live_view_shows_waits_with_colours_holds_agents_and_names(switchboard):
    from skysentral.store import call_repository
    from skysentral.store.number_names_repository import cache_name

    cid, now = switchboard["company_id"], datetime.now(UTC)
    cache_name("+4798700001", "Rørlegger Hansen AS", now)
    old = _enter(cid, "+4798700001", now - timedelta(seconds=25))  # past the alert threshold: red
    mid = _enter(cid, "+4798700005", now - timedelta(seconds=12))  # past the warning: yellow
    new = _enter(cid, switchboard["mobiles"][3], now)  # a colleague calling: the directory's name
    call_repository.log_in(cid, "e-1", [QUEUE])
    call_repository.put_hold(cid, "t-held", "+4798700002", "e-2", int(now.timestamp() * 1000) - 3000, QUEUE)

    status, view, etag = _get_live(switchboard)
    assert status == 200 and etag, view
    (queue,) = view["queues"]
    assert queue["thresholds"] == {"wait_warning_s": 10, "wait_alert_s": 20}
    waiting = {w["call_id"]: w for w in queue["waiting"]}
    assert [w["call_id"] for w in queue["waiting"]] == [old, mid, new]  # oldest first
    assert waiting[old]["colour"] == "red" and waiting[old]["wait_s"] >= 25 and waiting[old]["position"] == 1
    assert waiting[mid]["colour"] == "yellow" and waiting[mid]["position"] == 2
    assert waiting[old]["caller_name"] == "Rørlegger Hansen AS"
    assert waiting[new]["colour"] == "green" and waiting[new]["caller_name"] == "Lise Ansatt"
    (held,) = queue["on_hold"]
    assert held["call_id"] == "t-held" and held["held_by"] == "e-2" and held["hold_s"] >= 3
    agents = {a["employee_id"]: a for a in queue["agents"]}
    assert agents["e-1"]["logged_in"] is True and agents["e-1"]["state"] == "available"
    assert agents["e-1"]["name"] == "Ingrid Agent" and agents["e-2"]["logged_in"] is False
    assert queue["counts"] == {"waiting": 3, "on_hold": 1, "agents_logged_in": 1, "agents_available": 1}


@pytest.mark.feature("B1")
def test_b1_the_same_view_is_304_and_a_new_call_changes_the_etag(switchboard):
    cid = switchboard["company_id"]
    _enter(cid, "+4798700003", datetime.now(UTC) - timedelta(seconds=30))  # red already: no colour change
    status, _, etag = _get_live(switchboard)
    assert status == 200
    time.sleep(1.1)  # the wait ticks on; the tag does not
    status, body, same = _get_live(switchboard, etag)
    assert (status, body, same) == (304, None, etag)
    _enter(cid, "+4798700004", datetime.now(UTC) - timedelta(seconds=30))
    status, view, changed = _get_live(switchboard, etag)
    assert status == 200 and changed != etag and len(view["queues"][0]["waiting"]) == 2


@pytest.mark.feature("B1", "B2", "B3")
def test_an_employee_may_not_use_the_switchboard(switchboard):
    employee = switchboard["employee"]
    assert employee.get("/switchboard/live")[0] == 403
    assert employee.get("/switchboard/calls/t-any")[0] == 403
    assert employee.post("/switchboard/calls/t-any/notes", {"text": "hei"})[0] == 403


def _record_call(cid: str, start: datetime, caller: str, answerer: str | None) -> str:
    from skysentral.domain.pbx.call_events import CallEvent
    from skysentral.services import call_logging

    txn = f"t-{uuid.uuid4().hex[:12]}"

    def ev(n: int, kind: str, second: int, **kw) -> CallEvent:
        at = (start + timedelta(seconds=second)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return CallEvent(f"{txn}#{n}#0", kind, cid, txn, at, caller, "+4722000000", **kw)

    events = [ev(1, "INCOMING", 0), ev(2, "ENTERQUEUE", 1, queue_id=QUEUE)]
    if answerer:
        events.append(ev(3, "CONNECT", 8, queue_id=QUEUE, employee_id=answerer, data={"holdtime_s": 7}))
    events.append(ev(9, "HANGUP", 60, data={"by": "caller"}))
    call_logging.record_events(events)
    return txn


@pytest.mark.feature("B2")
def test_b2_a_call_shows_its_path_where_it_is_and_the_numbers_earlier_calls_with_notes(switchboard):
    cid, agent = switchboard["company_id"], switchboard["agent"]
    caller = "+4798700010"
    earlier = _record_call(cid, datetime(2026, 10, 1, 8, 0, tzinfo=UTC), caller, "e-2")
    status, note = agent.post(f"/switchboard/calls/{earlier}/notes", {"text": "  Vil ha tilbud på varmepumpe.  "})
    assert status == 201, note
    assert note["text"] == "Vil ha tilbud på varmepumpe." and note["author_name"] == "Ingrid Agent"
    current = _record_call(cid, datetime(2026, 10, 2, 9, 0, tzinfo=UTC), caller, None)
    _enter(cid, caller, datetime.now(UTC))  # another, live call of the same number does not show

    status, view = agent.get(f"/switchboard/calls/{current}")
    assert status == 200, view
    assert view["call"]["call_id"] == current and [s["kind"] for s in view["call"]["path"]][:2] == [
        "INCOMING",
        "ENTERQUEUE",
    ]
    assert view["caller"]["number"] == caller and view["live"]["status"] == "ended"
    assert view["notes"] == []
    (before,) = view["earlier_calls"]
    assert before["call_id"] == earlier and before["answered_by"] == "e-2" and before["outcome"] == "answered"
    assert [n["text"] for n in before["notes"]] == ["Vil ha tilbud på varmepumpe."]

    assert agent.post(f"/switchboard/calls/{current}/notes", {"text": "Ringte igjen."})[0] == 201
    assert [n["text"] for n in agent.get(f"/switchboard/calls/{current}")[1]["notes"]] == ["Ringte igjen."]


@pytest.mark.feature("B2")
def test_b2_a_call_still_waiting_is_live_with_its_queue(switchboard):
    from skysentral.store.call_repository import CallStateItem, call_key

    cid = switchboard["company_id"]
    txn = _enter(cid, "+4798700011", datetime.now(UTC))
    CallStateItem(
        call_key(txn),
        "STATE",
        company_id=cid,
        sequence=3,
        response={},
        attrs={"node": "queue", "queue": QUEUE, "caller": "+4798700011"},
    ).save()
    status, view = switchboard["agent"].get(f"/switchboard/calls/{txn}")
    assert status == 200, view
    assert view["call"] is None and view["live"] == {"status": "waiting", "queue_id": QUEUE, "employee_id": None}
    assert view["caller"]["number"] == "+4798700011"


@pytest.mark.feature("B2")
@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {}, {"text": 5}])
def test_b2_a_note_must_be_1_to_2000_characters(switchboard, body):
    cid = switchboard["company_id"]
    call = _record_call(cid, datetime(2026, 10, 3, 8, 0, tzinfo=UTC), "+4798700012", "e-1")
    status, error = switchboard["agent"].post(f"/switchboard/calls/{call}/notes", body)
    assert status == 400, error
    assert error["message"]


@pytest.mark.feature("B2")
def test_b2_another_company_s_call_is_404(switchboard, siri, kari):
    call = _record_call(switchboard["company_id"], datetime(2026, 10, 4, 8, 0, tzinfo=UTC), "+4798700013", "e-1")
    assert siri.get(f"/switchboard/calls/{call}")[0] == 404
    assert siri.post(f"/switchboard/calls/{call}/notes", {"text": "hei"})[0] == 404
    assert kari.get("/switchboard/calls/t-nobody")[0] == 404
    assert switchboard["agent"].get(f"/switchboard/calls/{call}")[0] == 200


def _ses_messages_to(cloud: Any, address: str) -> list[Any]:
    from moto.ses.models import ses_backends

    backends = ses_backends[cloud.account]
    found = []
    for region in {cloud.region, "global"}:
        if region in backends:
            found += [m for m in backends[region].sent_messages if address in json.dumps(m.destinations)]
    return found


def _alerts_of(cid: str, call_id: str) -> list[Any]:
    from skysentral.store import wait_alert_repository

    return [a for a in wait_alert_repository.alerts(cid) if a.call_id == call_id]


@pytest.mark.feature("B3")
def test_b3_a_call_waiting_past_the_threshold_raises_one_alert_event_sms_and_email(cloud, switchboard):
    from skysentral.adapters import call_event_bus
    from skysentral.domain.pbx.call_events import CallEvent
    from skysentral.domain.pbx.routing_plan import RoutingPlan
    from skysentral.store.models import RoutingPlanItem

    cid, supervisor = switchboard["company_id"], switchboard["people"][0]
    plan = RoutingPlan.from_dict(_plan("+4722000000", warning_s=1, alert_s=2)).to_dict()
    RoutingPlanItem(cid, "ROUTING", plan=plan, version=2).save()  # before anything read (and cached) it
    # GIVEN an SQS queue that listens for WaitAlert events on the call events bus
    sqs, events = cloud.client("sqs"), cloud.client("events")
    bus = cloud.function_environment()["CALL_EVENTS_BUS"]
    listen = sqs.create_queue(QueueName=f"wait-alert-listener-{cid}")["QueueUrl"]
    listen_arn = sqs.get_queue_attributes(QueueUrl=listen, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"listen-{cid}"
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["skysentral.switchboard"]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "listen", "Arn": listen_arn}])

    # WHEN a caller enters the queue (threshold 2 s) and nobody answers, while another leaves at once
    now = datetime.now(UTC).replace(microsecond=datetime.now(UTC).microsecond // 1000 * 1000)
    at = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    waits, leaves = _enter(cid, "+4798700020", now), _enter(cid, "+4798700021", now)
    call_event_bus.publish(
        [
            CallEvent(f"{txn}#2#0", "ENTERQUEUE", cid, txn, at, caller, "+4722000000", queue_id=QUEUE)
            for txn, caller in ((waits, "+4798700020"), (leaves, "+4798700021"))
        ]
    )
    from skysentral.store.call_repository import QueueEntryItem, queue_key

    QueueEntryItem(queue_key(cid, QUEUE), f"{_ms(now):013d}#{leaves}").delete()

    # THEN one SMS (in the supervisor's language) and one e-mail, one alert, one event
    texts = wait_for_sms(cloud, supervisor.mobile, containing="has waited", timeout_s=15)
    assert len(texts) == 1 and "Kundeservice" in texts[0] and "+4798700020" in texts[0], texts
    cloud.drain(timeout_s=10)
    (alert,) = _alerts_of(cid, waits)
    assert alert.threshold_s == 2 and alert.wait_s >= 2 and alert.caller == "+4798700020"
    assert _alerts_of(cid, leaves) == []
    mails = _ses_messages_to(cloud, supervisor.email)
    assert len(mails) == 1 and "Kundeservice" in mails[0].subject
    received = sqs.receive_message(QueueUrl=listen, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    details = [json.loads(m["Body"])["detail"] for m in received]
    assert [(d["call_id"], d["queue_id"], d["threshold_s"]) for d in details] == [(waits, QUEUE, 2)]
    # the live view lists the alert of the call still waiting
    (queue,) = _get_live(switchboard)[1]["queues"]
    assert [(a["call_id"], a["kind"], a["threshold_s"]) for a in queue["alerts"]] == [(waits, "wait_alert", 2)]

    # AND a redelivered check changes nothing: still one alert, one SMS
    check = {
        "company_id": cid,
        "queue_id": QUEUE,
        "call_id": waits,
        "caller": "+4798700020",
        "entry": f"{_ms(now):013d}#{waits}",
        "threshold_s": 2,
        "due_ms": _ms(now) + 2000,
    }
    sqs.send_message(QueueUrl=cloud.queue_url("WaitAlertQueue"), MessageBody=json.dumps({"check": check}))
    cloud.drain(timeout_s=10)
    assert len(_alerts_of(cid, waits)) == 1 and len(sms_sent_to(cloud, supervisor.mobile)) == 1
    assert len(_ses_messages_to(cloud, supervisor.email)) == 1
