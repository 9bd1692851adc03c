"""Buying data packages end to end (C8, D3, D6, D8): the API, the purchase state machine
running for real in the local cloud, Stripe's stand-in and its signed webhooks, and the
inbound SMS queue."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from skysentral.domain.catalogue import GIB
from tests.helpers import Client, nordlys_employee, stripe_get, wait_for_order, wait_for_sms


@pytest.fixture
def employee(gateway, issuer, seeded):
    """employee(n) -> a Client for Nordlys employee n (each test uses its own subscription)."""

    def make(n: int) -> Client:
        return nordlys_employee(gateway, issuer, n)

    return make


def package_lines(kari: Client, subscription_id: str) -> list[tuple[str, str, int]]:
    """F3: the company's rated lines of this month for one subscription that are package orders."""
    month = datetime.now(ZoneInfo("Europe/Oslo")).strftime("%Y-%m")
    status, page = kari.get(f"/admin/rated-lines?month={month}&subscription_id={subscription_id}&limit=200")
    assert status == 200, page
    return [(li["line_id"], li["kind"], li["amount_ore"]) for li in page["lines"] if li["kind"] == "package"]


@pytest.mark.feature("C8", "D3", "D8", "F3")
def test_company_paid_package_is_activated_at_once_and_receipted(cloud, employee, kari):
    me = employee(11)
    status, order = me.post("/me/data-packages", {"product": "EXTRA_1GB"}, headers={"Idempotency-Key": "t-11-a"})
    assert status == 202 and order["payer"] == "company" and order["payment"] is None
    done = wait_for_order(me, order["order_id"])
    assert done["status"] == "completed", done
    extras = me.get("/me/dashboard")[1]["data"]["extra_packages"]
    assert [(e["id"], e["status"]) for e in extras] == [(order["order_id"], "queued")]  # D3: waits behind data left
    assert any(
        order["order_id"] in text and "betalt av bedriften" in text
        for text in wait_for_sms(cloud, "+4791200011", order["order_id"])
    )
    # F3: the company pays, so the package is a line of the company's invoice, once
    assert package_lines(kari, "s-nordlys-11") == [(f"order#{order['order_id']}", "package", done["price_ore"])]


@pytest.mark.feature("C8", "D6", "D8", "F3")
def test_employee_paid_surf_package_is_charged_with_mva_then_activated(cloud, employee, stripe_standin, kari):
    me = employee(12)
    status, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"})
    assert status == 202 and order["payer"] == "employee"
    done = wait_for_order(me, order["order_id"])
    assert done["status"] == "completed", done
    intent = stripe_get(stripe_standin, f"/v1/payment_intents/{done['payment']['payment_intent_id']}")
    assert intent["amount"] == 12375 and intent["status"] == "succeeded"  # 99,00 kr + 25 % MVA
    surf = me.get("/me/dashboard")[1]["roaming"]["surf_packages"]
    assert [s["id"] for s in surf] == [order["order_id"]]
    assert package_lines(kari, "s-nordlys-12") == []  # D8: the employee paid by card: not the company's line


@pytest.mark.feature("C8", "D6")
def test_declined_card_fails_the_order_and_activates_nothing(cloud, employee):
    me = employee(13)
    _, order = me.post("/me/data-packages", {"product": "SURF_WORLD_300MB", "payment_method": "pm_card_chargeDeclined"})
    done = wait_for_order(me, order["order_id"])
    assert done["status"] == "failed" and done["failure"] == "declined"
    assert me.get("/me/dashboard")[1]["roaming"]["surf_packages"] == []
    assert any("avvist" in text for text in wait_for_sms(cloud, "+4791200013", "avvist"))


@pytest.mark.feature("C8", "D6")
def test_payment_that_never_comes_expires_and_the_intent_is_cancelled(cloud, employee, stripe_standin, monkeypatch):
    from skysentral.services import order_taking

    monkeypatch.setattr(order_taking, "payment_timeout_s", lambda: 2)
    me = employee(14)
    _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB"})  # the app never confirms
    done = wait_for_order(me, order["order_id"])
    assert done["status"] == "failed" and done["failure"] == "expired", done
    assert (
        stripe_get(stripe_standin, f"/v1/payment_intents/{done['payment']['payment_intent_id']}")["status"]
        == "canceled"
    )
    assert me.get("/me/dashboard")[1]["roaming"]["surf_packages"] == []


