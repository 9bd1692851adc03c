"""A stand-in for Microsoft Graph's calendars (A7), served by the local gateway under
/_local/graph/…: the OAuth token endpoint and `GET /users/{email}/calendarView`, from entries
that tests and the simulator add with `POST /_local/calendar/{email}` (a JSON list of
{"subject", "start", "end", "showAs"}, times ISO UTC; replaces that mailbox's entries;
DELETE clears it). The product's adapter (skysentral.adapters.calendar_graph) runs unchanged:
the gateway points the functions' GRAPH_BASE_URL / GRAPH_LOGIN_URL here."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

_lock = threading.Lock()
_calendars: dict[str, list[dict[str, Any]]] = {}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _graph_time(text: str) -> dict[str, str]:
    return {"dateTime": _at(text).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def handle(method: str, path: str, query: str, body: bytes) -> tuple[int, Any] | None:
    """(status, JSON body) for a stand-in path, or None if the path is not the stand-in's."""
    m = re.fullmatch(r"/_local/calendar/([^/]+)", path)
    if m:
        email = unquote(m.group(1)).lower()
        if method == "DELETE":
            with _lock:
                _calendars.pop(email, None)
            return 200, {"email": email, "entries": 0}
        if method == "POST":
            try:
                entries = json.loads(body or b"[]")
                for e in entries:
                    _at(e["start"]), _at(e["end"])
            except (ValueError, TypeError, KeyError) as exc:
                return 400, {"error": "invalid_entries", "message": f"a list of subject/start/end/showAs: {exc}"}
            with _lock:
                _calendars[email] = list(entries)
            return 200, {"email": email, "entries": len(entries)}
        return 405, {"error": "method_not_allowed", "message": "POST or DELETE"}
    if re.fullmatch(r"/_local/graph/login/[^/]+/oauth2/v2\.0/token", path) and method == "POST":
        form = parse_qs(body.decode())
        if form.get("grant_type") != ["client_credentials"] or not form.get("client_secret"):
            return 400, {"error": "invalid_request"}
        return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "local-graph-token"}
    m = re.fullmatch(r"/_local/graph/v1\.0/users/([^/]+)/calendarView", path)
    if m and method == "GET":
        args = {k: v[-1] for k, v in parse_qs(query).items()}
        try:
            start, end = _at(args["startDateTime"]), _at(args["endDateTime"])
        except (KeyError, ValueError):
            return 400, {"error": {"code": "ErrorInvalidParameter", "message": "startDateTime and endDateTime"}}
        with _lock:
            entries = list(_calendars.get(unquote(m.group(1)).lower(), []))
        found = [
            {
                "subject": e.get("subject", ""),
                "start": _graph_time(e["start"]),
                "end": _graph_time(e["end"]),
                "showAs": e.get("showAs", "busy"),
            }
            for e in entries
            if _at(e["start"]) < end and _at(e["end"]) > start
        ]
        return 200, {"value": found}
    return None


def point_functions_here(cloud: Any, gateway_url: str) -> None:
    """Functions declaring GRAPH_BASE_URL / GRAPH_LOGIN_URL (empty: Graph itself) use the stand-in."""
    for spec in cloud.runtime.functions.values():
        if "GRAPH_BASE_URL" in spec.environment and not spec.environment.get("GRAPH_BASE_URL"):
            spec.environment["GRAPH_BASE_URL"] = f"{gateway_url}/_local/graph/v1.0"
            spec.environment["GRAPH_LOGIN_URL"] = f"{gateway_url}/_local/graph/login"
