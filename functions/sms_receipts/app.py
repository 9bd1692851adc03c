"""B5 delivery receipts: AWS End User Messaging SMS events (configuration set → SNS topic
SmsReceiptsTopic → SQS) mark a recipient `delivered` or `failed`. Locally the receipt
stand-in (infra/local/sms_receipts_standin.py) publishes the same events to the topic."""

import json

from aws_lambda_powertools import Logger

from skysentral import clock, correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.services import sms_centre

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    body = json.loads(record["body"])
    # an SNS notification unless the subscription delivers raw messages
    event = json.loads(body["Message"]) if body.get("Type") == "Notification" else body
    result = sms_centre.apply_receipt(event, clock.now())
    logger.info("sms receipt", extra={"message_id": event.get("messageId"), "result": result})
    return result


@correlation.bound(lambda event, context: context.aws_request_id)  # until a record binds its own
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
