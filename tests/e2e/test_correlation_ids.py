"""Correlation ids (docs/design.md, "Correlation ids"): one id follows a request from the
API through the purchase flow's Step Functions execution into the log lines it causes,
and is answered in the `X-Correlation-Id` response header (C8, D8)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests import powertools_logs
from tests.helpers import nordlys_employee_claims


@pytest.fixture
def employee_token(issuer, seeded):
    """Nordlys employee 2 (no other test orders with this subscription)."""
    return issuer.issue(nordlys_employee_claims(2))


@pytest.fixture
def logs(cloud):
    capture = powertools_logs.capture(cloud, {"PurchaseTasksFunction": "purchases"})
    yield capture
    capture.close()


def call(
    gateway: str, token: str, method: str, path: str, body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, dict]:
    """(status, response headers, JSON body) of one request through the local gateway."""
    request = urllib.request.Request(
        gateway + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def header(headers: dict, name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


@pytest.mark.feature("C8", "D8")
def test_c8_d8_correlation_id_of_an_order_reaches_its_execution_and_every_log_line_of_its_steps(
    cloud, gateway, employee_token, logs
):
    # GIVEN an employee whose company pays for extra data (D8, the default policy)
    # WHEN the app orders a package with its own correlation id
    status, headers, order = call(
        gateway,
        employee_token,
        "POST",
        "/me/data-packages",
        {"product": "EXTRA_1GB"},
        {"Idempotency-Key": f"corr-{uuid.uuid4().hex}", "X-Correlation-Id": "test-corr-123"},
    )
    assert status == 202, order
    # THEN the answer names it
    assert header(headers, "X-Correlation-Id") == "test-corr-123"
    # AND the purchase execution (named by the order id) carries it in its input
    arn = (
        cloud.state_machine_arn("PurchaseStateMachine").replace(":stateMachine:", ":execution:")
        + f":{order['order_id']}"
    )
    assert cloud.wait_execution(arn)["status"] == "SUCCEEDED"
    execution = cloud.client("stepfunctions").describe_execution(executionArn=arn)
    assert json.loads(execution["input"])["correlation_id"] == "test-corr-123"
    # AND every log line of the order's steps carries it, up to the receipt SMS
    deadline = time.monotonic() + 10
    while not any(line.get("step") == "notify" for line in logs.lines("purchases")) and time.monotonic() < deadline:
        time.sleep(0.1)
    steps = [line for line in logs.lines("purchases") if line.get("order_id") == order["order_id"]]
    assert {line.get("step") for line in steps} >= {"price", "activate", "notify"}
    assert {line.get("correlation_id") for line in steps} == {"test-corr-123"}


@pytest.mark.feature("C8")
def test_c8_a_request_without_correlation_id_is_answered_with_the_gateways_request_id(gateway, employee_token):
    status, headers, _ = call(gateway, employee_token, "GET", "/me/orders")
    first = header(headers, "X-Correlation-Id")
    _, again, _ = call(gateway, employee_token, "GET", "/me/orders")
    assert status == 200 and first and header(again, "X-Correlation-Id") not in (None, first)  # one per request


@pytest.mark.feature("C8")
@pytest.mark.parametrize("sent", ["has spaces", "x" * 129, 'quote"d', "new\\nline"])
def test_c8_an_unsafe_correlation_id_is_replaced_not_refused(gateway, employee_token, sent):
    # a tracing header must never cost the user their request; the answer says which id was used
    status, headers, body = call(gateway, employee_token, "GET", "/me/orders", headers={"X-Correlation-Id": sent})
    assert status == 200, body
    assert header(headers, "X-Correlation-Id") not in (None, "", sent)


@pytest.mark.feature("C8")
def test_c8_error_answers_carry_the_correlation_id_too(gateway, employee_token):
    status, headers, body = call(
        gateway, employee_token, "GET", "/me/orders/no-such-order", headers={"X-Correlation-Id": "trace-404"}
    )
    assert status == 404 and body["error"]
    assert header(headers, "X-Correlation-Id") == "trace-404"


@pytest.mark.feature("C8")
def test_c8_an_order_by_sms_is_traced_by_the_gateways_sqs_message_into_its_purchase_flow(
    cloud, gateway, employee_token, logs
):
    # GIVEN the SMS gateway's message, which carries no correlation id
    sms = {
        "message_id": f"sms-corr-{uuid.uuid4().hex[:8]}",
        "from": "+4791200002",
        "to": "2000",
        "text": "DATA 1",
        "received_at": "2026-11-25T12:00:00+01:00",
    }
    sent = cloud.client("sqs").send_message(QueueUrl=cloud.queue_url("SmsInboundQueue"), MessageBody=json.dumps(sms))
    cloud.drain()
    # THEN the order it placed runs with the SQS message id as its correlation id
    _, _, orders = call(gateway, employee_token, "GET", "/me/orders")
    (order,) = [o for o in orders["items"] if o["channel"] == "sms"]
    arn = (
        cloud.state_machine_arn("PurchaseStateMachine").replace(":stateMachine:", ":execution:")
        + f":{order['order_id']}"
    )
    cloud.wait_execution(arn)
    execution = cloud.client("stepfunctions").describe_execution(executionArn=arn)
    assert json.loads(execution["input"])["correlation_id"] == sent["MessageId"]
    steps = [line for line in logs.lines("purchases") if line.get("order_id") == order["order_id"]]
    assert steps and {line.get("correlation_id") for line in steps} == {sent["MessageId"]}
