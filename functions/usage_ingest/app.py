"""Usage records from the mobile network (SQS) -> balances, once each (D1, D2, D3, D4,
D5, D6, D7, D9).

Glue only: each message's body is parsed as a `UsageRecordIn` (an invalid one fails
alone and is retried, then dead-lettered); the valid records of the
batch are applied together by services.usage_ingestion.ingest, which says which failed
(unknown number, store error) so that only they are retried. Held, conflicting and
late-correction records are not failures: they are acknowledged and listed/stored.

Correlation ids (docs/design.md): a record's id is its message attribute or, as the network
sends none, its SQS message id. The batch's log lines carry the one id of its records, or,
when they have several, the invocation's request id with `correlation_ids` listing theirs;
a failed record's line carries its own; an alert carries the id of the record of its number
that started last in the batch."""

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from skysentral import clock, correlation
from skysentral.adapters import queues
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import UsageRecordIn
from skysentral.services import usage_ingestion

logger = Logger()
metrics = Metrics()


class RecordFailed(Exception):
    pass


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    ids = {raw["messageId"]: correlation.of_sqs_record(raw) for raw in event["Records"]}
    correlation.bind_batch(list(ids.values()), context.aws_request_id)
    valid, invalid = {}, {}
    for raw in event["Records"]:
        try:  # the body of a usage-queue message is one usage record (the published contract)
            valid[raw["messageId"]] = UsageRecordIn.model_validate_json(raw["body"])
        except ValidationError as exc:
            invalid[raw["messageId"]] = exc
    by_number = {r.msisdn: ids[m] for m, r in sorted(valid.items(), key=lambda item: item[1].started_at)}

    def notify(alerts):
        queues.send(
            os.environ["SMS_QUEUE_URL"],
            alerts,
            correlation_of=lambda alert: by_number.get(alert["msisdn"], correlation.current()),
        )

    result = usage_ingestion.ingest(list(valid.values()), notify, now=clock.now())
    metrics.add_metric("UsageRecordsApplied", MetricUnit.Count, result.applied)
    metrics.add_metric("UsageRecordsFailed", MetricUnit.Count, len(event["Records"]) - len(valid) + len(result.failed))
    metrics.add_metric("UsageRecordsHeldForReview", MetricUnit.Count, result.held)
    metrics.add_metric("UsageRecordConflicts", MetricUnit.Count, result.conflicts)
    metrics.add_metric("UsageLateCorrections", MetricUnit.Count, result.corrections)
    logger.info(
        "usage batch",
        extra={
            "records": len(event["Records"]),
            "applied": result.applied,
            "failed": len(event["Records"]) - len(valid) + len(result.failed),
            "held": result.held,
            "conflicts": result.conflicts,
            "corrections": result.corrections,
        },
    )

    def outcome(raw: SqsRecord):
        if raw["messageId"] in invalid:
            raise invalid[raw["messageId"]]
        record = valid[raw["messageId"]]
        reason = result.failed.get(record.record_id)
        if reason:
            correlation.bind(ids[raw["messageId"]])
            logger.warning(
                "usage record failed; it comes again", extra={"record_id": record.record_id, "reason": reason}
            )
            raise RecordFailed(reason)

    return partial_batch_response(event, outcome)
