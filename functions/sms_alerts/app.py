"""D7 usage alerts -> one SMS each, in the user's language, at most once per alert key.

Powertools Idempotency (DynamoDB) keyed on the alert key makes a replayed or duplicated
message send nothing more; the alert is also kept for the app (store.balance_repository.alerts)."""

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function

from skysentral import correlation
from skysentral.events import AlertMessage
from skysentral.services import alert_delivery

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=40 * 24 * 3600)


@idempotent_function(data_keyword_argument="message", persistence_store=persistence, config=config)
def deliver(message: dict) -> dict:
    return alert_delivery.deliver(AlertMessage.model_validate(message))


def record_handler(record: SQSRecord):
    correlation.bind(correlation.of_sqs_record(record.raw_event))
    result = deliver(message=AlertMessage.model_validate_json(record.body).model_dump())
    metrics.add_metric("AlertsSent", MetricUnit.Count, 1)
    logger.info("usage alert delivered", extra={"key": record.json_body.get("key")})
    return result


@correlation.bound(lambda event, context: context.aws_request_id)  # until a record binds its own
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
