"""B5 SMS centre outbox (SQS) → one SMS per recipient. A recipient is claimed (queued →
sending) with a condition before its SMS goes, so a message delivered twice sends nothing
twice; each is then marked `sent` (with the provider's message id) or `failed` with why."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import clock, correlation
from skysentral.adapters.sms import send_sms_with_receipt
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.services import sms_centre

logger = Logger()
metrics = Metrics()


def record_handler(record: SqsRecord):
    import json

    correlation.bind(correlation.of_sqs_record(record))
    result = sms_centre.deliver_outbox(json.loads(record["body"]), send_sms_with_receipt, clock.now)
    metrics.add_metric("SmsSent", MetricUnit.Count, result["sent"])
    metrics.add_metric("SmsFailed", MetricUnit.Count, result["failed"])
    logger.info("sms outbox message handled", extra=result)
    return result


@correlation.bound(lambda event, context: context.aws_request_id)  # until a record binds its own
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    return partial_batch_response(event, record_handler)
