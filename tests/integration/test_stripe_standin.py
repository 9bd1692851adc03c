"""The Stripe stand-in (infra/local/stripe_standin.py), driven through the real ``stripe`` library.

Every call goes through stripe-python 16 pointed at the stand-in (``StripeClient(base_addresses=...)``
or the module-global ``stripe.api_base``), the way production code will call Stripe. Webhooks
go to a small receiver in this module that checks each delivery with
``stripe.Webhook.construct_event`` and the webhook secret, as the production handler does.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
import stripe

from infra.local.stripe_standin import StripeStandIn, main, parse_form

API_KEY = "sk_test_standin_tests"
SECRET = "whsec_standin_tests"


@dataclass
class Delivery:
    raw: bytes
    signature: str | None
    status: int
    event: Any = None  # the stripe.Event built by construct_event, when verification passed
    error: Exception | None = None


class Receiver:
    """A webhook endpoint: verifies each delivery as production does, answers from a script."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.script: list[int] = []  # statuses to answer, one per request; then 200
        self.deliveries: list[Delivery] = []
        self._cv = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._handle(raw, self.headers.get("Stripe-Signature"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/stripe"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def _handle(self, raw: bytes, signature: str | None) -> int:
        try:
            event, error = stripe.Webhook.construct_event(raw, signature, self.secret), None
        except stripe.SignatureVerificationError as exc:
            event, error = None, exc
        with self._cv:
            status = 400 if error else (self.script.pop(0) if self.script else 200)
            self.deliveries.append(Delivery(raw, signature, status, event, error))
            self._cv.notify_all()
        return status

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._cv:
            while len(self.deliveries) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {n} deliveries, got {len(self.deliveries)}: "
                                         f"{[d.event.type if d.event else d.error for d in self.deliveries]}")
                self._cv.wait(left)
            return list(self.deliveries)

    def accepted(self) -> list[Any]:
        with self._cv:
            return [d.event for d in self.deliveries if d.status == 200]

    def types_for(self, object_id: str) -> list[str]:
        return [e.type for e in self.accepted() if e.data.object.id == object_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
    # every delivery the stand-in made verified with construct_event and the secret
    assert [d.error for d in r.deliveries if d.error is not None] == []


@pytest.fixture
def standin(receiver: Receiver) -> Iterator[StripeStandIn]:
    s = StripeStandIn(api_key=API_KEY, webhook_secret=SECRET, webhook_url=receiver.url,
                      webhook_retry_base_s=0.05, webhook_max_attempts=4, webhook_timeout_s=2.0)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def client(standin: StripeStandIn) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": standin.url}, max_network_retries=0)


def pi_params(pm: str = "pm_card_visa", **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"amount": 49_900, "currency": "nok", "payment_method": pm, "confirm": True,
                              "payment_method_types": ["card"], "metadata": {"order_id": "ord_1"},
                              "description": "Skysentral Bedrift 5 GB"}
    params.update(extra)
    return params


def control(standin: StripeStandIn, path: str, body: dict[str, Any] | None = None) -> Any:
    """The stand-in's own /_standin endpoints, as curl would call them (JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(standin.url + path, data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


# --------------------------------------------------------------------------- payments


def test_create_confirm_success_and_idempotent_replay(client: stripe.StripeClient, standin: StripeStandIn,
                                                      receiver: Receiver) -> None:
    pi = client.v1.payment_intents.create(params=pi_params(), options={"idempotency_key": "order-ord_1-pay"})
    assert pi.id.startswith("pi_") and pi.object == "payment_intent"
    assert (pi.status, pi.amount, pi.currency, pi.livemode) == ("succeeded", 49_900, "nok", False)
    assert pi.amount_received == 49_900
    assert pi.latest_charge.startswith("ch_") and pi.payment_method.startswith("pm_")
    assert pi.metadata["order_id"] == "ord_1" and pi.client_secret.startswith(pi.id + "_secret_")
    assert pi.last_payment_error is None

    again = client.v1.payment_intents.create(params=pi_params(), options={"idempotency_key": "order-ord_1-pay"})
    assert again.id == pi.id and again.latest_charge == pi.latest_charge
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(params=pi_params(amount=50_000),
                                         options={"idempotency_key": "order-ord_1-pay"})
    with pytest.raises(stripe.IdempotencyError):  # same key on another endpoint
        client.v1.refunds.create(params={"payment_intent": pi.id}, options={"idempotency_key": "order-ord_1-pay"})

    assert [e["type"] for e in standin.events()] == ["payment_intent.created", "payment_intent.succeeded"]
    receiver.wait_for(2)
    assert sorted(receiver.types_for(pi.id)) == ["payment_intent.created", "payment_intent.succeeded"]
    succeeded = next(e for e in receiver.accepted() if e.type == "payment_intent.succeeded")
    assert succeeded.id.startswith("evt_") and succeeded.livemode is False and succeeded.api_version
    assert succeeded.data.object.status == "succeeded"
    assert succeeded.request.idempotency_key == "order-ord_1-pay"
    assert client.v1.events.retrieve(succeeded.id).type == "payment_intent.succeeded"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.payment_intent) == ("succeeded", True, pi.id)


def test_module_global_style_create_then_confirm(standin: StripeStandIn, receiver: Receiver,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe, "api_key", API_KEY)
    monkeypatch.setattr(stripe, "api_base", standin.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)

    bare = stripe.PaymentIntent.create(amount=9_900, currency="nok", idempotency_key="bare-1")
    assert bare.status == "requires_payment_method"
    assert bare.automatic_payment_methods.enabled is True  # Stripe's default since API 2023-08-16
    pi = stripe.PaymentIntent.create(amount=9_900, currency="nok", payment_method="pm_card_mastercard",
                                     payment_method_types=["card"], metadata={"order_id": "ord_2"},
                                     idempotency_key="ord_2-create")
    assert pi.status == "requires_confirmation"
    pi = stripe.PaymentIntent.confirm(pi.id, idempotency_key="ord_2-confirm")
    assert pi.status == "succeeded" and pi.latest_charge.startswith("ch_")
    assert stripe.PaymentIntent.retrieve(pi.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as exc:  # already succeeded
        stripe.PaymentIntent.confirm(pi.id)
    assert exc.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.AuthenticationError):
        stripe.PaymentIntent.retrieve(pi.id, api_key="sk_test_wrong")
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe.PaymentIntent.retrieve("pi_doesnotexist")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    receiver.wait_for(3)
    assert receiver.types_for(pi.id) == ["payment_intent.created", "payment_intent.succeeded"]


def test_declined_card_raises_card_error_and_sends_payment_failed(client: stripe.StripeClient,
                                                                  receiver: Receiver) -> None:
    with pytest.raises(stripe.CardError) as exc:
        client.v1.payment_intents.create(params=pi_params("pm_card_visa_chargeDeclined"),
                                         options={"idempotency_key": "declined-1"})
    err = exc.value
    assert (err.http_status, err.code, err.error.decline_code) == (402, "card_declined", "generic_decline")
    failed_pi = err.error.payment_intent
    assert failed_pi.status == "requires_payment_method"
    assert failed_pi.last_payment_error.code == "card_declined"

    pi = client.v1.payment_intents.retrieve(failed_pi.id)
    assert pi.status == "requires_payment_method" and pi.last_payment_error.type == "card_error"
    assert pi.latest_charge.startswith("ch_") and pi.payment_method is None

    with pytest.raises(stripe.CardError) as replay:  # the error is replayed for the same key, same PaymentIntent
        client.v1.payment_intents.create(params=pi_params("pm_card_visa_chargeDeclined"),
                                         options={"idempotency_key": "declined-1"})
    assert replay.value.error.payment_intent.id == failed_pi.id

    with pytest.raises(stripe.CardError) as funds:
        client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_chargeDeclinedInsufficientFunds"})
    assert funds.value.error.decline_code == "insufficient_funds"

    retried = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert retried.status == "succeeded"

    receiver.wait_for(4)
    assert receiver.types_for(pi.id) == ["payment_intent.created", "payment_intent.payment_failed",
                                         "payment_intent.payment_failed", "payment_intent.succeeded"]
    first_failure = [e for e in receiver.accepted() if e.type == "payment_intent.payment_failed"][0]
    assert first_failure.data.object.last_payment_error.decline_code == "generic_decline"


def test_requires_action_then_authenticate(client: stripe.StripeClient, standin: StripeStandIn,
                                           receiver: Receiver) -> None:
    pi = client.v1.payment_intents.create(params=pi_params("pm_card_authenticationRequired"))
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    assert pi.latest_charge is None
    receiver.wait_for(2)
    assert receiver.types_for(pi.id) == ["payment_intent.created", "payment_intent.requires_action"]

    done = control(standin, f"/_standin/payment_intents/{pi.id}/authenticate", {"result": "succeed"})
    assert done["status"] == "succeeded"
    receiver.wait_for(3)
    assert receiver.types_for(pi.id)[-1] == "payment_intent.succeeded"
    pi = client.v1.payment_intents.retrieve(pi.id)
    assert pi.status == "succeeded" and pi.latest_charge.startswith("ch_")

    # with a return_url the next action is a redirect; a failed 3-D Secure step sends payment_failed
    other = client.v1.payment_intents.create(params=pi_params("pm_card_threeDSecure2Required",
                                                              return_url="https://app.example/return"))
    assert other.next_action.type == "redirect_to_url"
    assert other.next_action.redirect_to_url.return_url == "https://app.example/return"
    failed = standin.authenticate(other.id, "fail")
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    receiver.wait_for(6)
    assert receiver.types_for(other.id)[-1] == "payment_intent.payment_failed"

    # off-session (saved-card renewals): no customer present, so the confirm is declined
    with pytest.raises(stripe.CardError) as exc:
        client.v1.payment_intents.create(params=pi_params("pm_card_authenticationRequired", off_session=True))
    assert exc.value.code == "authentication_required"


def test_cancel_and_validation_errors(client: stripe.StripeClient, receiver: Receiver) -> None:
    with pytest.raises(stripe.InvalidRequestError) as no_return_url:  # automatic_payment_methods by default
        client.v1.payment_intents.create(params={"amount": 10_000, "currency": "nok", "confirm": True,
                                                 "payment_method": "pm_card_visa"})
    assert no_return_url.value.param == "return_url"
    ok = client.v1.payment_intents.create(params={
        "amount": 10_000, "currency": "nok", "confirm": True, "payment_method": "pm_card_visa",
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})
    assert ok.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as small:
        client.v1.payment_intents.create(params={"amount": 100, "currency": "nok"})
    assert small.value.code == "amount_too_small"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "nok", "amout": 1})
    assert unknown.value.code == "parameter_unknown"

    pi = client.v1.payment_intents.create(params={"amount": 10_000, "currency": "nok"})
    canceled = client.v1.payment_intents.cancel(pi.id, params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled" and canceled.cancellation_reason == "abandoned"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.cancel(ok.id)
    receiver.wait_for(4)
    assert receiver.types_for(pi.id) == ["payment_intent.created", "payment_intent.canceled"]


def test_refunds(client: stripe.StripeClient, receiver: Receiver) -> None:
    pi = client.v1.payment_intents.create(params=pi_params())
    part = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 9_900, "reason": "requested_by_customer",
                                            "metadata": {"ticket": "T-1"}}, options={"idempotency_key": "refund-1"})
    assert part.id.startswith("re_") and part.object == "refund"
    assert (part.status, part.amount, part.charge, part.payment_intent) == ("succeeded", 9_900, pi.latest_charge, pi.id)
    assert client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 9_900, "reason": "requested_by_customer",
                                            "metadata": {"ticket": "T-1"}},
                                    options={"idempotency_key": "refund-1"}).id == part.id
    rest = client.v1.refunds.create(params={"payment_intent": pi.id})  # amount omitted: what is left
    assert rest.amount == 40_000
    assert client.v1.refunds.retrieve(rest.id).amount == 40_000
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": pi.id})
    assert again.value.code == "charge_already_refunded"

    receiver.wait_for(6)
    refunded = [e.data.object for e in receiver.accepted() if e.type == "charge.refunded"]
    assert [(c.id, c.amount_refunded, c.refunded) for c in refunded] == [
        (pi.latest_charge, 9_900, False), (pi.latest_charge, 49_900, True)]
    created = [e.data.object for e in receiver.accepted() if e.type == "refund.created"]
    assert [r.id for r in created] == [part.id, rest.id]


# --------------------------------------------------------------------------- webhooks


def test_signatures_forged_and_stale_are_refused(standin: StripeStandIn) -> None:
    payload = json.dumps({"id": "evt_test", "object": "event", "type": "payment_intent.succeeded",
                          "data": {"object": {"id": "pi_x", "object": "payment_intent"}}})
    assert stripe.Webhook.construct_event(payload, standin.sign(payload), SECRET).id == "evt_test"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, standin.sign(payload, secret="whsec_forged"), SECRET)
    with pytest.raises(stripe.SignatureVerificationError):  # 10 minutes old; the tolerance is 300 s
        stripe.Webhook.construct_event(payload, standin.sign(payload, timestamp=int(time.time()) - 600), SECRET)
    with pytest.raises(stripe.SignatureVerificationError):  # body changed after signing
        stripe.Webhook.construct_event(payload.replace("pi_x", "pi_y"), standin.sign(payload), SECRET)
    header = control(standin, "/_standin/sign", {"payload": payload})["header"]
    assert stripe.Webhook.construct_event(payload, header, SECRET).type == "payment_intent.succeeded"


def test_hold_then_release_reversed_with_duplicates(client: stripe.StripeClient, standin: StripeStandIn,
                                                    receiver: Receiver) -> None:
    standin.hold_webhooks(True)
    pi = client.v1.payment_intents.create(params=pi_params())
    assert [e["type"] for e in standin.pending_events()] == ["payment_intent.created", "payment_intent.succeeded"]
    time.sleep(0.2)
    assert receiver.deliveries == []

    queued = standin.release(order="reverse", duplicates=5)
    assert len(queued) == 10
    deliveries = receiver.wait_for(10)
    assert [d.event.type for d in deliveries] == ["payment_intent.succeeded"] * 5 + ["payment_intent.created"] * 5
    assert len({d.event.id for d in deliveries}) == 2  # duplicates carry the same event id
    assert all(d.event.data.object.id == pi.id for d in deliveries)
    assert standin.pending_events() == []
    assert standin.wait_idle(2)
    assert [s["status"] for s in standin.sent_events()] == [200] * 10


def test_control_endpoints_over_http(client: stripe.StripeClient, standin: StripeStandIn,
                                     receiver: Receiver) -> None:
    assert control(standin, "/_standin/webhooks/hold", {"hold": True})["holding"] is True
    client.v1.payment_intents.create(params={"amount": 10_000, "currency": "nok"})
    pending = control(standin, "/_standin/webhooks/pending")["data"]
    assert [e["type"] for e in pending] == ["payment_intent.created"]
    control(standin, "/_standin/webhooks/release", {"order": "fifo", "duplicates": 2})
    receiver.wait_for(2)
    control(standin, f"/_standin/events/{pending[0]['id']}/redeliver", {"times": 2})
    receiver.wait_for(4)
    standin.redeliver(pending[0]["id"])
    receiver.wait_for(5)
    assert control(standin, "/_standin/webhooks/wait", {"timeout": 2})["ok"] is True
    sent = control(standin, "/_standin/webhooks/sent")["data"]
    assert [(s["event_id"], s["status"]) for s in sent] == [(pending[0]["id"], 200)] * 5
    assert control(standin, "/_standin/reset", {})["ok"] is True
    assert control(standin, "/_standin/state")["events"] == 0 and standin.holding is False


def test_retries_until_the_endpoint_answers_200(client: stripe.StripeClient, standin: StripeStandIn,
                                                receiver: Receiver) -> None:
    receiver.script = [500, 503]
    client.v1.payment_intents.create(params={"amount": 10_000, "currency": "nok"})
    deliveries = receiver.wait_for(3)
    assert [d.status for d in deliveries] == [500, 503, 200]
    assert len({d.event.id for d in deliveries}) == 1
    assert len({d.signature for d in deliveries}) >= 1  # each attempt is signed afresh
    assert standin.wait_idle(2)
    log = standin.sent_events()
    assert [(s["attempt"], s["status"], s["will_retry"]) for s in log] == [(1, 500, True), (2, 503, True),
                                                                           (3, 200, False)]


def test_unreachable_endpoint_retries_are_bounded(client: stripe.StripeClient, standin: StripeStandIn) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/webhooks/stripe"
    standin.set_webhook_url(dead)
    client.v1.payment_intents.create(params={"amount": 10_000, "currency": "nok"})
    assert standin.wait_idle(5)
    log = standin.sent_events()
    assert [(s["attempt"], s["status"]) for s in log] == [(1, None), (2, None), (3, None), (4, None)]
    assert log[-1]["will_retry"] is False and "Error" in log[0]["error"]


# --------------------------------------------------------------------------- odds and ends


def test_form_parsing_matches_stripe_bracket_notation() -> None:
    assert parse_form("amount=100&metadata[order_id]=o1&payment_method_types[0]=card&payment_method_types[1]=link"
                      "&automatic_payment_methods[enabled]=true&expand[]=latest_charge") == {
        "amount": "100", "metadata": {"order_id": "o1"}, "payment_method_types": ["card", "link"],
        "automatic_payment_methods": {"enabled": "true"}, "expand": ["latest_charge"]}


def test_cli_runs_alone() -> None:
    seen: dict[str, Any] = {}

    def ready(s: StripeStandIn) -> None:
        seen.update(control(s, "/_standin/health"))

    assert main(["--port", "0", "--webhook-url", "http://127.0.0.1:9/none"], _ready=ready) == 0
    assert seen["ok"] is True and seen["webhook_url"] == "http://127.0.0.1:9/none"


def test_refuses_live_keys() -> None:
    with pytest.raises(ValueError):
        StripeStandIn(api_key="sk_live_abc")
