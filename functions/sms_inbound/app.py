"""Inbound SMS (SQS): "DATA 1", "SURF EU"... from a subscription's own number start the
same purchase flow as the app; anything else gets a help SMS (C8, D3, D6). A message id
seen before starts nothing more (it is the order's Idempotency-Key)."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import InboundSms
from skysentral.services import order_taking

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))  # the gateway's messages: their SQS message id
    sms = InboundSms.model_validate_json(record["body"])
    result = order_taking.order_by_sms(sms.message_id, sms.sender, sms.text)
    logger.info("inbound sms", extra={"message_id": sms.message_id, "result": result})
    return result


@correlation.bound(lambda event, context: context.aws_request_id)  # until a record binds its own
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
