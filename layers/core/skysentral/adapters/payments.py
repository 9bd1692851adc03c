"""Card payments through Stripe (C8, D8): PaymentIntents with idempotency keys, refunds,
and webhook signature checks with the Stripe library.

The API key and webhook secret come from Secrets Manager (STRIPE_SECRET_ARN: a JSON
secret with `api_key` and `webhook_secret`), never from code or plain environment
values. STRIPE_API_BASE is empty in AWS; the local cloud points it at localstripe, its
stand-in for Stripe's test mode (docs/stripe-standin.md), so this code runs unchanged there."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from skysentral.domain.errors import InvalidInput
from skysentral.domain.orders import PaymentDeclined, PaymentProviderUnavailable

if TYPE_CHECKING:
    import stripe

# The Stripe library (about as heavy as `import boto3`) and Powertools' parameters (which
# import boto3) are imported on first use, inside the functions below: only a payment path
# pays for them, and the modules that import this one stay light (docs/tooling.md).


def _secret() -> dict:
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(os.environ["STRIPE_SECRET_ARN"], transform="json", max_age=300)


def _configure() -> None:
    import stripe

    stripe.api_key = _secret()["api_key"]
    stripe.api_base = os.environ.get("STRIPE_API_BASE") or "https://api.stripe.com"
    stripe.max_network_retries = 2


def _transient() -> tuple[type[Exception], ...]:
    """Stripe's errors that pass: the caller answers PaymentProviderUnavailable (retried)."""
    import stripe

    return (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def create_payment(
    order_id: str, amount_ore: int, metadata: dict, description: str, payment_method: str | None
) -> stripe.PaymentIntent:
    """One PaymentIntent per order (idempotency key = order id). With a payment method it is
    confirmed at once; without, the app confirms it with the client secret."""
    import stripe

    _configure()
    params: dict[str, Any] = dict(
        amount=amount_ore, currency="nok", metadata=metadata, description=description, payment_method_types=["card"]
    )
    if payment_method:
        params.update(payment_method=payment_method, confirm=True)
    try:
        return stripe.PaymentIntent.create(**params, idempotency_key=f"order-{order_id}")
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or str(exc)) from None
    except stripe.InvalidRequestError as exc:
        if payment_method and getattr(exc, "param", None) == "payment_method":
            # a payment method Stripe does not know can never be charged: a decline, not an outage
            raise PaymentDeclined(f"The payment method was refused: {exc.user_message or exc}") from None
        raise
    except _transient() as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def retrieve(payment_intent_id: str) -> dict:
    """The PaymentIntent as Stripe has it now, as a plain dict."""
    import stripe

    _configure()
    try:
        return stripe.PaymentIntent.retrieve(payment_intent_id).to_dict()
    except _transient() as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def cancel(payment_intent_id: str) -> None:
    """Cancel a payment that did not finish in time; one that already ended stays as it is."""
    import stripe

    _configure()
    try:
        stripe.PaymentIntent.cancel(payment_intent_id, idempotency_key=f"cancel-{payment_intent_id}")
    except stripe.InvalidRequestError:
        pass
    except _transient() as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def refund(payment_intent_id: str, order_id: str) -> str:
    import stripe

    _configure()
    try:
        return stripe.Refund.create(
            payment_intent=payment_intent_id, metadata={"order_id": order_id}, idempotency_key=f"refund-{order_id}"
        ).id
    except _transient() as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def verify_webhook_signature(raw_body: bytes | str | None, signature: str | None) -> None:
    """Check the Stripe-Signature of a webhook's raw body (right secret, fresh timestamp) with
    the Stripe library; a forged, stale or missing signature is InvalidInput
    `invalid_signature` (400). Only the signature: what the body says is checked by its user."""
    import stripe

    try:
        stripe.WebhookSignature.verify_header(
            raw_body or "", signature or "", _secret()["webhook_secret"], stripe.Webhook.DEFAULT_TOLERANCE
        )
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Not a valid Stripe event: {exc}", code="invalid_signature") from None


def find(payment_intent_id: str) -> dict | None:
    """The PaymentIntent as Stripe has it now, or None when Stripe does not know the id
    (another account's, deleted, or made up)."""
    import stripe

    _configure()
    try:
        return stripe.PaymentIntent.retrieve(payment_intent_id).to_dict()
    except stripe.InvalidRequestError:
        return None
    except _transient() as exc:
        raise PaymentProviderUnavailable(str(exc)) from None


def outcome(intent: dict) -> str:
    """succeeded | declined | pending, from a PaymentIntent as Stripe reports it now."""
    if intent["status"] == "succeeded":
        return "succeeded"
    if intent["status"] == "canceled" or (
        intent["status"] == "requires_payment_method" and intent.get("last_payment_error")
    ):
        return "declined"
    return "pending"
