"""Stripe's test mode on this machine: localstripe in-process, patched where the product needs
it, and a webhook relay (verify, deliver signed, retry; hold, release, redeliver for tests).
docs/stripe-standin.md says what localstripe covers and what each patch fixes and why."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import localstripe.resources as ls
import localstripe.server as ls_server
import stripe
from aiohttp import web

RELAY_ID = "skysentral-relay"  # localstripe posts every event to every registered webhook
RELAY_PATH = "/_config/relay"  # a route of ours on localstripe's server; /_config/ needs no API key
RETRY_S = (0.25, 0.5, 1.0, 2.0, 4.0)  # after attempts 1..5; Stripe retries for days
TEST_CARDS = {  # test PaymentMethod ids localstripe lacks → Stripe's card numbers for them
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_authenticationRequired": "4000002500003155",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_mastercard": "5555555555554444",
}
_KEY_REUSED = "Keys for idempotent requests can only be used with the same parameters they were first used with ({})."
_unsent: set[str] = set()  # events localstripe made but the relay has not received yet
_idempotent: dict[str, tuple[str, bytes, int, bytes]] = {}  # key → path, body, status, answer


def _emit(type_: str, obj: Any) -> None:
    ls.schedule_webhook(ls.Event(type_, obj))


def _patch_localstripe() -> None:
    """What the product's Stripe calls need and localstripe 1.15.10 lacks (docs/stripe-standin.md)."""
    if getattr(ls, "_skysentral", False):
        return
    ls._skysentral = True
    # It pickles the whole store to /tmp/localstripe.pickle on every write, one file shared
    # by every process on the machine; state here lives as long as the process.
    ls.Store.dump_to_disk = ls.Store.try_load_from_disk = lambda self: None
    canonical = ls.PaymentMethod._try_get_canonical_test_article.__func__
    ls.PaymentMethod._try_get_canonical_test_article = classmethod(
        lambda cls, id: (
            cls(type="card", card={"number": TEST_CARDS[id], "exp_month": "12", "exp_year": "2030", "cvc": "123"})
            if id in TEST_CARDS
            else canonical(cls, id)
        )
    )
    # 4000000000000002 (pm_card_chargeDeclined) declines charges in Stripe, not only attaching.
    charging = ls.PaymentMethod._charging_is_declined
    ls.PaymentMethod._charging_is_declined = lambda self: charging(self) or self._attaching_is_declined()

    pi = ls.PaymentIntent
    init, export, confirm = pi.__init__, pi._export, pi._confirm
    cancel, authenticate = pi._api_cancel.__func__, pi._api_authenticate.__func__

    def pi_init(self: Any, description: str | None = None, **kwargs: Any) -> None:
        try:
            init(self, **kwargs)  # it refuses `description`, which the product sends
        except ls.UserError as exc:  # Stripe: an unknown PaymentMethod is a 400 on the param
            if exc.code != 404 or not kwargs.get("payment_method"):
                raise
            missing = {"param": "payment_method", "code": "resource_missing"}
            raise ls.UserError(400, f"No such PaymentMethod: '{kwargs['payment_method']}'", missing) from None
        self.description = description
        _emit("payment_intent.created", self)

    def pi_export(self: Any, expand: list | None = None) -> dict:
        out = export(self, expand=expand)  # latest_charge is an id unless expanded, as in Stripe
        if isinstance(out.get("latest_charge"), dict) and "latest_charge" not in (expand or []):
            out["latest_charge"] = out["latest_charge"]["id"]
        return out

    def pi_confirm(self: Any, on_failure_now: Any) -> None:
        confirm(self, on_failure_now)
        if self.next_action:
            _emit("payment_intent.requires_action", self)

    def pi_cancel(cls: Any, id: str, **kwargs: Any) -> Any:
        obj = cancel(cls, id, **kwargs)
        _emit("payment_intent.canceled", obj)
        return obj

    def pi_authenticate(cls: Any, id: str, **kwargs: Any) -> Any:
        obj = authenticate(cls, id, **kwargs)
        if obj._authentication_failed:  # else the order would wait for its 15-minute expiry
            _emit("payment_intent.payment_failed", obj)
        return obj

    pi.__init__, pi._export, pi._confirm = pi_init, pi_export, pi_confirm
    pi._api_cancel, pi._api_authenticate = classmethod(pi_cancel), classmethod(pi_authenticate)
    schedule = ls.schedule_webhook

    def counted(event: Any) -> None:  # lets wait_idle/release wait for localstripe's sends
        _unsent.add(event.id)
        schedule(event)

    ls.schedule_webhook = counted


