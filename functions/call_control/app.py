"""The SIP media application's function (A1-A5, A7, A9-A13): every invocation event in, the
actions out (services.call_control). It never raises: an exception would make the service
retry and, after 20 s, drop the caller; a storage error is logged and the call gets a safe
response (the retry that may still come is handled idempotently)."""

from aws_lambda_powertools import Logger

from skysentral.services import call_control

logger = Logger()


@logger.inject_lambda_context
def handler(event, context):
    try:
        return call_control.handle(event)
    except Exception:
        logger.exception("call control failed", extra={"event_type": _event_type(event)})
        return call_control.safe_response(event)


def _event_type(event):
    return event.get("InvocationEventType") if isinstance(event, dict) else None
