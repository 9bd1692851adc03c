"""The Stripe stand-in (localstripe + infra/local/stripe_standin.py), driven through the real
``stripe`` library the way the product calls Stripe (skysentral.adapters.payments).

Webhooks go to a small receiver in this module that checks each delivery with
``stripe.Webhook.construct_event`` and the webhook secret, as the production handler does.
The stand-in is the session's (localstripe's state is per process); each test points its
webhooks at its own receiver and only looks at the objects it made.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from infra.local.stripe_standin import RELAY_ID, RETRY_S
from skysentral.adapters.payments import outcome


@dataclass
class Delivery:
    raw: bytes
    status: int
    event: Any = None  # the stripe.Event built by construct_event, when verification passed
    error: Exception | None = None


class Receiver:
    """A webhook endpoint: verifies each delivery as production does, answers from a script."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.script: list[int] = []  # statuses to answer, one per request; then 200
        self.deliveries: list[Delivery] = []
        self._cv = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
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
            self.deliveries.append(Delivery(raw, status, event, error))
            self._cv.notify_all()
        return status

    def for_object(self, object_id: str) -> list[Delivery]:
        with self._cv:
            return [d for d in self.deliveries if d.event and d.event.data.object.id == object_id]

    def wait_for(self, object_id: str, n: int, timeout: float = 8.0) -> list[Delivery]:
        """The first n deliveries about one object (localstripe sends each event after ~1 s)."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while len(self.for_object(object_id)) < n:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"expected {n} deliveries for {object_id}, got "
                        f"{[d.event.type for d in self.for_object(object_id)]}"
                    )
                self._cv.wait(0.05)
            return self.for_object(object_id)

    def types_for(self, object_id: str, n: int) -> list[str]:
        """Sorted: localstripe, like Stripe, does not promise the order of events."""
        return sorted(d.event.type for d in self.wait_for(object_id, n) if d.status == 200)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def standin(stripe_standin: Any) -> Iterator[Any]:
    assert stripe_standin.wait_idle(10)
    url = stripe_standin.webhook_url
    yield stripe_standin
    stripe_standin.hold_webhooks(False)
    stripe_standin.wait_idle(10)
    stripe_standin.set_webhook_url(url)
    stripe_standin.retry_s = RETRY_S


@pytest.fixture
def receiver(standin: Any) -> Iterator[Receiver]:
    r = Receiver(standin.webhook_secret)
    standin.set_webhook_url(r.url)
    yield r
    standin.wait_idle(10)
    r.close()
    # every delivery the stand-in made verified with construct_event and the secret
    assert [d.error for d in r.deliveries if d.error is not None] == []


@pytest.fixture
def client(standin: Any) -> stripe.StripeClient:
    return stripe.StripeClient(standin.api_key, base_addresses={"api": standin.url}, max_network_retries=0)


def pi_params(pm: str = "pm_card_visa", **extra: Any) -> dict[str, Any]:
    """What skysentral.adapters.payments.create_payment sends."""
    params: dict[str, Any] = {
        "amount": 12_375,
        "currency": "nok",
        "payment_method": pm,
        "confirm": True,
        "payment_method_types": ["card"],
        "metadata": {"order_id": "ord_1"},
        "description": "Skysentral SURF_EU_600MB for +4791200004",
    }
    params.update(extra)
    return params


def key(name: str) -> str:
    return f"{name}-{time.time_ns()}"  # the stand-in lives for the whole session


# --------------------------------------------------------------------------- payments


def test_create_confirm_success_and_idempotent_replay(
    client: stripe.StripeClient, standin: Any, receiver: Receiver
) -> None:
    k = key("order-ord_1")
    pi = client.v1.payment_intents.create(params=pi_params(), options={"idempotency_key": k})
    assert pi.id.startswith("pi_") and pi.object == "payment_intent"
    assert (pi.status, pi.amount, pi.currency, pi.livemode) == ("succeeded", 12_375, "nok", False)
    assert pi.latest_charge.startswith("ch_") and pi.metadata["order_id"] == "ord_1"
    assert pi.client_secret.startswith(pi.id + "_secret_") and pi.last_payment_error is None
    assert outcome(client.v1.payment_intents.retrieve(pi.id).to_dict()) == "succeeded"

    again = client.v1.payment_intents.create(params=pi_params(), options={"idempotency_key": k})
    assert again.id == pi.id and again.latest_charge == pi.latest_charge
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(params=pi_params(amount=50_000), options={"idempotency_key": k})
    with pytest.raises(stripe.IdempotencyError):  # same key on another endpoint
        client.v1.refunds.create(params={"payment_intent": pi.id}, options={"idempotency_key": k})

    assert [e["type"] for e in standin.events() if e["data"]["object"]["id"] == pi.id] == [
        "payment_intent.created",
        "payment_intent.succeeded",
    ]
    assert receiver.types_for(pi.id, 2) == ["payment_intent.created", "payment_intent.succeeded"]
    succeeded = next(d.event for d in receiver.for_object(pi.id) if d.event.type == "payment_intent.succeeded")
    assert succeeded.id.startswith("evt_") and succeeded.livemode is False
    assert succeeded.data.object.status == "succeeded"
    assert client.v1.events.retrieve(succeeded.id).type == "payment_intent.succeeded"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.payment_intent) == ("succeeded", True, pi.id)


def test_module_global_style_create_then_confirm(
    standin: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe, "api_key", standin.api_key)
    monkeypatch.setattr(stripe, "api_base", standin.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)

    bare = stripe.PaymentIntent.create(amount=9_900, currency="nok", payment_method_types=["card"])
    assert bare.status == "requires_payment_method" and outcome(bare.to_dict()) == "pending"
    pi = stripe.PaymentIntent.create(
        amount=9_900,
        currency="nok",
        payment_method="pm_card_mastercard",
        payment_method_types=["card"],
        metadata={"order_id": "ord_2"},
        idempotency_key=key("ord_2-create"),
    )
    assert pi.status == "requires_confirmation"
    pi = stripe.PaymentIntent.confirm(pi.id, idempotency_key=key("ord_2-confirm"))
    assert pi.status == "succeeded" and pi.latest_charge.startswith("ch_")
    assert stripe.PaymentIntent.retrieve(pi.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError):  # already succeeded
        stripe.PaymentIntent.confirm(pi.id)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe.PaymentIntent.retrieve("pi_doesnotexist")
    assert missing.value.http_status == 404
    assert receiver.types_for(pi.id, 2) == ["payment_intent.created", "payment_intent.succeeded"]


def test_declined_card_raises_card_error_and_sends_payment_failed(
    client: stripe.StripeClient, standin: Any, receiver: Receiver
) -> None:
    k = key("declined")
    with pytest.raises(stripe.CardError) as exc:
        client.v1.payment_intents.create(params=pi_params("pm_card_chargeDeclined"), options={"idempotency_key": k})
    assert (exc.value.http_status, exc.value.code) == (402, "card_declined") and exc.value.user_message
    with pytest.raises(stripe.CardError):  # the error is replayed for the same key
        client.v1.payment_intents.create(params=pi_params("pm_card_chargeDeclined"), options={"idempotency_key": k})
    created = [e["data"]["object"]["id"] for e in standin.events("payment_intent.created")]
    pi = client.v1.payment_intents.retrieve(created[-1])  # one PaymentIntent for both calls
    assert pi.status == "requires_payment_method" and pi.last_payment_error.code == "card_declined"
    assert outcome(pi.to_dict()) == "declined"
    assert receiver.types_for(pi.id, 2) == ["payment_intent.created", "payment_intent.payment_failed"]
    assert len(receiver.wait_for(pi.id, 2)) == 2


def test_requires_action_then_authenticate(client: stripe.StripeClient, standin: Any, receiver: Receiver) -> None:
    pi = client.v1.payment_intents.create(params=pi_params("pm_card_authenticationRequired"))
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    assert outcome(pi.to_dict()) == "pending"
    assert standin.authenticate(pi.id, "succeed")["status"] == "succeeded"
    assert receiver.types_for(pi.id, 3) == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    ]
    assert client.v1.payment_intents.retrieve(pi.id).latest_charge.startswith("ch_")

    other = client.v1.payment_intents.create(params=pi_params("pm_card_threeDSecure2Required"))
    failed = standin.authenticate(other.id, "fail")
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    assert outcome(failed) == "declined"
    assert "payment_intent.payment_failed" in receiver.types_for(other.id, 3)


def test_cancel(client: stripe.StripeClient, receiver: Receiver) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 10_000, "currency": "nok", "payment_method_types": ["card"]}
    )
    canceled = client.v1.payment_intents.cancel(pi.id, options={"idempotency_key": key("cancel")})
    assert canceled.status == "canceled" and outcome(canceled.to_dict()) == "declined"
    paid = client.v1.payment_intents.create(params=pi_params())
    with pytest.raises(stripe.InvalidRequestError):  # a succeeded payment cannot be cancelled
        client.v1.payment_intents.cancel(paid.id)
    assert receiver.types_for(pi.id, 2) == ["payment_intent.canceled", "payment_intent.created"]


def test_refunds(client: stripe.StripeClient) -> None:
    pi = client.v1.payment_intents.create(params=pi_params())
    k = key("refund-ord_1")
    params = {"payment_intent": pi.id, "amount": 2_375, "metadata": {"order_id": "ord_1"}}
    part = client.v1.refunds.create(params=params, options={"idempotency_key": k})
    assert part.id.startswith("re_") and part.object == "refund"
    assert (part.status, part.amount, part.charge) == ("succeeded", 2_375, pi.latest_charge)
    assert client.v1.refunds.create(params=params, options={"idempotency_key": k}).id == part.id
    rest = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 10_000})
    assert client.v1.refunds.retrieve(rest.id).amount == 10_000
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (12_375, True)


# --------------------------------------------------------------------------- webhooks


def test_signatures_forged_and_stale_are_refused(standin: Any) -> None:
    payload = json.dumps(
        {
            "id": "evt_test",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_x", "object": "payment_intent"}},
        }
    )
    secret = standin.webhook_secret
    assert stripe.Webhook.construct_event(payload, standin.sign(payload), secret).id == "evt_test"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, standin.sign(payload, secret="whsec_forged"), secret)
    with pytest.raises(stripe.SignatureVerificationError):  # 10 minutes old; the tolerance is 300 s
        stripe.Webhook.construct_event(payload, standin.sign(payload, timestamp=int(time.time()) - 600), secret)
    with pytest.raises(stripe.SignatureVerificationError):  # body changed after signing
        stripe.Webhook.construct_event(payload.replace("pi_x", "pi_y"), standin.sign(payload), secret)


def test_hold_then_release_reversed_with_duplicates(
    client: stripe.StripeClient, standin: Any, receiver: Receiver
) -> None:
    standin.hold_webhooks(True)
    pi = client.v1.payment_intents.create(params=pi_params())
    assert [e["type"] for e in standin.pending_events()] == ["payment_intent.created", "payment_intent.succeeded"]
    assert receiver.for_object(pi.id) == []

    assert len(standin.release(order="reverse", duplicates=5)) == 10
    deliveries = receiver.wait_for(pi.id, 10)
    assert [d.event.type for d in deliveries] == ["payment_intent.succeeded"] * 5 + ["payment_intent.created"] * 5
    assert len({d.event.id for d in deliveries}) == 2  # duplicates carry the same event id
    assert standin.pending_events() == []
    assert standin.wait_idle(2)
    sent = [s for s in standin.sent_events() if s["object"]["id"] == pi.id]
    assert [s["status"] for s in sent] == [200] * 10


def test_redeliver(client: stripe.StripeClient, standin: Any, receiver: Receiver) -> None:
    pi = client.v1.payment_intents.create(
        params={"amount": 10_000, "currency": "nok", "payment_method_types": ["card"]}
    )
    [first] = receiver.wait_for(pi.id, 1)
    standin.redeliver(first.event.id, times=2)
    assert {d.event.id for d in receiver.wait_for(pi.id, 3)} == {first.event.id}


def test_retries_until_the_endpoint_answers_200(client: stripe.StripeClient, standin: Any, receiver: Receiver) -> None:
    standin.retry_s = (0.05, 0.05, 0.05)
    receiver.script = [500, 503]
    pi = client.v1.payment_intents.create(
        params={"amount": 10_000, "currency": "nok", "payment_method_types": ["card"]}
    )
    deliveries = receiver.wait_for(pi.id, 3)
    assert [d.status for d in deliveries] == [500, 503, 200]
    assert len({d.event.id for d in deliveries}) == 1
    assert standin.wait_idle(2)
    log = [s for s in standin.sent_events() if s["object"]["id"] == pi.id]
    assert [(s["attempt"], s["status"], s["will_retry"]) for s in log] == [
        (1, 500, True),
        (2, 503, True),
        (3, 200, False),
    ]


def test_unreachable_endpoint_retries_are_bounded(client: stripe.StripeClient, standin: Any) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/webhooks/stripe"
    standin.set_webhook_url(dead)
    standin.retry_s = (0.05, 0.05, 0.05)
    pi = client.v1.payment_intents.create(
        params={"amount": 10_000, "currency": "nok", "payment_method_types": ["card"]}
    )
    assert standin.wait_idle(8)
    log = [s for s in standin.sent_events() if s["object"]["id"] == pi.id]
    assert [(s["attempt"], s["status"]) for s in log] == [(1, None), (2, None), (3, None), (4, None)]
    assert log[-1]["will_retry"] is False and "Error" in log[0]["error"]


def test_relay_refuses_events_not_signed_by_localstripe(standin: Any) -> None:
    """The relay checks localstripe's own signature, so a wrong secret cannot go unnoticed."""
    from localstripe.webhooks import _webhooks

    body = b'{"id": "evt_x", "object": "event", "type": "payment_intent.created", "data": {"object": {"id": "pi_x"}}}'
    request = urllib.request.Request(
        _webhooks[RELAY_ID].url,
        data=body,
        method="POST",
        headers={"Stripe-Signature": standin.sign(body, secret="whsec_other")},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
