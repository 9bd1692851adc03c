"""A7: every 5 minutes, today's Microsoft 365 calendar entries of each employee of the
companies that switched calendar sync on (PUT /admin/calendar-sync) into their presence."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from skysentral import clock, correlation
from skysentral.adapters import calendar_graph
from skysentral.services import availability
from skysentral.store.routing_repository import companies_with_calendar_sync

logger = Logger()
metrics = Metrics()


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    now = clock.now()
    refreshed = {
        c: availability.sync_company_calendars(c, now, calendar_graph.calendar_view)
        for c in companies_with_calendar_sync()
    }
    metrics.add_metric("CalendarsSynced", MetricUnit.Count, sum(refreshed.values()))
    return {"companies": len(refreshed), "calendars": sum(refreshed.values())}
