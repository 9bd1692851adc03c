"""The queue dispatcher (A4, A5): free agents matched to the oldest waiting callers and due
callbacks, one queue at a time.

Triggered by DispatchQueue messages {"company_id", "queue_id", "reason"[, "call_id"]}: a
caller entered, an agent's call ended (delayed by the queue's wrap-up), an offer was
declined, a callback is due again (delayed by retry_delay_s), an agent logged in (services.agent_logins),
and the max-wait timer of one caller (reason "max_wait", delayed by max_wait_s, with the
caller's call_id).

A free agent is logged in to the queue, idle (or its wrap-up is over) and available (A7).
Entries are served in sort-key order (their original enqueue time: a callback keeps the
place of the call it came from); agents are taken in the queue strategy's order. Each pair
is claimed in ONE conditional transaction (AgentRepository.claim): never two callers for
one agent, never two agents for one caller, whatever number of dispatchers run at once.
Then a caller's call is poked (UpdateSipMediaApplicationCall op=bridge; CallGone: the
caller has gone, the entry is dropped and the agent freed) or a callback is dialled
(CreateSipMediaApplicationCall to the agent, op=callback): the claim is the guard, so an
attempt is dialled once.

The adapter is a parameter (`voice`, adapters.chime_voice by default): tests pass a fake."""

from __future__ import annotations

import json
import logging
import os
import random
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from skysentral import clock

logger = logging.getLogger(__name__)
MAX_DELAY_S = 900  # SQS DelaySeconds


@lru_cache(maxsize=1)
def _sqs():
    import boto3

    return boto3.client("sqs")


def request_dispatch(company_id: str, queue_id: str, reason: str, delay_s: int = 0, call_id: str | None = None) -> None:
    """Ask the dispatcher to look at a queue (after delay_s seconds, at most 900)."""
    body: dict[str, Any] = {"company_id": company_id, "queue_id": queue_id, "reason": reason}
    if call_id:
        body["call_id"] = call_id
    _sqs().send_message(
        QueueUrl=os.environ["DISPATCH_QUEUE_URL"],
        MessageBody=json.dumps(body, separators=(",", ":")),
        DelaySeconds=max(0, min(MAX_DELAY_S, int(delay_s))),
    )


def _voice_default() -> Any:
    from skysentral.adapters import chime_voice

    return chime_voice


def dispatch(
    company_id: str, queue_id: str, reason: str = "", call_id: str | None = None, voice: Any = None
) -> list[str]:
    """One pass over a queue; returns what it did ("bridge <txn> <agent>", "callback …",
    "overflow <txn>"), for logs and tests."""
    from skysentral.store import call_repository as repo

    voice = voice or _voice_default()
    plan = repo.routing_plan(company_id)
    queue = plan.queues.get(queue_id) if plan is not None else None
    if queue is None:
        logger.warning("dispatch for an unknown queue", extra={"company_id": company_id, "queue_id": queue_id})
        return []
    now_ms = int(clock.now().timestamp() * 1000)
    entries = repo.entries(company_id, queue_id)
    if reason == "max_wait" and call_id:
        return _max_wait(company_id, queue, entries, call_id, now_ms, voice)
    done: list[str] = []
    waiting = [
        e
        for e in entries
        if e.status == "waiting" or (e.status == "callback_waiting" and int(e.not_before_ms or 0) <= now_ms)
    ]
    if not waiting:
        return done
    agents = _free_agents(company_id, queue, now_ms)
    for entry in waiting:
        tried: list[tuple[str, str, str | None]] = []
        while agents:
            candidate = agents.pop(0)
            agent, uri, mobile = candidate
            callback = entry.kind == "callback"
            if not repo.AgentRepository(company_id).claim(agent, entry, queue_id, now_ms, callback):
                tried.append(candidate)  # the agent or the entry was taken by another dispatcher
                continue
            outcome = _offer(company_id, queue_id, plan, entry, agent, uri, mobile, callback, now_ms, voice)
            if outcome:
                done.append(outcome)
            else:  # the caller had gone: the agent is free again for the next entry
                tried.insert(0, candidate)
            break
        agents = tried + agents
        if not agents:
            break
    return done


