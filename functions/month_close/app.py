"""D9 month close at 00:00 Europe/Oslo on the first (EventBridge Scheduler).

`planner` (the schedule's target) reads every subscription page by page and puts one
message per page on the close queue; `worker` (SQS, many in parallel) closes each
subscription of a page. Closing is idempotent per subscription and month, so a rerun,
a duplicate message or a retry after a crash changes nothing more."""

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import correlation
from skysentral.adapters import queues
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import MonthCloseRequest
from skysentral.services import month_close

logger = Logger()
metrics = Metrics()


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context(log_event=True)
@metrics.log_metrics
def planner(event, context):
    """Input: {"scheduled_time": "<aws.scheduler.scheduled-time>"} or {"to_month": "YYYY-MM"}.
    The invocation's request id is the correlation id of the close and of every page message."""
    to_month = month_close.target_month(event)
    pages = 0
    for request in month_close.plan(to_month):
        queues.send(os.environ["CLOSE_QUEUE_URL"], [request])
        pages += 1
    metrics.add_metric("MonthClosePages", MetricUnit.Count, pages)
    return {"to_month": to_month, "pages": pages}


def close_page(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    closed = month_close.close_page(MonthCloseRequest.model_validate_json(record["body"]))
    metrics.add_metric("SubscriptionsClosed", MetricUnit.Count, closed)
    logger.info("month close page", extra={"closed": closed})


@correlation.bound(lambda event, context: context.aws_request_id)  # until a record binds its own
@logger.inject_lambda_context
@metrics.log_metrics
def worker(event, context):
    return partial_batch_response(event, close_page)
