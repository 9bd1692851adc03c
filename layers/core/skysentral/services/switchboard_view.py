"""The switchboard's live view (B1, B3): per queue the waiting calls with their wait and
colour, the calls on hold, the agents and their state, and the active wait alerts.

Read from the CallsTable's live items only, a fixed number of requests whatever the load:
the routing plan (cached), one Query per queue (its entries), one for the agents, one for
presence, one for mobile status, one for the holds, one for the alerts, the employees
(cached) and one BatchGetItem for cached caller names. Never a scan, never the call log.

Caller names: the company's directory first (an employee's mobile), then the number-lookup
cache (`LOOKUP#<e164>`); the live view never calls the lookup service itself.

The ETag is a hash of the view without the ticking figures (`at`, `wait_s`, `hold_s`): it
changes when a call arrives, leaves, changes colour or state, or an agent changes, not
every second. A page that gets 304 counts the waits on from `entered_at` itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from skysentral.domain.pbx.routing_plan import CallQueue
from skysentral.domain.pbx.wait_colours import wait_colour, wait_seconds

WAITING_STATUSES = ("waiting", "offered", "callback_waiting", "callback_dialling")
_TICKING = ("at", "wait_s", "hold_s")


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def live_view(company_id: str, now: datetime) -> dict[str, Any]:
    """B1/B3: the view of GET /switchboard/live (docs/switchboard.md)."""
    from skysentral.store import call_repository, wait_alert_repository

    now_ms = int(now.timestamp() * 1000)
    plan = call_repository.routing_plan(company_id)
    queues: list[CallQueue] = list(plan.queues.values()) if plan else []
    employees = call_repository.employees(company_id)
    entries = {q.queue_id: call_repository.entries(company_id, q.queue_id) for q in queues}
    holds = call_repository.holds(company_id)
    agents = {a.sk: a for a in call_repository.agents(company_id)}
    presence = _presence(company_id)
    mobile = _mobile(company_id)
    waiting_ids = {e.call_id for es in entries.values() for e in es if e.status in WAITING_STATUSES}
    alerts = [a for a in wait_alert_repository.alerts(company_id) if a.call_id in waiting_ids]
    callers = [e.caller for es in entries.values() for e in es] + [h.caller for h in holds]
    names = caller_names(company_id, callers, employees, now)

    out = []
    for q in queues:
        waiting: list[dict[str, Any]] = []
        for e in entries[q.queue_id]:
            if e.status not in WAITING_STATUSES:
                continue
            entered_ms = int(e.sk.split("#", 1)[0])
            wait_s = wait_seconds(entered_ms, now_ms)
            waiting.append(
                {
                    "call_id": e.call_id,
                    "caller": e.caller,
                    "caller_name": names.get(e.caller),
                    "position": len(waiting) + 1,
                    "entered_at": iso_ms(entered_ms),
                    "wait_s": wait_s,
                    "colour": wait_colour(wait_s, q.wait_warning_s, q.wait_alert_s),
                    "callback": e.kind == "callback" or e.status.startswith("callback"),
                    "offered_to": e.agent if e.status in ("offered", "callback_dialling") else None,
                }
            )
        on_hold = [_hold(h, names, now_ms) for h in holds if h.queue_id == q.queue_id]
        member_ids = [m.employee_id for m in q.members]
        member_ids += sorted(
            e for e, a in agents.items() if q.queue_id in (a.logged_in_queues or []) and e not in member_ids
        )
        queue_agents = [
            _agent(e, employees, agents.get(e), q.queue_id, presence, mobile, now, now_ms) for e in member_ids
        ]
        out.append(
            {
                "queue_id": q.queue_id,
                "name": q.name,
                "thresholds": {"wait_warning_s": q.wait_warning_s, "wait_alert_s": q.wait_alert_s},
                "waiting": waiting,
                "on_hold": on_hold,
                "agents": queue_agents,
                "alerts": [
                    {
                        "call_id": a.call_id,
                        "kind": "wait_alert",
                        "wait_s": int(a.wait_s),
                        "threshold_s": int(a.threshold_s),
                    }
                    for a in alerts
                    if a.queue_id == q.queue_id
                ],
                "counts": {
                    "waiting": len(waiting),
                    "on_hold": len(on_hold),
                    "agents_logged_in": sum(1 for a in queue_agents if a["logged_in"]),
                    "agents_available": sum(1 for a in queue_agents if a["logged_in"] and a["state"] == "available"),
                },
            }
        )
    return {
        "at": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "queues": out,
        # every call on hold, also those that came through no queue (a direct call parked)
        "on_hold": [_hold(h, names, now_ms) for h in holds],
    }


def etag_of(view: dict[str, Any]) -> str:
    """A strong ETag of the view without its ticking figures."""

    def still(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: still(v) for k, v in x.items() if k not in _TICKING}
        if isinstance(x, list):
            return [still(v) for v in x]
        return x

    digest = hashlib.sha256(json.dumps(still(view), sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f'"{digest[:32]}"'


def live(company_id: str, now: datetime, if_none_match: str | None) -> tuple[int, dict[str, Any] | None, str]:
    """(200, view, etag), or (304, None, etag) when the client's tag is still current."""
    view = live_view(company_id, now)
    tag = etag_of(view)
    if if_none_match and tag in {t.strip().removeprefix("W/") for t in if_none_match.split(",")}:
        return 304, None, tag
    return 200, view, tag


