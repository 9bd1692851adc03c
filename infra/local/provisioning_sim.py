"""A stand-in for the mobile network's provisioning API (E2), on http://127.0.0.1:<port>:
network changes are answered asynchronously through the product's signed webhook
(`POST /webhooks/provisioning`), as the real provider does. It can be told to fail, be slow
or never answer, for everything or per ICCID / number:

    sim.set_mode("fail")                     # or POST /_local/provisioning {"mode": "fail"}
    sim.set_mode("never", key="+4790000001")  # {"mode": "never", "key": "<iccid or number>"}

Modes: ok (answer done after ~0.2 s), fail (answer failed), slow (done after `slow_s`),
never (no answer: the workflow times out). Shipments are accepted at once (the delivery is
confirmed by an administrator, POST /admin/activations/{id}/delivered)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("ok", "fail", "slow", "never")
_serial = itertools.count(1)


class ProvisioningSim:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, slow_s: float = 3.0) -> None:
        self.host, self.port, self.slow_s = host, port, slow_s
        self.mode = "ok"
        self.by_key: dict[str, str] = {}
        self.webhook_secret = "whsec_prov_" + secrets.token_hex(8)
        self.callback_url: str | None = None
        self.requests: list[dict] = []
        self.cancelled: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ProvisioningSim:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"{}")
                if self.path == "/network/requests":
                    self._answer(202, sim._network(body))
                elif self.path == "/shipments":
                    n = next(_serial)
                    self._answer(
                        201, {"shipment_id": f"shp-{n:06d}", "iccid": f"894700{secrets.randbelow(10**13):013d}"}
                    )
                else:
                    self._answer(404, {"error": "not_found"})

            def do_DELETE(self) -> None:
                if self.path.startswith("/shipments/"):
                    sim.cancelled.append(self.path.rsplit("/", 1)[-1])
                    self._answer(204)
                else:
                    self._answer(404, {"error": "not_found"})

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True, name="provisioning-sim").start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def stack_parameters(self) -> dict[str, str]:
        return {"ProvisioningApiBase": self.url}

    def connect(self, cloud: Any, gateway_url: str) -> None:
        """Share the callback secret with the stack and answer through its gateway."""
        cloud.put_secret("ProvisioningSecret", {"api_key": "local", "webhook_secret": self.webhook_secret})
        cloud.provisioning_sim = self
        self.callback_url = gateway_url.rstrip("/") + "/webhooks/provisioning"

    def set_mode(self, mode: str, key: str | None = None) -> dict:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if key:
            self.by_key[key] = mode
        else:
            self.mode, self.by_key = mode, {}
        return {"mode": self.mode, "by_key": dict(self.by_key)}

    def _network(self, body: dict) -> dict:
        self.requests.append(body)
        mode = self.by_key.get(body.get("iccid", ""), self.by_key.get(body.get("msisdn", ""), self.mode))
        ref = f"net-{next(_serial):06d}"
        if mode != "never" and body.get("callback_id") != "compensation":
            delay = self.slow_s if mode == "slow" else 0.2
            answer = {"callback_id": body.get("callback_id"), "status": "failed" if mode == "fail" else "done"}
            answer.update(
                {"reason": "SIM rejected by the network (simulated)"} if mode == "fail" else {"network_ref": ref}
            )
            threading.Timer(delay, self._call_back, args=(answer,)).start()
        return {"request_id": ref, "accepted": True}

    def _call_back(self, answer: dict) -> None:
        if not self.callback_url:
            return
        raw = json.dumps(answer).encode()
        request = urllib.request.Request(self.callback_url, data=raw, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header(
            "X-Provisioning-Signature", hmac.new(self.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
        )
        # a lost answer is what the workflow's timeout is for
        with contextlib.suppress(Exception):
            urllib.request.urlopen(request, timeout=30).read()
