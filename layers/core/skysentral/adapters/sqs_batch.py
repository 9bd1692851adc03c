"""Partial batch responses for the SQS-triggered functions (ReportBatchItemFailures).

Each record is handled alone; a record whose handling raises is logged and listed in
`batchItemFailures`, so SQS delivers only it again (then dead-letters it) while the
others are acknowledged. A batch whose every record failed lists every record, which SQS
treats exactly like a failed invocation.

Why not Powertools' BatchProcessor: importing any part of
`aws_lambda_powertools.utilities.batch` runs the package's `__init__`, which loads
asyncio and every event data class (DynamoDB streams, Kinesis, Kafka, ...): about a
quarter of `import boto3` at every cold start of four functions, for the dozen lines
below (docs/tooling.md, "Cold start")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger()

SqsRecord = dict[str, Any]  # one element of an SQS event's "Records", as Lambda delivers it


def partial_batch_response(event: dict, record_handler: Callable[[SqsRecord], object]) -> dict:
    """`{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}` for the records whose
    handler raised; an empty list when every record was handled."""
    failures = []
    for record in event["Records"]:
        try:
            record_handler(record)
        except Exception:  # one record's failure must not fail the others: it alone is retried
            logger.exception("record failed", extra={"message_id": record["messageId"]})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
