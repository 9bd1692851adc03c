"""SMS to a phone number through Amazon SNS (transactional: alerts and receipts)."""

from __future__ import annotations

from functools import lru_cache


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
