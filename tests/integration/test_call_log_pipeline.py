"""A14, C10, A8: call events published on the bus reach the call log through the rule, the
queue and functions/call_log, in the local cloud (moto delivers the rule's SQS target)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from skysentral.adapters.call_event_bus import publish
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.services import call_logging
from skysentral.store.call_log_repository import CallLog

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LISTED = "+4798765432"  # in infra/local/number_lookup.json
# A number nobody lists, new in every run: a lookup's answer is cached (also "nobody") for
# the whole session, and other tests' callers share the usual demo numbers.
UNLISTED = f"+4797{uuid.uuid4().int % 10**6:06d}"


def call(company_id: str, caller: str = LISTED, answerer: str = "e-0"):
    txn = uuid.uuid4().hex

    def ev(n: int, kind: str, second: int, **kw) -> CallEvent:
        at = (T0 + timedelta(seconds=second)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return CallEvent(f"{txn}#{n}#0", kind, company_id, txn, at, caller, "+4722000000", **kw)

    return txn, [
        ev(1, "INCOMING", 0),
        ev(2, "ENTERQUEUE", 1, queue_id="q-1"),
        ev(3, "CONNECT", 11, queue_id="q-1", employee_id=answerer, data={"holdtime_s": 10}),
        ev(4, "COMPLETEAGENT", 71, queue_id="q-1", employee_id=answerer, data={"holdtime_s": 10, "talk_s": 60}),
        ev(5, "HANGUP", 71, data={"by": "agent", "duration_s": 71}),
    ]


@pytest.mark.feature("A14", "C10", "A8")
def test_published_events_arrive_in_the_call_log_through_eventbridge_and_sqs(cloud, company):
    # GIVEN a company and a call's events published out of order, one of them twice
    cid, _ = company(["BEDRIFT_6"])
    txn, events = call(cid)
    publish(events[2:3])  # the answer first: the agent is in the call
    cloud.drain(timeout_s=30)
    assert CallLog(cid).mobile_status(["e-0"])["e-0"]["state"] == "in_call"
    # WHEN the rest arrives, the start last and the answer again
    publish(events[3:] + events[1:3] + events[:1])
    cloud.drain(timeout_s=30)
    # THEN the company's and the employee's logs hold the call, named from the lookup
    record = CallLog(cid).call(txn)
    assert record.outcome == "answered" and record.answered_by == "e-0" and record.kind == "queue"
    assert (record.wait_s, record.talk_s, record.duration_s) == (10, 60, 71)
    assert record.caller_name == "Rørlegger Hansen AS"
    assert len(record.path) == 5
    page = CallLog(cid).page(employee_id="e-0", since=None, until=None, predicate=lambda r: True, limit=10, cursor=None)
    assert [r.call_id for r in page.items] == [txn]
    assert CallLog(cid).mobile_status(["e-0"])["e-0"] == {"state": "idle", "since": record.ended_at, "call_id": None}


@pytest.mark.feature("A14")
def test_employees_are_named_from_the_directory_and_lookups_are_cached(cloud, company, number_lookup):
    cid, subs = company(["BEDRIFT_6", "BEDRIFT_6"])
    assert call_logging.record_events(call(cid, caller=subs[1].msisdn)[1])[0].caller_name == "Ansatt 1"
    number_lookup.requests.clear()
    first = call_logging.record_events(call(cid, caller=UNLISTED)[1])[0]
    second = call_logging.record_events(call(cid, caller=UNLISTED)[1])[0]
    assert first.caller_name is None and second.caller_name is None
    assert number_lookup.requests == [UNLISTED]  # "nobody listed" is cached too
    assert subs[1].msisdn not in number_lookup.requests


@pytest.mark.feature("A14")
def test_a_lookup_service_that_is_down_gives_no_name_and_is_asked_again_later(cloud, company, monkeypatch):
    from tests.helpers import free_port

    cid, _ = company(["BEDRIFT_6"])
    number = "+4741234567"  # listed in the stand-in's file
    monkeypatch.setenv("NUMBER_LOOKUP_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens
    assert call_logging.record_events(call(cid, caller=number)[1])[0].caller_name is None
    monkeypatch.undo()
    assert call_logging.record_events(call(cid, caller=number)[1])[0].caller_name == "Kari Kunde"


@pytest.mark.feature("A14", "A8")
def test_concurrent_deliveries_of_one_call_lose_no_event(cloud, company):
    from concurrent.futures import ThreadPoolExecutor

    cid, _ = company(["BEDRIFT_6"])
    txn, events = call(cid)
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda e: call_logging.record_events([e]), events + events))
    record = CallLog(cid).call(txn)
    assert len(record.path) == 5 and record.outcome == "answered" and record.talk_s == 60
    assert CallLog(cid).mobile_status(["e-0"])["e-0"]["state"] == "idle"


@pytest.mark.feature("A8")
def test_a_late_hang_up_of_an_earlier_call_leaves_the_employee_in_the_newer_one(cloud, company):
    cid, _ = company(["BEDRIFT_6"])
    _, first = call(cid)
    _, second = call(cid)
    second = [CallEvent(**{**e.to_dict(), "at": e.at.replace("T09:", "T10:")}) for e in second]
    call_logging.record_events(first[:3] + second[:3])  # both answered, the second later
    call_logging.record_events(first[3:])  # the first call's end arrives late
    status = CallLog(cid).mobile_status(["e-0", "e-9"])
    assert status["e-0"]["state"] == "in_call" and status["e-0"]["call_id"] == second[0].call_id
    assert status["e-9"] == {"state": "idle", "since": None, "call_id": None}
