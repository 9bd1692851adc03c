"""Live updates of the web switchboard (docs/switchboard.md, "Live updates"; the design in
docs/switchboard-live-updates.md): keeping the WebSocket connections and pushing the call
events and wait alerts to them.

- `connect(claims, connection_id)`: `$connect` with the verified token's claims: only the
  switchboard's roles (switchboard agents and admins) may listen; the connection is kept
  under the caller's company.
- `disconnect(connection_id)`: `$disconnect`.
- `push(bodies)`: one SQS batch of bus events → one message per company (plus one per wait
  alert), posted to every connection of that company; a connection API Gateway says is gone
  is forgotten. A failed post to one connection is logged and does not stop the others
  (a push is a hint to re-read the live view; the next one heals a missed one). Answers what
  it did, for the handler's log and the tests.

The store and the poster are parameters (tests pass fakes); the defaults are the real ones."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from skysentral.domain.identity import ADMINS, SWITCHBOARD_AGENT, Identity
from skysentral.domain.pbx.live_updates import batch_messages

log = logging.getLogger(__name__)

SWITCHBOARD_ROLES = ADMINS | {SWITCHBOARD_AGENT}
PARALLEL_POSTS = 8


class Connections(Protocol):
    def add(self, company_id: str, connection_id: str, user_id: str, role: str) -> Any: ...

    def remove(self, connection_id: str, company_id: str | None = None) -> str | None: ...

    def connections(self, company_id: str) -> list[Any]: ...


def default_connections() -> Connections:
    from skysentral.store import socket_repository

    return socket_repository


def default_post(connection_id: str, data: bytes) -> bool:
    from skysentral.adapters import socket_push

    return socket_push.post(connection_id, data)


def connect(claims: dict[str, Any], connection_id: str, store: Connections | None = None) -> Identity:
    """Keep the connection of a verified caller; Unauthorized/Forbidden otherwise."""
    identity = Identity.from_claims(claims)
    identity.require(SWITCHBOARD_ROLES)
    (store or default_connections()).add(identity.company_id, connection_id, identity.user_id, identity.role)
    return identity


def disconnect(connection_id: str, store: Connections | None = None) -> str | None:
    return (store or default_connections()).remove(connection_id)


@dataclass
class PushReport:
    companies: int = 0
    messages: int = 0  # frames sent
    sent: dict[str, list[str]] = field(default_factory=dict)  # connection id → types sent
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def push(
    bodies: list[str],
    store: Connections | None = None,
    post: Callable[[str, bytes], bool] = default_post,
) -> PushReport:
    store = store or default_connections()
    report = PushReport()
    jobs: list[tuple[str, str, str, bytes]] = []  # (company, connection, type, frame)
    for company_id, batch in batch_messages(bodies).items():
        messages = batch.messages()
        if not messages:
            continue
        report.companies += 1
        frames = [(m["type"], json.dumps(m, separators=(",", ":")).encode()) for m in messages]
        for conn in store.connections(company_id):  # a read failure raises: the batch is retried
            jobs.extend((company_id, conn.connection_id, kind, frame) for kind, frame in frames)
    if not jobs:
        return report

    def send(job: tuple[str, str, str, bytes]) -> tuple[tuple[str, str, str, bytes], bool | None]:
        try:
            return job, post(job[1], job[3])
        except Exception:  # one connection's trouble must not stop the others
            log.exception("push to %s failed", job[1])
            return job, None

    gone: dict[str, str] = {}
    if len(jobs) == 1:
        results = [send(jobs[0])]
    else:
        with ThreadPoolExecutor(max_workers=min(PARALLEL_POSTS, len(jobs))) as pool:
            results = list(pool.map(send, jobs))
    for (company_id, connection_id, kind, _), ok in results:
        if ok:
            report.messages += 1
            report.sent.setdefault(connection_id, []).append(kind)
        elif ok is False:
            gone[connection_id] = company_id
        else:
            report.failed.append(connection_id)
    for connection_id, company_id in gone.items():
        store.remove(connection_id, company_id)
        report.gone.append(connection_id)
    return report
