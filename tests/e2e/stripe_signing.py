"""Signing webhook bodies as Stripe does (`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of
"<t>.<body>">`), with the webhook secret the local cloud's StripeSecret holds: independent
of whichever Stripe stand-in runs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any


def webhook_secret(cloud: Any) -> str:
    secret_id = cloud.resources["StripeSecret"]["physical_id"]
    return json.loads(cloud.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])[
        "webhook_secret"
    ]


def signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"
