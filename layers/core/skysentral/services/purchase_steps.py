"""Buying data packages (C8, D3, D6, D8): the steps of the purchase state machine
(statemachines/purchase.asl.json) and Stripe webhooks. Orders are taken by
services.order_taking.

Guarantees: one order per Idempotency-Key; one PaymentIntent per order (its idempotency
key is the order id); nothing is activated before the payment succeeded; money taken for
a package that cannot be activated is refunded; a final order never changes again.
"""

from __future__ import annotations

import json
from datetime import datetime

from skysentral import clock
from skysentral.adapters import payments, workflows
from skysentral.adapters.sms import send_sms
from skysentral.domain import balances as rules
from skysentral.domain import orders
from skysentral.domain.calendar import month_of
from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.orders import Order
from skysentral.services import order_taking, rating
from skysentral.services.usage import Account, account_of, change_balance
from skysentral.store import balance_repository, order_repository
from skysentral.store.directory_repository import Directory
from skysentral.texts.order_texts import receipt_text


# ------------------------------------------------------------------ state machine steps
def step_price(r: dict) -> dict:
    """Validate the order against the subscription now; the payer was fixed when ordered.
    Only a rule refuses (OrderNotAllowed, naming the rule); any other error is transient and
    the state machine retries the step."""
    order = order_taking.load(r)
    directory = Directory(order.company_id)
    try:
        sub = directory.subscription(order.subscription_id)
    except NotFound:
        raise orders.OrderNotAllowed(
            "subscription_not_found", f"Subscription {order.msisdn} no longer exists."
        ) from None
    if sub.status != "active":
        raise orders.OrderNotAllowed("subscription_inactive", f"Subscription {sub.msisdn} is not active.")
    return {
        "payer": order.payer,
        "amount_ore": order.price_ore
        if order.payer == orders.COMPANY
        else order_taking.card_amount_ore(order.price_ore),
    }


def step_create_payment(r: dict, payment_method: str | None) -> dict:
    order = order_taking.load(r)
    intent = payments.create_payment(
        order.order_id,
        order_taking.card_amount_ore(order.price_ore),
        metadata=order_taking.ref(order),
        description=f"Skysentral {order.product} for {order.msisdn}",
        payment_method=payment_method,
    )
    order_repository.save(
        orders.advance(
            order, orders.AWAITING_PAYMENT, clock.now(), payment_intent_id=intent.id, client_secret=intent.client_secret
        )
    )
    return {"payment_intent_id": intent.id, "status": intent.status}


def step_await_payment(r: dict, token: str) -> None:
    """Keep the token with the order, then ask Stripe: a result that came before the
    execution reached this wait (webhook first) resumes it at once."""
    order = order_taking.load(r)
    order_repository.set_task_token(order.company_id, order.employee_id, order.order_id, token)
    _resume_if_known(order, token, payments.outcome(payments.retrieve(order.payment_intent_id)))


def _resume_if_known(order: Order, token: str | None, outcome: str) -> None:
    if not token or outcome == "pending":
        return
    if outcome == "succeeded":
        workflows.resume(token, {"paid": True})
    else:
        workflows.resume(token, error="PaymentDeclined", cause="The card was declined.")


def step_activate(r: dict) -> dict:
    """D3/D6: add the package to the balance (queued behind data left, in order of purchase)."""
    order = order_taking.load(r)
    if order.status in orders.FINAL:
        return {"status": order.status}
    directory = Directory(order.company_id)
    account = account_of(directory, directory.subscription(order.subscription_id))
    activate_package(account, order)
    rating.write_package_line(order, clock.now())  # F3: the company's package is an invoice line
    order = orders.advance(order, orders.PAID if order.payer == orders.EMPLOYEE else order.status, clock.now())
    order_repository.save(orders.advance(order, orders.COMPLETED, clock.now()))
    return {"status": orders.COMPLETED}


def activate_package(account: Account, order: Order) -> None:
    now = clock.now()
    bought_at = min(now, datetime.fromisoformat(order.created_at))

    def buy(balance: rules.Balance) -> rules.Balance:
        try:
            return rules.buy_package(balance, order.product, order.order_id, bought_at)[0]
        except Exception as exc:
            raise orders.ActivationFailed(str(exc)) from exc

    try:
        change_balance(account, now, buy)
    except balance_repository.StaleState:
        raise orders.ActivationFailed("The balance kept changing; the package was not added.") from None
    balance_repository.write_rows(account.company_id, account.subscription.subscription_id, [_purchase_row(order, now)])


