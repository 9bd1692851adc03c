"""Call events and wait alerts → the web switchboard's open WebSocket connections
(docs/switchboard.md, "Live updates"). SQS from the rule on the call events bus
(SwitchboardPushQueue): each body is an EventBridge event. One message per company per batch
(services.live_updates.push); a connection that is gone is forgotten. Only a failure to read
the connections fails the batch (retried by SQS, then dead-lettered)."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.services import live_updates

logger = Logger()


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    records = event.get("Records") or []
    report = live_updates.push([r.get("body") or "" for r in records])
    logger.info(
        "pushed",
        extra={
            "records": len(records),
            "companies": report.companies,
            "frames": report.messages,
            "gone": len(report.gone),
            "failed": len(report.failed),
        },
    )
    return {"batchItemFailures": []}
