"""Buying data packages (C8, D3, D6, D8): who pays, the order's life, ordering by SMS. The
texts the buyer receives are in skysentral.texts (order_texts).

An order moves   received -> awaiting_payment -> paid -> completed
                          \\-> (company pays) ------------> completed
and can end in   failed (declined, payment expired, not allowed) or
                 refunded (paid, but the package could not be activated: the money goes back).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from skysentral.domain.catalogue import PRODUCTS, product
from skysentral.domain.errors import InvalidInput

COMPANY, EMPLOYEE = "company", "employee"
PAYERS = (COMPANY, EMPLOYEE)
PURCHASABLE = ("EXTRA_1GB", "EXTRA_5GB", "EXTRA_15GB", "SURF_EU_600MB", "SURF_WORLD_300MB")

# D8 default when the company has set nothing: the company covers extra data in Norway,
# the employee pays for surf packages abroad (the product sheet's own example).
DEFAULT_POLICY = {
    "EXTRA_1GB": COMPANY,
    "EXTRA_5GB": COMPANY,
    "EXTRA_15GB": COMPANY,
    "SURF_EU_600MB": EMPLOYEE,
    "SURF_WORLD_300MB": EMPLOYEE,
}

RECEIVED, AWAITING_PAYMENT, PAID, COMPLETED, FAILED, REFUNDED = (
    "received",
    "awaiting_payment",
    "paid",
    "completed",
    "failed",
    "refunded",
)
FINAL = (COMPLETED, FAILED, REFUNDED)


class PaymentDeclined(Exception):
    """The card was declined (Step Functions matches the name)."""


class PaymentExpired(Exception):
    """No payment result in time."""


class ActivationFailed(Exception):
    """The package could not be added to the balance."""


class PaymentProviderUnavailable(Exception):
    """Stripe could not be reached; retried with backoff."""


class OrderNotAllowed(Exception):
    """A rule refuses the order (C8): the order fails `not_allowed` and keeps which rule
    (`rule`, a snake_case code) and why (`message`). Step Functions matches the name; every
    other error of a step is retried as transient, never turned into a refusal."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule, self.message = rule, message

    @classmethod
    def from_error_message(cls, text: str) -> OrderNotAllowed:
        """Back from the `errorMessage` Step Functions carries in a Catch's Cause."""
        rule, _, message = (text or "").partition(": ")
        return cls(rule or "not_allowed", message or text or "")


@dataclass(frozen=True)
class Order:
    order_id: str
    company_id: str
    employee_id: str
    subscription_id: str
    msisdn: str
    product: str
    price_ore: int
    payer: str
    status: str
    created_at: str  # ISO UTC
    channel: str = "app"  # app | sms
    language: str = "nb"
    payment_intent_id: str | None = None
    client_secret: str | None = None
    failure: str | None = None
    failure_rule: str | None = None  # not_allowed: which rule refused the order
    failure_message: str | None = None
    refund_id: str | None = None
    history: tuple = field(default_factory=tuple)  # ((status, at), ...)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["history"] = [list(h) for h in self.history]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Order:
        return cls(**{**data, "history": tuple(tuple(h) for h in data.get("history", ()))})

    def view(self) -> dict:
        """What the buyer sees (C8)."""
        prod = PRODUCTS[self.product]
        return {
            "order_id": self.order_id,
            "product": self.product,
            "bytes": prod.bytes,
            "price_ore": self.price_ore,
            "payer": self.payer,
            "status": self.status,
            "created_at": self.created_at,
            "channel": self.channel,
            "subscription_id": self.subscription_id,
            "failure": self.failure,
            "failure_rule": self.failure_rule,
            "failure_message": self.failure_message,
            "payment": (
                {"provider": "stripe", "payment_intent_id": self.payment_intent_id, "client_secret": self.client_secret}
                if self.payer == EMPLOYEE
                else None
            ),
            "refunded": self.refund_id is not None,
            "history": [{"status": s, "at": at} for s, at in self.history],
        }


def payer_for(policy: dict[str, str] | None, product_code: str) -> str:
    """D8: the company decides per product who pays."""
    return {**DEFAULT_POLICY, **(policy or {})}[product_code]


def check_policy(policy: dict[str, str]) -> dict[str, str]:
    unknown = set(policy) - set(PURCHASABLE)
    if unknown:
        raise InvalidInput(f"Unknown products: {', '.join(sorted(unknown))}.", code="unknown_product")
    bad = {k: v for k, v in policy.items() if v not in PAYERS}
    if bad:
        raise InvalidInput(f"Who pays must be company or employee, not {bad}.", code="invalid_payer")
    return {**DEFAULT_POLICY, **policy}


def new_order(
    order_id: str,
    company_id: str,
    employee_id: str,
    subscription_id: str,
    msisdn: str,
    product_code: str,
    payer: str,
    now: datetime,
    channel: str = "app",
    language: str = "nb",
) -> Order:
    if product_code not in PURCHASABLE:
        raise InvalidInput(f"product must be one of {', '.join(PURCHASABLE)}.", code="unknown_product")
    at = now.isoformat()
    return Order(
        order_id,
        company_id,
        employee_id,
        subscription_id,
        msisdn,
        product_code,
        product(product_code).price_ore,
        payer,
        RECEIVED,
        at,
        channel,
        language,
        history=((RECEIVED, at),),
    )


def advance(order: Order, status: str, now: datetime, **changes) -> Order:
    """Move an order on; a final order never changes again (replays are no-ops)."""
    if order.status in FINAL or order.status == status:
        return order
    return replace(order, status=status, history=(*order.history, (status, now.isoformat())), **changes)


# ---------------------------------------------------------------- ordering by SMS
_KEYWORDS = {
    ("DATA", "1"): "EXTRA_1GB",
    ("DATA", "5"): "EXTRA_5GB",
    ("DATA", "15"): "EXTRA_15GB",
    ("SURF", "EU"): "SURF_EU_600MB",
    ("SURF", "VERDEN"): "SURF_WORLD_300MB",
    ("SURF", "WORLD"): "SURF_WORLD_300MB",
}
_ENGLISH = {"EXTRA": "DATA", "DATA": "DATA", "SURF": "SURF"}


def parse_sms_order(text: str) -> str | None:
    """'DATA 1', 'data 5', 'Surf EU', 'SURF VERDEN' / 'SURF WORLD', 'EXTRA 15' -> product; else None."""
    words = re.sub(r"\s+", " ", (text or "").strip().upper().replace("GB", "")).split(" ")
    if len(words) != 2 or words[0] not in _ENGLISH:
        return None
    return _KEYWORDS.get((_ENGLISH[words[0]], words[1].strip()))
