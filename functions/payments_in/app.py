"""F4: payments from the bank (PaymentsQueue) matched on the KID: the invoice's paid amount
grows; an unknown KID is kept for the operator; a repeated bank reference is ignored."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import PaymentReceived
from skysentral.services import invoicing

logger = Logger()
metrics = Metrics()


def receive(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    payment = PaymentReceived.model_validate_json(record["body"])
    outcome = invoicing.receive_payment(payment.model_dump(mode="json"))
    metrics.add_metric(f"Payments_{outcome}", MetricUnit.Count, 1)


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    return partial_batch_response(event, receive)
