"""The local API Gateway: the template's ``Type: Api`` events served over HTTP.

Routes come from the SAM template (``Path`` with ``{param}`` / ``{proxy+}``, ``Method``
incl. ``ANY``, ``Auth``). A route with ``Auth: {Authorizer: NONE}`` is public; any
other uses the API's (Cognito) authorizer, played by :mod:`infra.local.issuer`: a missing,
malformed, expired, wrongly signed or wrong-audience bearer token is answered ``401``
``{"error": "unauthorized", "message": ...}`` without invoking the handler.

The handler receives the REST API (v1) proxy event as AWS builds it (``resource``,
``path``, ``httpMethod``, ``headers``/``multiValueHeaders``, query strings, ``pathParameters``,
``stageVariables``, ``requestContext`` incl. ``authorizer.claims`` as strings, ``body``
raw or base64 with ``isBase64Encoded``) and its proxy response is written back. A function
error or malformed response answers ``502 {"message": "Internal server error"}`` as AWS.

Local-only admin endpoints (never in AWS) live under ``/_local/``:

* ``GET  /_local/.well-known/jwks.json`` (also ``/_local/issuer/.well-known/jwks.json``)
* ``GET  /_local/schedules`` — the template's schedules
* ``POST /_local/schedules/{name}/fire`` — body ``{"at": ISO}`` or query ``?at=ISO``
* ``POST /_local/queues/{logical_id}/messages`` — one JSON object or a list; FIFO group
  from ``?group=`` or the message's ``msisdn``; dedup id from ``record_id``/``id`` or a hash
* ``POST /_local/drain`` — wait until the polled queues are empty
* ``GET|POST|DELETE /_local/clock`` — the handlers' clock (``?now=ISO``; DELETE = real time)
* ``GET  /_local/resources`` — logical id → physical ids/ARNs/URLs
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .issuer import Issuer, InvalidToken
from .template import Route

log = logging.getLogger("infra.local.gateway")

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded",
               "application/javascript", "application/problem+json", "+json", "+xml")


@dataclass
class CompiledRoute:
    route: Route
    regex: re.Pattern[str]
    rank: tuple[int, ...]

    @classmethod
    def of(cls, route: Route) -> "CompiledRoute":
        parts, rank = [], []
        for seg in route.path.strip("/").split("/") if route.path.strip("/") else []:
            m = re.fullmatch(r"\{([A-Za-z0-9_.-]+)(\+?)\}", seg)
            if m and m.group(2):
                parts.append(f"(?P<{_group(m.group(1))}>.+)")
                rank.append(2)
            elif m:
                parts.append(f"(?P<{_group(m.group(1))}>[^/]+)")
                rank.append(1)
            else:
                parts.append(re.escape(seg))
                rank.append(0)
        return cls(route, re.compile("^/" + "/".join(parts) + "/?$"), tuple(rank))

    def match(self, path: str) -> dict[str, str] | None:
        m = self.regex.match(path)
        if not m:
            return None
        return {_ungroup(k): unquote(v) for k, v in m.groupdict().items()}


def _group(name: str) -> str:
    return "p_" + name.encode().hex()


def _ungroup(group: str) -> str:
    return bytes.fromhex(group[2:]).decode()


def _claim_str(value: Any) -> str:
    """API Gateway (REST) hands Cognito claims to the function as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _time_claim(value: Any) -> str:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
    return str(value)


