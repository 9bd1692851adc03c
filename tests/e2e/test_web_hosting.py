"""B8: the local gateway serves the switchboard page (web/) beside the API, writes its
config.json, and logs the page in as a demo user (/_local/login)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest


def raw(
    gateway: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict, bytes]:
    """One request with the path sent exactly as written (no client-side normalising of ..)."""
    parts = urlsplit(gateway)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    resp = conn.getresponse()
    out = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    conn.close()
    return out


@pytest.mark.feature("B8")
@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/", "text/html", b'<html lang="nb">'),
        ("/index.html", "text/html", b"app.js"),
        ("/app.js", "text/javascript", b"import"),
        ("/styles.css", "text/css", b"--accent"),
        ("/vendor/chart.umd.min.js", "text/javascript", b"window.Chart"),
    ],
)
def test_the_page_is_served_with_its_content_type(gateway: str, path: str, content_type: str, marker: bytes) -> None:
    status, headers, body = raw(gateway, "GET", path)
    assert status == 200
    assert headers["content-type"].startswith(content_type)
    assert marker in body


@pytest.mark.feature("B8")
def test_config_tells_the_page_where_the_api_and_the_socket_are(gateway: str) -> None:
    port = urlsplit(gateway).port
    status, headers, body = raw(gateway, "GET", "/config.json", headers={"Host": f"127.0.0.1:{port}"})
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"api": "", "socket": f"ws://127.0.0.1:{port + 1}", "auth": "local"}


@pytest.mark.feature("B8")
@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/vendor/../../Makefile",
        "/..%2fMakefile",
        "/.git/HEAD",
        "/nope.html",
    ],
)
def test_no_file_outside_web_and_unknown_paths_stay_json_404s(gateway: str, path: str) -> None:
    status, _headers, body = raw(gateway, "GET", path)
    assert status == 404
    assert json.loads(body)["error"] == "not_found"
    assert b"[project]" not in body and b"PHONY" not in body


@pytest.mark.feature("B8")
def test_api_routes_still_win_over_the_page(gateway: str) -> None:
    status, _headers, body = raw(gateway, "GET", "/me")
    assert status == 401  # the API's authorizer, not a file
    status, _, body = raw(gateway, "POST", "/index.html")
    assert status == 404 and json.loads(body)["error"] == "not_found"


@pytest.mark.feature("B8")
def test_local_login_lists_the_demo_users_and_gives_a_token_the_api_accepts(gateway: str, seeded: Any) -> None:
    status, _, body = raw(gateway, "GET", "/_local/login")
    users = json.loads(body)["users"]
    assert status == 200 and {"var": "AGENT", "label": users[2]["label"]} in users
    assert any(u["label"].startswith("switchboard_agent") for u in users)
    status, _, body = raw(gateway, "POST", "/_local/login", {"user": "AGENT"})
    assert status == 200
    token = json.loads(body)["token"]
    status, _, body = raw(gateway, "GET", "/me", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(body)["name"] == "Ingrid Johansen"


@pytest.mark.feature("B8")
@pytest.mark.parametrize(("payload", "expected"), [({"user": "NOBODY"}, 404), ({}, 400), ([1], 400)])
def test_local_login_refuses_unknown_users(gateway: str, payload: Any, expected: int) -> None:
    status, _, body = raw(gateway, "POST", "/_local/login", payload)
    assert status == expected and json.loads(body)["message"]
