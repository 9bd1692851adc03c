"""Usage records from the mobile network (SQS) -> balances, once each (D1, D2, D3, D4,
D5, D6, D7, D9).

Glue only: Powertools' BatchProcessor parses each message with `UsageQueueMessage` (an
invalid one fails alone and is retried, then dead-lettered); the valid records of the
batch are applied together by services.usage_ingestion.ingest, which says which failed
(unknown number, store error) so that only they are retried. Held, conflicting and
late-correction records are not failures: they are acknowledged and listed/stored."""

import contextlib
import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import Json, ValidationError

from skysentral import clock
from skysentral.adapters import queues
from skysentral.events import UsageRecordIn
from skysentral.services import usage_ingestion

logger = Logger()
metrics = Metrics()


class UsageQueueMessage(SqsRecordModel):
    """An SQS message of the usage queue: its body is one usage record (the published contract)."""

    body: Json[UsageRecordIn]  # type: ignore[assignment]


processor = BatchProcessor(event_type=EventType.SQS, model=UsageQueueMessage)


class RecordFailed(Exception):
    pass


def notify(alerts):
    queues.send(os.environ["SMS_QUEUE_URL"], alerts)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    valid = {}
    for raw in event["Records"]:
        with contextlib.suppress(ValidationError):  # the processor reports an invalid one as failed
            valid[raw["messageId"]] = UsageQueueMessage.model_validate(raw).body
    result = usage_ingestion.ingest(list(valid.values()), notify, now=clock.now())
    metrics.add_metric("UsageRecordsApplied", MetricUnit.Count, result.applied)
    metrics.add_metric("UsageRecordsFailed", MetricUnit.Count, len(event["Records"]) - len(valid) + len(result.failed))
    metrics.add_metric("UsageRecordsHeldForReview", MetricUnit.Count, result.held)
    metrics.add_metric("UsageRecordConflicts", MetricUnit.Count, result.conflicts)
    metrics.add_metric("UsageLateCorrections", MetricUnit.Count, result.corrections)

    def outcome(record: UsageQueueMessage):
        reason = result.failed.get(record.body.record_id)
        if reason:
            raise RecordFailed(reason)

    return process_partial_response(event=event, record_handler=outcome, processor=processor, context=context)
