"""Every handler driven by its sample event from `events/` (the Powertools way): the shapes
AWS really sends, run through the template's function in the local cloud's Lambda runtime,
against the seeded demo company.

The samples act on the demo data (Lars Olsen's subscription s-nordlys-04): the month-close
samples close the demo company into December, so they run last in this module, and this
module runs after the other HTTP tests that read Lars's balance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.template import functions
from tests.helpers import EVENTS, sample_event, signature, sms_sent_to, webhook_secret

SAMPLES = sorted(p.name for p in EVENTS.glob("*.json"))
# API Gateway proxy events of the Chalice apps; the Stripe webhook's sample needs a fresh signature
API_SAMPLES = [n for n in SAMPLES if n.startswith("api_") and not n.startswith("api_webhooks")]


def function_of(sample_name: str) -> tuple[str, str]:
    """events/<folder>_<case>.json -> (logical id, handler) of the function in functions/<folder>."""
    matches = []
    for logical_id, props in functions().items():
        folder = Path(props["CodeUri"]).name
        if sample_name.startswith(folder + "_"):
            matches.append((len(folder), logical_id, props["Handler"]))
    assert matches, f"no function for events/{sample_name}"
    _, logical_id, handler = max(matches)
    return logical_id, handler


def logical_id_for(sample_name: str, handler: str | None = None) -> str:
    if handler is None:
        return function_of(sample_name)[0]
    folder = sample_name.split("_")[0]
    return next(
        lid for lid, p in functions().items() if p["Handler"] == handler and Path(p["CodeUri"]).name.startswith(folder)
    )


@pytest.fixture(autouse=True)
def november_2026(monkeypatch):
    """The handlers' clock, whatever the real date: the samples are dated November 2026 (usage
    of 3 to 5 November, an SMS of 25 November, the close of 1 December). At the real date,
    Lars's balance would move on to the real month before the month-close samples run, and
    his usage would be a late correction of November (D9)."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


def test_every_sample_names_a_function_of_the_template():
    for name in SAMPLES:
        function_of(name)


def test_every_function_of_the_template_has_a_sample_driven_here():
    """Every Lambda of template.yaml, ApiOperatorFunction included, has a sample of its own
    (the month-close planner and worker share a folder: told apart by handler). Every API
    sample but the webhook's is run by the parametrisation below, so a new API function's
    sample is driven as soon as it exists; the webhook and the other functions each have a
    test below naming their samples."""
    handler_of = {"month_close_schedule.json": "app.planner", "month_close_worker_sqs.json": "app.worker"}
    assert {logical_id_for(name, handler_of.get(name)) for name in SAMPLES} == set(functions())
    assert {function_of(name)[0] for name in API_SAMPLES} == {
        lid for lid in functions() if lid.startswith("Api") and lid != "ApiWebhooksFunction"
    }


# The features each API sample exercises (api_health_get.json: none, the health check is the house's)
API_SAMPLE_FEATURES = {
    "api_admin_create_department.json": ("E1",),
    "api_admin_list_departments.json": ("E1",),
    "api_admin_list_subscriptions.json": ("E1",),
    "api_admin_move_subscription.json": ("E1",),
    "api_employee_get_me.json": ("C1",),
    "api_employee_patch_me.json": ("C1",),
    "api_operator_list_held.json": ("D1",),
    "api_switchboard_list_sms.json": ("B5",),
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.feature(*API_SAMPLE_FEATURES[n])) if n in API_SAMPLE_FEATURES else n
        for n in API_SAMPLES
    ],
)
def test_api_samples_are_answered_as_api_gateway_would_get_them(cloud, seeded, name):
    event = sample_event(name)
    result = cloud.invoke(logical_id_for(name), event)
    assert result["statusCode"] in (200, 201), result
    assert "application/json" in json.dumps(result["headers"]).lower()
    body = json.loads(result["body"])
    if name == "api_employee_patch_me.json":  # C1: the profile change is answered with the new profile
        assert body["language"] == json.loads(event["body"])["language"]
        event["body"] = json.dumps({"language": "nb"})  # put Lars back as the other tests know him
        assert cloud.invoke(logical_id_for(name), event)["statusCode"] == 200
    if name == "api_admin_create_department.json":  # E1
        assert body["name"] == "Prosjekt" and body["parent_id"] == "dep-service"
    if name == "api_operator_list_held.json":  # D1: the operator's list of held records, one page
        assert isinstance(body["items"], list) and "next_cursor" in body, body


@pytest.mark.feature("C8")
def test_stripe_webhook_sample_signed_with_our_secret_is_acknowledged(cloud, gateway, seeded):
    """C8: the sample is a payment_intent.succeeded for a PaymentIntent that is not ours:
    acknowledged (Stripe stops retrying) and nothing changes."""
    event = sample_event("api_webhooks_stripe_event.json")
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "stripe-signature"}
    event["headers"] = {**headers, "Stripe-Signature": signature(event["body"], webhook_secret(cloud))}
    event.get("multiValueHeaders", {}).pop("Stripe-Signature", None)
    result = cloud.invoke(logical_id_for("api_webhooks_stripe_event.json"), event)
    assert result["statusCode"] == 200, result

    unsigned = sample_event("api_webhooks_stripe_event.json")
    unsigned["headers"] = headers
    unsigned.get("multiValueHeaders", {}).pop("Stripe-Signature", None)
    assert cloud.invoke(logical_id_for("api_webhooks_stripe_event.json"), unsigned)["statusCode"] == 400


