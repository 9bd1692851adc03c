"""Call events → the switchboard's statistics counters (B6). SQS from CallEventsToStatsRule
on the call events bus: each message body is the EventBridge event; its `detail` a
CallEvent. A body that is not a call event we read is logged and dropped; a failed write
is retried by SQS (each event adds its counters once, however often it comes), then
dead-lettered."""

import json
from datetime import datetime

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.domain.pbx.call_events import KINDS, SCHEMA_VERSION, CallEvent
from skysentral.services import call_statistics

logger = Logger()

REQUIRED = ("event_id", "kind", "company_id", "call_id", "at")


def parse(body: str) -> CallEvent | None:
    """The CallEvent in an SQS body (as functions/call_log reads it), or None."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if (
        not isinstance(detail, dict)
        or detail.get("version") != SCHEMA_VERSION
        or detail.get("kind") not in KINDS
        or not all(isinstance(detail.get(k), str) and detail.get(k) for k in REQUIRED)
        or not isinstance(detail.get("data", {}), dict)
    ):
        return None
    try:
        datetime.fromisoformat(detail["at"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return CallEvent.from_dict(detail)


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    event = parse(record["body"])
    if event is None:
        logger.error("not a call event we read: dropped", extra={"message_id": record["messageId"]})
        return None
    call_statistics.record_events([event])
    return event.event_id


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
