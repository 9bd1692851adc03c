"""SMS to a phone number through Amazon SNS (transactional: alerts and receipts)."""
from __future__ import annotations

from functools import lru_cache

import boto3


@lru_cache(maxsize=1)
def _sns():
    return boto3.client("sns")


def send_sms(msisdn: str, text: str, sender_id: str = "Skysentral") -> str:
    response = _sns().publish(
        PhoneNumber=msisdn, Message=text,
        MessageAttributes={
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": sender_id},
        })
    return response["MessageId"]