@pytest.mark.feature("C8", "D6")
def test_webhook_delivered_five_times_activates_once(cloud, employee, stripe_standin):
    me = employee(15)
    stripe_standin.hold_webhooks(True)
    try:
        _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"})
        done = wait_for_order(me, order["order_id"])  # the wait step asks Stripe itself
        stripe_standin.release(duplicates=5)
        assert stripe_standin.wait_idle(10)
    finally:
        stripe_standin.hold_webhooks(False)
    assert done["status"] == "completed"
    delivered = [e for e in stripe_standin.sent_events() if e.get("status") == 200]
    assert len(delivered) >= 5
    assert [s["id"] for s in me.get("/me/dashboard")[1]["roaming"]["surf_packages"]] == [order["order_id"]]
    assert sum(order["order_id"] in t for t in wait_for_sms(cloud, "+4791200015", order["order_id"])) == 1


@pytest.mark.feature("C8")
def test_webhook_that_arrives_before_the_wait_state_resumes_the_order(cloud, employee, stripe_standin, monkeypatch):
    from skysentral.services import purchase_steps

    original = purchase_steps.step_await_payment

    def await_after_the_webhook(ref, token):
        deadline = time.monotonic() + 10  # let Stripe's success event be handled first
        while time.monotonic() < deadline and not any(
            e.get("type") == "payment_intent.succeeded" and e.get("status") == 200 and ref["order_id"] in json.dumps(e)
            for e in stripe_standin.sent_events()
        ):
            time.sleep(0.05)
        return original(ref, token)

    monkeypatch.setattr(purchase_steps, "step_await_payment", await_after_the_webhook)
    me = employee(16)
    _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"})
    assert wait_for_order(me, order["order_id"])["status"] == "completed"


@pytest.mark.feature("C8")
def test_events_out_of_order_still_complete_the_order(cloud, employee, stripe_standin):
    me = employee(17)
    stripe_standin.hold_webhooks(True)
    try:
        _, order = me.post(
            "/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_card_authenticationRequired"}
        )
        wait_for_order(me, order["order_id"], until={"awaiting_payment"}, timeout_s=10)
        intent_id = me.get(f"/me/orders/{order['order_id']}")[1]["payment"]["payment_intent_id"]
        stripe_standin.authenticate(intent_id, "succeed")  # the customer's 3-D Secure step
        stripe_standin.release(order="reverse")  # succeeded arrives before requires_action
    finally:
        stripe_standin.hold_webhooks(False)
    assert wait_for_order(me, order["order_id"])["status"] == "completed"


@pytest.mark.feature("C8")
@pytest.mark.parametrize("forge", ["wrong secret", "stale timestamp", "no signature"])
def test_forged_or_stale_webhook_is_400_and_changes_nothing(gateway, stripe_standin, employee, forge):
    me = employee(18)
    _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB"})  # waits for payment
    body = json.dumps(
        {
            "id": f"evt_forged_{forge[:4]}",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_forged",
                    "object": "payment_intent",
                    "status": "succeeded",
                    "metadata": {
                        "company_id": "c-nordlys",
                        "employee_id": "e-nordlys-18",
                        "order_id": order["order_id"],
                    },
                }
            },
        }
    )
    headers = {
        "wrong secret": {"Stripe-Signature": stripe_standin.sign(body, secret="whsec_guess")},
        "stale timestamp": {"Stripe-Signature": stripe_standin.sign(body, timestamp=int(time.time()) - 3600)},
        "no signature": {},
    }[forge]
    status, answer = Client(gateway, None).call("POST", "/webhooks/stripe", raw=body.encode(), headers=headers)
    assert status == 400 and answer["error"] == "invalid_signature"
    assert me.get(f"/me/orders/{order['order_id']}")[1]["status"] in ("received", "awaiting_payment")