def _free_agents(company_id: str, queue: Any, now_ms: int) -> list[tuple[str, str, str | None]]:
    """(employee id, uri to ring, mobile) of the free agents, in the strategy's order."""
    from skysentral.domain.pbx import call_flow
    from skysentral.domain.pbx.routing_plan import Member
    from skysentral.services.call_control import availability
    from skysentral.store import call_repository as repo

    agents = [
        a
        for a in repo.agents(company_id)
        if queue.queue_id in (a.logged_in_queues or [])
        and (a.state == "idle" or (a.state == "wrapup" and int(a.wrapup_until_ms or 0) <= now_ms))
    ]
    if not agents:
        return []
    employees = repo.employees(company_id)
    presences = repo.presences(company_id, [a.sk for a in agents])
    at = datetime.fromtimestamp(now_ms / 1000, UTC)
    penalty = {m.employee_id: m.penalty for m in queue.members}
    free: dict[str, tuple[str, str, str | None]] = {}
    for a in agents:
        p, emp = presences.get(a.sk), employees.get(a.sk)
        if availability(p.manual if p else None, p.calendar if p else None, at) != "available":
            continue
        mobile = emp.mobile if emp else None
        uri = (p.softphone_uri if p and p.softphone_uri else None) or mobile
        if uri:
            free[a.sk] = (a.sk, uri, mobile)
    members = tuple(Member(e, penalty.get(e, 0)) for e in sorted(free))
    calls = {}
    for a in agents:
        taken = a.calls_taken.as_dict() if hasattr(a.calls_taken, "as_dict") else dict(a.calls_taken or {})
        calls[a.sk] = int(taken.get(queue.queue_id, 0))
    stored = repo.ring_memory(company_id, queue.queue_id) if queue.strategy in ("rrmemory", "rrordered") else {}
    memory = {  # agents' own figures for leastrecent / fewestcalls (RingMemory's JSON form)
        **stored,
        "calls_taken": calls,
        "last_call_end_ms": {a.sk: int(a.last_call_end_ms or 0) for a in agents},
    }
    order, new_memory = call_flow.offer_order(queue.strategy, members, memory, random.random)
    if new_memory.get("last_offered") != memory.get("last_offered"):
        keep = {k: new_memory.get(k) for k in ("last_offered", "last_index")}
        repo.RingMemoryItem(f"{company_id}#GROUP#{queue.queue_id}", "STATE", memory=keep).save()
    return [free[e] for e in order if e in free]


def _offer(
    company_id, queue_id, plan, entry, agent, uri, mobile, callback, now_ms, voice, op="bridge", extra=None
) -> str | None:
    """Poke the claimed caller (`op` bridge; the switchboard's assign passes `op` assign and
    `extra` arguments) or dial the claimed callback; None when the caller had gone."""
    from skysentral.adapters.chime_voice import CallGone
    from skysentral.store import call_repository as repo
    from skysentral.store.call_repository import QueueEntryItem

    agents = repo.AgentRepository(company_id)
    if not callback:
        try:
            args = {"op": op, "employee_id": agent, "uri": uri, "queue_id": queue_id, **(extra or {})}
            voice.update_call(entry.call_id, args)
        except CallGone:  # the caller hung up meanwhile
            repo.delete_entry(company_id, queue_id, entry.sk)
            agents.release(agent, queue_id, 0, False, now_ms)
            return None
        except Exception:
            _unclaim(company_id, queue_id, entry.sk, agent, now_ms, "waiting")
            raise
        return f"{op} {entry.call_id} {agent}"
    attempt = int(entry.attempts or 0) + 1
    try:
        voice.create_call(
            plan.main_number,
            mobile or uri,
            {
                "op": "callback",
                "company_id": company_id,
                "queue_id": queue_id,
                "entry": entry.sk,
                "agent": agent,
                "attempt": attempt,
                "number": entry.caller,
            },
        )
    except Exception:
        repo.update_entry(
            company_id, queue_id, entry.sk, QueueEntryItem.attempts.set(attempt - 1)
        )  # the attempt did not happen
        _unclaim(company_id, queue_id, entry.sk, agent, now_ms, "callback_waiting")
        raise
    return f"callback {entry.call_id} {agent} attempt {attempt}"


def _unclaim(company_id: str, queue_id: str, entry: str, agent: str, now_ms: int, status: str) -> None:
    from skysentral.store import call_repository as repo
    from skysentral.store.call_repository import QueueEntryItem

    repo.update_entry(company_id, queue_id, entry, QueueEntryItem.status.set(status), QueueEntryItem.agent.remove())
    repo.AgentRepository(company_id).release(agent, queue_id, 0, False, now_ms)


def _max_wait(company_id: str, queue: Any, entries: list, call_id: str, now_ms: int, voice: Any) -> list[str]:
    """A4: the caller still waiting after max_wait_s is sent to the queue's overflow."""
    from skysentral.adapters.chime_voice import CallGone
    from skysentral.store import call_repository as repo

    entry = next((e for e in entries if e.call_id == call_id and e.status == "waiting"), None)
    if entry is None:
        return []
    waited_s = (now_ms - int(entry.sk.split("#", 1)[0])) // 1000
    if waited_s + 1 < queue.max_wait_s:  # woken early (a max wait above SQS's 900 s): sleep again
        request_dispatch(company_id, queue.queue_id, "max_wait", queue.max_wait_s - waited_s, call_id=call_id)
        return []
    try:
        voice.update_call(call_id, {"op": "overflow"})
    except CallGone:
        repo.delete_entry(company_id, queue.queue_id, entry.sk)
        return []
    return [f"overflow {call_id}"]


def handle_message(body: dict[str, Any], voice: Any = None) -> list[str]:
    return dispatch(
        str(body["company_id"]), str(body["queue_id"]), str(body.get("reason", "")), body.get("call_id"), voice=voice
    )
