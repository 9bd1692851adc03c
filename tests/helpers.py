"""What several test modules share that is not a fixture: the HTTP client of the local
gateway, usage records, the demo company's employees, waiting for an order, the SMS the
emulator sent, Stripe's webhook signatures and the sample events of `events/`.

Fixtures live in the conftest files; they and the tests import these from here, never
from a conftest module (pytest imports conftest files itself, under names of its own)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"

ORDER_FINAL = {"completed", "failed", "refunded"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ HTTP through the local gateway
class Client:
    """A caller of the local API gateway with one bearer token (None: no Authorization header).
    Every call answers (status, parsed JSON body or None)."""

    def __init__(self, base: str, token: str | None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None, headers: dict | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        return status, (json.loads(text) if text else None)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def nordlys_employee_claims(n: int) -> dict[str, str]:
    """The token claims of the seeded Nordlys employee n (subscription s-nordlys-<n>, number
    +47 912 00 0<n>)."""
    return {
        "sub": f"e-nordlys-{n:02d}",
        "email": f"e{n}@nordlys.no",
        "custom:company_id": "c-nordlys",
        "custom:role": "employee",
        "custom:departments": "",
    }


def nordlys_employee(gateway: str, issuer: Any, n: int) -> Client:
    """A Client for the seeded Nordlys employee n."""
    return Client(gateway, issuer.issue(nordlys_employee_claims(n)))


def wait_for_order(client: Client, order_id: str, until: set[str] = ORDER_FINAL, timeout_s: float = 30) -> dict:
    """Polls GET /me/orders/{order_id} until its status is one of `until` or the time is up;
    answers the order last read (the caller asserts on its status)."""
    deadline = time.monotonic() + timeout_s
    while True:
        status, order = client.get(f"/me/orders/{order_id}")
        assert status == 200, order
        if order["status"] in until or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


# ------------------------------------------------------------------ usage records (the UsageQueue's contract)
def data(record_id: str, msisdn: str, quantity: int, at: str, zone: str = "NO", country: str = "NO") -> dict:
    """A data usage record as the network sends it (events/schemas/usage_record.schema.json)."""
    return {
        "record_id": record_id,
        "msisdn": msisdn,
        "kind": "data",
        "quantity": quantity,
        "started_at": at,
        "zone": zone,
        "country": country,
    }


# ------------------------------------------------------------------ SMS the emulator's SNS sent
def sms_sent_to(cloud: Any, msisdn: str) -> list[str]:
    """Texts of every SMS sent so far to `msisdn` through the local cloud's SNS (moto)."""
    from moto.sns.models import sns_backends

    return [m[1] for m in sns_backends[cloud.account][cloud.region].sms_messages.values() if m[0] == msisdn]


def wait_for_sms(cloud: Any, msisdn: str, containing: str = "", timeout_s: float = 10) -> list[str]:
    """SMS sent to a number, waiting up to `timeout_s` for one that contains `containing`
    (a receipt is the last step, just after the order is final)."""
    deadline = time.monotonic() + timeout_s
    while True:
        texts = sms_sent_to(cloud, msisdn)
        if any(containing in t for t in texts) or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)


# ------------------------------------------------------------------ Stripe
def webhook_secret(cloud: Any) -> str:
    """The webhook secret the local cloud's StripeSecret holds: independent of whichever
    Stripe stand-in runs."""
    secret_id = cloud.resources["StripeSecret"]["physical_id"]
    secret = cloud.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return json.loads(secret)["webhook_secret"]


def signature(body: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """`Stripe-Signature` as Stripe signs a webhook body: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">."""
    raw = body.encode() if isinstance(body, str) else body
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def stripe_get(standin: Any, path: str) -> dict:
    """Read an object from the Stripe stand-in, as a support person would in Stripe's dashboard."""
    request = urllib.request.Request(standin.url + path, headers={"Authorization": f"Bearer {standin.api_key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


# ------------------------------------------------------------------ sample events
def sample_event(name: str) -> dict:
    """events/<name>: an event in the shape AWS really sends (a fresh copy each call)."""
    return json.loads((EVENTS / name).read_text())
