"""B6: the statistics' counters in the CallsTable (keys also in docs/pbx.md's table).

- `<company>#STATS#Q#<queue>#15m` / `<interval start, UTC, "2026-11-25T08:15:00Z">` and
  `<company>#STATS#Q#<queue>#day` / `<Oslo date>`: a queue's counters (number attributes,
  domain.pbx.call_stats.QUEUE_COUNTERS); `<company>#STATS#A#<employee>#15m|day` the same
  for an agent. Only 15-minute and day items are written: a week or month is the sum of
  its days (≤ 31 items read), which halves the writes per event. Quarter-hours expire after
  400 days (TTL), days are kept.
- `<company>#STATS#SEEN#<call_id>` / `<event_id>`: the dedupe marker, written in the same
  TransactWriteItems as the event's increments with `attribute_not_exists`, so an event
  adds its counters exactly once however often SQS delivers it (a repeat cancels the whole
  transaction and is dropped). Expires 14 days after the event (SQS keeps a message ≤ 14).
- `<company>#STATS#SESSION` / `<employee>`: an agent's AGENTLOGIN/AGENTLOGOFF marks (the
  last MAX_MARKS) and a version. A login or logoff is the one kind whose meaning depends on
  another event (its partner): applying one reads the marks, adds the event and ADDs the
  change in logged-in seconds (call_stats.logged_in_change, possibly negative) in one
  transaction conditioned on the version read. The additions telescope, so the counters
  equal what all the marks seen imply, in whatever order they came.

Writes per event: the marker plus one item per scope and grain (2 for a queue-only event,
4 when it also names an agent), each a small item (1 write unit, 2 inside a transaction).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pynamodb.connection import Connection

from skysentral.domain.pbx import call_stats
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_stats import Increment, Mark, QueueSettings
from skysentral.store.models import _Calls

STORED_GRAINS = ("15m", "day")
MAX_ATTEMPTS = 10
MAX_ITEMS = 100  # TransactWriteItems' limit
MAX_MARKS = 500
SEEN_TTL = timedelta(days=14)
QUARTER_TTL = timedelta(days=400)
SESSION_KINDS = ("AGENTLOGIN", "AGENTLOGOFF")

_connection: Connection | None = None
_lock = threading.Lock()


def _client() -> Any:
    global _connection
    with _lock:
        if _connection is None:
            _connection = Connection()
        return _connection.client


def _table() -> str:
    return _Calls.Meta.table_name


class Duplicate(Exception):
    pass


class Contended(Exception):
    pass


def counter_pk(company_id: str, scope: str, grain: str) -> str:
    return f"{company_id}#STATS#{scope}#{grain}"


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _n(v: int | float) -> dict[str, str]:
    return {"N": str(int(v))}


class CallStats:
    """One company's statistics counters."""

    def __init__(self, company_id: str):
        self.company_id = company_id
        self.write_units = 0  # consumed by this instance's transactions (the benchmark prints it)

    # ---------------------------------------------------------------- writing
    def apply(self, event: CallEvent, settings: QueueSettings) -> bool:
        """B6: add the event's counters once. False when it was seen before or counts nothing."""
        if event.kind in SESSION_KINDS:
            return self._apply_session(event) if event.employee_id else False
        incs = call_stats.increments(event, settings)
        if not incs:
            return False
        updates = self._counter_updates(_by_item(self.company_id, incs))
        return self._transact([self._marker(event), *updates])

    def _marker(self, event: CallEvent, suffix: str = "") -> dict[str, Any]:
        expires = int((call_stats.parse_at(event.at) + SEEN_TTL).timestamp())
        return {
            "Put": {
                "TableName": _table(),
                "Item": {
                    "pk": _s(f"{self.company_id}#STATS#SEEN#{event.call_id}"),
                    "sk": _s(event.event_id + suffix),
                    "expires_at": _n(expires),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _counter_updates(self, items: Mapping[tuple[str, str, str], Mapping[str, int]]) -> list[dict[str, Any]]:
        out = []
        for (pk, sk, grain), counters in sorted(items.items()):
            names = {f"#c{i}": k for i, k in enumerate(sorted(counters))}
            values = {f":v{i}": _n(counters[k]) for i, k in enumerate(sorted(counters))}
            expression = "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(names)))
            if grain == "15m":
                expires = call_stats.parse_at(sk) + QUARTER_TTL
                expression = "SET expires_at = :ttl " + expression
                values[":ttl"] = _n(int(expires.timestamp()))
            out.append(
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": {"pk": _s(pk), "sk": _s(sk)},
                        "UpdateExpression": expression,
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return out

    def _transact(self, items: list[dict[str, Any]]) -> bool:
        """Write `items` (the first is the dedupe marker) in one transaction; False when the
        marker exists (a duplicate); retried on conflicts with concurrent transactions."""
        client = _client()
        for attempt in range(MAX_ATTEMPTS):
            try:
                client.transact_write_items(TransactItems=items)
                self.write_units += 2 * len(items)
                return True
            except client.exceptions.TransactionCanceledException as exc:
                codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if codes and codes[0] == "ConditionalCheckFailed":
                    return False
                if "ConditionalCheckFailed" in codes:
                    raise Contended("a condition other than the marker failed") from exc
            except client.exceptions.TransactionConflictException:
                pass
            time.sleep(min(1.0, 0.02 * 2**attempt) * random.random())
        raise Contended(f"{len(items)} items could not be written in {MAX_ATTEMPTS} attempts")

    def _apply_session(self, event: CallEvent) -> bool:
        assert event.employee_id
        mark = Mark.of(event)
        key = {"pk": _s(f"{self.company_id}#STATS#SESSION"), "sk": _s(event.employee_id)}
        client = _client()
        for _ in range(MAX_ATTEMPTS):
            got = client.get_item(TableName=_table(), Key=key, ConsistentRead=True).get("Item")
            version = int(got["version"]["N"]) if got else 0
            marks = [Mark.from_list(m) for m in json.loads(got["marks"]["S"])] if got else []
            if mark in marks:
                return False
            new_marks = sorted({*marks, mark})
            change = call_stats.logged_in_change(marks, new_marks, STORED_GRAINS)
            items: dict[tuple[str, str, str], dict[str, int]] = {}
            scope = call_stats.agent_scope(event.employee_id)
            for (grain, sk), secs in change.items():
                items[(counter_pk(self.company_id, scope, grain), sk, grain)] = {"logged_in_s": secs}
            session_put = {
                "Put": {
                    "TableName": _table(),
                    "Item": {
                        **key,
                        "version": _n(version + 1),
                        "marks": _s(json.dumps([m.to_list() for m in new_marks[-MAX_MARKS:]])),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)" if not got else "version = :v",
                    **({"ExpressionAttributeValues": {":v": _n(version)}} if got else {}),
                }
            }
            updates = self._counter_updates(items)
            # A change wider than one transaction (rare: a late mark splitting long spans)
            # goes first in parts, each with its own marker, the marks last.
            room = MAX_ITEMS - 2
            while len(updates) > room:
                part, updates = updates[:room], updates[room:]
                self._transact([self._marker(event, f"#v{version}#{len(updates)}"), *part])
            try:
                return self._transact([self._marker(event), session_put, *updates])
            except Contended:
                continue  # another mark of this agent was written meanwhile: read again
        raise Contended("the agent's login marks changed too often")

    # ---------------------------------------------------------------- reading
    def counters(self, scope: str, grain: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """Interval key → counters of one scope and stored grain, for keys first..last."""
        client = _client()
        out: dict[str, dict[str, int]] = {}
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {
                ":pk": _s(counter_pk(self.company_id, scope, grain)),
                ":a": _s(first),
                ":b": _s(last),
            },
        }
        while True:
            page = client.query(**kwargs)
            for item in page.get("Items", []):
                out[item["sk"]["S"]] = {
                    k: int(float(v["N"])) for k, v in item.items() if "N" in v and k != "expires_at"
                }
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def open_logins(self) -> dict[str, list[Mark]]:
        """Employee → login marks (for the figures of agents still logged in)."""
        client = _client()
        out: dict[str, list[Mark]] = {}
        kwargs: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(f"{self.company_id}#STATS#SESSION")},
        }
        while True:
            page = client.query(**kwargs)
            for item in page.get("Items", []):
                out[item["sk"]["S"]] = [Mark.from_list(m) for m in json.loads(item["marks"]["S"])]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _by_item(company_id: str, incs: list[Increment]) -> dict[tuple[str, str, str], dict[str, int]]:
    items: dict[tuple[str, str, str], dict[str, int]] = {}
    for inc in incs:
        for grain in STORED_GRAINS:
            key = (counter_pk(company_id, inc.scope, grain), call_stats.interval_key(inc.at, grain), grain)
            call_stats.add(items.setdefault(key, {}), inc.counters)
    return items