@pytest.mark.feature("C8")
def test_activation_failing_after_payment_refunds_the_card(cloud, employee, stripe_standin, monkeypatch):
    from skysentral.domain.orders import ActivationFailed
    from skysentral.services import purchase_steps

    def broken(account, order):
        raise ActivationFailed("injected: the balance store is down")

    monkeypatch.setattr(purchase_steps, "activate_package", broken)
    me = employee(19)
    _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"})
    done = wait_for_order(me, order["order_id"])
    assert done["status"] == "refunded" and done["refunded"] is True
    intent = stripe_get(stripe_standin, f"/v1/payment_intents/{done['payment']['payment_intent_id']}")
    charge = stripe_get(stripe_standin, f"/v1/charges/{intent['latest_charge']}")
    assert charge["amount_refunded"] == 12375
    assert any("refundert" in text for text in wait_for_sms(cloud, "+4791200019", "refundert"))


@pytest.mark.feature("C8")
def test_same_post_twice_with_one_idempotency_key_gives_one_order_and_one_payment(employee, stripe_standin):
    me = employee(20)
    body = {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"}
    _, first = me.post("/me/data-packages", body, headers={"Idempotency-Key": "twice-20"})
    _, second = me.post("/me/data-packages", body, headers={"Idempotency-Key": "twice-20"})
    assert first["order_id"] == second["order_id"]
    wait_for_order(me, first["order_id"])
    orders = [o for o in me.get("/me/orders")[1]["items"] if o["product"] == "SURF_EU_600MB"]
    assert len(orders) == 1
    intents = [
        e
        for e in stripe_standin.events("payment_intent.created")
        if e["data"]["object"]["metadata"].get("order_id") == first["order_id"]
    ]
    assert len(intents) == 1


@pytest.mark.feature("C8", "D3")
def test_concurrent_purchases_by_one_user_queue_in_the_order_they_were_made(employee):
    me = employee(21)
    results = {}

    def buy(product, key):
        results[product] = me.post("/me/data-packages", {"product": product}, headers={"Idempotency-Key": key})[1]

    first = threading.Thread(target=buy, args=("EXTRA_5GB", "c-21-a"))
    first.start()
    time.sleep(1.1)  # order ids and purchase times are to the second
    second = threading.Thread(target=buy, args=("EXTRA_1GB", "c-21-b"))
    second.start()
    first.join()
    second.join()
    for order in results.values():
        assert wait_for_order(me, order["order_id"])["status"] == "completed"
    extras = me.get("/me/dashboard")[1]["data"]["extra_packages"]
    assert [e["product"] for e in extras] == ["EXTRA_5GB", "EXTRA_1GB"]
    assert [e["bytes"] for e in extras] == [5 * GIB, GIB]


@pytest.mark.feature("C8", "D8", "E6")
def test_company_policy_makes_the_employee_pay(kari, employee):
    assert kari.put("/admin/purchase-policy", {"EXTRA_15GB": "employee"})[1]["EXTRA_15GB"] == "employee"
    try:
        me = employee(22)
        _, order = me.post("/me/data-packages", {"product": "EXTRA_15GB", "payment_method": "pm_card_visa"})
        assert order["payer"] == "employee"
        assert wait_for_order(me, order["order_id"])["status"] == "completed"
    finally:
        kari.put("/admin/purchase-policy", {"EXTRA_15GB": "company"})
    _, log = kari.get("/admin/audit?kind=purchase_policy.changed")
    assert log["items"] and log["items"][0]["after"]["EXTRA_15GB"] == "company"


@pytest.mark.feature("C8", "D8")
def test_employee_cannot_set_the_policy_and_bad_products_are_refused(employee, kari):
    assert employee(23).put("/admin/purchase-policy", {"EXTRA_1GB": "employee"})[0] == 403
    assert kari.put("/admin/purchase-policy", {"EXTRA_2GB": "employee"})[0] == 400
    status, body = employee(23).post("/me/data-packages", {"product": "EXTRA_2GB"})
    assert status == 400 and body["error"] == "validation_error"


def _sms_in(cloud, kari, message_id, sender, text):
    status, _ = kari.post(
        "/_local/queues/SmsInboundQueue/messages",
        {
            "message_id": message_id,
            "from": sender,
            "to": "2000",
            "text": text,
            "received_at": "2026-11-25T12:00:00+01:00",
        },
    )
    assert status in (200, 202)
    assert kari.post("/_local/drain")[0] == 200


@pytest.mark.feature("C8", "D3")
def test_ordering_by_sms_starts_the_same_flow_once(cloud, kari, employee):
    _sms_in(cloud, kari, "sms-24-1", "912 00 024", "data 1")
    _sms_in(cloud, kari, "sms-24-1", "912 00 024", "data 1")  # the gateway delivered it twice
    me = employee(24)
    orders = me.get("/me/orders")[1]["items"]
    assert [(o["product"], o["channel"]) for o in orders] == [("EXTRA_1GB", "sms")]
    assert wait_for_order(me, orders[0]["order_id"])["status"] == "completed"


@pytest.mark.feature("C8")
def test_unknown_sms_gets_the_list_of_keywords(cloud, kari, employee):
    _sms_in(cloud, kari, "sms-25-1", "+4791200025", "hvor mye data har jeg?")
    assert employee(25).get("/me/orders")[1]["items"] == []
    assert any("DATA 1" in t and "SURF EU" in t for t in wait_for_sms(cloud, "+4791200025", "DATA 1"))


@pytest.mark.feature("C8", "D6")
def test_a_failed_wait_after_the_card_was_charged_still_delivers(cloud, employee, stripe_standin, monkeypatch):
    """No path keeps the money without delivering: when the wait step fails, Stripe decides."""
    from skysentral.services import purchase_steps

    def broken_wait(ref, token):
        raise RuntimeError("injected: the wait step crashed")

    monkeypatch.setattr(purchase_steps, "step_await_payment", broken_wait)
    me = employee(10)
    _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"})
    done = wait_for_order(me, order["order_id"])
    assert done["status"] == "completed", done
    assert [s["id"] for s in me.get("/me/dashboard")[1]["roaming"]["surf_packages"]] == [order["order_id"]]


@pytest.mark.feature("C8")
def test_c8_idempotency_key_reused_with_a_different_body_is_422_and_orders_nothing(employee):
    """Defect 3 of issue 7: the second request used to get the first order back silently."""
    me = employee(8)
    status, first = me.post("/me/data-packages", {"product": "EXTRA_1GB"}, headers={"Idempotency-Key": "reuse-08"})
    assert status == 202
    status, answer = me.post("/me/data-packages", {"product": "EXTRA_5GB"}, headers={"Idempotency-Key": "reuse-08"})
    assert status == 422 and answer["error"] == "idempotency_key_reused", answer
    assert first["order_id"] in answer["message"]
    status, answer = me.post(
        "/me/data-packages",
        {"product": "EXTRA_1GB", "payment_method": "pm_card_visa"},
        headers={"Idempotency-Key": "reuse-08"},
    )
    assert status == 422 and answer["error"] == "idempotency_key_reused"
    # the same request again, spelt differently, is still the same order
    status, again = me.call(
        "POST",
        "/me/data-packages",
        raw=b'{ "subscription_id": null,\n "product": "EXTRA_1GB" }',
        headers={"Idempotency-Key": "reuse-08"},
    )
    assert status == 202 and again["order_id"] == first["order_id"]
    assert wait_for_order(me, first["order_id"])["status"] == "completed"
    assert [o["product"] for o in me.get("/me/orders")[1]["items"]] == ["EXTRA_1GB"]


@pytest.mark.feature("C8")
def test_c8_sms_with_a_known_message_id_but_another_order_orders_nothing_more(cloud, kari, employee):
    """The message id is the SMS order's Idempotency-Key: the same id with another keyword is a
    gateway fault, not a second order (same rule as the API's 422); the same id with the same
    order in other words ('DATA 1' / 'data 1') is the same order."""
    _sms_in(cloud, kari, "sms-07-1", "912 00 007", "DATA 1")
    _sms_in(cloud, kari, "sms-07-1", "912 00 007", "data   1")
    _sms_in(cloud, kari, "sms-07-1", "912 00 007", "DATA 15")
    me = employee(7)
    orders = me.get("/me/orders")[1]["items"]
    assert [o["product"] for o in orders] == ["EXTRA_1GB"]
    assert wait_for_order(me, orders[0]["order_id"])["status"] == "completed"
    assert me.get("/me/orders")[1]["items"][0]["order_id"] == orders[0]["order_id"]


def _directory_whose_subscription_read(fails_once_with=None, status=None):
    """A Directory for the purchase steps whose subscription read first fails once with a
    transient DynamoDB error (the table briefly throttled), or reports another status."""
    from dataclasses import replace

    from botocore.exceptions import ClientError
    from pynamodb.exceptions import GetError

    from skysentral.store.directory_repository import Directory

    failures = [fails_once_with] if fails_once_with else []

    class Flaky(Directory):
        def subscription(self, subscription_id):
            if failures:
                failures.pop()
                throttled = ClientError(
                    {
                        "Error": {
                            "Code": "ProvisionedThroughputExceededException",
                            "Message": "injected: the table is briefly unavailable",
                        }
                    },
                    "GetItem",
                )
                raise GetError("Failed to get item", cause=throttled)
            sub = super().subscription(subscription_id)
            return replace(sub, status=status) if status else sub

    return Flaky, failures


@pytest.mark.feature("C8", "D8")
def test_c8_d8_transient_error_while_pricing_is_retried_and_the_company_paid_order_completes(
    cloud, employee, monkeypatch
):
    """Defect 11 of issue 7: a passing error in 'price and validate' ended the order failed
    with not_allowed. A transient error is retried; only a rule refuses an order."""
    from skysentral.services import purchase_steps

    flaky, failures = _directory_whose_subscription_read(fails_once_with="throttled")
    monkeypatch.setattr(purchase_steps, "Directory", flaky)
    me = employee(6)
    status, order = me.post("/me/data-packages", {"product": "EXTRA_1GB"}, headers={"Idempotency-Key": "transient-06"})
    assert status == 202 and order["payer"] == "company"
    done = wait_for_order(me, order["order_id"], timeout_s=60)
    assert failures == []  # the fault did happen
    assert done["status"] == "completed", done
    assert done["failure"] is None
    assert [e["id"] for e in me.get("/me/dashboard")[1]["data"]["extra_packages"]] == [order["order_id"]]


@pytest.mark.feature("C8")
def test_c8_order_refused_by_a_rule_fails_not_allowed_and_says_which_rule(cloud, employee, monkeypatch):
    from skysentral.services import purchase_steps

    flaky, _ = _directory_whose_subscription_read(status="suspended")
    monkeypatch.setattr(purchase_steps, "Directory", flaky)
    me = employee(5)
    _, order = me.post("/me/data-packages", {"product": "EXTRA_1GB"})
    done = wait_for_order(me, order["order_id"], timeout_s=60)
    assert done["status"] == "failed" and done["failure"] == "not_allowed", done
    assert done["failure_rule"] == "subscription_inactive"
    assert "912 00 005" in done["failure_message"] or "91200005" in done["failure_message"].replace(" ", "")
    assert me.get("/me/dashboard")[1]["data"]["extra_packages"] == []


@pytest.mark.feature("C8")
def test_c8_unknown_payment_method_declines_the_order_at_once(employee):
    """A PaymentMethod Stripe does not know can never be charged: the order fails `declined`
    (nothing charged), not after minutes of retries as if Stripe were down; a value that is
    not a PaymentMethod id at all is a 400."""
    me = employee(3)
    status, answer = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "."})
    assert status == 400 and answer["error"] == "validation_error"
    _, order = me.post("/me/data-packages", {"product": "SURF_EU_600MB", "payment_method": "pm_nobody_has_this"})
    done = wait_for_order(me, order["order_id"], timeout_s=15)
    assert done["status"] == "failed" and done["failure"] == "declined", done
    assert me.get("/me/dashboard")[1]["roaming"]["surf_packages"] == []
