"""The number lookup service's stand-in (A14): GET /numbers/<e164> answers
`{"name": ...}` from infra/local/number_lookup.json, or 404; on its own thread. The
template's NumberLookupUrl points the product's adapter (adapters/number_lookup.py) here."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAMES = Path(__file__).with_name("number_lookup.json")


class NumberLookupStandIn:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, names: dict[str, str] | None = None):
        self.names = dict(names if names is not None else json.loads(NAMES.read_text()))
        self.requests: list[str] = []  # numbers asked for, in order (tests count the lookups)
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                number = urllib.parse.unquote(self.path.rpartition("/numbers/")[2])
                standin.requests.append(number)
                name = standin.names.get(number) if self.path.startswith("/numbers/") else None
                body = json.dumps({"name": name} if name else {"error": "not_found"}).encode()
                self.send_response(200 if name else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"

    def start(self) -> NumberLookupStandIn:
        threading.Thread(target=self.server.serve_forever, daemon=True, name="number-lookup").start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def stack_parameters(self) -> dict[str, str]:
        return {"NumberLookupUrl": self.url}
