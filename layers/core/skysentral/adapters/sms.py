"""SMS to a phone number through Amazon SNS (transactional: alerts and receipts)."""

from __future__ import annotations

import os
from functools import lru_cache

from skysentral.domain.errors import SmsRefused


@lru_cache(maxsize=1)
def _sns():
    import boto3  # on first use: a handler that never sends pays nothing for it at cold start

    return boto3.client("sns")


def send_sms(msisdn: str, text: str, sender_id: str = "Skysentral") -> str:
    response = _sns().publish(
        PhoneNumber=msisdn,
        Message=text,
        MessageAttributes={
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": sender_id},
        },
    )
    return response["MessageId"]


@lru_cache(maxsize=1)
def _sms_voice():
    import boto3

    return boto3.client("pinpoint-sms-voice-v2")


def send_sms_with_receipt(msisdn: str, text: str) -> str:
    """B5: an SMS whose delivery receipt we want. With SMS_CONFIGURATION_SET (an AWS End User
    Messaging configuration set whose event destination is the SmsReceiptsTopic) it goes
    through End User Messaging SMS, which reports TEXT_DELIVERED / TEXT_FAILED… events for it;
    without (the local cloud: moto has no pinpoint-sms-voice-v2) through SNS, and the local
    receipt stand-in (infra/local/sms_receipts_standin.py) plays the carrier."""
    from botocore.exceptions import ClientError

    configuration_set = os.environ.get("SMS_CONFIGURATION_SET", "")
    try:
        if not configuration_set:
            return send_sms(msisdn, text)
        response = _sms_voice().send_text_message(
            DestinationPhoneNumber=msisdn,
            MessageBody=text,
            MessageType="TRANSACTIONAL",
            ConfigurationSetName=configuration_set,
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in REFUSALS:
            raise SmsRefused(f"{error.get('Code')}: {error.get('Message', '')}".strip()[:300]) from None
        raise
    return response["MessageId"]


# The provider's answers that are about the number or the text, not about being reachable
REFUSALS = {"InvalidParameter", "InvalidParameterValue", "ValidationException", "OptedOut", "ConflictException"}
