"""A4/C4: agents log in to and out of queues (themselves from the app, or an administrator
or switchboard agent for them). Membership comes from the routing plan's queues; the agent
state lives in call control's `<company>#AGENT` items, written through its AgentRepository
(login/logout touch only `logged_in_queues`). Every change emits AGENTLOGIN/AGENTLOGOFF call
events and asks the dispatcher to look at the queue (a waiting caller is served at once).

The agent store, the event publisher and the dispatcher are parameters (tests pass fakes);
the defaults are the real ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from skysentral.domain.errors import Forbidden, NotFound
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.store.directory_repository import Directory
from skysentral.store.routing_repository import RoutingRepository


class Agents(Protocol):
    def log_in(self, company_id: str, employee_id: str, queue_ids: list[str]) -> Any: ...

    def log_out(self, company_id: str, employee_id: str, queue_ids: list[str]) -> Any: ...

    def agents(self, company_id: str) -> Any: ...


def default_agents() -> Agents:
    from skysentral.store import call_repository  # log_in, log_out, agents(company_id)

    return call_repository  # the module: log_in, log_out, agents(company_id)


def default_publish(events: list[CallEvent]) -> None:
    from skysentral.adapters import call_event_bus

    call_event_bus.publish(events)


def default_dispatch(company_id: str, queue_id: str, reason: str) -> None:
    from skysentral.services.queue_dispatch import request_dispatch

    request_dispatch(company_id, queue_id, reason)


def _plan_queues(directory: Directory) -> dict[str, dict[str, Any]]:
    stored = RoutingRepository(directory).get()
    return dict((stored.plan.get("queues") or {}) if stored else {})


def member_queues(queues: dict[str, dict[str, Any]], employee_id: str) -> dict[str, dict[str, Any]]:
    return {
        qid: q for qid, q in queues.items() if any(m.get("employee_id") == employee_id for m in q.get("members") or [])
    }


def _field(agent: Any, name: str) -> Any:
    return agent.get(name) if isinstance(agent, dict) else getattr(agent, name, None)


def logged_in_queues(agents: Agents, company_id: str, employee_id: str) -> set[str]:
    """The queues the agent is logged in to, from call control's agent items (a list, a
    mapping by employee id, or objects with employee_id and logged_in_queues)."""
    found = agents.agents(company_id)
    items: Iterable[Any] = found.values() if isinstance(found, dict) else found
    for agent in items:
        if _field(agent, "employee_id") == employee_id:
            return set(_field(agent, "logged_in_queues") or ())
    return set()


def _event(company_id: str, employee_id: str, queue_id: str, kind: str, now: datetime, n: int) -> CallEvent:
    ms = int(now.timestamp() * 1000)
    call_id = f"AGENT#{employee_id}"
    return CallEvent(
        event_id=f"{call_id}#d{ms}#{n}",
        kind=kind,
        company_id=company_id,
        call_id=call_id,
        at=now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        queue_id=queue_id,
        employee_id=employee_id,
    )


def _view(queues: dict[str, dict[str, Any]], logged_in: set[str]) -> dict[str, Any]:
    return {
        "items": [
            {"queue_id": qid, "name": q.get("name") or qid, "logged_in": qid in logged_in}
            for qid, q in sorted(queues.items())
        ]
    }


def my_queues(directory: Directory, employee_id: str, agents: Agents | None = None) -> dict[str, Any]:
    """C4: the queues I am a member of, and whether I am logged in to each."""
    agents = agents or default_agents()
    mine = member_queues(_plan_queues(directory), employee_id)
    return _view(mine, logged_in_queues(agents, directory.company_id, employee_id))


def _apply(
    directory: Directory,
    employee_id: str,
    wanted: set[str],
    scope: set[str],
    now: datetime,
    agents: Agents,
    publish: Callable[[list[CallEvent]], None],
    dispatch: Callable[[str, str, str], None],
) -> set[str]:
    """Logs the agent in to `wanted` and out of the rest of `scope`; returns the queues now logged in."""
    company = directory.company_id
    current = logged_in_queues(agents, company, employee_id)
    log_in = sorted((wanted - current) & scope)
    log_out = sorted((current - wanted) & scope)
    if log_in:
        agents.log_in(company, employee_id, log_in)
    if log_out:
        agents.log_out(company, employee_id, log_out)
    events = [_event(company, employee_id, q, "AGENTLOGIN", now, n) for n, q in enumerate(log_in)]
    events += [_event(company, employee_id, q, "AGENTLOGOFF", now, len(log_in) + n) for n, q in enumerate(log_out)]
    if events:
        publish(events)
    for q in log_in:
        dispatch(company, q, "agent_login")
    return (current - set(log_out)) | set(log_in)


def set_my_queues(
    directory: Directory,
    employee_id: str,
    queue_ids: list[str],
    now: datetime,
    agents: Agents | None = None,
    publish: Callable[[list[CallEvent]], None] = default_publish,
    dispatch: Callable[[str, str, str], None] = default_dispatch,
) -> dict[str, Any]:
    """C4: log in to exactly these queues (all of which I must be a member of), out of the others."""
    agents = agents or default_agents()
    mine = member_queues(_plan_queues(directory), employee_id)
    not_member = sorted(set(queue_ids) - mine.keys())
    if not_member:
        raise Forbidden(f"You are not a member of queue(s) {', '.join(not_member)}.", code="not_a_member")
    now_in = _apply(directory, employee_id, set(queue_ids), set(mine), now, agents, publish, dispatch)
    return _view(mine, now_in)


def set_agent(
    directory: Directory,
    queue_id: str,
    employee_id: str,
    logged_in: bool,
    now: datetime,
    agents: Agents | None = None,
    publish: Callable[[list[CallEvent]], None] = default_publish,
    dispatch: Callable[[str, str, str], None] = default_dispatch,
) -> dict[str, Any]:
    """A4/B3: an administrator or switchboard agent logs a colleague in or out of one queue."""
    agents = agents or default_agents()
    queues = _plan_queues(directory)
    if queue_id not in queues:
        raise NotFound(f"No queue {queue_id}.")
    directory.employee(employee_id)  # another company's employee is 404
    if queue_id not in member_queues(queues, employee_id):
        raise Forbidden(f"Employee {employee_id} is not a member of queue {queue_id}.", code="not_a_member")
    current = logged_in_queues(agents, directory.company_id, employee_id)
    wanted = (current | {queue_id}) if logged_in else (current - {queue_id})
    now_in = _apply(directory, employee_id, wanted, {queue_id}, now, agents, publish, dispatch)
    return {"queue_id": queue_id, "employee_id": employee_id, "logged_in": queue_id in now_in}
