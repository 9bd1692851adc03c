"""F4 the monthly invoice run at 03:00 Europe/Oslo on the 1st (EventBridge Scheduler), or
{"period": "YYYY-MM"} by hand: one message per company on the invoice queue; the workers
build the invoices. Each company's month is idempotent, so a rerun changes nothing."""

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import correlation
from skysentral.adapters import queues
from skysentral.services import invoicing

logger = Logger()
metrics = Metrics()


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context(log_event=True)
@metrics.log_metrics
def handler(event, context):
    """Input: {"scheduled_time": "<aws.scheduler.scheduled-time>"} (invoices the month before) or {"period"}."""
    period = invoicing.period_of_schedule(event)
    messages = invoicing.plan_run(period)
    queues.send(os.environ["INVOICE_QUEUE_URL"], messages)
    metrics.add_metric("InvoiceRunCompanies", MetricUnit.Count, len(messages))
    return {"period": period, "companies": len(messages)}
