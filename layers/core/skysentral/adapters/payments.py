"""Card payments through Stripe (C8, D8): PaymentIntents with idempotency keys, refunds,
and webhook signature checks with the Stripe library.

The API key and webhook secret come from Secrets Manager (STRIPE_SECRET_ARN: a JSON
secret with `api_key` and `webhook_secret`), never from code or plain environment
values. STRIPE_API_BASE is empty in AWS; the local cloud points it at localstripe, its
stand-in for Stripe's test mode (docs/stripe-standin.md), so this code runs unchanged there."""
from __future__ import annotations

import os

import stripe
from aws_lambda_powertools.utilities import parameters

from skysentral.domain.orders import PaymentDeclined, PaymentProviderUnavailable

_TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def _secret() -> dict:
    return parameters.get_secret(os.environ["STRIPE_SECRET_ARN"], transform="json", max_age=300)


def _configure() -> None:
    stripe.api_key = _secret()["api_key"]
    stripe.api_base = os.environ.get("STRIPE_API_BASE") or "https://api.stripe.com"
    stripe.max_network_retries = 2


def create_payment(order_id: str, amount_ore: int, metadata: dict, description: str,
                   payment_method: str | None) -> stripe.PaymentIntent:
    """One PaymentIntent per order (idempotency key = order id). With a payment method it is
    confirmed at once; without, the app confirms it with the client secret."""
    _configure()
    params = dict(amount=amount_ore, currency="nok", metadata=metadata, description=description,
                  payment_method_types=["card"])
    if payment_method:
        params.update(payment_method=payment_method, confirm=True)
    try:
        return stripe.PaymentIntent.create(**params, idempotency_key=f"order-{order_id}")
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or str(exc)) from None
    except _TRANSIENT as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def retrieve(payment_intent_id: str) -> dict:
    """The PaymentIntent as Stripe has it now, as a plain dict."""
    _configure()
    try:
        return stripe.PaymentIntent.retrieve(payment_intent_id).to_dict()
    except _TRANSIENT as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def cancel(payment_intent_id: str) -> None:
    """Cancel a payment that did not finish in time; one that already ended stays as it is."""
    _configure()
    try:
        stripe.PaymentIntent.cancel(payment_intent_id, idempotency_key=f"cancel-{payment_intent_id}")
    except stripe.InvalidRequestError:
        pass
    except _TRANSIENT as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def refund(payment_intent_id: str, order_id: str) -> str:
    _configure()
    try:
        return stripe.Refund.create(payment_intent=payment_intent_id, metadata={"order_id": order_id},
                                    idempotency_key=f"refund-{order_id}").id
    except _TRANSIENT as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def verify_webhook(raw_body: bytes | str, signature: str | None) -> stripe.Event:
    """The event, if the Stripe-Signature is right and fresh (raises SignatureVerificationError
    or ValueError otherwise)."""
    return stripe.Webhook.construct_event(raw_body, signature or "", _secret()["webhook_secret"])


def outcome(intent: dict) -> str:
    """succeeded | declined | pending, from a PaymentIntent as Stripe reports it now."""
    if intent["status"] == "succeeded":
        return "succeeded"
    if intent["status"] == "canceled" or (intent["status"] == "requires_payment_method"
                                         and intent.get("last_payment_error")):
        return "declined"
    return "pending"
