"""The local API Gateway WebSocket API (the switchboard's live updates, docs/switchboard.md):
an aiohttp server on the gateway's port + 1 (3001 with `make run`) that plays both sides of
API Gateway for the template's `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`:

- **Clients**: `ws://localhost:3001/?token=…` (any path: `/` or `/<stage>`). The handshake
  invokes the `$connect` route's function (found through the template's Route → Integration →
  `${Fn.Arn}`) with API Gateway's CONNECT event; a non-2xx answer refuses the upgrade with
  that status. Each text frame is routed by the API's `RouteSelectionExpression`
  (`$request.body.action`; `$default` otherwise) and invokes the route's function (MESSAGE
  event); a two-way route's (`RouteResponseSelectionExpression`) answer `body` is sent back.
  A closed socket invokes `$disconnect` (DISCONNECT event). Samples of the three events:
  events/switchboard_socket_*.json.
- **Management API** for `boto3.client("apigatewaymanagementapi", endpoint_url=…)`, over HTTP
  on the same port: `POST /@connections/{id}` (the body as one frame; 410 GoneException for a
  closed connection, 413 PayloadTooLargeException over 128 KB), `GET /@connections/{id}`,
  `DELETE /@connections/{id}` (also under `/<stage>/`).
The functions that declare `SOCKET_CALLBACK_URL` get this server's URL, and those declaring an
empty `TOKEN_JWKS_URL` the local issuer's JWKS on the gateway. Not played: authorizers, API
keys, idle (10 min) and 2-hour limits, per-connection throttling, binary media types."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger("infra.local.websocket")

MAX_FRAME = 128 * 1024  # API Gateway's WebSocket frame limit
_running: dict[int, WebSocketStandIn] = {}  # id(cloud) → its stand-in


def of(cloud: Any) -> WebSocketStandIn | None:
    """The stand-in serving ``cloud`` (started by its gateway), if any."""
    return _running.get(id(cloud))


@dataclass
class SocketRoutes:
    """The template's WebSocket API: route key → function logical id, two-way routes."""

    api_id: str = ""
    functions: dict[str, str] = field(default_factory=dict)
    two_way: set[str] = field(default_factory=set)
    selection: str = "$request.body.action"


def _ref(node: Any) -> str | None:
    return node.get("Ref") if isinstance(node, dict) else None


def _sub_text(node: Any) -> str:
    if isinstance(node, dict) and "Fn::Sub" in node:
        val = node["Fn::Sub"]
        return val if isinstance(val, str) else str(val[0])
    return node if isinstance(node, str) else ""


def socket_routes(template: dict[str, Any]) -> SocketRoutes:
    """The first WebSocket API of ``template`` (SAM or CloudFormation) and its routes."""
    resources = template.get("Resources", {})
    apis = [
        lid
        for lid, r in resources.items()
        if r.get("Type") == "AWS::ApiGatewayV2::Api" and (r.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"
    ]
    if not apis:
        return SocketRoutes()
    api = apis[0]
    props = resources[api].get("Properties") or {}
    routes = SocketRoutes(api_id=re.sub(r"[^a-z0-9]", "", api.lower())[:10] or "local")
    routes.selection = str(props.get("RouteSelectionExpression") or routes.selection)
    integrations: dict[str, str] = {}
    for lid, r in resources.items():
        p = r.get("Properties") or {}
        if r.get("Type") == "AWS::ApiGatewayV2::Integration" and _ref(p.get("ApiId")) == api:
            m = re.search(r"\$\{([A-Za-z0-9]+)\.Arn\}", _sub_text(p.get("IntegrationUri")))
            if m:
                integrations[lid] = m.group(1)
    for r in resources.values():
        p = r.get("Properties") or {}
        if r.get("Type") != "AWS::ApiGatewayV2::Route" or _ref(p.get("ApiId")) != api:
            continue
        m = re.fullmatch(r"integrations/\$\{([A-Za-z0-9]+)\}", _sub_text(p.get("Target")))
        if m and m.group(1) in integrations:
            routes.functions[str(p["RouteKey"])] = integrations[m.group(1)]
            if p.get("RouteResponseSelectionExpression"):
                routes.two_way.add(str(p["RouteKey"]))
    return routes


def _connection_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(11)).decode()  # 16 characters, like API Gateway's


def _now() -> tuple[int, str]:
    now = datetime.now(UTC)
    return int(now.timestamp() * 1000), now.strftime("%d/%b/%Y:%H:%M:%S +0000")


