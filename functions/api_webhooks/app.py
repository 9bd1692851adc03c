"""Stripe webhooks (public route, authenticated by Stripe's signature on the raw body).

A forged or stale signature gets 400 and changes nothing; so does a signed body that is not
a Stripe event (not JSON, nested too deeply, an array, no id). A verified event we cannot act
on (not ours, unknown PaymentIntent, no data.object.id) is acknowledged with 200 and a log
line, so Stripe neither retries it for days nor disables the endpoint. An event id already
handled is acknowledged and ignored (Powertools Idempotency on the event id). Stripe being
unreachable while the event is re-read answers 503: Stripe delivers it again later."""

from aws_lambda_powertools import Logger

from skysentral.adapters import payments, provisioning
from skysentral.adapters.idempotency_table import once_per_key
from skysentral.api.http import Api, json_response, parse_json
from skysentral.domain.orders import PaymentProviderUnavailable
from skysentral.services import activation_steps, purchase_steps

logger = Logger()
api = Api("skysentral-webhooks")
app = api.app


@once_per_key(data_keyword_argument="event", key_jmespath="id", expires_after_seconds=7 * 24 * 3600)
def handle(event: dict) -> dict:
    return {"result": purchase_steps.on_stripe_event(event)}


@api.route(
    "/webhooks/stripe",
    "POST",
    roles=None,
    errors=(400, 503),
    response="skysentral.api.responses:WebhookAnswer",  # by name: the function itself needs no pydantic
    headers={"Stripe-Signature": "Stripe's signature of the raw body (t=<unix time>,v1=<HMAC-SHA256>)"},
)
def stripe_webhook():
    """Stripe payment events (payment_intent.*); verified with Stripe's signature."""
    request = app.current_request
    handle.register_lambda_context(app.lambda_context)
    payments.verify_webhook_signature(request.raw_body, request.headers.get("stripe-signature"))
    event = purchase_steps.stripe_event_of(parse_json(request.raw_body))
    try:
        outcome = handle(event=event)
    except PaymentProviderUnavailable as exc:
        logger.warning("stripe unreachable; the event will come again", extra={"event_id": event["id"]})
        return json_response(503, {"error": "payment_provider_unavailable", "message": str(exc)})
    logger.info("stripe event", extra={"event_id": event["id"], "type": event["type"], **outcome})
    return {"received": True, **outcome}


# ---------------------------------------------------------------- provisioning callbacks (E2)
@api.route(
    "/webhooks/provisioning",
    "POST",
    roles=None,
    errors=(400,),
    headers={provisioning.SIGNATURE_HEADER: "hex HMAC-SHA256 of the raw body under the provisioning webhook secret"},
)
def provisioning_webhook():
    """E2: the provisioning API's answer to a network change; resumes the waiting activation."""
    request = app.current_request
    provisioning.verify_callback(request.raw_body, request.headers.get(provisioning.SIGNATURE_HEADER.lower()))
    outcome = activation_steps.on_provisioning_callback(parse_json(request.raw_body))
    logger.info("provisioning callback", extra={"result": outcome})
    return {"received": True, "result": outcome}
