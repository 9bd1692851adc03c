"""The queue dispatcher (A4, A5): DispatchQueue messages {"company_id", "queue_id", "reason"}
→ free agents matched to the oldest waiting callers and due callbacks
(services.queue_dispatch). A record that fails is retried by SQS alone."""

import json

from aws_lambda_powertools import Logger

from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.services import queue_dispatch

logger = Logger()


def record_handler(record: SqsRecord):
    body = json.loads(record["body"])
    done = queue_dispatch.handle_message(body)
    logger.info("dispatched", extra={"request": body, "done": done})
    return done


@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
