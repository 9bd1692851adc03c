"""Response models of the HTTP APIs where a route promises a shape (C8 orders, the Stripe
webhook's acknowledgement). Only the OpenAPI generator reads them: the document then says
what a client gets, and the fuzzing test (tests/e2e/test_api_fuzzing.py) checks every answer
against it. Routes without a model document "a JSON object"."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Described(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)  # built only by the OpenAPI generator


class OrderPayment(Described):
    provider: Literal["stripe"]
    payment_intent_id: str | None
    client_secret: str | None = Field(description="for the app to confirm the PaymentIntent")


class OrderStatusChange(Described):
    status: str
    at: str


class OrderView(Described):
    """A data-package order as its buyer sees it (C8, D8)."""

    order_id: str
    product: str
    bytes: int = Field(ge=0)
    price_ore: int = Field(ge=0, description="business price without MVA, in øre")
    payer: Literal["company", "employee"]
    status: Literal["received", "awaiting_payment", "paid", "completed", "failed", "refunded"]
    created_at: str
    channel: Literal["app", "sms"]
    subscription_id: str
    failure: str | None = Field(
        description="declined | expired | not_allowed | unavailable | payment_unavailable | activation_failed"
    )
    failure_rule: str | None = Field(None, description="not_allowed: the rule that refused the order")
    failure_message: str | None = None
    payment: OrderPayment | None = Field(description="only when the employee pays by card")
    refunded: bool
    history: list[OrderStatusChange]


class OrderList(Described):
    items: list[OrderView]


class WebhookAnswer(Described):
    """What the Stripe webhook answers to a verified event (200)."""

    received: Literal[True]
    result: str = Field(
        description="succeeded | declined | pending, or why nothing was done: ignored | "
        "not actionable | unknown payment | not ours | unknown order"
    )
