"""The mobile network's provisioning API (E2): activate, deactivate and swap SIMs, and ship
SIM cards. An HTTPS API per environment: base URL from PROVISIONING_API_BASE (template
parameter ProvisioningApiBase), API key and callback secret from Secrets Manager
(PROVISIONING_SECRET_ARN: JSON {"api_key", "webhook_secret"}).

Network changes are asynchronous: a request carries a `callback_id` (the waiting workflow's
task token) and the provider later calls `POST /webhooks/provisioning` with
{"callback_id", "status": "done"|"failed", "reason"?, "network_ref"?}, signed with
HMAC-SHA256 of the raw body under the webhook secret (header X-Provisioning-Signature: hex).
Locally infra/local/provisioning_sim.py plays the provider."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request

from skysentral.domain.errors import InvalidInput, NetworkActivationFailed, ProvisioningUnavailable

SIGNATURE_HEADER = "X-Provisioning-Signature"


def _secret() -> dict:
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(os.environ["PROVISIONING_SECRET_ARN"], transform="json", max_age=300)


def _call(method: str, path: str, body: dict | None = None) -> dict:
    base = os.environ.get("PROVISIONING_API_BASE", "").rstrip("/")
    if not base:
        raise ProvisioningUnavailable("No provisioning API is configured (ProvisioningApiBase).")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {_secret()['api_key']}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace")[:500]
        if err.code >= 500 or err.code == 429:
            raise ProvisioningUnavailable(f"provisioning API answered {err.code}: {detail}") from None
        raise NetworkActivationFailed(f"provisioning API refused the request ({err.code}): {detail}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise ProvisioningUnavailable(f"provisioning API unreachable: {exc}") from None
    return json.loads(text) if text else {}


def request_change(action: str, callback_id: str, msisdn: str, iccid: str, **extra: str) -> dict:
    """Ask the network to `activate`, `deactivate` or `swap` (new `iccid`); the answer comes
    later through the webhook with this `callback_id`."""
    return _call(
        "POST",
        "/network/requests",
        {"action": action, "callback_id": callback_id, "msisdn": msisdn, "iccid": iccid, **extra},
    )


def order_shipment(order_id: str, address: dict) -> dict:
    """A SIM card sent to `address`; answers {"shipment_id", "iccid"} (the card being sent)."""
    return _call("POST", "/shipments", {"reference": order_id, "address": address})


def cancel_shipment(shipment_id: str) -> None:
    _call("DELETE", f"/shipments/{shipment_id}")


def sign(raw_body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_callback(raw_body: bytes | None, signature: str | None) -> None:
    """A callback not signed with our secret is refused (400) and changes nothing."""
    if not raw_body or not signature:
        raise InvalidInput("A signed provisioning callback is required.", code="invalid_signature")
    expected = sign(raw_body, _secret()["webhook_secret"])
    if not hmac.compare_digest(expected, signature.strip()):
        raise InvalidInput("The provisioning callback's signature does not match.", code="invalid_signature")
