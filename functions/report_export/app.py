"""F2: report exports too large to answer at once (ReportExportQueue, from
POST/GET /admin/reports): render each to the ReportsBucket, the progress in its
ReportExportsTable item. A report that cannot be made is marked failed (not retried)."""

import json

from aws_lambda_powertools import Logger

from skysentral import clock, correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.services import reports

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    try:
        body = json.loads(record["body"])
        company_id, export_id = str(body["company_id"]), str(body["export_id"])
    except (ValueError, KeyError, TypeError):
        logger.error("not a report export message: dropped", extra={"message_id": record["messageId"]})
        return None
    return reports.run_export(company_id, export_id, clock.now())


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
