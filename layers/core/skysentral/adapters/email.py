"""E-mail through Amazon SES (transactional: activation receipts to administrators).
The sender (NOTIFY_SENDER) must be a verified identity; the local seed verifies it in the
emulator."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def _ses():
    import boto3

    return boto3.client("ses")


def send_email(to: str, subject: str, text: str) -> str:
    response = _ses().send_email(
        Source=os.environ.get("NOTIFY_SENDER", "noreply@skysentral.no"),
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )
    return str(response["MessageId"])
