"""The local API Gateway: the template's ``Type: Api`` routes as REST (v1) proxy events, the
Cognito authorizer played by :mod:`.issuer`, and the ``/_local/`` endpoints (README)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import mimetypes
import os
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Request
from samcli.local.apigw.event_constructor import construct_v1_event
from samcli.local.apigw.path_converter import PathConverter
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder

from . import graph_standin
from .issuer import REPO_ROOT, InvalidToken, Issuer
from .telephony import Phone
from .template import Route

log = logging.getLogger("infra.local.gateway")

# Bodies of these content types reach the function as text, others base64-encoded.
_TEXTUAL = re.compile(r"text/|application/(json|xml|x-www-form-urlencoded|javascript)|\+json|\+xml")


def _rule(route: Route) -> Rule:
    """A template route as a werkzeug rule ({name+} as <path:name>); HEAD only where the API has it."""
    methods = None if route.method == "ANY" else [route.method]
    rule = Rule(PathConverter.convert_path_to_flask(route.path), methods=methods, endpoint=route)
    if rule.methods and route.method != "HEAD":
        rule.methods.discard("HEAD")
    return rule


def _claim(name: str, value: Any) -> str:
    """API Gateway (REST) hands Cognito claims to the function as strings: exp and iat as
    dates, auth_time as its epoch seconds ("1469814773"), a list (cognito:groups, amr) comma-joined."""
    if name in ("exp", "iat") and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, bool):
        return "true" if value else "false"
    return ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def _is_text(body: bytes, content_type: str) -> bool:
    """An empty body, or a UTF-8 one of a textual type (or none), reaches the function as text."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not body or not content_type or bool(_TEXTUAL.search(content_type))


def _iso(text: Any) -> datetime | None:
    """An ISO 8601 time (``Z`` allowed) or None when ``text`` is not one."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if isinstance(text, str) else None
    except ValueError:
        return None


# B8: the web page's files (web/) by suffix; anything else is served as bytes.
_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}


class Gateway:
    def __init__(
        self,
        cloud: Any,
        issuer: Issuer,
        host: str = "127.0.0.1",
        port: int = 3000,
        web_root: Path | str | None = None,
    ) -> None:
        self.cloud, self.issuer, self.host, self.port = cloud, issuer, host, port
        self.web_root = Path(web_root or REPO_ROOT / "web").resolve()  # B8: the switchboard page
        self.routes = [_rule(r) for r in cloud.routes()]
        self.url_map = Map(self.routes, strict_slashes=False, merge_slashes=False).bind("local")
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.socket: Any = None  # the WebSocket stand-in, once started

    @property
    def url(self) -> str:
        return f"http://{'localhost' if self.host in ('127.0.0.1', '0.0.0.0') else self.host}:{self.port}"

    def start(self) -> Gateway:
        self._server = ThreadingHTTPServer((self.host, self.port), type("Handler", (_Handler,), {"gw": self}))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-gateway", daemon=True)
        self._thread.start()
        graph_standin.point_functions_here(self.cloud, f"http://127.0.0.1:{self.port}")
        # The switchboard's WebSocket API (live updates) on the next port (infra/local/websocket_standin.py)
        from .websocket_standin import WebSocketStandIn

        jwks = f"http://127.0.0.1:{self.port}/_local/issuer/.well-known/jwks.json"
        self.socket = WebSocketStandIn(self.cloud, self.host, self.port + 1, self.cloud.stage, jwks).start()
        return self

    def stop(self) -> None:
        if self.socket is not None:
            self.socket.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def static_file(self, path: str) -> Path | None:
        """B8: the file of ``web/`` a GET of ``path`` serves (``/`` and folders → index.html), or
        None: not there, hidden, or outside ``web/`` (``..``, symlinks, encoded slashes)."""
        rel = unquote(path).lstrip("/")
        if "\\" in rel or "\x00" in rel or any(part.startswith(".") for part in rel.split("/") if part):
            return None
        try:
            target = (self.web_root / rel).resolve()
        except (OSError, ValueError):
            return None
        if target != self.web_root and self.web_root not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def web_config(self, host_header: str | None) -> dict[str, str]:
        """B8: ``/config.json``: the API on this origin, the WebSocket stand-in on port + 1, local login."""
        host = urlsplit(f"//{host_header}").hostname if host_header else None
        return {"api": "", "socket": f"ws://{host or '127.0.0.1'}:{self.port + 1}", "auth": "local"}

    def find(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(route, path params, methods allowed on the path)."""
        try:
            rule, params = self.url_map.match(unquote(path), method, return_rule=True)
            return rule.endpoint, params, []
        except MethodNotAllowed as exc:
            return None, {}, sorted(exc.valid_methods or [])
        except NotFound:
            return None, {}, []