def _purchase_row(order: Order, now) -> dict:
    """The order as a line of its month (F3/F4 for the company; D8: the employee's own card
    purchases are shown but not charged to the company)."""
    month = month_of(now)
    return {
        "sk": balance_repository.usage_sk(month, f"order-{order.order_id}"),
        "id": f"order-{order.order_id}",
        "month": month,
        "kind": "package",
        "zone": "NO",
        "country": "NO",
        "at": now.isoformat(),
        "qty": 1,
        "counted": 1,
        "refused": 0,
        "product": order.product,
        "payer": order.payer,
        "cost_ore": order.price_ore if order.payer == orders.COMPANY else 0,
        "card_ore": order_taking.card_amount_ore(order.price_ore) if order.payer == orders.EMPLOYEE else 0,
        "status": "applied",
        "late": False,
        "drawn": [],
    }


def step_refund(r: dict) -> dict:
    order = order_taking.load(r)
    refund_id = payments.refund(order.payment_intent_id, order.order_id)
    order_repository.save(
        orders.advance(order, orders.REFUNDED, clock.now(), refund_id=refund_id, failure="activation_failed")
    )
    return {"status": orders.REFUNDED}


def step_check_payment(r: dict) -> dict:
    """After a wait that timed out or failed: what Stripe says happened to the payment."""
    order = order_taking.load(r)
    return {"outcome": payments.outcome(payments.retrieve(order.payment_intent_id))}


def step_fail(r: dict, reason: str, error: dict | None = None) -> dict:
    """End the order unfulfilled. An expired payment is cancelled; if it succeeded after all
    (it raced the cancel), the money goes back: no path keeps money without delivering.
    `error` is the Catch's {"Error", "Cause"}: a refusal keeps the rule that refused."""
    order = order_taking.load(r)
    refusal = _refusal(error) if reason == "not_allowed" else None
    why = {"failure_rule": refusal.rule, "failure_message": refusal.message} if refusal else {}
    if reason == "expired" and order.payment_intent_id:
        payments.cancel(order.payment_intent_id)
        if payments.outcome(payments.retrieve(order.payment_intent_id)) == "succeeded":
            refund_id = payments.refund(order.payment_intent_id, order.order_id)
            order_repository.save(
                orders.advance(order, orders.REFUNDED, clock.now(), refund_id=refund_id, failure=reason)
            )
            return {"status": orders.REFUNDED}
    order_repository.save(orders.advance(order, orders.FAILED, clock.now(), failure=reason, **why))
    return {"status": orders.FAILED}


def _refusal(error: dict | None) -> orders.OrderNotAllowed | None:
    if not error or error.get("Error") != "OrderNotAllowed":
        return None
    try:
        message = json.loads(error.get("Cause") or "{}").get("errorMessage", "")
    except (ValueError, AttributeError):
        message = str(error.get("Cause") or "")
    return orders.OrderNotAllowed.from_error_message(message)


def step_notify(r: dict) -> dict:
    """The receipt (or the reason it failed) by SMS, in the buyer's language."""
    order = order_taking.load(r)
    send_sms(order.msisdn, receipt_text(order, order.language))
    return {"status": order.status}


# ------------------------------------------------------------------ Stripe webhooks
def stripe_event_of(data: object) -> dict:
    """A verified webhook body is a Stripe event when it is a JSON object with a string `id`
    and `type`; anything else (an array, an event without id) is InvalidInput
    `not_a_stripe_event` (400): Stripe never sends such a body, so only a sender with our
    secret that is broken can, and it should hear so."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), str)
        or not data["id"]
        or not isinstance(data.get("type"), str)
    ):
        raise InvalidInput(
            "The body is not a Stripe event: a JSON object with a string id and type.", code="not_a_stripe_event"
        )
    return data


def on_stripe_event(event: dict) -> str:
    """Re-read the PaymentIntent (events may come late, twice or out of order), note the
    result with the order and resume the waiting execution if there is one.

    A verified event we cannot act on is acknowledged (the webhook answers 2xx, so Stripe
    does not retry it for days and then disable the endpoint) and changes nothing; the
    result says why: `ignored` (not a payment_intent.* event), `not actionable` (no
    `data.object.id`), `unknown payment` (Stripe does not know the PaymentIntent), `not ours`
    (a PaymentIntent without our order metadata), `unknown order`."""
    if not event.get("type", "").startswith("payment_intent."):
        return "ignored"
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    intent_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(intent_id, str) or not intent_id.startswith("pi_"):
        return "not actionable"
    intent = payments.find(intent_id)
    if intent is None:
        return "unknown payment"
    meta = intent.get("metadata") or {}
    keys = ("company_id", "employee_id", "order_id")
    if not all(isinstance(meta.get(k), str) and meta[k] for k in keys):
        return "not ours"
    outcome = payments.outcome(intent)
    try:
        token = order_repository.set_payment_status(meta["company_id"], meta["employee_id"], meta["order_id"], outcome)
    except NotFound:
        return "unknown order"
    order = order_repository.get(meta["company_id"], meta["employee_id"], meta["order_id"])
    _resume_if_known(order, token, outcome)
    return outcome


# ------------------------------------------------------------------ ordering by SMS
