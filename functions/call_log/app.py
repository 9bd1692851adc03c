"""Call events → the call log and mobile status (A14, C10, A8). SQS from the rule on the
call events bus: each message body is the EventBridge event; its `detail` a CallEvent.
A body that is not a call event of a version we read is logged and dropped (retrying it
cannot help); a failed write is retried by SQS, then dead-lettered."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.domain.pbx import call_events
from skysentral.services import call_logging

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    event = call_events.of_envelope(record["body"])
    if event is None:
        logger.error("not a call event we read: dropped", extra={"message_id": record["messageId"]})
        return None
    call_logging.record_events([event])
    return event.event_id


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
