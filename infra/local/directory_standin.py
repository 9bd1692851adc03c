"""The local stand-in for the directory services' listing API (E4), in the shape
adapters/directory_services.py speaks: `PUT /listings/{msisdn}` with {"version", "listing"}
and `Idempotency-Key: <msisdn>:<version>`, answered 200 {"acknowledged": true, ...}.

It keeps the newest version per number (an older or repeated version is acknowledged and
changes nothing: idempotent per (number, version)), records every request it received,
and can be told to fail: `fail_next(n)` answers the next n requests 503,
`set_failing(True)` answers 503 until told otherwise. `GET /listings/{msisdn}` shows what is
published. Plain http.server in a thread: small, and no extra dependency."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


class DirectoryStandIn:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.published: dict[str, dict[str, Any]] = {}  # msisdn -> {"version", "listing"}
        self.requests: list[dict[str, Any]] = []
        self._fail_next = 0
        self._failing = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stack_parameters(self) -> dict[str, str]:
        """The template's DirectoryServiceUrl points the product's adapter here."""
        return {"DirectoryServiceUrl": self.url}

    def fail_next(self, n: int) -> None:
        with self._lock:
            self._fail_next = n

    def set_failing(self, failing: bool = True) -> None:
        with self._lock:
            self._failing = failing

    def received(self, msisdn: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["msisdn"] == msisdn]

    def _handle_put(self, msisdn: str, body: dict, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"msisdn": msisdn, "idempotency_key": key, **body})
            if self._failing or self._fail_next > 0:
                self._fail_next = max(0, self._fail_next - 1)
                return 503, {"error": "unavailable"}
            version = int(body["version"])
            current = self.published.get(msisdn)
            if current is None or version > current["version"]:
                self.published[msisdn] = {"version": version, "listing": body["listing"]}
            return 200, {"acknowledged": True, "msisdn": msisdn, "version": version}

    def start(self) -> DirectoryStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: tests read `requests`
                pass

            def _answer(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_PUT(self) -> None:
                if not self.path.startswith("/listings/"):
                    return self._answer(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                    int(body["version"])
                except (ValueError, KeyError, TypeError):
                    return self._answer(400, {"error": "bad_request"})
                msisdn = unquote(self.path[len("/listings/") :])
                self._answer(*standin._handle_put(msisdn, body, self.headers.get("Idempotency-Key")))

            def do_GET(self) -> None:
                msisdn = unquote(self.path[len("/listings/") :]) if self.path.startswith("/listings/") else ""
                with standin._lock:
                    found = standin.published.get(msisdn)
                self._answer(200, found) if found else self._answer(404, {"error": "not_found"})

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="directory-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
