"""Microsoft 365 calendars through Microsoft Graph (A7): an app-only OAuth token (client
credentials) and `GET /users/{email}/calendarView` for a window, times in UTC.

The tenant, client id and client secret come from Secrets Manager (GRAPH_SECRET_ARN: JSON
{"tenant_id", "client_id", "client_secret"}). GRAPH_BASE_URL and GRAPH_LOGIN_URL are empty in
AWS (Graph itself); the local cloud points them at its stand-in (infra/local/graph_standin.py),
so this code path is the one that runs in AWS."""

from __future__ import annotations

import json
import os
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com"
TIMEOUT_S = 5
_token: dict[str, Any] = {}


class CalendarUnavailable(Exception):
    """Graph could not be reached or refused: the last synced calendar stays."""


def _secret() -> dict:
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(os.environ["GRAPH_SECRET_ARN"], transform="json", max_age=300)  # type: ignore[return-value,unused-ignore]


def _request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read().decode())  # type: ignore[no-any-return,unused-ignore]
    except (OSError, ValueError) as exc:  # URLError/HTTPError are OSErrors
        raise CalendarUnavailable(f"{url.split('?')[0]}: {exc}") from exc


def access_token() -> str:
    """An app-only token, cached until a minute before it expires."""
    if _token.get("value") and _token.get("expires", 0) > time.time() + 60:
        return str(_token["value"])
    secret = _secret()
    login = os.environ.get("GRAPH_LOGIN_URL") or LOGIN
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": secret["client_id"],
            "client_secret": secret["client_secret"],
            "scope": "https://graph.microsoft.com/.default",
        }
    ).encode()
    body = _request(
        f"{login}/{secret['tenant_id']}/oauth2/v2.0/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _token.update(value=body["access_token"], expires=time.time() + int(body.get("expires_in", 3600)))
    return str(body["access_token"])


def _utc(value: dict[str, str]) -> str:
    """Graph's {"dateTime": "2026-05-04T08:00:00.0000000", "timeZone": "UTC"} → ISO UTC."""
    text = value["dateTime"].split(".")[0]
    return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def calendar_view(email: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The user's calendar entries between start and end: [{"subject","start","end","show_as"}]."""
    base = os.environ.get("GRAPH_BASE_URL") or GRAPH
    query = urllib.parse.urlencode(
        {
            "startDateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "$select": "subject,start,end,showAs",
            "$top": "100",
        }
    )
    url = f"{base}/users/{urllib.parse.quote(email)}/calendarView?{query}"
    headers = {"Authorization": f"Bearer {access_token()}", "Prefer": 'outlook.timezone="UTC"'}
    entries: list[dict[str, Any]] = []
    while url:
        body = _request(url, headers=headers)
        for e in body.get("value", []):
            entries.append(
                {
                    "subject": e.get("subject") or "",
                    "start": _utc(e["start"]),
                    "end": _utc(e["end"]),
                    "show_as": e.get("showAs") or "busy",
                }
            )
        url = body.get("@odata.nextLink") or ""
    return entries
