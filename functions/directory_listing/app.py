"""E4: delivers queued listing versions to the directory services (SQS). A version the
directory services do not acknowledge fails and comes again (then the DLQ and its alarm);
a version already acknowledged or superseded is acknowledged without a call."""

from aws_lambda_powertools import Logger

from skysentral import correlation
from skysentral.adapters.sqs_batch import SqsRecord, partial_batch_response
from skysentral.events import ListingMessage
from skysentral.services import directory_listing

logger = Logger()


def record_handler(record: SqsRecord):
    correlation.bind(correlation.of_sqs_record(record))
    message = ListingMessage.model_validate_json(record["body"])
    result = directory_listing.deliver(message.model_dump())
    logger.info("listing delivered", extra={"msisdn": message.msisdn, "version": message.version, "result": result})
    return result


@correlation.bound(lambda event, context: context.aws_request_id)
@logger.inject_lambda_context
def handler(event, context):
    return partial_batch_response(event, record_handler)
