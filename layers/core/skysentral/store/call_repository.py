"""Call control's items in the CallsTable (keys in docs/pbx.md) and the reads it makes of
other parts' items (routing plan, presence, dialled numbers, employees).

Owned here: `CALL#<txn>`/`STATE`, `<company>#QUEUE#<queue>`/`<enqueued_ms:013d>#<txn>`,
`<company>#AGENT`/`<employee>`, `<company>#GROUP#<group>`/`STATE`, and the `NUMBER#<e164>`
model (store.routing_repository writes it when a plan is saved; call control reads it).

Round trips count (a caller waits on them, issue 9 benchmark): the routing plan, the
company's employees and the number owners are cached per warm container for CACHE_S.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import JSONAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from skysentral.store import presence_repository
from skysentral.store.conditions import condition_failed
from skysentral.store.models import EmployeeItem, RoutingPlanItem, SubscriptionItem, _Calls

CACHE_S = 5.0
CALL_TTL_S = 2 * 24 * 3600
AGENT_STATES = ("idle", "ringing", "on_call", "wrapup")
ENTRY_STATUSES = ("waiting", "offered", "bridged", "callback_waiting", "callback_dialling", "done")


# ---------------------------------------------------------------- models

_shared_connection: Connection | None = None
_connection_lock = threading.Lock()


def _connection() -> Connection:
    """One DynamoDB client for every item kind here (pynamodb makes one per model class, each
    costing ~0.3 s of botocore loading at a cold start) and for the transactions."""
    global _shared_connection
    with _connection_lock:
        if _shared_connection is None:
            _shared_connection = Connection()
        return _shared_connection


class _SharedConnection:
    @classmethod
    def _get_connection(cls):
        table = super()._get_connection()  # type: ignore[misc]
        shared = _connection()
        if table.connection is not shared:
            with contextlib.suppress(ValueError):  # already known from another item kind
                shared.add_meta_table(table.connection.get_meta_table(table.table_name))
            table.connection = shared
        return table


class CallStateItem(_SharedConnection, _Calls):
    """pk = CALL#<txn>, sk = STATE: the last applied Sequence, the response to it, the state."""

    company_id = UnicodeAttribute(null=True)
    sequence = NumberAttribute()
    response = JSONAttribute()
    attrs = JSONAttribute(default=dict)  # the TransactionAttributes after that Sequence
    node = UnicodeAttribute(null=True)


class ForkItem(_SharedConnection, _Calls):
    """pk = CALL#<caller txn>, sk = FORK: a parallel ring (ringall): the meeting, the caller's
    attendee token, the members' fork transactions, who claimed the call (a fork transaction
    or "timeout") and whether it has ended. Apart from STATE, which every invocation replaces."""

    company_id = UnicodeAttribute(null=True)
    meeting_id = UnicodeAttribute()
    caller_token = UnicodeAttribute()
    forks = MapAttribute(default=dict)  # type: ignore[var-annotated]  # fork txn → employee id
    winner = UnicodeAttribute(null=True)
    ended = UnicodeAttribute(null=True)  # the reason the fork ended


class QueueEntryItem(_SharedConnection, _Calls):
    """pk = <company>#QUEUE#<queue>, sk = <enqueued_ms:013d>#<txn>: a waiting caller or callback.
    A callback keeps the sort key of the call it came from: its place in the queue (A5)."""

    call_id = UnicodeAttribute()
    caller = UnicodeAttribute(default="")
    kind = UnicodeAttribute(default="caller")  # caller | callback
    status = UnicodeAttribute(default="waiting")
    attempts = NumberAttribute(default=0)
    position = NumberAttribute(default=0)  # original position when it entered
    agent = UnicodeAttribute(null=True)
    not_before_ms = NumberAttribute(default=0)  # a callback's next attempt


class AgentItem(_SharedConnection, _Calls):
    """pk = <company>#AGENT, sk = <employee>. the login API (services.agent_logins) touches logged_in_queues
    only (through AgentRepository.log_in / log_out); the rest is call control's."""

    logged_in_queues: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    state = UnicodeAttribute(default="idle")
    call = UnicodeAttribute(null=True)
    queue_id = UnicodeAttribute(null=True)
    wrapup_until_ms = NumberAttribute(default=0)
    last_call_end_ms = NumberAttribute(default=0)
    calls_taken = MapAttribute(default=dict)  # type: ignore[var-annotated]


