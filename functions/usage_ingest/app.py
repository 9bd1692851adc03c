"""Usage records from the mobile network (SQS) -> balances, once each (D1-D9).

The whole batch is parsed, then applied per subscription with one state write each
(services.usage.ingest). Powertools' BatchProcessor reports exactly the records that
failed (invalid, unknown number, or a store error) so only they are retried and, after
the queue's maxReceiveCount, dead-lettered."""
import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from skysentral.adapters import queues
from skysentral.domain.errors import InvalidUsageRecord
from skysentral.events import UsageRecordIn
from skysentral.services import usage

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


class RecordFailed(Exception):
    pass


def notify(alerts):
    queues.send(os.environ["SMS_QUEUE_URL"], alerts)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    parsed, invalid = {}, {}
    for raw in event["Records"]:
        try:
            parsed[raw["messageId"]] = UsageRecordIn.model_validate_json(raw["body"])
        except ValidationError as exc:
            invalid[raw["messageId"]] = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    failed = usage.ingest(list(parsed.values()), notify)
    metrics.add_metric("UsageRecordsApplied", MetricUnit.Count, len(parsed) - len(failed))
    metrics.add_metric("UsageRecordsFailed", MetricUnit.Count, len(failed) + len(invalid))

    def outcome(record: SQSRecord):
        if record.message_id in invalid:
            logger.error("invalid usage record rejected", extra={"reason": invalid[record.message_id],
                                                                  "message_id": record.message_id})
            raise InvalidUsageRecord(invalid[record.message_id])
        reason = failed.get(parsed[record.message_id].record_id)
        if reason:
            raise RecordFailed(reason)

    return process_partial_response(event=event, record_handler=outcome, processor=processor, context=context)