@web.middleware
async def _idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
    """Stripe's Idempotency-Key, which localstripe ignores: the same key replays the saved
    answer; the same key with another request is a 400 idempotency_error."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    body = await request.read()
    if key in _idempotent:
        path, saved_body, status, answer = _idempotent[key]
        if (path, saved_body) != (request.path, body):
            message = _KEY_REUSED.format(key)
            return web.json_response({"error": {"type": "idempotency_error", "message": message}}, status=400)
        replayed = {"Idempotent-Replayed": "true"}
        return web.Response(status=status, body=answer, content_type="application/json", headers=replayed)
    response = await handler(request)
    if response.status < 500:
        _idempotent[key] = (request.path, body, response.status, response.body)
    return response


class StripeStandIn:
    """localstripe on http://127.0.0.1:<port> and the webhook relay in front of the product.
    localstripe's state is module-global: one stand-in per process."""

    def __init__(
        self,
        port: int = 0,
        api_key: str = "sk_test_local",
        webhook_secret: str = "whsec_local",
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        retry_s: tuple = RETRY_S,
    ) -> None:
        self.retry_s = retry_s
        self.host, self.port, self.api_key, self.webhook_secret = host, port, api_key, webhook_secret
        self.webhook_url = webhook_url
        self.holding = False
        self._cv = threading.Condition()
        self._held: list[tuple[dict, bytes]] = []
        self._queue: list[tuple[float, dict, bytes, int]] = []  # due, event, raw body, attempt
        self._in_flight = 0
        self._sent: list[dict] = []
        self._stopped = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> StripeStandIn:
        _patch_localstripe()
        app = web.Application(middlewares=[_idempotency, *ls_server.app.middlewares])
        patched = {
            "/v1/payment_intents/{id}/cancel": ls.PaymentIntent._api_cancel,  # its routes hold the originals
            "/v1/payment_intents/{id}/_authenticate": ls.PaymentIntent._api_authenticate,
        }
        for route in ls_server.app.router.routes():  # a fresh app: an aiohttp app runs once
            path = route.resource.canonical
            if route.method == "POST" and path in patched:
                app.router.add_route("POST", path, ls_server.api_extra(patched[path], path))
            elif route.method != "HEAD":
                app.router.add_route(route.method, path, route.handler)
        app.router.add_post(RELAY_PATH, self._relay)
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, self.port)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        threading.Thread(target=self._loop.run_forever, name="localstripe", daemon=True).start()
        ls_server.register_webhook(RELAY_ID, self.url + RELAY_PATH, self.webhook_secret, None)
        threading.Thread(target=self._deliver_forever, name="stripe-webhooks", daemon=True).start()
        return self

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify_all()
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)

    # ------------------------------------------------------------------ test controls
    def stack_parameters(self) -> dict[str, str]:
        """The template's StripeApiBase points the product's stripe library here."""
        return {"StripeApiBase": self.url}

    def connect(self, cloud: Any, gateway_url: str) -> None:
        """The template's StripeSecret holds our keys; webhooks go to the gateway's /webhooks/stripe."""
        cloud.put_secret("StripeSecret", {"api_key": self.api_key, "webhook_secret": self.webhook_secret})
        self.set_webhook_url(gateway_url.rstrip("/") + "/webhooks/stripe")

    def set_webhook_url(self, url: str | None) -> None:
        self.webhook_url = url

    def hold_webhooks(self, hold: bool = True) -> None:
        """Keep new events back (until release); turning it off sends nothing that is held."""
        self._settle()
        with self._cv:
            self.holding = bool(hold)

    def pending_events(self) -> list[dict]:
        """The held events, oldest first."""
        self._settle()
        with self._cv:
            return [event for event, _ in self._oldest_first(self._held)]

    def release(self, order: str = "fifo", duplicates: int = 1) -> list[str]:
        """Send the held events in order or reversed, each `duplicates` times in a row."""
        self._settle()  # events localstripe is still sending count as held
        with self._cv:
            events, self._held = self._oldest_first(self._held), []
            events = [e for e in (events[::-1] if order == "reverse" else events) for _ in range(duplicates)]
            self._queue.extend((0.0, event, raw, 1) for event, raw in events)
            self._cv.notify_all()
        return [event["id"] for event, _ in events]

    def redeliver(self, event_id: str, times: int = 1) -> None:
        """Send an event again, as the Dashboard's "Resend" does."""
        event = next(e for e in self.events() if e["id"] == event_id)
        with self._cv:
            self._queue.extend((0.0, event, json.dumps(event, indent=2).encode(), 1) for _ in range(times))
            self._cv.notify_all()

    def sent_events(self) -> list[dict]:
        """Every delivery attempt: event_id, type, object (id and metadata), attempt, url,
        status (None if unreachable), error, will_retry."""
        with self._cv:
            return list(self._sent)

    def events(self, type: str | None = None) -> list[dict]:
        """Every event localstripe made, oldest first."""
        return [
            e._export()
            for k, e in list(ls.store.items())
            if k.startswith("event:") and (type is None or e.type == type)
        ]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until nothing is being sent, queued or retried (held events do not count)."""
        deadline = time.monotonic() + timeout
        if not self._settle(timeout):
            return False
        with self._cv:
            while self._queue or self._in_flight:
                if time.monotonic() > deadline:
                    return False
                self._cv.wait(0.05)
        return True

    def authenticate(self, payment_intent_id: str, result: str = "succeed") -> dict:
        """The customer's 3-D Secure step (localstripe's /_authenticate, as its Stripe.js does)."""
        intent = self._call("GET", f"/v1/payment_intents/{payment_intent_id}")
        return self._call(
            "POST",
            f"/v1/payment_intents/{payment_intent_id}/_authenticate",
            {"client_secret": intent["client_secret"], "success": result == "succeed"},
        )

    def sign(self, payload: str | bytes, timestamp: int | None = None, secret: str | None = None) -> str:
        """A Stripe-Signature (v1 = HMAC-SHA256 of "<t>.<payload>"); another `secret` or an old
        `timestamp` forges bad or stale ones."""
        t = int(time.time()) if timestamp is None else timestamp
        raw = payload.encode() if isinstance(payload, str) else payload
        key = (secret or self.webhook_secret).encode()
        return f"t={t},v1={hmac.new(key, f'{t}.'.encode() + raw, hashlib.sha256).hexdigest()}"

    # ------------------------------------------------------------------ inside
    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body else None
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, method=method, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    @staticmethod
    def _oldest_first(held: list[tuple[dict, bytes]]) -> list[tuple[dict, bytes]]:
        """localstripe posts its events concurrently, so they arrive in any order; its store has them in order."""
        made = {key[len("event:") :]: i for i, key in enumerate(list(ls.store)) if key.startswith("event:")}
        return sorted(held, key=lambda item: made.get(item[0]["id"], len(made)))

    def _settle(self, timeout: float = 5.0) -> bool:
        """Wait for the events localstripe is still posting (it waits 1 s before each)."""
        deadline = time.monotonic() + timeout
        while _unsent and time.monotonic() < deadline:
            time.sleep(0.02)
        return not _unsent

    async def _relay(self, request: web.Request) -> web.Response:
        """Where localstripe posts its events; its signature is checked as the product checks it."""
        raw = await request.read()
        event = json.loads(raw)
        try:
            stripe.Webhook.construct_event(raw, request.headers.get("Stripe-Signature", ""), self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError):
            _unsent.discard(event["id"])
            return web.Response(status=400)
        with self._cv:
            if self.holding:
                self._held.append((event, raw))
            else:
                self._queue.append((0.0, event, raw, 1))
                self._cv.notify_all()
            # Only now: wait_idle must never see the event neither unsent nor queued.
            _unsent.discard(event["id"])
        return web.Response()

    def _deliver_forever(self) -> None:
        while True:
            with self._cv:
                while not self._stopped and not any(due <= time.monotonic() for due, *_ in self._queue):
                    self._cv.wait(0.05)
                if self._stopped:
                    return
                item = next(i for i in self._queue if i[0] <= time.monotonic())
                self._queue.remove(item)
                self._in_flight += 1
                url = self.webhook_url
            _, event, raw, attempt = item
            status, error = None, None
            if url:
                headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": self.sign(raw)}
                request = urllib.request.Request(url, data=raw, method="POST", headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status, error = exc.code, str(exc)
                except OSError as exc:
                    error = f"{type(exc).__name__}: {exc}"
            with self._cv:
                self._in_flight -= 1
                retry = url is not None and not (status and 200 <= status < 300) and attempt <= len(self.retry_s)
                obj = event["data"]["object"]
                sent = {"event_id": event["id"], "type": event["type"], "attempt": attempt, "url": url}
                sent["object"] = {"id": obj.get("id"), "metadata": obj.get("metadata")}
                self._sent.append({**sent, "status": status, "error": error, "will_retry": retry})
                if retry:
                    self._queue.append((time.monotonic() + self.retry_s[attempt - 1], event, raw, attempt + 1))
                self._cv.notify_all()