@dataclass
class _Conn:
    ws: web.WebSocketResponse
    connected_at_ms: int
    source_ip: str
    user_agent: str
    last_active_ms: int = 0


class WebSocketStandIn:
    def __init__(
        self, cloud: Any, host: str = "127.0.0.1", port: int = 3001, stage: str = "local", jwks_url: str = ""
    ) -> None:
        self.cloud, self.host, self.port, self.stage, self.jwks_url = cloud, host, int(port), stage, jwks_url
        self.routes = socket_routes(getattr(cloud, "sam", {}) or {})
        self.connections: dict[str, _Conn] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="websocket-invoke")
        self._stopping = False

    @property
    def url(self) -> str:
        """Where clients connect (the wss:// URL's local counterpart)."""
        return f"ws://{'localhost' if self.host in ('127.0.0.1', '0.0.0.0') else self.host}:{self.port}"

    @property
    def callback_url(self) -> str:
        """The management API's endpoint (SOCKET_CALLBACK_URL)."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------ lifecycle
    def start(self) -> WebSocketStandIn:
        ready, errors = threading.Event(), []

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except Exception as exc:  # noqa: BLE001 - reported to start()
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="local-websocket", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        self.point_functions_here()
        _running[id(self.cloud)] = self
        log.info("WebSocket stand-in on %s (routes %s)", self.url, sorted(self.routes.functions))
        return self

    async def _serve(self) -> None:
        app = web.Application(client_max_size=MAX_FRAME * 2)
        for prefix in ("", "/{stage}"):
            app.router.add_route("*", prefix + "/@connections/{connection_id}", self._manage)
        app.router.add_get("/{tail:.*}", self._upgrade)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        try:
            site = web.TCPSite(self._runner, self.host, self.port)
            await site.start()
        except OSError:
            log.warning("port %s is taken: the WebSocket stand-in takes a free port", self.port)
            site = web.TCPSite(self._runner, self.host, 0)
            await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = int(server.sockets[0].getsockname()[1])

    async def _shutdown(self) -> None:
        for conn in list(self.connections.values()):
            await conn.ws.close(code=1001, message=b"going away")
        if self._runner:
            await self._runner.cleanup()

    def stop(self) -> None:
        self._stopping = True
        _running.pop(id(self.cloud), None)
        if self._loop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False)

    def point_functions_here(self) -> None:
        """SOCKET_CALLBACK_URL → this server; an empty TOKEN_JWKS_URL → the local issuer's keys."""
        for spec in self.cloud.runtime.functions.values():
            if "SOCKET_CALLBACK_URL" in spec.environment:
                spec.environment["SOCKET_CALLBACK_URL"] = self.callback_url
            if "TOKEN_JWKS_URL" in spec.environment and not spec.environment["TOKEN_JWKS_URL"] and self.jwks_url:
                spec.environment["TOKEN_JWKS_URL"] = self.jwks_url
        if "SOCKET_CALLBACK_URL" in os.environ:  # tests that call the adapter in-process
            os.environ["SOCKET_CALLBACK_URL"] = self.callback_url

    # ------------------------------------------------------------ invoking the routes' functions
    def _context(self, route_key: str, event_type: str, connection_id: str, conn: _Conn, host: str) -> dict[str, Any]:
        ms, text = _now()
        request_id = base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": text,
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": conn.connected_at_ms,
            "requestTimeEpoch": ms,
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "requestId": request_id,
            "domainName": host,
            "connectionId": connection_id,
            "apiId": self.routes.api_id,
        }

    async def _invoke(self, route_key: str, event: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """(result, errored); (None, False) when the API has no such route."""
        function = self.routes.functions.get(route_key)
        if function is None:
            return None, False
        loop = asyncio.get_running_loop()
        result, errored = await loop.run_in_executor(self._pool, self.cloud.runtime.invoke_raw, function, event)
        if errored or not isinstance(result, dict):
            log.warning("%s (%s) failed: %s", route_key, function, result)
            return None, True
        return result, False

    async def _upgrade(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            body = {"message": "Upgrade Required: connect with a WebSocket client (ws://…/?token=…)"}
            return web.json_response(body, status=426)
        connection_id, (ms, _) = _connection_id(), _now()
        peer = request.remote or "127.0.0.1"
        conn = _Conn(web.WebSocketResponse(autoping=True), ms, peer, request.headers.get("User-Agent", ""), ms)
        host = request.headers.get("Host", f"localhost:{self.port}")
        headers = dict(request.headers)
        multi: dict[str, list[str]] = {}
        for k, v in request.headers.items():
            multi.setdefault(k, []).append(v)
        query = dict(request.query) or None
        event = {
            "headers": headers,
            "multiValueHeaders": multi,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: request.query.getall(k) for k in request.query} or None,
            "requestContext": self._context("$connect", "CONNECT", connection_id, conn, host),
            "isBase64Encoded": False,
        }
        result, errored = await self._invoke("$connect", event)
        status = 500 if errored else int((result or {}).get("statusCode", 200))
        if not 200 <= status < 300:
            text = (result or {}).get("body") or json.dumps({"message": "Forbidden" if status < 500 else "Internal"})
            return web.Response(status=status, text=str(text), content_type="application/json")
        ws = conn.ws
        await ws.prepare(request)
        self.connections[connection_id] = conn
        close_code = 1000
        try:
            async for msg in ws:
                conn.last_active_ms = _now()[0]
                if msg.type == WSMsgType.TEXT:
                    await self._message(connection_id, conn, host, msg.data, False)
                elif msg.type == WSMsgType.BINARY:
                    await self._message(connection_id, conn, host, base64.b64encode(msg.data).decode(), True)
            close_code = ws.close_code or 1005
        finally:
            self.connections.pop(connection_id, None)
            if not self._stopping:
                context = self._context("$disconnect", "DISCONNECT", connection_id, conn, host)
                context.update(disconnectStatusCode=close_code, disconnectReason="")
                gone = {"headers": {"Host": host}, "multiValueHeaders": {"Host": [host]}}
                await self._invoke("$disconnect", {**gone, "requestContext": context, "isBase64Encoded": False})
        return ws

    def _route_of(self, body: str) -> str:
        expr = self.routes.selection
        m = re.fullmatch(r"\$request\.body\.([A-Za-z0-9_]+)", expr)
        if m:
            try:
                value = json.loads(body).get(m.group(1))
            except (ValueError, AttributeError):
                value = None
            if isinstance(value, str) and not value.startswith("$") and value in self.routes.functions:
                return value
        return "$default"

    async def _message(self, connection_id: str, conn: _Conn, host: str, body: str, binary: bool) -> None:
        route = self._route_of(body)
        context = self._context(route, "MESSAGE", connection_id, conn, host)
        context["messageId"] = base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode()
        if route not in self.routes.functions:
            await conn.ws.send_str(
                json.dumps({"message": "Forbidden", "connectionId": connection_id, "requestId": context["requestId"]})
            )
            return
        event = {"requestContext": context, "body": body, "isBase64Encoded": binary}
        result, errored = await self._invoke(route, event)
        if errored:
            error = {"message": "Internal server error", "connectionId": connection_id}
            await conn.ws.send_str(json.dumps({**error, "requestId": context["requestId"]}))
        elif route in self.routes.two_way and result and result.get("body") is not None and not conn.ws.closed:
            await conn.ws.send_str(str(result["body"]))

    # ------------------------------------------------------------ the management API
    async def _manage(self, request: web.Request) -> web.StreamResponse:
        connection_id = request.match_info["connection_id"]
        conn = self.connections.get(connection_id)

        def error(status: int, kind: str, message: str) -> web.Response:
            return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": kind})

        if request.method not in ("POST", "GET", "DELETE"):
            return error(405, "MethodNotAllowedException", f"{request.method} is not allowed")
        if conn is None or conn.ws.closed:
            return error(410, "GoneException", f"connection {connection_id} is gone")
        if request.method == "GET":
            body = {
                "ConnectedAt": datetime.fromtimestamp(conn.connected_at_ms / 1000, UTC).isoformat(),
                "Identity": {"SourceIp": conn.source_ip, "UserAgent": conn.user_agent},
                "LastActiveAt": datetime.fromtimestamp(conn.last_active_ms / 1000, UTC).isoformat(),
            }
            return web.json_response(body)
        if request.method == "DELETE":
            await conn.ws.close(code=1000)
            return web.Response(status=204)
        data = await request.read()
        if len(data) > MAX_FRAME:
            return error(413, "PayloadTooLargeException", f"the data is over {MAX_FRAME} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            await conn.ws.send_bytes(data)
        else:
            await conn.ws.send_str(text)
        return web.Response(status=200)
