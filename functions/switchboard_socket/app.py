"""The web switchboard's WebSocket API (docs/switchboard.md, "Live updates"): `$connect`,
`$disconnect` and `$default` of SwitchboardSocketApi, one function routed by
`requestContext.routeKey`. Thin: parse, call one service function.

`$connect` verifies `?token=` itself (skysentral.adapters.token_check; WebSocket APIs have
no Cognito authorizer) and answers 401/403 to refuse the upgrade. `$default` answers
`{"action": "ping"}` with `{"type": "pong"}` (the route's response, two-way)."""

import json

from aws_lambda_powertools import Logger

from skysentral.adapters import token_check
from skysentral.domain.errors import Forbidden, Unauthorized
from skysentral.services import live_updates

logger = Logger()


def _answer(status: int, body: dict | None = None) -> dict:
    out: dict = {"statusCode": status}
    if body is not None:
        out["body"] = json.dumps(body, separators=(",", ":"))
    return out


def on_connect(event: dict, connection_id: str) -> dict:
    token = (event.get("queryStringParameters") or {}).get("token")
    try:
        identity = live_updates.connect(token_check.verify(token), connection_id)
    except Unauthorized as exc:
        logger.info("connection refused", extra={"reason": exc.message})
        return _answer(401, {"error": exc.code, "message": exc.message})
    except Forbidden as exc:
        logger.info("connection refused", extra={"reason": exc.message})
        return _answer(403, {"error": exc.code, "message": exc.message})
    logger.info("connected", extra={"company_id": identity.company_id, "user_id": identity.user_id})
    return _answer(200)


def on_message(event: dict) -> dict:
    try:
        message = json.loads(event.get("body") or "")
    except ValueError:
        message = None
    action = message.get("action") if isinstance(message, dict) else None
    if action == "ping":
        return _answer(200, {"type": "pong"})
    text = 'Send JSON {"action": "ping"}; updates are pushed to you.'
    return _answer(200, {"type": "error", "error": "unknown_action", "message": text})


@logger.inject_lambda_context
def handler(event, context):
    request = event.get("requestContext") or {}
    route, connection_id = request.get("routeKey"), request.get("connectionId")
    if not connection_id:
        logger.error("no connectionId: not a WebSocket event")
        return _answer(400, {"error": "bad_request", "message": "not a WebSocket event"})
    if route == "$connect":
        return on_connect(event, connection_id)
    if route == "$disconnect":
        live_updates.disconnect(connection_id)
        return _answer(200)
    return on_message(event)
