"""B3 wait alerts. One SQS queue carries two kinds of message: the call events rule's
ENTERQUEUE events (EventBridge envelopes with `detail`), which schedule a check delayed to
the queue's alert threshold, and those checks (`{"check": {...}}`). Thin: parse, call one
service function. A body that is neither is logged and dropped."""

import json

from aws_lambda_powertools import Logger

from skysentral import clock, correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.services import wait_alerts

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    try:
        body = json.loads(record["body"])
    except ValueError:
        body = None
    now_ms = int(clock.now().timestamp() * 1000)
    if isinstance(body, dict) and isinstance(body.get("check"), dict):
        return wait_alerts.check(body["check"], now_ms)
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict) and detail.get("kind") == "ENTERQUEUE" and detail.get("company_id"):
        try:
            event = CallEvent.from_dict(detail)
        except TypeError:
            event = None
        if event is not None:
            wait_alerts.schedule(event, now_ms)
            return event.event_id
    logger.error("not a wait alert message: dropped", extra={"message_id": record["messageId"]})
    return None


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
