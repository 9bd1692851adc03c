"""E4: sending a number's listing to the directory services over HTTPS.

`PUT {DIRECTORY_SERVICE_URL}/listings/{msisdn}` with body {"version", "listing"} and the
header `Idempotency-Key: <msisdn>:<version>`; a 2xx is the acknowledgement. In AWS the URL
is the directory services' endpoint (template parameter DirectoryServiceUrl); locally it
points at the stand-in (infra/local/directory_standin.py), which can be told to fail."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from urllib.parse import quote

TIMEOUT_S = 5


class DirectoryServiceUnavailable(Exception):
    """No acknowledgement (error status, timeout, unreachable): the message comes again."""


def send_listing(msisdn: str, version: int, listing: dict) -> dict:
    """The directory services' acknowledgement of (msisdn, version), or DirectoryServiceUnavailable."""
    base = os.environ.get("DIRECTORY_SERVICE_URL", "").rstrip("/")
    if not base:
        raise DirectoryServiceUnavailable("DIRECTORY_SERVICE_URL is not configured")
    request = urllib.request.Request(
        f"{base}/listings/{quote(msisdn)}",
        data=json.dumps({"version": version, "listing": listing}).encode(),
        method="PUT",
        headers={"Content-Type": "application/json", "Idempotency-Key": f"{msisdn}:{version}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise DirectoryServiceUnavailable(f"directory service answered {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DirectoryServiceUnavailable(f"directory service unreachable: {exc}") from None
