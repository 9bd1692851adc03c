"""Who a phone number belongs to (A14, C10: the caller's name in the call log), from an
HTTPS number lookup service (a directory service such as 1881/Gulesider's business API).

GET {NUMBER_LOOKUP_URL}/numbers/{e164} with `x-api-key` (the `api_key` of the JSON secret
NUMBER_LOOKUP_SECRET_ARN, when set) → 200 `{"name": "..."}` or 404 (nobody listed).
Unset NUMBER_LOOKUP_URL means no lookup service. The timeout is short: a lookup that fails
or is slow gives no name, and the call is logged without one (never a failed log)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from aws_lambda_powertools import Logger

logger = Logger()

TIMEOUT_S = 1.5


class LookupFailed(Exception):
    """The service did not answer usefully: try again another time (do not cache)."""


def _api_key() -> str | None:
    arn = os.environ.get("NUMBER_LOOKUP_SECRET_ARN")
    if not arn:
        return None
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(arn, transform="json", max_age=300)["api_key"]


def lookup_name(e164: str) -> str | None:
    """The listed name of `e164`, or None when nobody is listed. Raises LookupFailed when the
    service cannot say (unset, down, slow, or an answer that is not the contract's)."""
    base = os.environ.get("NUMBER_LOOKUP_URL")
    if not base:
        raise LookupFailed("NUMBER_LOOKUP_URL is not set")
    request = urllib.request.Request(f"{base.rstrip('/')}/numbers/{urllib.parse.quote(e164)}")
    try:
        key = _api_key()
        if key:
            request.add_header("x-api-key", key)
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            name = json.loads(response.read()).get("name")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise LookupFailed(f"number lookup answered {exc.code}") from None
    except Exception as exc:  # noqa: BLE001 - timeouts, refused connections, bad JSON, the secret: never fail the log
        raise LookupFailed(f"number lookup failed: {exc!r}") from None
    if name is not None and not isinstance(name, str):
        raise LookupFailed("number lookup answered a name that is not a string")
    return name or None
