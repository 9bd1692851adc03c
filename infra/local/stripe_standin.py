"""A local stand-in for Stripe's API in TEST MODE (PaymentIntents, refunds, events, webhooks).

For local runs and tests only: it is *not* Stripe and proves nothing about Stripe's real
behaviour beyond what is written here. It lets production code that uses the official
``stripe`` library run unchanged with the library pointed at it::

    standin = StripeStandIn(webhook_url="http://127.0.0.1:3000/webhooks/stripe").start()
    client = stripe.StripeClient("sk_test_local", base_addresses={"api": standin.url})
    # or, module-global style:  stripe.api_key = "sk_test_local"; stripe.api_base = standin.url

What it speaks is Stripe's v1 wire format: form-encoded bodies with bracket notation
(``metadata[order_id]=42``, ``payment_method_types[0]=card`` or ``[]``), JSON responses
shaped like Stripe objects, errors as ``{"error": {...}}`` with Stripe's HTTP statuses,
``Authorization: Bearer <key>`` (or HTTP Basic with the key as user name, as curl ``-u``),
``Idempotency-Key`` replay, and webhooks signed exactly as ``stripe.Webhook.construct_event``
verifies (``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``).

Knobs for hard cases (as methods and as ``/_standin/...`` HTTP endpoints, unauthenticated,
for curl): hold/release webhooks (reverse order, duplicates), redeliver, the delivery log,
3-D Secure completion, a signing helper and reset. See docs/stripe-standin.md.

Run alone: ``python -m infra.local.stripe_standin --port 12111 --webhook-url URL``.
"""
from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import heapq
import hmac
import html
import itertools
import json
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

try:  # the API version the installed stripe-python pins; events carry it as api_version
    from stripe._api_version import _ApiVersion

    DEFAULT_API_VERSION = _ApiVersion.CURRENT
except Exception:  # pragma: no cover - the stand-in itself does not need stripe-python
    DEFAULT_API_VERSION = "2026-10-28.endive"

__all__ = ["StripeStandIn", "TEST_PAYMENT_METHODS", "EVENT_TYPES", "main"]

EVENT_TYPES = (
    "payment_intent.created", "payment_intent.succeeded", "payment_intent.payment_failed",
    "payment_intent.requires_action", "payment_intent.canceled", "charge.refunded",
    "refund.created",
)
IDEMPOTENCY_TTL_S = 24 * 3600
SIGNATURE_SCHEME = "v1"
_ALPHABET = string.ascii_letters + string.digits
# Stripe's minimum charge amounts (smallest currency unit) for the currencies we use.
MIN_AMOUNTS = {"usd": 50, "eur": 50, "gbp": 30, "nok": 300, "sek": 300, "dkk": 250, "chf": 50}
MAX_AMOUNT = 99_999_999
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation",
              "requires_action", "processing")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    outcome: str  # "succeed" | "decline" | "authenticate"
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None
    funding: str = "credit"


_DECLINED = "Your card was declined."
TEST_PAYMENT_METHODS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242", "succeed"),
    "pm_card_visa_debit": TestCard("visa", "5556", "succeed", funding="debit"),
    "pm_card_mastercard": TestCard("mastercard", "4444", "succeed"),
    "pm_card_amex": TestCard("amex", "0005", "succeed"),
    "pm_card_chargeDeclined": TestCard("visa", "0002", "decline", "card_declined", "generic_decline", _DECLINED),
    "pm_card_visa_chargeDeclined": TestCard("visa", "0002", "decline", "card_declined", "generic_decline",
                                            _DECLINED),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard("visa", "9995", "decline", "card_declined",
                                                        "insufficient_funds", "Your card has insufficient funds."),
    "pm_card_chargeDeclinedLostCard": TestCard("visa", "9987", "decline", "card_declined", "lost_card", _DECLINED),
    "pm_card_chargeDeclinedStolenCard": TestCard("visa", "9979", "decline", "card_declined", "stolen_card",
                                                 _DECLINED),
    "pm_card_chargeDeclinedExpiredCard": TestCard("visa", "0069", "decline", "expired_card", "expired_card",
                                                  "Your card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": TestCard("visa", "0127", "decline", "incorrect_cvc", "incorrect_cvc",
                                                   "Your card's security code is incorrect."),
    "pm_card_chargeDeclinedProcessingError": TestCard(
        "visa", "0119", "decline", "processing_error", "processing_error",
        "An error occurred while processing your card. Try again in a little bit."),
    "pm_card_authenticationRequired": TestCard("visa", "3184", "authenticate"),
    "pm_card_threeDSecure2Required": TestCard("visa", "3220", "authenticate"),
}
_AUTH_FAILURE_MESSAGE = ("The provided PaymentMethod has failed authentication. You can provide payment_method_data "
                         "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.")
_RETURN_URL_MESSAGE = (
    "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these "
    "payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't "
    "want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.")


def _rid(prefix: str, n: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(n))


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}"


