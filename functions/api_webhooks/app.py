"""Stripe webhooks (public route, authenticated by Stripe's signature on the raw body).

A forged or stale signature gets 400 and changes nothing. An event id already handled is
acknowledged and ignored (Powertools Idempotency on the event id)."""
import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import (DynamoDBPersistenceLayer, IdempotencyConfig,
                                                         idempotent_function)
from stripe import SignatureVerificationError

from skysentral.adapters import payments
from skysentral.api.http import Api
from skysentral.domain.errors import InvalidInput
from skysentral.services import purchase_steps

logger = Logger()
api = Api("skysentral-webhooks")
app = api.app
persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
config = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=7 * 24 * 3600)


@idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)
def handle(event: dict) -> dict:
    return {"result": purchase_steps.on_stripe_event(event)}


@api.route("/webhooks/stripe", "POST", roles=None, errors=(400,))
def stripe_webhook():
    """Stripe payment events (payment_intent.*); verified with Stripe's signature."""
    request = app.current_request
    config.register_lambda_context(app.lambda_context)
    try:
        event = payments.verify_webhook(request.raw_body, request.headers.get("stripe-signature"))
    except (SignatureVerificationError, ValueError) as exc:
        raise InvalidInput(f"Not a valid Stripe event: {exc}", code="invalid_signature") from None
    outcome = handle(event=event.to_dict())
    logger.info("stripe event", extra={"event_id": event.id, "type": event.type, **outcome})
    return {"received": True, **outcome}