class RingMemoryItem(_SharedConnection, _Calls):
    """pk = <company>#GROUP#<group>, sk = STATE: a group's or queue's ring memory (JSON)."""

    memory = JSONAttribute(default=dict)


class NumberItem(_SharedConnection, _Calls):
    """pk = NUMBER#<e164 or softphone user>, sk = NUMBER: which company a dialled number (or a
    calling softphone, A9/A13) belongs to. `destination` {"kind","target"} (null: the company's
    entry by opening hours); `employee_id` set when the number is a person's own (softphone,
    external number)."""

    company_id = UnicodeAttribute()
    destination = JSONAttribute(null=True)
    employee_id = UnicodeAttribute(null=True)


class RoutingItem(_SharedConnection, RoutingPlanItem):
    """The routing plan (store.routing_repository writes it), read through the shared client."""


class PresenceItem(_SharedConnection, presence_repository.PresenceItem):
    """Presence (store.presence_repository writes it), read through the shared client."""


class _EmployeeView(_SharedConnection, EmployeeItem):
    """The directory's employees, read through the shared client."""


def call_key(txn: str) -> str:
    return f"CALL#{txn}"


def queue_key(company_id: str, queue_id: str) -> str:
    return f"{company_id}#QUEUE#{queue_id}"


def agent_key(company_id: str) -> str:
    return f"{company_id}#AGENT"


# ---------------------------------------------------------------- small per-container cache