class ApiError(Exception):
    """A Stripe-shaped error response. ``saved``: kept for idempotent replay (endpoint execution began)."""

    def __init__(self, status: int, type_: str, message: str, *, code: str | None = None,
                 param: str | None = None, saved: bool = False, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.saved = saved
        self.error: dict[str, Any] = {"type": type_, "message": message}
        if code:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            self.error["param"] = param
        self.error.update({k: v for k, v in extra.items() if v is not None})


def _invalid(message: str, param: str | None = None, code: str | None = None, status: int = 400,
             saved: bool = False, **extra: Any) -> ApiError:
    return ApiError(status, "invalid_request_error", message, code=code, param=param, saved=saved, **extra)


# --------------------------------------------------------------------------- wire format

def parse_form(body: str) -> dict[str, Any]:
    """Stripe's bracket notation to nested dicts/lists: ``a[b][0]=x`` -> ``{"a": {"b": ["x"]}}``.

    ``k[]=v`` appends; dicts whose keys are all digits become lists ordered by index.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head] + ([p.rstrip("]") for p in ("[" + rest).split("[")[1:]] if rest else [])
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # k[] -> append
                part = str(sum(1 for k in node if k.isdigit())) if isinstance(node, dict) else "0"
            if last:
                node[part] = value
            else:
                nxt = node.get(part)
                if not isinstance(nxt, dict):
                    nxt = node[part] = {}
                node = nxt

    def listify(v: Any) -> Any:
        if isinstance(v, dict):
            v = {k: listify(x) for k, x in v.items()}
            if v and all(k.isdigit() for k in v):
                return [v[k] for k in sorted(v, key=int)]
        return v

    return listify(root)


def _read_body_params(handler: BaseHTTPRequestHandler, raw: bytes) -> dict[str, Any]:
    ctype = (handler.headers.get("Content-Type") or "").lower()
    text = raw.decode("utf-8", errors="replace")
    if "json" in ctype or text.lstrip().startswith("{"):
        try:
            data = json.loads(text or "{}")
        except ValueError as exc:
            raise _invalid(f"Invalid JSON body: {exc}") from None
        if not isinstance(data, dict):
            raise _invalid("The JSON body must be an object.")
        return data
    return parse_form(text)


def _bool(params: dict[str, Any], name: str, default: bool = False) -> bool:
    v = params.get(name)
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    if str(v).lower() in ("true", "false"):
        return str(v).lower() == "true"
    raise _invalid(f"Invalid boolean: {v}", param=name, code="parameter_invalid_boolean")


def _int(params: dict[str, Any], name: str) -> int | None:
    v = params.get(name)
    if v is None:
        return None
    try:
        return int(str(v))
    except ValueError:
        raise _invalid(f"Invalid integer: {v}", param=name, code="parameter_invalid_integer") from None


def _metadata(params: dict[str, Any]) -> dict[str, str]:
    md = params.get("metadata")
    if md is None or md == "":
        return {}
    if not isinstance(md, dict):
        raise _invalid("Invalid object", param="metadata", code="parameter_invalid_empty")
    if len(md) > 50:
        raise _invalid("Metadata can have up to 50 keys.", param="metadata")
    out: dict[str, str] = {}
    for k, v in md.items():
        if isinstance(v, (dict, list)):
            raise _invalid("Metadata values must be strings.", param=f"metadata[{k}]")
        if len(k) > 40:
            raise _invalid("Metadata keys can be at most 40 characters long.", param=f"metadata[{k}]")
        if len(str(v)) > 500:
            raise _invalid("Metadata values can be at most 500 characters long.", param=f"metadata[{k}]")
        if str(v) != "":  # an empty value unsets a key in Stripe
            out[k] = str(v)
    return out


def _check_known(params: dict[str, Any], known: set[str]) -> None:
    for k in params:
        if k not in known:
            raise _invalid(f"Received unknown parameter: {k}", param=k, code="parameter_unknown")


def sign_payload(payload: str | bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value for ``payload``: ``t=<ts>,v1=<hex hmac>``."""
    if isinstance(payload, (bytes, bytearray)):
        payload = bytes(payload).decode("utf-8")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode("utf-8"), f"{ts}.{payload}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"t={ts},{SIGNATURE_SCHEME}={mac}"


# --------------------------------------------------------------------------- delivery

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe treats a 3xx answer to a webhook as a failed delivery; it does not follow it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass
class _Delivery:
    event: dict[str, Any]
    attempt: int = 1


@dataclass
class _Saved:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: bytes
    request_id: str
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stripe-standin"
    sys_version = ""
    standin: "StripeStandIn"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from the base class
        if self.standin.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:  # noqa: N802
        self.standin._serve(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.standin._serve(self, "POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self.standin._serve(self, "DELETE")


class StripeStandIn:
    """Stripe test mode, in-process: see the module docstring and docs/stripe-standin.md."""

    def __init__(self, port: int = 0, api_key: str = "sk_test_local", webhook_secret: str = "whsec_local",
                 webhook_url: str | None = None, *, host: str = "127.0.0.1",
                 api_version: str = DEFAULT_API_VERSION, webhook_max_attempts: int = 6,
                 webhook_retry_base_s: float = 0.25, webhook_retry_max_s: float = 5.0,
                 webhook_timeout_s: float = 10.0, idempotency_ttl_s: float = IDEMPOTENCY_TTL_S,
                 verbose: bool = False) -> None:
        if "_live_" in api_key:
            raise ValueError("the Stripe stand-in refuses live-mode keys; use an sk_test_... key")
        self.port = port
        self.host = host
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.api_version = api_version
        self.webhook_max_attempts = max(1, webhook_max_attempts)
        self.webhook_retry_base_s = webhook_retry_base_s
        self.webhook_retry_max_s = webhook_retry_max_s
        self.webhook_timeout_s = webhook_timeout_s
        self.idempotency_ttl_s = idempotency_ttl_s
        self.verbose = verbose
        self._webhook_url = webhook_url
        self._lock = threading.RLock()
        self._cv = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._seq = itertools.count()
        self._ctx = threading.local()
        self._init_state()

    def _init_state(self) -> None:
        self._payment_intents: dict[str, dict[str, Any]] = {}
        self._charges: dict[str, dict[str, Any]] = {}
        self._refunds: dict[str, dict[str, Any]] = {}
        self._payment_methods: dict[str, tuple[dict[str, Any], TestCard]] = {}
        self._events: dict[str, dict[str, Any]] = {}
        self._idempotency: dict[tuple[str, str], _Saved] = {}
        self._hold = False
        self._held: list[dict[str, Any]] = []
        self._queue: list[tuple[float, int, _Delivery]] = []
        self._in_flight = 0
        self._sent: list[dict[str, Any]] = []
        self._return_urls: dict[str, str] = {}
        self._generation = object()  # replaced by reset(): a delivery in flight then is not logged

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "StripeStandIn":
        if self._server is not None:
            return self
        handler = type("StandInHandler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                             name="stripe-standin-http", daemon=True),
            threading.Thread(target=self._deliver_loop, name="stripe-standin-webhooks", daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for t in self._threads:
            t.join(timeout=self.webhook_timeout_s + 1)
        self._threads = []

    def __enter__(self) -> "StripeStandIn":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def webhook_url(self) -> str | None:
        return self._webhook_url

    def set_webhook_url(self, url: str | None) -> None:
        with self._lock:
            self._webhook_url = url

    # ------------------------------------------------------------------ knobs

    def hold_webhooks(self, hold: bool = True) -> None:
        """Queue new events instead of sending them (until :meth:`release`)."""
        with self._lock:
            self._hold = bool(hold)

    @property
    def holding(self) -> bool:
        return self._hold

    def pending_events(self) -> list[dict[str, Any]]:
        """Events held back by :meth:`hold_webhooks`, oldest first (copies)."""
        with self._lock:
            return copy.deepcopy(self._held)

    def release(self, order: str = "fifo", duplicates: int = 1) -> list[str]:
        """Send the held events: ``order`` "fifo" or "reverse", each ``duplicates`` times in a row.

        Returns the event ids in the order they are queued for delivery (with repeats). Delivery
        is asynchronous (see :meth:`wait_idle`); holding stays as it was.
        """
        if order not in ("fifo", "reverse"):
            raise ValueError("order must be 'fifo' or 'reverse'")
        if duplicates < 1:
            raise ValueError("duplicates must be >= 1")
        with self._cv:
            events, self._held = self._held, []
            if order == "reverse":
                events.reverse()
            ids = []
            for ev in events:
                for _ in range(duplicates):
                    self._enqueue(ev)
                    ids.append(ev["id"])
            return ids

    def redeliver(self, event_id: str, times: int = 1) -> None:
        """Send an already emitted event again (``times`` copies), as the Dashboard's "Resend" does."""
        with self._cv:
            ev = self._events.get(event_id)
            if ev is None:
                raise KeyError(event_id)
            for _ in range(max(1, times)):
                self._enqueue(ev)

    def sent_events(self) -> list[dict[str, Any]]:
        """Every delivery attempt, in order: event_id, type, attempt, url, status (None when the
        endpoint was unreachable), error, sent_at, duration_ms, will_retry."""
        with self._lock:
            return copy.deepcopy(self._sent)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:  # noqa: A002 - Stripe's name
        """All events emitted so far, oldest first (what GET /v1/events lists, newest first)."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._events.values() if type is None or e["type"] == type]

    def sign(self, payload: str | bytes, timestamp: int | None = None, secret: str | None = None) -> str:
        """A ``Stripe-Signature`` header for ``payload`` (defaults: now, this stand-in's secret).

        Pass an old ``timestamp`` or another ``secret`` to forge stale or bad signatures in tests.
        """
        return sign_payload(payload, self.webhook_secret if secret is None else secret, timestamp)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no webhook delivery is queued, retrying or in flight. False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.05))
            return True

    def authenticate(self, payment_intent_id: str, result: str = "succeed") -> dict[str, Any]:
        """The customer's 3-D Secure step for a PaymentIntent in ``requires_action``."""
        with self._lock:
            self._ctx.request = {"id": None, "idempotency_key": None}
            try:
                return self._authenticate(payment_intent_id, result)
            finally:
                self._ctx.request = None

    def reset(self) -> None:
        """Forget every object, event, idempotency key, held event and log entry; stop holding.

        The webhook URL, keys and the running server stay. Deliveries already queued are dropped.
        """
        with self._cv:
            self._init_state()
            self._cv.notify_all()

    # ------------------------------------------------------------------ events

    def _emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        req = getattr(self._ctx, "request", None) or {"id": None, "idempotency_key": None}
        ev = {
            "id": _rid("evt_"),
            "object": "event",
            "api_version": self.api_version,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1 if self._webhook_url else 0,
            "request": dict(req),
            "type": type_,
        }
        self._events[ev["id"]] = ev
        if self._hold:
            self._held.append(ev)
        elif self._webhook_url:
            self._enqueue(ev)
        return ev

    def _enqueue(self, ev: dict[str, Any], attempt: int = 1, delay: float = 0.0) -> None:
        heapq.heappush(self._queue, (time.monotonic() + delay, next(self._seq), _Delivery(ev, attempt)))
        self._cv.notify_all()

    def _deliver_loop(self) -> None:
        while True:
            with self._cv:
                while not self._stopping:
                    now = time.monotonic()
                    if self._queue and self._queue[0][0] <= now:
                        break
                    self._cv.wait(min(self._queue[0][0] - now, 0.5) if self._queue else 0.5)
                if self._stopping:
                    return
                _, _, delivery = heapq.heappop(self._queue)
                self._in_flight += 1
                url = self._webhook_url
                generation = self._generation
            status, error, started = None, None, time.monotonic()
            payload = json.dumps(delivery.event, indent=2)
            if url is None:
                error = "no webhook URL configured"
            else:
                status, error = self._post(url, payload)
            ok = status is not None and 200 <= status < 300
            with self._cv:
                self._in_flight -= 1
                if generation is self._generation:  # not reset meanwhile
                    retry = not ok and url is not None and delivery.attempt < self.webhook_max_attempts
                    self._sent.append({
                        "event_id": delivery.event["id"], "type": delivery.event["type"],
                        "attempt": delivery.attempt, "url": url, "status": status, "error": error,
                        "sent_at": time.time(), "duration_ms": round((time.monotonic() - started) * 1000, 1),
                        "will_retry": retry,
                    })
                    if retry:
                        delay = min(self.webhook_retry_base_s * 2 ** (delivery.attempt - 1), self.webhook_retry_max_s)
                        self._enqueue(delivery.event, delivery.attempt + 1, delay)
                self._cv.notify_all()

    def _post(self, url: str, payload: str) -> tuple[int | None, str | None]:
        req = urllib.request.Request(url, data=payload.encode("utf-8"), method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": self.sign(payload),
            "Cache-Control": "no-cache",
        })
        try:
            with _OPENER.open(req, timeout=self.webhook_timeout_s) as resp:
                resp.read()
                return int(resp.status), None
        except urllib.error.HTTPError as exc:
            try:
                exc.read()
            except Exception:
                pass
            return int(exc.code), f"HTTP {exc.code}"
        except Exception as exc:  # unreachable, refused, timeout
            return None, f"{type(exc).__name__}: {exc}"

    # ------------------------------------------------------------------ HTTP plumbing

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        request_id = _rid("req_", 14)
        split = urlsplit(h.path)
        path = split.path.rstrip("/") or "/"
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length > 0 else b""
        extra_headers: dict[str, str] = {"Request-Id": request_id}
        try:
            if path.startswith("/_standin/"):
                try:
                    self._serve_control(h, method, path, raw, split.query)
                except (ValueError, KeyError) as exc:  # bad knob arguments, e.g. order="sideways"
                    raise _invalid(f"{type(exc).__name__}: {exc}") from None
                return
            if not path.startswith("/v1/"):
                raise _invalid(f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
                               "or we can help at https://support.stripe.com/.", status=404)
            self._check_auth(h)
            params = parse_form(split.query) if method in ("GET", "DELETE") else _read_body_params(h, raw)
            key = h.headers.get("Idempotency-Key") if method == "POST" else None
            if key is not None:
                extra_headers["Idempotency-Key"] = key
                if len(key) > 255:
                    raise _invalid("Idempotency keys must be at most 255 characters long.",
                                   code="idempotency_key_too_long")
            with self._lock:
                if key is not None:
                    saved = self._replay(key, method, path, params)
                    if saved is not None:
                        extra_headers.update({"Idempotent-Replayed": "true", "Original-Request": saved.request_id})
                        self._respond(h, saved.status, saved.body, extra_headers)
                        return
                self._ctx.request = {"id": request_id, "idempotency_key": key}
                try:
                    status, body = 200, self._route(method, path, params)
                    encoded = json.dumps(body, indent=2).encode("utf-8")
                    save = True
                except ApiError as err:
                    status, encoded, save = err.status, json.dumps({"error": err.error}, indent=2).encode(), err.saved
                finally:
                    self._ctx.request = None
                if key is not None and save:
                    self._idempotency[(self.api_key, key)] = _Saved(method, path, params, status, encoded,
                                                                    request_id, time.time())
            self._respond(h, status, encoded, extra_headers)
        except ApiError as err:
            self._respond(h, err.status, json.dumps({"error": err.error}, indent=2).encode(), extra_headers)
        except Exception as exc:  # a bug in the stand-in: answer like Stripe's api_error, do not hang the client
            body = {"error": {"type": "api_error", "message": f"stripe stand-in internal error: {exc!r}"}}
            self._respond(h, 500, json.dumps(body).encode(), {**extra_headers, "Stripe-Should-Retry": "false"})

    def _respond(self, h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str],
                 content_type: str = "application/json") -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Stripe-Version", self.api_version)
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _check_auth(self, h: BaseHTTPRequestHandler) -> None:
        auth = h.headers.get("Authorization") or ""
        key = None
        if auth.startswith("Bearer "):
            key = auth[7:].strip()
        elif auth.startswith("Basic "):
            try:
                key = base64.b64decode(auth[6:].strip()).decode().split(":", 1)[0]
            except Exception:
                key = None
        if not key:
            raise _invalid("You did not provide an API key. You need to provide your API key in the Authorization "
                           "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').", status=401)
        if not hmac.compare_digest(key, self.api_key):
            shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key[:3] + "***"
            raise _invalid(f"Invalid API Key provided: {shown}", status=401, code="api_key_invalid")

    def _replay(self, key: str, method: str, path: str, params: dict[str, Any]) -> _Saved | None:
        now = time.time()
        for k in [k for k, s in self._idempotency.items() if now - s.at > self.idempotency_ttl_s]:
            del self._idempotency[k]
        saved = self._idempotency.get((self.api_key, key))
        if saved is None:
            return None
        if (saved.method, saved.path) != (method, path):
            raise ApiError(400, "idempotency_error",
                           f"Keys for idempotent requests can only be used for the same endpoint they were first "
                           f"used for ('{saved.method} {saved.path}'). Try using a key other than '{key}' if you "
                           "meant to execute a different request.")
        if saved.params != params:
            raise ApiError(400, "idempotency_error",
                           "Keys for idempotent requests can only be used with the same parameters they were first "
                           f"used with. Try using a key other than '{key}' if you meant to execute a different "
                           "request.")
        return saved

    # ------------------------------------------------------------------ /v1 routing

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.split("/")[2:]  # after "", "v1"
        expand = params.get("expand") or []
        expand = [expand] if isinstance(expand, str) else list(expand)
        if parts == ["payment_intents"] and method == "POST":
            return self._expand(self._create_pi(params), expand)
        if len(parts) == 2 and parts[0] == "payment_intents" and method == "GET":
            _check_known(params, {"expand", "client_secret"})
            return self._expand(self._get(self._payment_intents, parts[1], "payment_intent"), expand)
        if len(parts) == 3 and parts[0] == "payment_intents" and method == "POST":
            pi = self._get(self._payment_intents, parts[1], "payment_intent", param="intent")
            if parts[2] == "confirm":
                return self._expand(self._confirm_endpoint(pi, params), expand)
            if parts[2] == "cancel":
                return self._expand(self._cancel(pi, params), expand)
        if parts == ["refunds"] and method == "POST":
            return self._expand(self._create_refund(params), expand)
        if len(parts) == 2 and parts[0] == "refunds" and method == "GET":
            return self._expand(self._get(self._refunds, parts[1], "refund"), expand)
        if len(parts) == 2 and parts[0] == "charges" and method == "GET":
            return self._expand(self._get(self._charges, parts[1], "charge"), expand)
        if len(parts) == 2 and parts[0] == "payment_methods" and method == "GET":
            pm = self._payment_methods.get(parts[1])
            if pm is None:
                raise _invalid(f"No such PaymentMethod: '{parts[1]}'", param="payment_method",
                               code="resource_missing", status=404)
            return copy.deepcopy(pm[0])
        if len(parts) == 2 and parts[0] == "events" and method == "GET":
            return copy.deepcopy(self._get(self._events, parts[1], "event", param="id"))
        if parts == ["events"] and method == "GET":
            return self._list_events(params)
        raise _invalid(f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
                       "help at https://support.stripe.com/.", status=404)

    @staticmethod
    def _get(store: dict[str, dict[str, Any]], obj_id: str, name: str, param: str = "id") -> dict[str, Any]:
        obj = store.get(obj_id)
        if obj is None:
            raise _invalid(f"No such {name}: '{obj_id}'", param=param, code="resource_missing", status=404)
        return obj

    def _expand(self, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        out = copy.deepcopy(obj)
        stores = {"latest_charge": self._charges, "charge": self._charges, "payment_intent": self._payment_intents,
                  "payment_method": {k: v[0] for k, v in self._payment_methods.items()}}
        for field in expand:
            if field not in stores or field not in out:
                raise _invalid(f"This property cannot be expanded ({field}).", param="expand")
            ref = out[field]
            if isinstance(ref, str) and ref in stores[field]:
                out[field] = copy.deepcopy(stores[field][ref])
        return out

    def _list_events(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_known(params, {"limit", "type", "types", "starting_after", "expand"})
        limit = _int(params, "limit") or 10
        if not 1 <= limit <= 100:
            raise _invalid("Invalid limit: must be between 1 and 100", param="limit")
        types = params.get("types") or ([params["type"]] if params.get("type") else None)
        evs = [e for e in reversed(list(self._events.values()))
               if types is None or any(e["type"] == t or (t.endswith(".*") and e["type"].startswith(t[:-1]))
                                       for t in types)]
        after = params.get("starting_after")
        if after:
            ids = [e["id"] for e in evs]
            evs = evs[ids.index(after) + 1:] if after in ids else []
        return {"object": "list", "data": copy.deepcopy(evs[:limit]), "has_more": len(evs) > limit,
                "url": "/v1/events"}

    # ------------------------------------------------------------------ PaymentIntents

    _PI_CREATE = {"amount", "currency", "metadata", "description", "payment_method", "confirm", "customer",
                  "receipt_email", "automatic_payment_methods", "payment_method_types", "return_url", "off_session",
                  "error_on_requires_action", "capture_method", "confirmation_method", "expand",
                  "statement_descriptor", "statement_descriptor_suffix", "setup_future_usage", "shipping",
                  "payment_method_options", "use_stripe_sdk", "mandate_data"}
    _PI_CONFIRM = {"payment_method", "return_url", "off_session", "error_on_requires_action", "expand",
                   "receipt_email", "setup_future_usage", "shipping", "payment_method_options", "use_stripe_sdk",
                   "mandate_data", "capture_method"}

    def _create_pi(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_known(params, self._PI_CREATE)
        amount = _int(params, "amount")
        if amount is None:
            raise _invalid("Missing required param: amount.", param="amount", code="parameter_missing")
        currency = str(params.get("currency") or "").lower()
        if not currency:
            raise _invalid("Missing required param: currency.", param="currency", code="parameter_missing")
        if len(currency) != 3 or not currency.isalpha():
            raise _invalid(f"Invalid currency: {currency}. Stripe currently supports these currencies: "
                           f"{', '.join(sorted(MIN_AMOUNTS))}, ...", param="currency")
        if amount < MIN_AMOUNTS.get(currency, 1):
            raise _invalid(f"Amount must be at least {_money(MIN_AMOUNTS.get(currency, 1), currency)}",
                           param="amount", code="amount_too_small")
        if amount > MAX_AMOUNT:
            raise _invalid(f"Amount must be no more than {_money(MAX_AMOUNT, currency)}", param="amount",
                           code="amount_too_large")
        capture = params.get("capture_method") or "automatic_async"
        if capture not in ("automatic", "automatic_async"):
            raise _invalid(f"capture_method={capture} is not supported by the local Stripe stand-in.",
                           param="capture_method")
        if (params.get("confirmation_method") or "automatic") != "automatic":
            raise _invalid("confirmation_method=manual is not supported by the local Stripe stand-in.",
                           param="confirmation_method")
        pm_types = params.get("payment_method_types")
        apm_in = params.get("automatic_payment_methods")
        if pm_types is not None and isinstance(apm_in, dict) and _bool(apm_in, "enabled"):
            raise _invalid("You may only specify one of these parameters: automatic_payment_methods, "
                           "payment_method_types.", param="automatic_payment_methods")
        if pm_types is not None:
            pm_types = [pm_types] if isinstance(pm_types, str) else list(pm_types)
            unsupported = [t for t in pm_types if t != "card"]
            if unsupported:
                raise _invalid(f"The payment method type \"{unsupported[0]}\" is not supported by the local Stripe "
                               "stand-in (only \"card\").", param="payment_method_types")
            apm = None
        else:
            # Since API version 2023-08-16 automatic_payment_methods is on unless payment_method_types is given.
            apm_in = apm_in if isinstance(apm_in, dict) else {}
            enabled = _bool(apm_in, "enabled", True)
            redirects = apm_in.get("allow_redirects") or "always"
            if redirects not in ("always", "never"):
                raise _invalid(f"Invalid allow_redirects: {redirects}",
                               param="automatic_payment_methods[allow_redirects]")
            apm = {"allow_redirects": redirects, "enabled": True} if enabled else None
            pm_types = ["card"]
        confirm = _bool(params, "confirm")
        for name in ("off_session", "error_on_requires_action", "return_url"):
            if params.get(name) is not None and not confirm:
                raise _invalid(f"You can only pass `{name}` when `confirm` is set to true.", param=name)
        metadata = _metadata(params)
        if confirm:  # create+confirm is one request: refuse it whole, before anything is created
            if not params.get("payment_method"):
                raise _invalid("You cannot confirm this PaymentIntent because it's missing a payment method. Pass "
                               "`payment_method` or confirm it later with one.", param="payment_method",
                               code="payment_intent_unexpected_state")
            if apm and apm["allow_redirects"] != "never" and not params.get("return_url"):
                raise _invalid(_RETURN_URL_MESSAGE, param="return_url")
        pm_id = self._resolve_pm(params["payment_method"]) if params.get("payment_method") else None
        pi_id = _rid("pi_")
        pi = {
            "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
            "application_fee_amount": None, "automatic_payment_methods": apm, "canceled_at": None,
            "cancellation_reason": None, "capture_method": capture,
            "client_secret": f"{pi_id}_secret_{_rid('', 25)}", "confirmation_method": "automatic",
            "created": int(time.time()), "currency": currency, "customer": params.get("customer") or None,
            "description": params.get("description") or None, "last_payment_error": None, "latest_charge": None,
            "livemode": False, "metadata": metadata, "next_action": None, "on_behalf_of": None,
            "payment_method": pm_id,
            "payment_method_configuration_details": ({"id": "pmc_standin", "parent": None} if apm else None),
            "payment_method_options": {"card": {"installments": None, "mandate_options": None, "network": None,
                                                "request_three_d_secure": "automatic"}},
            "payment_method_types": pm_types, "processing": None,
            "receipt_email": params.get("receipt_email") or None, "review": None,
            "setup_future_usage": params.get("setup_future_usage") or None, "shipping": None,
            "source": None, "statement_descriptor": params.get("statement_descriptor") or None,
            "statement_descriptor_suffix": params.get("statement_descriptor_suffix") or None,
            "status": "requires_confirmation" if pm_id else "requires_payment_method",
            "transfer_data": None, "transfer_group": None,
        }
        self._payment_intents[pi_id] = pi
        self._emit("payment_intent.created", pi)
        if confirm:
            self._confirm(pi, params)
        return pi

    def _resolve_pm(self, ref: Any) -> str:
        ref = str(ref)
        if ref in self._payment_methods:
            return ref
        card = TEST_PAYMENT_METHODS.get(ref)
        if card is None:
            raise _invalid(f"No such PaymentMethod: '{ref}'", param="payment_method", code="resource_missing")
        pm_id = _rid("pm_")
        self._payment_methods[pm_id] = ({
            "id": pm_id, "object": "payment_method", "allow_redisplay": "unspecified",
            "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                            "postal_code": None, "state": None},
                                "email": None, "name": None, "phone": None},
            "card": {"brand": card.brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                                     "cvc_check": "pass"},
                     "country": "US", "display_brand": card.brand, "exp_month": 12,
                     "exp_year": time.gmtime().tm_year + 3, "funding": card.funding, "last4": card.last4,
                     "networks": {"available": [card.brand], "preferred": None}, "wallet": None},
            "created": int(time.time()), "customer": None, "livemode": False, "metadata": {}, "type": "card",
        }, card)
        return pm_id

    def _confirm_endpoint(self, pi: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        _check_known(params, self._PI_CONFIRM)
        if params.get("receipt_email"):
            pi["receipt_email"] = params["receipt_email"]
        self._confirm(pi, params)
        return pi

    def _confirm(self, pi: dict[str, Any], params: dict[str, Any]) -> None:
        if pi["status"] not in CONFIRMABLE:
            what = ("it has already succeeded after being previously confirmed" if pi["status"] == "succeeded"
                    else f"it has a status of {pi['status']}")
            raise _invalid(f"You cannot confirm this PaymentIntent because {what}.",
                           code="payment_intent_unexpected_state", saved=True, payment_intent=copy.deepcopy(pi))
        if params.get("payment_method"):
            pi["payment_method"] = self._resolve_pm(params["payment_method"])
        if not pi["payment_method"]:
            raise _invalid("You cannot confirm this PaymentIntent because it's missing a payment method. Update the "
                           "PaymentIntent with a payment method and then confirm it again.", param="payment_method",
                           code="payment_intent_unexpected_state", saved=True, payment_intent=copy.deepcopy(pi))
        if params.get("return_url"):
            self._return_urls[pi["id"]] = str(params["return_url"])
        return_url = self._return_urls.get(pi["id"])
        apm = pi["automatic_payment_methods"]
        if apm and apm.get("allow_redirects") != "never" and not return_url:
            raise _invalid(_RETURN_URL_MESSAGE, param="return_url")
        off_session = str(params.get("off_session")).lower() in ("true", "one_off", "recurring")
        error_on_action = _bool(params, "error_on_requires_action")
        pm_obj, card = self._payment_methods[pi["payment_method"]]
        pi["next_action"] = None
        if card.outcome == "succeed":
            self._succeed(pi)
        elif card.outcome == "decline":
            self._decline(pi, card.code or "card_declined", card.decline_code, card.message or _DECLINED)
        elif off_session or error_on_action:
            self._decline(pi, "authentication_required", "authentication_required",
                          "Your card was declined. This transaction requires authentication.")
        else:
            pi["status"] = "requires_action"
            pi["last_payment_error"] = None
            if return_url:
                pi["next_action"] = {"type": "redirect_to_url", "redirect_to_url": {
                    "return_url": return_url, "url": f"{self.url}/_standin/3ds/{pi['id']}"}}
            else:
                pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {
                    "type": "three_d_secure_redirect", "source": _rid("src_"),
                    "stripe_js": f"{self.url}/_standin/3ds/{pi['id']}"}}
            self._emit("payment_intent.requires_action", pi)

    def _new_charge(self, pi: dict[str, Any], status: str, failure: tuple[str, str | None, str] | None = None
                    ) -> dict[str, Any]:
        pm_obj, card = self._payment_methods[pi["payment_method"]]
        ch_id = _rid("ch_")
        ok = status == "succeeded"
        ch = {
            "id": ch_id, "object": "charge", "amount": pi["amount"], "amount_captured": pi["amount"] if ok else 0,
            "amount_refunded": 0, "application": None, "application_fee_amount": None,
            "balance_transaction": _rid("txn_") if ok else None, "billing_details": pm_obj["billing_details"],
            "captured": ok, "created": int(time.time()), "currency": pi["currency"], "customer": pi["customer"],
            "description": pi["description"], "disputed": False,
            "failure_code": failure[0] if failure else None,
            "failure_message": failure[2] if failure else None, "livemode": False,
            "metadata": dict(pi["metadata"]),
            "outcome": {"network_status": "approved_by_network" if ok else "declined_by_network",
                        "reason": None if ok else (failure[1] if failure else None),
                        "risk_level": "normal", "seller_message": "Payment complete." if ok else
                        "The bank did not return any further details with this decline.",
                        "type": "authorized" if ok else "issuer_declined"},
            "paid": ok, "payment_intent": pi["id"], "payment_method": pi["payment_method"],
            "payment_method_details": {"card": {"brand": card.brand, "last4": card.last4,
                                                "funding": card.funding, "country": "US",
                                                "exp_month": pm_obj["card"]["exp_month"],
                                                "exp_year": pm_obj["card"]["exp_year"]}, "type": "card"},
            "receipt_email": pi["receipt_email"], "receipt_url": None, "refunded": False, "status": status,
        }
        self._charges[ch_id] = ch
        return ch

    def _succeed(self, pi: dict[str, Any]) -> None:
        ch = self._new_charge(pi, "succeeded")
        pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=ch["id"], next_action=None,
                  last_payment_error=None)
        self._emit("payment_intent.succeeded", pi)

    def _decline(self, pi: dict[str, Any], code: str, decline_code: str | None, message: str) -> None:
        pm_obj, _ = self._payment_methods[pi["payment_method"]]
        ch = self._new_charge(pi, "failed", (code, decline_code, message))
        err = {"charge": ch["id"], "code": code, "decline_code": decline_code,
               "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}", "message": message,
               "payment_method": copy.deepcopy(pm_obj), "type": "card_error"}
        err = {k: v for k, v in err.items() if v is not None}
        pi.update(status="requires_payment_method", payment_method=None, latest_charge=ch["id"], next_action=None,
                  last_payment_error=err)
        self._emit("payment_intent.payment_failed", pi)
        raise ApiError(402, "card_error", message, saved=True, **{
            k: v for k, v in err.items() if k not in ("type", "message")}, payment_intent=copy.deepcopy(pi),
            request_log_url=None)

    def _authenticate(self, pi_id: str, result: str) -> dict[str, Any]:
        pi = self._get(self._payment_intents, pi_id, "payment_intent", param="intent")
        if result not in ("succeed", "fail"):
            raise _invalid("result must be 'succeed' or 'fail'", param="result")
        if pi["status"] != "requires_action":
            raise _invalid(f"PaymentIntent {pi_id} has status {pi['status']}; only a PaymentIntent in "
                           "requires_action can be authenticated.", code="payment_intent_unexpected_state")
        if result == "succeed":
            self._succeed(pi)
        else:
            pm_obj, _ = self._payment_methods[pi["payment_method"]]
            pi.update(status="requires_payment_method", payment_method=None, next_action=None, last_payment_error={
                "code": "payment_intent_authentication_failure",
                "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
                "message": _AUTH_FAILURE_MESSAGE, "payment_method": copy.deepcopy(pm_obj),
                "type": "invalid_request_error"})
            self._emit("payment_intent.payment_failed", pi)
        return copy.deepcopy(pi)

    def _cancel(self, pi: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        _check_known(params, {"cancellation_reason", "expand"})
        reason = params.get("cancellation_reason") or None
        if reason is not None and reason not in CANCELLATION_REASONS:
            raise _invalid(f"Invalid cancellation_reason: must be one of {', '.join(CANCELLATION_REASONS)}",
                           param="cancellation_reason")
        if pi["status"] not in CANCELABLE:
            raise _invalid(f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
                           f"PaymentIntent with one of the following statuses may be canceled: "
                           f"{', '.join(CANCELABLE)}.", code="payment_intent_unexpected_state", saved=True,
                           payment_intent=copy.deepcopy(pi))
        pi.update(status="canceled", canceled_at=int(time.time()), cancellation_reason=reason, next_action=None)
        self._emit("payment_intent.canceled", pi)
        return pi

    # ------------------------------------------------------------------ refunds

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_known(params, {"payment_intent", "charge", "amount", "reason", "metadata", "expand",
                              "instructions_email", "refund_application_fee", "reverse_transfer"})
        if params.get("charge"):
            ch = self._get(self._charges, str(params["charge"]), "charge", param="charge")
            if ch["status"] != "succeeded":
                raise _invalid(f"Charge {ch['id']} has failed and cannot be refunded.", param="charge")
        elif params.get("payment_intent"):
            pi = self._payment_intents.get(str(params["payment_intent"]))
            if pi is None:
                raise _invalid(f"No such payment_intent: '{params['payment_intent']}'", param="payment_intent",
                               code="resource_missing")
            if pi["status"] != "succeeded" or not pi["latest_charge"]:
                raise _invalid(f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                               param="payment_intent", saved=True)
            ch = self._charges[pi["latest_charge"]]
        else:
            raise _invalid("One of the following params should be provided for this request: payment_intent or "
                           "charge.", code="parameter_missing")
        reason = params.get("reason") or None
        if reason is not None and reason not in REFUND_REASONS:
            raise _invalid(f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}", param="reason")
        metadata = _metadata(params)
        remaining = ch["amount"] - ch["amount_refunded"]
        if remaining <= 0:
            raise _invalid(f"Charge {ch['id']} has already been refunded.", code="charge_already_refunded",
                           saved=True)
        amount = _int(params, "amount")
        amount = remaining if amount is None else amount
        if amount <= 0:
            raise _invalid("Invalid positive integer", param="amount", code="parameter_invalid_integer")
        if amount > remaining:
            raise _invalid(f"Refund amount ({_money(amount, ch['currency'])}) is greater than unrefunded amount on "
                           f"charge ({_money(remaining, ch['currency'])})", param="amount", code="amount_too_large",
                           saved=True)
        re_id = _rid("re_")
        refund = {
            "id": re_id, "object": "refund", "amount": amount, "balance_transaction": _rid("txn_"),
            "charge": ch["id"], "created": int(time.time()), "currency": ch["currency"],
            "destination_details": {"card": {"reference_status": "pending",
                                             "reference_type": "acquirer_reference_number", "type": "refund"},
                                    "type": "card"},
            "metadata": metadata, "payment_intent": ch["payment_intent"], "reason": reason, "receipt_number": None,
            "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
        }
        self._refunds[re_id] = refund
        ch["amount_refunded"] += amount
        ch["refunded"] = ch["amount_refunded"] >= ch["amount"]
        self._emit("charge.refunded", ch)
        self._emit("refund.created", refund)
        return refund

    # ------------------------------------------------------------------ /_standin control plane

    def _serve_control(self, h: BaseHTTPRequestHandler, method: str, path: str, raw: bytes, query: str) -> None:
        params = parse_form(query)
        if method == "POST":
            params.update(_read_body_params(h, raw))
        parts = path.split("/")[2:]
        ok = {"ok": True}

        def reply(body: Any, status: int = 200) -> None:
            self._respond(h, status, json.dumps(body, indent=2).encode(), {})

        def num(name: str, default: int) -> int:
            v = _int(params, name)
            return default if v is None else v

        if parts == ["health"] or parts == ["state"]:
            with self._lock:
                reply({"ok": True, "url": self.url, "webhook_url": self._webhook_url, "holding": self._hold,
                       "pending_events": len(self._held), "queued_deliveries": len(self._queue) + self._in_flight,
                       "payment_intents": len(self._payment_intents), "refunds": len(self._refunds),
                       "events": len(self._events), "api_version": self.api_version})
            return
        if len(parts) == 3 and parts[0] == "payment_intents" and parts[2] == "authenticate" and method == "POST":
            result = str(params.get("result") or "succeed")
            pi = self.authenticate(parts[1], result)
            return_url = self._return_urls.get(parts[1])
            if params.get("redirect") and return_url:
                sep = "&" if "?" in return_url else "?"
                status = "succeeded" if pi["status"] == "succeeded" else "failed"
                loc = return_url + sep + urlencode({"payment_intent": pi["id"], "redirect_status": status,
                                                    "payment_intent_client_secret": pi["client_secret"]})
                h.send_response(303)
                h.send_header("Location", loc)
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
            reply(pi)
            return
        if len(parts) == 2 and parts[0] == "3ds" and method == "GET":
            pid = html.escape(parts[1])
            page = (f"<!doctype html><title>3-D Secure (Stripe stand-in)</title><h1>3-D Secure test page</h1>"
                    f"<p>PaymentIntent {pid}</p>"
                    f"<form method=post action='/_standin/payment_intents/{pid}/authenticate'>"
                    "<input type=hidden name=redirect value=1>"
                    "<button name=result value=succeed>Complete authentication</button> "
                    "<button name=result value=fail>Fail authentication</button></form>").encode()
            self._respond(h, 200, page, {}, content_type="text/html; charset=utf-8")
            return
        if parts == ["webhooks", "hold"] and method == "POST":
            hold = params.get("hold", True)
            self.hold_webhooks(hold if isinstance(hold, bool) else str(hold).lower() in ("1", "true", "yes", "on"))
            reply({"ok": True, "holding": self._hold})
            return
        if parts == ["webhooks", "pending"] and method == "GET":
            reply({"object": "list", "data": self.pending_events()})
            return
        if parts == ["webhooks", "release"] and method == "POST":
            ids = self.release(order=str(params.get("order") or "fifo"), duplicates=num("duplicates", 1))
            reply({"ok": True, "queued": ids})
            return
        if parts == ["webhooks", "redeliver"] and method == "POST" or (
                len(parts) == 3 and parts[0] == "events" and parts[2] == "redeliver" and method == "POST"):
            event_id = parts[1] if parts[0] == "events" else str(params.get("event_id") or "")
            try:
                self.redeliver(event_id, times=num("times", 1))
            except KeyError:
                reply({"error": {"type": "invalid_request_error", "message": f"No such event: '{event_id}'"}}, 404)
                return
            reply(ok)
            return
        if parts == ["webhooks", "sent"] and method == "GET":
            reply({"object": "list", "data": self.sent_events()})
            return
        if parts == ["webhooks", "url"] and method == "POST":
            self.set_webhook_url(str(params.get("url")) if params.get("url") else None)
            reply({"ok": True, "webhook_url": self._webhook_url})
            return
        if parts == ["webhooks", "wait"] and method == "POST":
            reply({"ok": self.wait_idle(float(params.get("timeout") or 10))})
            return
        if parts == ["sign"] and method == "POST":
            payload = params.get("payload")
            if not isinstance(payload, str):
                payload = json.dumps(payload)
            ts = _int(params, "timestamp")
            reply({"header": self.sign(payload, ts, params.get("secret")), "payload": payload})
            return
        if parts == ["reset"] and method == "POST":
            self.reset()
            reply(ok)
            return
        reply({"error": {"type": "invalid_request_error", "message": f"Unknown stand-in endpoint {method} {path}"}},
              404)


# --------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None, *, _ready: Callable[[StripeStandIn], None] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infra.local.stripe_standin",
                                 description="A local stand-in for Stripe's API in test mode (not Stripe).")
    ap.add_argument("--port", type=int, default=12111)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--webhook-url", default=None, help="where events are POSTed (signed), e.g. "
                                                        "http://localhost:3000/webhooks/stripe")
    ap.add_argument("--api-key", default="sk_test_local")
    ap.add_argument("--webhook-secret", default="whsec_local")
    ap.add_argument("--hold", action="store_true", help="start with webhooks held (see /_standin/webhooks/release)")
    ap.add_argument("--verbose", action="store_true", help="log every HTTP request")
    args = ap.parse_args(argv)
    standin = StripeStandIn(port=args.port, api_key=args.api_key, webhook_secret=args.webhook_secret,
                            webhook_url=args.webhook_url, host=args.host, verbose=args.verbose)
    standin.start()
    if args.hold:
        standin.hold_webhooks(True)
    print(f"Stripe stand-in (test mode, NOT Stripe) on {standin.url}\n"
          f"  api key        {standin.api_key}\n"
          f"  webhook secret {standin.webhook_secret}\n"
          f"  webhook url    {standin.webhook_url or '(none: events are only kept, see GET /v1/events)'}\n"
          f"  point stripe-python at it: stripe.api_base = {standin.url!r}  "
          f"or StripeClient(key, base_addresses={{'api': {standin.url!r}}})", flush=True)
    if _ready is not None:
        _ready(standin)
        standin.stop()
        return 0
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