class _Handler(BaseHTTPRequestHandler):
    gw: Gateway
    protocol_version = "HTTP/1.1"
    server_version = "skysentral-local-gateway"
    # One send per response and TCP_NODELAY: in two sends, the body waited ~40 ms for the
    # client's delayed ACK (Nagle) on keep-alive connections.
    wbufsize = -1
    disable_nagle_algorithm = True

    def __getattr__(self, name: str) -> Any:
        # Every method, also one the API lacks (TRACE …), goes through _handle, which
        # answers a JSON 405 with Allow instead of http.server's HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, header too long …) as JSON too."""
        self.close_connection = True
        error = "bad_request" if code == 400 else f"http_{code}"
        self._send(code, {"error": error, "message": message or explain or self.responses.get(code, ("",))[0]})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug(format, *args)

    def _send(self, status: int, body: bytes | dict | list, headers: list[tuple[str, str]] | None = None) -> int:
        data = json.dumps(body, default=str).encode() if isinstance(body, (dict, list)) else body
        self.send_response(status)
        for k, v in headers or []:
            self.send_header(k, v)
        if not any(k.lower() == "content-type" for k, _ in headers or []):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return status

    def _handle(self) -> None:
        t0, status = time.perf_counter(), 500
        try:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            local = split.path == "/_local" or split.path.startswith("/_local/")
            status = (self._local if local else self._api)(split.path, split.query, body)
        except Exception as exc:
            log.exception("gateway error")
            self._send(500, {"error": "internal", "message": str(exc)})
        finally:
            log.info("%s %s → %s (%.0f ms)", self.command, self.path, status, (time.perf_counter() - t0) * 1000)

    def _api(self, path: str, query: str, body: bytes) -> int:
        method = self.command.upper()
        route, params, allowed = self.gw.find(method, path)
        if route is None and allowed:
            message = f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"
            error = {"error": "method_not_allowed", "message": message}
            return self._send(405, error, [("Allow", ", ".join(allowed))])
        if route is None and method in ("GET", "HEAD"):
            if path == "/config.json":  # B8: where the page finds the API and the WebSocket
                return self._send(200, self.gw.web_config(self.headers.get("Host")), [("Cache-Control", "no-store")])
            static = self.gw.static_file(path)
            if static is not None:
                return self._static(static)
        if route is None:
            return self._send(404, {"error": "not_found", "message": f"no route for {method} {path}"})
        claims = None
        if route.auth:
            auth = self.headers.get("Authorization") or ""
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else auth.strip()
            try:
                if not token:
                    raise InvalidToken("missing bearer token")
                claims = self.gw.issuer.verify(token)
            except InvalidToken as exc:
                return self._send(401, {"error": "unauthorized", "message": str(exc)}, [("WWW-Authenticate", "Bearer")])
        event = self._event(route, path, query, body, params, claims)
        result, errored = self.gw.cloud.runtime.invoke_raw(route.function, event)
        if errored or not isinstance(result, dict) or "statusCode" not in result:
            if not errored:
                log.warning("%s returned a malformed proxy response: %r", route.function, result)
            else:
                log.warning(
                    "%s failed: %s",
                    route.function,
                    (result or {}).get("errorType") if isinstance(result, dict) else result,
                )
            return self._send(502, {"message": "Internal server error"})
        headers = {k: [str(v)] for k, v in (result.get("headers") or {}).items()}
        headers.update({k: [str(v) for v in vs] for k, vs in (result.get("multiValueHeaders") or {}).items()})
        out = result.get("body") or ""
        data = base64.b64decode(out) if result.get("isBase64Encoded") else str(out).encode()
        return self._send(int(result["statusCode"]), data, [(k, v) for k, vs in headers.items() for v in vs])

    def _static(self, file: Path) -> int:
        """B8: one file of the web page, revalidated on every load (the page is small)."""
        content_type = _STATIC_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
        headers = [
            ("Content-Type", content_type or "application/octet-stream"),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return self._send(200, file.read_bytes(), headers)

    def _login(self, method: str, payload: Any) -> int:
        """B8: the page's local login: GET lists the demo users, POST {"user": var} → a token;
        F10: POST {"user": var, "mfa": true} → a token of a sign-in with MFA (step-up)."""
        from .seed import DEMO_USERS

        if method == "GET":
            return self._send(200, {"users": [{"var": u.var, "label": u.label} for u in DEMO_USERS]})
        if method != "POST":
            return self._send(405, {"error": "method_not_allowed", "message": "GET or POST"}, [("Allow", "GET, POST")])
        var = payload.get("user") if isinstance(payload, dict) else None
        mfa = payload.get("mfa", False) if isinstance(payload, dict) else False
        if not isinstance(var, str) or not var or not isinstance(mfa, bool):
            message = 'the body must be {"user": "<demo user var>"} or {"user": "<demo user var>", "mfa": true}'
            return self._send(400, {"error": "invalid", "message": message})
        user = next((u for u in DEMO_USERS if u.var == var), None)
        if user is None:
            known = ", ".join(u.var for u in DEMO_USERS)
            return self._send(404, {"error": "not_found", "message": f"no demo user {var!r}; one of {known}"})
        # F10: {"mfa": true} is the page's step-up: a fresh sign-in "with MFA" for the same user
        token = self.gw.issuer.issue(user.claims, ttl_s=8 * 3600, mfa=mfa)
        return self._send(200, {"token": token, "label": user.label, "mfa": mfa})

    def _event(self, route: Route, raw_path: str, query: str, body: bytes, params: dict[str, str], claims: Any) -> dict:
        """AWS's REST (v1) proxy event for this request: samcli's (``sam local start-api``), handed the
        Flask request it expects. Set here: what samcli fixes once per process (request id, time), the
        stage in the context's path, the client's user agent, headers as sent (repeats apart), claims."""
        environ_base = {"REMOTE_ADDR": self.client_address[0]}
        headers = list(self.headers.items())
        builder = EnvironBuilder(raw_path, method=self.command, query_string=query, data=body, headers=headers)
        request = Request(builder.get_environ() | environ_base)
        request.url_rule, request.view_args = SimpleNamespace(endpoint=route.path), params
        binary_types = [] if _is_text(body, self.headers.get("Content-Type") or "") else ["*/*"]
        event = construct_v1_event(request, self.gw.port, binary_types, stage_name=route.stage)
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
        now, context = datetime.now(UTC), event["requestContext"]
        context.update(requestId=str(uuid.uuid4()), path=f"/{route.stage}{event['path']}")
        context.update(
            requestTime=now.strftime("%d/%b/%Y:%H:%M:%S +0000"), requestTimeEpoch=int(now.timestamp() * 1000)
        )
        context["identity"]["userAgent"] = self.headers.get("User-Agent")
        if claims is not None:
            context["authorizer"] = {"claims": {k: _claim(k, v) for k, v in claims.items()}}
        return {**event, "headers": dict(headers) or None, "multiValueHeaders": multi or None}

    def _calls(self, method: str, path: str, payload: Any) -> int:
        """The telephony stand-in: place a call, read one, set a phone, run a scenario."""
        from . import scenarios

        engine, body = self.gw.cloud.telephony, payload if isinstance(payload, dict) else {}
        if engine is None:
            return self._send(404, {"error": "not_found", "message": "no telephony stand-in (external mode)"})
        try:
            if (method, path) == ("POST", "/_local/calls/scenario"):
                scenario = body.get("scenario") or scenarios.load(str(body.get("name")))
                tokens = _demo_tokens(self.gw.issuer)
                return self._send(200, scenarios.run(engine, scenario, self.gw.url, tokens))
            if (method, path) == ("POST", "/_local/calls"):
                behaviour = {k: v for k, v in body.items() if k not in ("from", "to")}
                return self._send(201, engine.call(str(body.get("from")), str(body.get("to")), behaviour).describe())
            if (method, path) == ("GET", "/_local/calls"):
                return self._send(200, [t.describe() for t in list(engine.txns.values())])
            m = re.fullmatch(r"/_local/(calls|phones)/([^/]+)", path)
            if m and m.group(1) == "calls" and method == "GET":
                return self._send(200, engine.txns[unquote(m.group(2))].describe())
            if m and m.group(1) == "phones" and method == "PUT":
                engine.phones[unquote(m.group(2))] = Phone.from_dict(body)
                return self._send(200, {"number": unquote(m.group(2)), **body})
        except (LookupError, ValueError, TypeError) as exc:
            status = 404 if isinstance(exc, LookupError) else 400
            return self._send(status, {"error": "not_found" if status == 404 else "invalid", "message": str(exc)})
        return self._send(404, {"error": "not_found", "message": f"no local endpoint {method} {path}"})

    def _local(self, path: str, query: str, body: bytes) -> int:
        """The local-only endpoints: issuer keys, schedules, queues, drain, clock, resources."""
        issuer, cloud, method = self.gw.issuer, self.gw.cloud, self.command.upper()
        graph = graph_standin.handle(method, path, query, body)  # A7: Microsoft Graph's calendars
        if graph is not None:
            return self._send(*graph)
        try:
            payload: Any = json.loads(body) if body.strip() else None
        except ValueError:
            return self._send(400, {"error": "invalid_json", "message": "the body must be JSON (or empty)"})
        arg = {k: v[-1] for k, v in parse_qs(query).items()}.get
        if isinstance(payload, dict):
            arg = lambda k, _q=arg: _q(k) or payload.get(k)
        fixed = {
            ("GET", "/_local/.well-known/jwks.json"): issuer.jwks,
            ("GET", "/_local/issuer/.well-known/jwks.json"): issuer.jwks,
            ("GET", "/_local/schedules"): cloud.schedules,
            ("GET", "/_local/resources"): lambda: cloud.resources,
        }
        if (method, path) in fixed:
            return self._send(200, fixed[(method, path)]())
        if path == "/_local/clock" and method in ("GET", "POST", "DELETE"):
            # The handlers' clock (skysentral.clock): POST ?now=ISO to act at a chosen time,
            # e.g. read next month's dashboard after firing the month close; DELETE = real time.
            now = arg("now")
            if method == "DELETE" or (method == "POST" and not now):
                os.environ["SKYSENTRAL_NOW"] = ""  # emptied, not removed: see runtime._reserve_keys
            elif method == "POST":
                if _iso(now) is None:
                    return self._send(400, {"error": "invalid_clock", "message": f"now must be ISO 8601, not {now!r}"})
                os.environ["SKYSENTRAL_NOW"] = str(now)
            return self._send(200, {"now": os.environ.get("SKYSENTRAL_NOW") or "real time"})
        if path == "/_local/provisioning" and method == "POST":
            sim = getattr(cloud, "provisioning_sim", None)  # E2: the provisioning simulator's mode
            if sim is None:
                return self._send(404, {"error": "not_found", "message": "no provisioning simulator is running"})
            try:
                return self._send(200, sim.set_mode(str(arg("mode") or ""), arg("key")))
            except ValueError as exc:
                return self._send(400, {"error": "invalid_mode", "message": str(exc)})
        if path == "/_local/drain" and method == "POST":
            try:
                cloud.drain(timeout_s=float(arg("timeout") or 30))
            except TimeoutError as exc:
                return self._send(504, {"error": "timeout", "message": str(exc)})
            return self._send(200, {"drained": True})
        if path == "/_local/login":
            return self._login(method, payload)
        if path.startswith("/_local/calls") or path.startswith("/_local/phones/"):
            return self._calls(method, path, payload)
        m = re.fullmatch(r"/_local/(?:schedules/([^/]+)/fire|queues/([^/]+)/messages)", path)
        if m and method == "POST":
            try:
                if m.group(1):
                    # without `at`, a schedule fires at the local clock's time (POST /_local/clock), if set
                    at = _iso(arg("at")) if arg("at") else _iso(os.environ.get("SKYSENTRAL_NOW") or None)
                    if arg("at") and at is None:  # a 400 the caller can act on, not a 500
                        message = f"at must be ISO 8601 (e.g. 2026-12-01T00:05), not {arg('at')!r}"
                        return self._send(400, {"error": "invalid_at", "message": message})
                    return self._send(200, cloud.fire_schedule(unquote(m.group(1)), at=at))
                messages = payload if isinstance(payload, list) else [payload]
                queue_url = cloud.queue_url(unquote(m.group(2)))
                ids = send_messages(cloud.client("sqs"), queue_url, messages, group=arg("group"))
                return self._send(200, {"sent": len(ids), "message_ids": ids})
            except KeyError as exc:
                return self._send(404, {"error": "not_found", "message": str(exc.args[0])})
        return self._send(404, {"error": "not_found", "message": f"no local endpoint {method} {path}"})


def _demo_tokens(issuer: Issuer) -> dict[str, str]:
    from .seed import DEMO_USERS

    return {user.var: issuer.issue(user.claims, ttl_s=3600) for user in DEMO_USERS}


def send_messages(sqs: Any, queue_url: str, messages: list[Any], group: str | None = None) -> list[str]:
    """Send JSON messages (batches of 10). FIFO: the group is ``group`` or the message's
    ``msisdn``; the deduplication id its ``record_id``/``id``, otherwise a hash."""
    entries = []
    for i, msg in enumerate(messages):
        body = msg if isinstance(msg, str) else json.dumps(msg)
        entry: dict[str, Any] = {"Id": str(i), "MessageBody": body}
        if queue_url.endswith(".fifo"):
            obj = msg if isinstance(msg, dict) else {}
            entry["MessageGroupId"] = str(group or obj.get("msisdn") or "default")
            dedup = obj.get("record_id") or obj.get("id") or hashlib.sha256(body.encode()).hexdigest()
            entry["MessageDeduplicationId"] = re.sub(r"[^A-Za-z0-9!-/:-@\[-`{-~]", "-", str(dedup))[:128]
        entries.append(entry)
    ids: list[str] = []
    for start in range(0, len(entries), 10):
        resp = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries[start : start + 10])
        if resp.get("Failed"):
            raise RuntimeError(f"send failed: {resp['Failed']}")
        ids.extend(r["MessageId"] for r in sorted(resp.get("Successful", []), key=lambda r: int(r["Id"])))
    return ids