class _Cache:
    def __init__(self, ttl_s: float = CACHE_S):
        self.ttl_s, self._items, self._lock = ttl_s, {}, threading.Lock()  # type: ignore[var-annotated]

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        value = load()
        with self._lock:
            self._items[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_plans, _numbers, _employees = _Cache(), _Cache(), _Cache()


def clear_caches() -> None:
    """Tests and the benchmark: forget cached plans, numbers and employees."""
    for c in (_plans, _numbers, _employees):
        c.clear()


def routing_plan(company_id: str) -> Any:
    """The company's RoutingPlan (domain.pbx.routing_plan), None if it has none; cached."""

    def load() -> Any:
        from skysentral.domain.pbx.routing_plan import RoutingPlan

        try:
            item = RoutingItem.get(company_id, "ROUTING")
        except DoesNotExist:
            return None
        plan = item.plan if isinstance(item.plan, dict) else json.loads(item.plan)
        return RoutingPlan.from_dict({**plan, "version": int(item.version or 0)})

    return _plans.get(company_id, load)


@dataclass(frozen=True)
class NumberOwner:
    company_id: str
    destination: dict[str, str] | None
    employee_id: str | None


def number_owners(numbers: Iterable[str]) -> dict[str, NumberOwner]:
    """The owners of the numbers that have one (one BatchGetItem for the uncached ones)."""
    found: dict[str, NumberOwner] = {}
    missing = []
    for n in dict.fromkeys(x for x in numbers if x):
        hit = _numbers._items.get(n)
        if hit is not None and time.monotonic() - hit[0] < _numbers.ttl_s:
            if hit[1] is not None:
                found[n] = hit[1]
        else:
            missing.append(n)
    if missing:
        got = {
            i.pk.removeprefix("NUMBER#"): NumberOwner(i.company_id, i.destination, i.employee_id)
            for i in NumberItem.batch_get([(f"NUMBER#{n}", "NUMBER") for n in missing])
        }
        for n in missing:
            _numbers.get(n, lambda n=n: got.get(n))  # type: ignore[misc]
            if n in got:
                found[n] = got[n]
    return found


def number_owner(e164: str) -> NumberOwner | None:
    return number_owners([e164]).get(e164)


def employees(company_id: str) -> dict[str, EmployeeItem]:
    """The company's employees by id (cached): mobile numbers, extensions, display numbers."""

    def load() -> dict[str, EmployeeItem]:
        items = _EmployeeView.query(company_id, _EmployeeView.sk.startswith("EMP#"))
        return {i.sk.split("#", 1)[1]: i for i in items}

    return _employees.get(company_id, load)  # type: ignore[no-any-return,unused-ignore]


def presence(company_id: str, employee_id: str) -> PresenceItem | None:
    try:
        return PresenceItem.get(f"{company_id}#PRESENCE", employee_id)
    except DoesNotExist:
        return None


def presences(company_id: str, employee_ids: Iterable[str]) -> dict[str, PresenceItem]:
    keys = [(f"{company_id}#PRESENCE", e) for e in dict.fromkeys(employee_ids)]
    return {i.sk: i for i in PresenceItem.batch_get(keys)} if keys else {}


def barring_settings(company_id: str, employee_id: str) -> Any:
    """A9: the barring attribute of the employee's subscription when the directory has one
    (SubscriptionItem has no such attribute yet: None, nothing barred)."""
    if not hasattr(SubscriptionItem, "barring"):
        return None
    for item in SubscriptionItem.query(company_id, SubscriptionItem.sk.startswith("SUB#")):
        if item.employee_id == employee_id:
            return getattr(item, "barring", None)
    return None


def ring_memory(company_id: str, group_id: str) -> dict[str, Any]:
    try:
        return dict(RingMemoryItem.get(f"{company_id}#GROUP#{group_id}", "STATE").memory or {})
    except DoesNotExist:
        return {}


# ---------------------------------------------------------------- the call's state


@dataclass(frozen=True)
class StoredCall:
    sequence: int
    response: dict[str, Any]
    attrs: dict[str, str]
    company_id: str | None


def stored_call(txn: str) -> StoredCall | None:
    try:
        item = CallStateItem.get(call_key(txn), "STATE", consistent_read=True)
    except DoesNotExist:
        return None
    return StoredCall(int(item.sequence), item.response or {}, item.attrs or {}, item.company_id)


# ---------------------------------------------------------------- a parallel ring (ringall)


def put_fork(txn: str, company_id: str, meeting_id: str, caller_token: str, now_s: int) -> None:
    ForkItem(
        call_key(txn),
        "FORK",
        company_id=company_id,
        meeting_id=meeting_id,
        caller_token=caller_token,
        expires_at=now_s + CALL_TTL_S,
    ).save()


def fork(txn: str) -> ForkItem | None:
    try:
        return ForkItem.get(call_key(txn), "FORK", consistent_read=True)
    except DoesNotExist:
        return None


def add_forks(txn: str, forks: dict[str, str]) -> ForkItem | None:
    """Record the members' fork transactions; the item as it now is (a member may already
    have claimed the call, or the caller left, while they were being placed)."""
    item = ForkItem(call_key(txn), "FORK")
    actions = [ForkItem.forks[t].set(e) for t, e in forks.items()]
    if not actions:
        return fork(txn)
    try:
        item.update(actions=actions, condition=ForkItem.pk.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return item


def claim_fork(txn: str, claimant: str) -> bool:
    """The one conditional write that decides a parallel ring (see call_flow.Facts)."""
    condition = (
        ForkItem.pk.exists()
        & ForkItem.ended.does_not_exist()
        & (ForkItem.winner.does_not_exist() | (ForkItem.winner == claimant))
    )
    try:
        ForkItem(call_key(txn), "FORK").update(actions=[ForkItem.winner.set(claimant)], condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def end_fork(txn: str, reason: str) -> ForkItem | None:
    """Mark the fork ended (later claims fail); the item as it now is."""
    item = ForkItem(call_key(txn), "FORK")
    try:
        item.update(
            actions=[ForkItem.ended.set(ForkItem.ended | reason)],
            condition=ForkItem.pk.exists(),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return item


class StaleSequence(Exception):
    """The call's stored Sequence is not older than this event's (duplicate or out of order)."""


class Contended(Exception):
    """Another writer changed an item of the same transaction (agent or entry claimed)."""


def state_item(txn: str, sequence: int, response: dict, attrs: dict, company_id: str | None, now_s: int):
    return CallStateItem(
        call_key(txn),
        "STATE",
        company_id=company_id,
        sequence=sequence,
        response=response,
        attrs=attrs,
        node=attrs.get("node"),
        expires_at=now_s + CALL_TTL_S,
    )


def save_state(item: CallStateItem, extra: list[Callable[[TransactWrite], None]] | None = None) -> None:
    """The conditional write of idempotency: the new state and response are stored only if
    the stored Sequence is older. `extra` writes join the same transaction (queue entry …).
    Raises StaleSequence (the condition on the state failed) or Contended."""
    condition = CallStateItem.pk.does_not_exist() | (CallStateItem.sequence < item.sequence)
    if not extra:
        try:
            item.save(condition=condition)
        except PutError as exc:
            if condition_failed(exc):
                raise StaleSequence(item.pk) from None
            raise
        return
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(item, condition=condition)
            for write in extra:
                write(tx)
    except TransactWriteError as exc:
        reasons = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise StaleSequence(item.pk) from None
        if "ConditionalCheckFailed" in reasons:
            raise Contended(item.pk) from None
        raise


def register_softphone(company_id: str, employee_id: str, sip_user: str | None, previous: str | None) -> None:
    """A13: `NUMBER#<sip user>` names the employee a softphone belongs to, so a call from it
    is that person's outgoing call (display number, barring A9). A SIP user is unique on the
    Voice Connector: one another employee holds → Conflict."""
    from skysentral.domain.errors import Conflict

    if previous and previous != sip_user:
        with contextlib.suppress(DeleteError):
            NumberItem(f"NUMBER#{previous}", "NUMBER").delete(condition=NumberItem.employee_id == employee_id)
    if not sip_user:
        return
    item = NumberItem(f"NUMBER#{sip_user}", "NUMBER", company_id=company_id, employee_id=employee_id)
    try:
        item.save(
            condition=NumberItem.pk.does_not_exist()
            | ((NumberItem.company_id == company_id) & (NumberItem.employee_id == employee_id))
        )
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict(f"The SIP user {sip_user!r} is registered to someone else.", code="sip_user_taken") from None
        raise


# ---------------------------------------------------------------- queue entries


def put_entry(company_id: str, queue_id: str, entry: str, caller: str, position: int, now_s: int):
    def write(tx: TransactWrite) -> None:
        tx.save(
            QueueEntryItem(
                queue_key(company_id, queue_id),
                entry,
                call_id=entry.split("#", 1)[1],
                caller=caller,
                position=position,
                expires_at=now_s + CALL_TTL_S,
            )
        )

    return write


def waiting_count(company_id: str, queue_id: str) -> int:
    """Callers and callbacks not yet finished (A4 max length)."""
    key = queue_key(company_id, queue_id)
    return QueueEntryItem.count(key, filter_condition=QueueEntryItem.status != "done")


def entries(company_id: str, queue_id: str) -> list[QueueEntryItem]:
    """The queue in order (sort key = original enqueue time)."""
    return list(QueueEntryItem.query(queue_key(company_id, queue_id), consistent_read=True))


def delete_entry(company_id: str, queue_id: str, entry: str) -> QueueEntryItem | None:
    """Removes the entry; returns it as it was (None if it was gone)."""
    item = QueueEntryItem(queue_key(company_id, queue_id), entry)
    try:
        result = item.delete()
    except DoesNotExist:  # pragma: no cover
        return None
    old = (result or {}).get("Attributes") if isinstance(result, dict) else None
    return QueueEntryItem.from_raw_data(old) if old else None


def update_entry(company_id: str, queue_id: str, entry: str, *actions: Any, condition: Any = None) -> bool:
    item = QueueEntryItem(queue_key(company_id, queue_id), entry)
    cond = QueueEntryItem.pk.exists() if condition is None else (QueueEntryItem.pk.exists() & condition)
    try:
        item.update(actions=list(actions), condition=cond)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


# ---------------------------------------------------------------- agents (A4)


class AgentRepository:
    """Agent items of one company. log_in / log_out serve the login API (services.agent_logins); the state
    transitions are call control's and the dispatcher's."""

    def __init__(self, company_id: str):
        self.company_id = company_id
        self.pk = agent_key(company_id)

    def log_in(self, employee_id: str, queue_ids: Iterable[str]) -> None:
        item = AgentItem(self.pk, employee_id)
        current = set(self.agent(employee_id).logged_in_queues or []) if self._exists(employee_id) else set()
        item.update(
            actions=[
                AgentItem.logged_in_queues.set(sorted(current | set(queue_ids))),
                AgentItem.state.set(AgentItem.state | "idle"),  # if_not_exists: a first login
                AgentItem.wrapup_until_ms.set(AgentItem.wrapup_until_ms | 0),
                AgentItem.last_call_end_ms.set(AgentItem.last_call_end_ms | 0),
                AgentItem.calls_taken.set(AgentItem.calls_taken | {}),
            ]
        )

    def log_out(self, employee_id: str, queue_ids: Iterable[str]) -> None:
        if not self._exists(employee_id):
            return
        current = set(self.agent(employee_id).logged_in_queues or [])
        AgentItem(self.pk, employee_id).update(
            actions=[AgentItem.logged_in_queues.set(sorted(current - set(queue_ids)))]
        )

    def _exists(self, employee_id: str) -> bool:
        try:
            self.agent(employee_id)
        except DoesNotExist:
            return False
        return True

    def agent(self, employee_id: str) -> AgentItem:
        return AgentItem.get(self.pk, employee_id, consistent_read=True)

    def agents(self) -> list[AgentItem]:
        return list(AgentItem.query(self.pk, consistent_read=True))

    def release(self, employee_id: str, queue_id: str, wrapup_s: int, completed: bool, now_ms: int) -> bool:
        """The agent's call ended (completed: counts for fewestcalls/leastrecent, wrap-up
        follows) or the offer was declined (back to idle at once). False if the agent had
        moved on already (another call) or does not exist."""
        if not employee_id:
            return False
        actions: list[Any] = [AgentItem.call.remove(), AgentItem.queue_id.remove()]
        if completed:
            actions += [
                AgentItem.state.set("wrapup" if wrapup_s > 0 else "idle"),
                AgentItem.wrapup_until_ms.set(now_ms + wrapup_s * 1000),
                AgentItem.last_call_end_ms.set(now_ms),
            ]
            if queue_id:  # fewestcalls; the map exists from the first login (log_in)
                actions.append(AgentItem.calls_taken[queue_id].add(1))
        else:
            actions.append(AgentItem.state.set("idle"))
        try:
            AgentItem(self.pk, employee_id).update(
                actions=actions, condition=AgentItem.pk.exists() & (AgentItem.state != "idle")
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def claim(
        self,
        employee_id: str,
        entry: QueueEntryItem,
        queue_id: str,
        now_ms: int,
        callback: bool,
        anyone: bool = False,
    ) -> bool:
        """A4/A5: the agent (idle, wrap-up over) and the entry (waiting, or a callback due) are
        taken together in ONE transaction, or neither is: never two callers for one agent,
        never two agents for one caller. `anyone` (B3, the switchboard assigns a call): the
        person need not be an agent yet (no item: it is made, logged in to no queue)."""
        agent = AgentItem(self.pk, employee_id)
        if callback:
            entry_cond = (QueueEntryItem.status == "callback_waiting") & (QueueEntryItem.not_before_ms <= now_ms)
            entry_actions: list[Any] = [
                QueueEntryItem.status.set("callback_dialling"),
                QueueEntryItem.agent.set(employee_id),
                QueueEntryItem.attempts.set(QueueEntryItem.attempts + 1),
            ]
        else:
            entry_cond = QueueEntryItem.status == "waiting"
            entry_actions = [QueueEntryItem.status.set("offered"), QueueEntryItem.agent.set(employee_id)]
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.update(
                    agent,
                    actions=_ringing(entry.call_id, queue_id),
                    condition=_free_agent(now_ms, anyone),
                )
                tx.update(
                    QueueEntryItem(entry.pk, entry.sk),
                    actions=entry_actions,
                    condition=QueueEntryItem.pk.exists() & entry_cond,
                )
        except TransactWriteError as exc:
            if any(getattr(r, "code", None) == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
                return False
            raise
        return True

    def on_call(self, employee_id: str, call_id: str) -> None:
        """The agent answered: ringing → on_call."""
        try:
            AgentItem(self.pk, employee_id).update(
                actions=[AgentItem.state.set("on_call")], condition=AgentItem.call == call_id
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise


def log_in(company_id: str, employee_id: str, queue_ids: Iterable[str]) -> None:
    AgentRepository(company_id).log_in(employee_id, queue_ids)


def log_out(company_id: str, employee_id: str, queue_ids: Iterable[str]) -> None:
    AgentRepository(company_id).log_out(employee_id, queue_ids)


def agents(company_id: str) -> list[AgentItem]:
    return AgentRepository(company_id).agents()


def _free_agent(now_ms: int, anyone: bool = False) -> Any:
    free = (AgentItem.state == "idle") | ((AgentItem.state == "wrapup") & (AgentItem.wrapup_until_ms <= now_ms))
    return (AgentItem.pk.does_not_exist() | free) if anyone else free


def _ringing(call_id: str, queue_id: str | None) -> list[Any]:
    actions: list[Any] = [
        AgentItem.state.set("ringing"),
        AgentItem.call.set(call_id),
        AgentItem.queue_id.set(queue_id) if queue_id else AgentItem.queue_id.remove(),
    ]
    # an agent item made by an assignment (anyone=True) gets the fields log_in would give it
    actions += [
        AgentItem.logged_in_queues.set(AgentItem.logged_in_queues | []),
        AgentItem.wrapup_until_ms.set(AgentItem.wrapup_until_ms | 0),
        AgentItem.last_call_end_ms.set(AgentItem.last_call_end_ms | 0),
        AgentItem.calls_taken.set(AgentItem.calls_taken | {}),
    ]
    return actions


# ---------------------------------------------------------------- calls on hold (B3, B4)


class HoldEntryItem(_SharedConnection, _Calls):
    """pk = <company>#HOLD, sk = <held_ms:013d>#<txn>: a parked call (the switchboard's
    `on_hold`, B3/B4), written by call control when an agent parks a connected call, removed
    when it is picked up, transferred or the caller hangs up. `offered_to`: the person it is
    being offered to right now (pick-up, B4)."""

    call_id = UnicodeAttribute()
    caller = UnicodeAttribute(default="")
    held_by = UnicodeAttribute(default="")
    held_at = UnicodeAttribute()  # UTC ISO 8601 with Z
    offered_to = UnicodeAttribute(null=True)
    queue_id = UnicodeAttribute(null=True)  # the queue it came through, if any


def hold_key(company_id: str) -> str:
    return f"{company_id}#HOLD"


def put_hold(
    company_id: str, call_id: str, caller: str, held_by: str, held_ms: int, queue_id: str | None = None
) -> HoldEntryItem:
    """Write the held-call item (sort key `<held_ms:013d>#<call_id>`); returns it."""
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(held_ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    item = HoldEntryItem(
        hold_key(company_id),
        f"{held_ms:013d}#{call_id}",
        call_id=call_id,
        caller=caller,
        held_by=held_by,
        held_at=at,
        queue_id=queue_id,
        expires_at=held_ms // 1000 + CALL_TTL_S,
    )
    item.save()
    return item


def delete_hold(company_id: str, sk: str) -> None:
    """The held call left the hold list (picked up, transferred, hung up)."""
    HoldEntryItem(hold_key(company_id), sk).delete()


def holds(company_id: str) -> list[HoldEntryItem]:
    """The company's held calls, longest held first."""
    return list(HoldEntryItem.query(hold_key(company_id), consistent_read=True))


def hold_of(company_id: str, call_id: str) -> HoldEntryItem | None:
    return next((h for h in holds(company_id) if h.call_id == call_id), None)


def release_hold(company_id: str, sk: str) -> None:
    """A pick-up was not answered: the held call may be offered again."""
    with contextlib.suppress(UpdateError):
        HoldEntryItem(hold_key(company_id), sk).update(
            actions=[HoldEntryItem.offered_to.remove()], condition=HoldEntryItem.pk.exists()
        )


def claim_hold(company_id: str, sk: str, call_id: str, employee_id: str, now_ms: int) -> bool:
    """B4: a held call offered to one person at a time: the hold item (not being offered) and
    the person (free, or no agent item yet) are taken in ONE transaction, or neither is."""
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.update(
                AgentItem(agent_key(company_id), employee_id),
                actions=_ringing(call_id, None),
                condition=_free_agent(now_ms, anyone=True),
            )
            tx.update(
                HoldEntryItem(hold_key(company_id), sk),
                actions=[HoldEntryItem.offered_to.set(employee_id)],
                condition=HoldEntryItem.pk.exists() & HoldEntryItem.offered_to.does_not_exist(),
            )
    except TransactWriteError as exc:
        if any(getattr(r, "code", None) == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            return False
        raise
    return True