@pytest.mark.feature("D1")
def test_usage_batch_sample_is_applied_and_the_invalid_sample_is_reported(cloud, seeded):
    """D1: the valid batch is applied whole; the invalid record is the one failure reported."""
    good = cloud.invoke(logical_id_for("usage_ingest_batch.json"), sample_event("usage_ingest_batch.json"))
    assert good == {"batchItemFailures": []}
    bad_event = sample_event("usage_ingest_invalid_record.json")
    bad = cloud.invoke(logical_id_for("usage_ingest_invalid_record.json"), bad_event)
    # A batch whose every record failed is reported as a failed invocation (Powertools), which
    # SQS treats like listing every record: retried, then dead-lettered.
    if "errorType" in bad:
        assert bad["errorType"] == "BatchProcessingError", bad
    else:
        assert bad == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in bad_event["Records"]]}


@pytest.mark.feature("D7")
def test_sms_alert_sample_sends_one_sms(cloud, seeded):
    """D7: the sample alert is sent once, however often it is delivered."""
    event = sample_event("sms_alerts_sqs.json")
    msisdn = json.loads(event["Records"][0]["body"])["msisdn"]
    before = len(sms_sent_to(cloud, msisdn))
    for _ in range(2):
        assert cloud.invoke(logical_id_for("sms_alerts_sqs.json"), event) == {"batchItemFailures": []}
    assert len(sms_sent_to(cloud, msisdn)) == before + 1


@pytest.mark.feature("C8", "D3")
def test_inbound_sms_sample_orders_a_package(cloud, seeded, as_user):
    """C8: "DATA 1" from Lars's number becomes one order, also when the message comes twice."""
    event = sample_event("sms_inbound_sqs.json")
    lars = as_user("employee (Lars")
    _, before = lars.get("/me/orders")
    for _ in range(2):
        assert cloud.invoke(logical_id_for("sms_inbound_sqs.json"), event) == {"batchItemFailures": []}
    _, after = lars.get("/me/orders")
    new = [o for o in after["items"] if o["order_id"] not in {b["order_id"] for b in before["items"]}]
    assert [o["product"] for o in new] == ["EXTRA_1GB"]


@pytest.mark.feature("C8")
def test_purchase_step_samples_run_the_named_step(cloud, seeded, as_user):
    """C8: the price step prices a real order; a step for an order that does not exist fails
    with a named error the state machine can match."""
    lars = as_user("employee (Lars")
    status, order = lars.post("/me/data-packages", {"product": "EXTRA_1GB"}, headers={"Idempotency-Key": "sample-step"})
    assert status in (200, 201, 202), order
    event = sample_event("purchase_tasks_price.json")
    event["ref"]["order_id"] = order["order_id"]
    priced = cloud.invoke(logical_id_for("purchase_tasks_price.json"), event)
    assert priced.get("price_ore", priced.get("amount_ore")) is not None, priced

    missing = cloud.invoke(
        logical_id_for("purchase_tasks_await_payment.json"), sample_event("purchase_tasks_await_payment.json")
    )
    assert missing["errorType"] == "NotFound", missing


@pytest.mark.feature("A1", "A2", "A4", "A5")
@pytest.mark.parametrize("name", [n for n in SAMPLES if n.startswith("call_control_")])
def test_call_control_samples_are_answered_in_the_sma_contract(cloud, seeded, name):
    """Every SIP media application event type gets a response the service accepts: the
    event's SchemaVersion, at most 10 actions. Each sample runs as a call of its own."""
    import uuid

    event = sample_event(name)
    event["CallDetails"]["TransactionId"] = f"sample-{uuid.uuid4()}"
    response = cloud.invoke(logical_id_for(name), event)
    assert response["SchemaVersion"] == event["SchemaVersion"], response
    assert len(response.get("Actions") or []) <= 10
    if name == "call_control_new_inbound_call.json":  # A1: a call reaching the SMA is answered or rejected
        assert response["Actions"], response


@pytest.mark.feature("A4")
def test_queue_dispatch_sample_is_acknowledged(cloud, seeded):
    event = sample_event("queue_dispatch_sqs.json")
    assert cloud.invoke(logical_id_for("queue_dispatch_sqs.json"), event) == {"batchItemFailures": []}


