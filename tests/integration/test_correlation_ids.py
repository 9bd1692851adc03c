"""Correlation ids through the queues (docs/design.md, "Correlation ids"): a usage record
from the network carries none, so its SQS message id is its id; the ingest handler's log
lines and the alert it causes carry it on to the SMS handler (D7)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from skysentral.domain.catalogue import GIB
from tests import powertools_logs
from tests.helpers import data


@pytest.fixture(autouse=True)
def arrival_clock(monkeypatch):
    """The handlers' clock: records of November 2026 arrive in late November (D9 grace)."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


@pytest.fixture
def logs(cloud):
    capture = powertools_logs.capture(
        cloud,
        {"UsageIngestFunction": "usage", "SmsAlertsFunction": "sms-alerts", "MonthClosePlannerFunction": "month-close"},
    )
    yield capture
    capture.close()


@pytest.mark.feature("D7")
def test_d7_usage_record_without_correlation_id_is_traced_by_its_message_id_to_the_alert_sms(cloud, company, logs):
    # GIVEN a 5 GB subscription and a record of 4.5 GB (crosses 80 %: one alert, D7)
    cid, (sub,) = company(["BEDRIFT_5"])
    record = data("corr-1", sub.msisdn, 4 * GIB + GIB // 2, "2026-11-10T10:00:00+01:00")
    # WHEN the network sends it without any correlation id (a record with an invalid one: same rule)
    sent = cloud.client("sqs").send_message(QueueUrl=cloud.queue_url("UsageQueue"), MessageBody=json.dumps(record))
    message_id = sent["MessageId"]
    cloud.drain()
    # THEN the ingest handler's log lines (the only invocation since the capture began) carry the message id
    ingest_lines = logs.lines("usage")
    assert any(line["message"] == "usage batch" and line["applied"] == 1 for line in ingest_lines)
    assert {line.get("correlation_id") for line in ingest_lines} == {message_id}
    # AND the alert went to the SMS queue with it: the SMS handler's line for this subscription carries it
    alert_lines = [
        line for line in logs.lines("sms-alerts") if line.get("key", "").startswith(f"{cid}:{sub.subscription_id}:")
    ]
    assert [line.get("correlation_id") for line in alert_lines] == [message_id]


@pytest.mark.feature("D7")
@pytest.mark.parametrize("attribute, traced_as", [("feed-batch-42", "feed-batch-42"), ("not safe; id", None)])
def test_d7_a_records_correlation_id_attribute_is_kept_and_an_unsafe_one_replaced_by_the_message_id(
    cloud, company, logs, attribute, traced_as
):
    cid, (sub,) = company(["BEDRIFT_5"])
    record = data(f"corr-attr-{bool(traced_as)}", sub.msisdn, 4 * GIB + GIB // 2, "2026-11-10T10:00:00+01:00")
    sent = cloud.client("sqs").send_message(
        QueueUrl=cloud.queue_url("UsageQueue"),
        MessageBody=json.dumps(record),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": attribute}},
    )
    cloud.drain()
    expected = traced_as or sent["MessageId"]
    assert {line.get("correlation_id") for line in logs.lines("usage")} == {expected}
    alert_lines = [line for line in logs.lines("sms-alerts") if line.get("key", "").startswith(f"{cid}:")]
    assert [line.get("correlation_id") for line in alert_lines] == [expected]


@pytest.mark.feature("D9")
def test_d9_the_month_close_schedules_invocation_id_follows_every_page_it_plans(cloud, company, logs, monkeypatch):
    company(["BEDRIFT_6"])
    cloud.fire_schedule("MonthlyClose", at=datetime(2026, 12, 1, 0, 0))
    cloud.drain()
    planner = [line for line in logs.lines("month-close") if line.get("function_name", "").find("Planner") >= 0]
    invocation = {line["function_request_id"] for line in planner}
    assert len(invocation) == 1 and {line.get("correlation_id") for line in planner} == invocation
    pages = [line for line in logs.lines("month-close") if line["message"] == "month close page"]
    assert pages and {line.get("correlation_id") for line in pages} == invocation
