"""Taking data-package orders (C8, D8): the order API, who pays, ordering by SMS. Each order
is then run by the purchase state machine (services.purchase_steps has its steps). Kept apart
from the payment steps so that the app's API never imports Stripe."""

from __future__ import annotations

import hashlib
import json
import os
import uuid

from skysentral import clock
from skysentral.adapters import workflows
from skysentral.adapters.sms import send_sms
from skysentral.domain import orders
from skysentral.domain.errors import Unprocessable
from skysentral.domain.identity import Identity
from skysentral.domain.orders import Order
from skysentral.services.alert_delivery import language_of
from skysentral.services.usage import account_of_employee
from skysentral.store import order_repository
from skysentral.store.directory_repository import AuditEntry, Directory, find_subscription_by_msisdn
from skysentral.texts.order_texts import sms_help_text

STATE_MACHINE = "PURCHASE_STATE_MACHINE_ARN"
MVA_PERCENT = 25


def new_order_id() -> str:
    return f"o-{clock.now().strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"


def payment_timeout_s() -> int:
    """How long an order waits for the card payment before it expires (template parameter)."""
    return int(os.environ.get("PAYMENT_TIMEOUT_SECONDS", "900"))


def card_amount_ore(price_ore: int) -> int:
    """Prices are business prices excluding MVA; an employee paying privately pays with MVA."""
    return price_ore * (100 + MVA_PERCENT) // 100


def request_fingerprint(**request: str | None) -> str:
    """What an order request asked for, to tell a repeated request from a different one
    under the same Idempotency-Key (C8). Parameters as parsed, so key order, spacing and
    an explicit null do not make a request different."""
    canonical = json.dumps({k: v for k, v in request.items() if v is not None}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def place_order(
    directory: Directory,
    employee_id: str,
    product: str,
    *,
    idempotency_key: str | None,
    subscription_id: str | None = None,
    payment_method: str | None = None,
    channel: str = "app",
) -> Order:
    """C8, D8: one order per Idempotency-Key. The same key with the same request returns the
    first order; with a different request it is refused (422 `idempotency_key_reused`)."""
    account = account_of_employee(directory, employee_id, subscription_id)
    employee = directory.employee(employee_id)
    payer = orders.payer_for(order_repository.policy(directory.company_id), product)
    order = orders.new_order(
        new_order_id(),
        directory.company_id,
        employee_id,
        account.subscription.subscription_id,
        account.subscription.msisdn,
        product,
        payer,
        clock.now(),
        channel,
        employee.language,
    )
    fingerprint = request_fingerprint(
        product=product, subscription_id=subscription_id, payment_method=payment_method, channel=channel
    )
    stored = order_repository.create(order, idempotency_key, fingerprint)
    if stored.order_id == order.order_id:
        workflows.start(
            STATE_MACHINE,
            order.order_id,
            {"ref": ref(order), "payment_method": payment_method, "payment_timeout_s": payment_timeout_s()},
        )
    return stored


def ref(order: Order) -> dict:
    return {"company_id": order.company_id, "employee_id": order.employee_id, "order_id": order.order_id}


def load(r: dict) -> Order:
    return order_repository.get(r["company_id"], r["employee_id"], r["order_id"])


def policy_of(directory: Directory) -> dict[str, str]:
    return orders.check_policy(order_repository.policy(directory.company_id))


def set_policy(identity: Identity, directory: Directory, policy: dict[str, str]) -> dict[str, str]:
    before = order_repository.policy(directory.company_id)
    after = orders.check_policy({**before, **policy})
    directory.commit(
        identity,
        put=[order_repository.policy_item(directory.company_id, after)],
        audit=AuditEntry("purchase_policy.changed", directory.company_id, orders.check_policy(before), after),
    )
    return after


def order_by_sms(message_id: str, sender: str, text: str) -> str:
    """An SMS from a subscription's own number: a keyword starts an order, anything else
    gets the list of keywords. Returns what was done."""
    found = find_subscription_by_msisdn(sender)
    if found is None:
        return "unknown sender"
    company_id, sub = found
    directory = Directory(company_id)
    language = language_of(company_id, sub.employee_id)
    product = orders.parse_sms_order(text)
    if product is None or not sub.employee_id:
        send_sms(sub.msisdn, sms_help_text(language))
        return "help"
    try:
        order = place_order(
            directory,
            sub.employee_id,
            product,
            idempotency_key=f"sms-{message_id}",
            subscription_id=sub.subscription_id,
            channel="sms",
        )
    except Unprocessable:
        # The message id is the order's Idempotency-Key: one id with another order is a
        # gateway fault, not a second order; nothing is ordered or sent, and it is logged.
        return "conflicting duplicate"
    return order.order_id


def my_orders(directory: Directory, employee_id: str) -> list[dict]:
    return [order.view() for order in order_repository.of_employee(directory.company_id, employee_id)]


def my_order(directory: Directory, employee_id: str, order_id: str) -> dict:
    return order_repository.get(directory.company_id, employee_id, order_id).view()
