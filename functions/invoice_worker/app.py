"""F4: builds one company's invoice of a month per message (draft -> final with its number,
documents), idempotent: a duplicate message, a retry or a rerun changes nothing."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import clock, correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import InvoiceCompanyRequest
from skysentral.services import invoicing

logger = Logger()
metrics = Metrics()


def invoice_one(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    request = InvoiceCompanyRequest.model_validate_json(record["body"])
    result = invoicing.invoice_company(request.company_id, request.period, clock.now())
    metrics.add_metric("InvoicesFinal", MetricUnit.Count, len(result["numbers"]))
    logger.info("invoiced", extra=result)


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    return partial_batch_response(event, invoice_one)