class Gateway:
    def __init__(self, cloud: Any, issuer: Issuer, host: str = "127.0.0.1", port: int = 3000) -> None:
        self.cloud = cloud
        self.issuer = issuer
        self.host = host
        self.port = port
        self.routes = [CompiledRoute.of(r) for r in cloud.routes()]
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "Gateway":
        gateway = self

        class Handler(_Handler):
            gw = gateway

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-gateway", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # ------------------------------------------------------------------ routing
    def find(self, method: str, path: str) -> tuple[CompiledRoute | None, dict[str, str], list[str]]:
        """(route, path params, methods allowed on the path)."""
        candidates: list[tuple[tuple[int, ...], CompiledRoute, dict[str, str]]] = []
        for r in self.routes:
            params = r.match(path)
            if params is not None:
                candidates.append((r.rank, r, params))
        if not candidates:
            return None, {}, []
        candidates.sort(key=lambda c: c[0])
        best_rank = candidates[0][0]
        allowed = sorted({c[1].route.method for c in candidates})
        for rank, r, params in candidates:
            if r.route.method == method and rank == best_rank:
                return r, params, allowed
        for rank, r, params in candidates:
            if r.route.method in (method, "ANY"):
                return r, params, allowed
        return None, {}, allowed

    def build_event(self, route: Route, method: str, raw_path: str, query: str, headers: list[tuple[str, str]],
                    body: bytes, path_params: dict[str, str], claims: dict[str, Any] | None,
                    source_ip: str) -> dict[str, Any]:
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for k, v in headers:
            single[k] = v
            multi.setdefault(k, []).append(v)
        qs = parse_qs(query, keep_blank_values=True)
        content_type = single.get("Content-Type") or single.get("content-type") or ""
        text_body: str | None = None
        is_b64 = False
        if body:
            textual = not content_type or any(t in content_type for t in _TEXT_TYPES)
            try:
                text_body = body.decode("utf-8") if textual else None
            except UnicodeDecodeError:
                text_body = None
            if text_body is None:
                text_body = base64.b64encode(body).decode()
                is_b64 = True
        now = datetime.now(timezone.utc)
        path = unquote(raw_path)
        request_id = str(uuid.uuid4())
        context: dict[str, Any] = {
            "resourceId": hashlib.sha1(route.path.encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": method,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes)[:16].decode(),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{route.stage}{path}",
            "accountId": getattr(self.cloud, "account", "123456789012"),
            "protocol": "HTTP/1.1",
            "stage": route.stage,
            "domainPrefix": "localhost",
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
                "caller": None, "sourceIp": source_ip, "principalOrgId": None, "accessKey": None,
                "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
                "userArn": None, "userAgent": single.get("User-Agent") or single.get("user-agent"),
                "user": None,
            },
            "domainName": single.get("Host") or single.get("host") or f"localhost:{self.port}",
            "apiId": "local",
        }
        if claims is not None:
            context["authorizer"] = {"claims": {
                k: (_time_claim(v) if k in ("exp", "iat", "auth_time") else _claim_str(v))
                for k, v in claims.items()
            }}
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": single or None,
            "multiValueHeaders": multi or None,
            "queryStringParameters": {k: v[-1] for k, v in qs.items()} or None,
            "multiValueQueryStringParameters": qs or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": context,
            "body": text_body,
            "isBase64Encoded": is_b64,
        }


