"""F5: "device seen on the network" events (SQS) update the subscription's device. An
invalid event (bad IMEI check digit, not a number) fails alone and is dead-lettered after
its retries; an unknown number or an older sighting is acknowledged (nothing to change)."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import DeviceSeen
from skysentral.services import equipment

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    seen = DeviceSeen.model_validate_json(record["body"])
    result = equipment.device_seen(seen.msisdn, seen.imei, seen.seen_at)
    logger.info("device seen", extra={"msisdn": seen.msisdn, "result": result})
    return result


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