@pytest.mark.feature("B3")
def test_wait_alerts_sample_schedules_and_checks_without_alerting_a_call_that_is_gone(cloud, seeded):
    """B3: an ENTERQUEUE envelope schedules a check; a check for a call no longer waiting
    (the sample's calls never entered the demo queue) raises nothing."""
    from skysentral.store import wait_alert_repository

    cloud.apply_function_environment()
    event = sample_event("wait_alerts_sqs.json")
    assert cloud.invoke(logical_id_for("wait_alerts_sqs.json"), event) == {"batchItemFailures": []}
    assert not [a for a in wait_alert_repository.alerts("c-nordlys") if a.call_id.startswith("5a1f0b7e")]


@pytest.mark.feature("A1")
def test_sip_rule_provider_sample_answers_cloudformation(cloud):
    """A1: the custom resource's provider PUTs its outcome to CloudFormation's ResponseURL."""
    import http.server
    import threading

    got: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        event = sample_event("chime_sip_rules_delete.json")
        event["ResponseURL"] = f"http://127.0.0.1:{server.server_port}/presigned"
        result = cloud.invoke(logical_id_for("chime_sip_rules_delete.json"), event)
    finally:
        server.shutdown()
    assert result["Status"] == "SUCCESS", result
    assert [g["Status"] for g in got] == ["SUCCESS"] and got[0]["RequestId"] == event["RequestId"]


@pytest.mark.feature("D9")
def test_month_close_samples_close_the_month(cloud, seeded, as_user, monkeypatch):
    """D9: the schedule's sample (00:00 Europe/Oslo on 1 December) plans the close of every
    subscription; the worker's sample closes its page into December."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-01T08:00:00Z")
    planner = logical_id_for("month_close_schedule.json", "app.planner")
    planned = cloud.invoke(planner, sample_event("month_close_schedule.json"))
    assert planned["to_month"] == "2026-12" and planned["pages"] >= 1
    worker = logical_id_for("month_close_worker_sqs.json", "app.worker")
    assert cloud.invoke(worker, sample_event("month_close_worker_sqs.json")) == {"batchItemFailures": []}
    cloud.drain()
    kari = as_user("company_admin (Kari")
    status, balances = kari.get("/admin/subscriptions/s-nordlys-04/balances")
    assert status == 200 and balances["period"] == "2026-12", balances


@pytest.mark.feature("A14")
def test_call_log_sample_is_logged_and_a_broken_message_is_dropped_not_retried(cloud, seeded):
    """A14: the sample (Lars answers a call to Nordlys' main number) is in the call log; a
    message that is not a call event is logged and acknowledged (a retry cannot mend it)."""
    from skysentral.store.call_log_repository import CallLog

    event = sample_event("call_log_sqs.json")
    broken = json.loads(json.dumps(event["Records"][0]))
    broken["messageId"] = "broken-1"
    broken["body"] = json.dumps({"source": "skysentral.pbx", "detail-type": "CallEvent", "detail": {"kind": "RINGING"}})
    event["Records"].append(broken)
    assert cloud.invoke(logical_id_for("call_log_sqs.json"), event) == {"batchItemFailures": []}
    call_id = json.loads(event["Records"][0]["body"])["detail"]["call_id"]
    record = CallLog("c-nordlys").call(call_id)
    assert record.answered_by == "e-nordlys-04" and record.duration_s == 123 and record.outcome == "answered"


@pytest.mark.feature("B3", "B8")
def test_switchboard_socket_and_push_samples(cloud, seeded, gateway):
    """B3/B8: the WebSocket samples as API Gateway sends them: the sample's token is no valid
    token (401, the upgrade refused), a ping is answered pong, a disconnect of an unknown
    connection is fine; the push sample (two call events and a wait alert for Nordlys) is
    acknowledged whole when no page of the company is open to hear it."""
    socket = logical_id_for("switchboard_socket_connect.json")
    refused = cloud.invoke(socket, sample_event("switchboard_socket_connect.json"))
    assert refused["statusCode"] == 401, refused
    pong = cloud.invoke(socket, sample_event("switchboard_socket_ping.json"))
    assert pong["statusCode"] == 200 and json.loads(pong["body"]) == {"type": "pong"}
    assert cloud.invoke(socket, sample_event("switchboard_socket_disconnect.json"))["statusCode"] == 200
    push = logical_id_for("switchboard_push_sqs.json")
    assert cloud.invoke(push, sample_event("switchboard_push_sqs.json")) == {"batchItemFailures": []}


@pytest.mark.feature("B5")
def test_sms_outbox_and_receipt_samples_are_acknowledged_and_change_nothing_unknown(cloud, seeded):
    """B5: the outbox sample names a batch that was never written: no recipient is claimed,
    nothing is sent; the receipt sample's message id is not ours: ignored, not retried."""
    event = sample_event("sms_send_sqs.json")
    number = json.loads(event["Records"][0]["body"])["numbers"][0]
    before = len(sms_sent_to(cloud, number))
    assert cloud.invoke(logical_id_for("sms_send_sqs.json"), event) == {"batchItemFailures": []}
    assert len(sms_sent_to(cloud, number)) == before
    receipt = sample_event("sms_receipts_sqs.json")
    assert cloud.invoke(logical_id_for("sms_receipts_sqs.json"), receipt) == {"batchItemFailures": []}