class _Handler(BaseHTTPRequestHandler):
    gw: Gateway
    protocol_version = "HTTP/1.1"
    server_version = "skysentral-local-gateway"
    # A response used to leave in two sends (headers, body): on a keep-alive connection
    # the second waited for the client's delayed ACK (Nagle), ~40 ms a request. Now it is
    # buffered into one send (flushed after each request) and TCP_NODELAY is set.
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
        self._send(code, {"error": "bad_request" if code == 400 else f"http_{code}",
                          "message": message or explain or self.responses.get(code, ("",))[0]})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug(format, *args)

    def _send(self, status: int, body: bytes | str | dict[str, Any] | list[Any],
              headers: list[tuple[str, str]] | None = None) -> None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body, default=str)
            headers = [("Content-Type", "application/json")] + list(headers or [])
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        names = set()
        for k, v in headers or []:
            names.add(k.lower())
            self.send_header(k, v)
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self) -> None:
        t0 = time.perf_counter()
        status = 500
        try:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if split.path.startswith("/_local/") or split.path == "/_local":
                status = self._admin(split.path, split.query, body)
            else:
                status = self._api(split.path, split.query, body)
        except Exception as exc:  # noqa: BLE001
            log.exception("gateway error")
            self._send(500, {"error": "internal", "message": str(exc)})
        finally:
            log.info("%s %s → %s (%.0f ms)", self.command, self.path, status, (time.perf_counter() - t0) * 1000)

    # ------------------------------------------------------------------ API
    def _api(self, path: str, query: str, body: bytes) -> int:
        gw = self.gw
        method = self.command.upper()
        route, params, allowed = gw.find(method, path)
        if route is None:
            if allowed:
                self._send(405, {"error": "method_not_allowed",
                                 "message": f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"},
                           [("Allow", ", ".join(allowed))])
                return 405
            self._send(404, {"error": "not_found", "message": f"no route for {method} {path}"})
            return 404
        claims = None
        if route.route.auth:
            auth = self.headers.get("Authorization") or ""
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else auth.strip()
            if not token:
                self._send(401, {"error": "unauthorized", "message": "missing bearer token"},
                           [("WWW-Authenticate", "Bearer")])
                return 401
            try:
                claims = gw.issuer.verify(token)
            except InvalidToken as exc:
                self._send(401, {"error": "unauthorized", "message": str(exc)},
                           [("WWW-Authenticate", "Bearer")])
                return 401
        event = gw.build_event(route.route, method, path, query, list(self.headers.items()), body, params,
                               claims, self.client_address[0])
        result, errored = gw.cloud.runtime.invoke_raw(route.route.function, event)
        if errored or not isinstance(result, dict) or "statusCode" not in result:
            if not errored:
                log.warning("%s returned a malformed proxy response: %r", route.route.function, result)
            self._send(502, {"message": "Internal server error"})
            return 502
        headers: dict[str, list[str]] = {}
        for k, v in (result.get("headers") or {}).items():
            headers[k] = [str(v)]
        for k, vs in (result.get("multiValueHeaders") or {}).items():
            headers[k] = [str(v) for v in vs]
        out = result.get("body") or ""
        data = base64.b64decode(out) if result.get("isBase64Encoded") else str(out).encode()
        status = int(result["statusCode"])
        self._send(status, data, [(k, v) for k, vs in headers.items() for v in vs])
        return status

    # ------------------------------------------------------------------ admin
    def _admin(self, path: str, query: str, body: bytes) -> int:
        gw, cloud = self.gw, self.gw.cloud
        method = self.command.upper()
        qs = {k: v[-1] for k, v in parse_qs(query).items()}
        payload: Any = json.loads(body) if body.strip() else None
        if path in ("/_local/.well-known/jwks.json", "/_local/issuer/.well-known/jwks.json") and method == "GET":
            self._send(200, gw.issuer.jwks())
            return 200
        if path == "/_local/issuer/.well-known/openid-configuration" and method == "GET":
            self._send(200, {"issuer": gw.issuer.issuer,
                             "jwks_uri": f"{gw.issuer.issuer}/.well-known/jwks.json",
                             "id_token_signing_alg_values_supported": ["RS256"]})
            return 200
        if path == "/_local/schedules" and method == "GET":
            self._send(200, cloud.schedules())
            return 200
        if path == "/_local/clock" and method in ("GET", "POST", "DELETE"):
            # The handlers' clock (skysentral.clock): POST ?now=ISO (or {"now": ISO}) to act at a
            # chosen time, e.g. read February's dashboard after closing January; DELETE = real time.
            now = qs.get("now") or (payload.get("now") if isinstance(payload, dict) else None)
            if method == "DELETE" or (method == "POST" and not now):
                os.environ.pop("SKYSENTRAL_NOW", None)
            elif method == "POST":
                try:
                    datetime.fromisoformat(str(now).replace("Z", "+00:00"))
                except ValueError:
                    self._send(400, {"error": "invalid_clock", "message": f"now must be ISO 8601, not {now!r}"})
                    return 400
                os.environ["SKYSENTRAL_NOW"] = str(now)
            self._send(200, {"now": os.environ.get("SKYSENTRAL_NOW") or "real time"})
            return 200
        if path == "/_local/resources" and method == "GET":
            self._send(200, cloud.resources)
            return 200
        if path == "/_local/drain" and method == "POST":
            timeout = float(qs.get("timeout") or (payload.get("timeout") if isinstance(payload, dict) else None) or 30)
            try:
                cloud.drain(timeout_s=timeout)
            except TimeoutError as exc:
                self._send(504, {"error": "timeout", "message": str(exc)})
                return 504
            self._send(200, {"drained": True})
            return 200
        m = re.fullmatch(r"/_local/schedules/([^/]+)/fire", path)
        if m and method == "POST":
            at_text = qs.get("at") or (payload.get("at") if isinstance(payload, dict) else None)
            at = datetime.fromisoformat(at_text.replace("Z", "+00:00")) if at_text else None
            try:
                result = cloud.fire_schedule(unquote(m.group(1)), at=at)
            except KeyError as exc:
                self._send(404, {"error": "not_found", "message": str(exc.args[0])})
                return 404
            self._send(200, result)
            return 200
        m = re.fullmatch(r"/_local/queues/([^/]+)/messages", path)
        if m and method == "POST":
            try:
                url = cloud.queue_url(unquote(m.group(1)))
            except KeyError as exc:
                self._send(404, {"error": "not_found", "message": str(exc.args[0])})
                return 404
            messages = payload if isinstance(payload, list) else [payload]
            ids = send_messages(cloud.client("sqs"), url, messages, group=qs.get("group"))
            self._send(200, {"sent": len(ids), "message_ids": ids})
            return 200
        self._send(404, {"error": "not_found", "message": f"no local endpoint {method} {path}"})
        return 404


def send_messages(sqs: Any, queue_url: str, messages: list[Any], group: str | None = None) -> list[str]:
    """Send JSON messages (batches of 10); FIFO group/dedup ids derived as documented."""
    fifo = queue_url.endswith(".fifo")
    ids: list[str] = []
    entries = []
    for i, msg in enumerate(messages):
        body = json.dumps(msg) if not isinstance(msg, str) else msg
        entry: dict[str, Any] = {"Id": str(i), "MessageBody": body}
        if fifo:
            obj = msg if isinstance(msg, dict) else {}
            entry["MessageGroupId"] = str(group or obj.get("msisdn") or "default")
            dedup = obj.get("record_id") or obj.get("id") or hashlib.sha256(body.encode()).hexdigest()
            entry["MessageDeduplicationId"] = re.sub(r"[^A-Za-z0-9!-/:-@\[-`{-~]", "-", str(dedup))[:128]
        entries.append(entry)
    for start in range(0, len(entries), 10):
        chunk = entries[start:start + 10]
        resp = sqs.send_message_batch(QueueUrl=queue_url, Entries=chunk)
        if resp.get("Failed"):
            raise RuntimeError(f"send failed: {resp['Failed']}")
        ids.extend(r["MessageId"] for r in sorted(resp.get("Successful", []), key=lambda r: int(r["Id"])))
    return ids


def serve(cloud: Any, issuer: Issuer, host: str = "127.0.0.1", port: int = 3000) -> Gateway:
    return Gateway(cloud, issuer, host, port).start()
