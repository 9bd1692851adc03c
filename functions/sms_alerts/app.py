"""D7 usage alerts -> one SMS each, in the user's language, at most once per alert key.

Powertools Idempotency (DynamoDB) keyed on the alert key makes a replayed or duplicated
message send nothing more; the alert is also kept for the app (store.balance_repository.alerts)."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import correlation
from skysentral.adapters.idempotency_table import once_per_key
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import AlertMessage
from skysentral.services import alert_delivery

logger = Logger()
metrics = Metrics()


@once_per_key(data_keyword_argument="message", key_jmespath="key", expires_after_seconds=40 * 24 * 3600)
def deliver(message: dict) -> dict:
    return alert_delivery.deliver(AlertMessage.model_validate(message))


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    message = AlertMessage.model_validate_json(record["body"])
    result = deliver(message=message.model_dump())
    metrics.add_metric("AlertsSent", MetricUnit.Count, 1)
    logger.info("usage alert delivered", extra={"key": message.key})
    return result


@correlation.bound(lambda event, context: context.aws_request_id)  # until a record binds its own
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    deliver.register_lambda_context(context)
    return partial_batch_response(event, record_handler)