def caller_names(
    company_id: str, numbers: list[str], employees: dict[str, Any], now: datetime
) -> dict[str, str | None]:
    """The directory's names first, then cached lookups (one BatchGetItem); None if unknown."""
    from skysentral.store.number_names_repository import NumberNameItem

    own = {e.mobile: e.name for e in employees.values() if getattr(e, "mobile", None)}
    out: dict[str, str | None] = {n: own.get(n) for n in dict.fromkeys(n for n in numbers if n)}
    unknown = [n for n, name in out.items() if name is None and n.startswith("+")]
    now_s = now.timestamp()
    for i in range(0, len(unknown), 100):
        for item in NumberNameItem.batch_get([(f"LOOKUP#{n}", "NAME") for n in unknown[i : i + 100]]):
            if item.expires_at and item.expires_at > now_s:
                out[item.pk.removeprefix("LOOKUP#")] = item.name
    return out


def _hold(h: Any, names: dict[str, str | None], now_ms: int) -> dict[str, Any]:
    held_ms = int(h.sk.split("#", 1)[0])
    return {
        "call_id": h.call_id,
        "caller": h.caller,
        "caller_name": names.get(h.caller),
        "held_by": h.held_by,
        "held_at": h.held_at,
        "hold_s": wait_seconds(held_ms, now_ms),
        "queue_id": h.queue_id,
    }


def _agent(
    employee_id: str,
    employees: dict[str, Any],
    agent: Any,
    queue_id: str,
    presence: dict[str, Any],
    mobile: dict[str, str],
    now: datetime,
    now_ms: int,
) -> dict[str, Any]:
    """B3: an agent's state: the call state when in one, else the availability (A7)."""
    from skysentral.services.call_control import availability

    p = presence.get(employee_id)
    avail = availability(p.manual, p.calendar, now) if p is not None else "available"
    call_state = agent.state if agent is not None else "idle"
    if call_state == "wrapup" and int(agent.wrapup_until_ms or 0) <= now_ms:
        call_state = "idle"
    state = call_state if call_state != "idle" else avail
    employee = employees.get(employee_id)
    return {
        "employee_id": employee_id,
        "name": employee.name if employee is not None else employee_id,
        "logged_in": agent is not None and queue_id in (agent.logged_in_queues or []),
        "state": state,
        "availability": avail,
        "mobile": mobile.get(employee_id, "idle"),
    }


def _presence(company_id: str) -> dict[str, Any]:
    from skysentral.store.call_repository import PresenceItem

    return {i.sk: i for i in PresenceItem.query(f"{company_id}#PRESENCE")}


def _mobile(company_id: str) -> dict[str, str]:
    from skysentral.store.call_log_repository import MobileStatusItem

    return {i.sk: i.state for i in MobileStatusItem.query(f"{company_id}#MOBILE")}
