"""B6: the switchboard's statistics: counters kept from the call events, read per queue and
agent, the queues right now, and Erlang C staffing advice.

Consuming: `record_events(events)` applies each event once (store.call_stats_repository),
with the queue's `service_level_s` and `wrapup_s` from the routing plan at that moment.
Reading never touches the call log: historical rows come from the counter items (15 m and
day items; weeks and months are sums of days), the real-time view from the live queue
entries and agent items of call control plus today's counters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.pbx import call_stats, erlang_c
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_stats import (
    AGENT_COUNTERS,
    OSLO,
    QUEUE_COUNTERS,
    QueueSettings,
    agent_scope,
    queue_scope,
)
from skysentral.domain.pbx.routing_plan import WEEKDAYS
from skysentral.store import call_repository
from skysentral.store.call_stats_repository import CallStats

logger = Logger()

# The longest range one request may ask for, per grain (days, inclusive).
MAX_DAYS = {"15m": 7, "day": 93, "week": 371, "month": 731}
STAFFING_WEEKS = 4  # arrivals and AHT: the same weekday and interval over the last 4 weeks
DEFAULT_AHT_S = 180  # when the queue has handled no call in those weeks


# ---------------------------------------------------------------- consuming the events
def record_events(events: Iterable[CallEvent]) -> int:
    """B6: add each event's counters once; the number of events that added something."""
    applied = 0
    for event in sorted(events, key=lambda e: (e.at, e.event_id)):
        plan = call_repository.routing_plan(event.company_id)
        queue = plan.queues.get(event.queue_id) if plan is not None and event.queue_id else None
        if CallStats(event.company_id).apply(event, QueueSettings.of(queue)):
            applied += 1
    return applied


# ---------------------------------------------------------------- history
def _plan(company_id: str) -> Any:
    call_repository.clear_caches()  # a reader wants the plan as saved now
    return call_repository.routing_plan(company_id)


def check_range(first: date, last: date, grain: str) -> None:
    if grain not in MAX_DAYS:
        raise InvalidInput(f"Unknown grain {grain!r}: use one of 15m, day, week, month.", code="invalid_query")
    if first > last:
        raise InvalidInput("'from' is after 'to'.", code="invalid_query")
    days = (last - first).days + 1
    if days > MAX_DAYS[grain]:
        raise InvalidInput(
            f"The range is {days} days; with grain {grain} at most {MAX_DAYS[grain]} days.", code="invalid_query"
        )


def _rows(stats: CallStats, scope: str, first: date, last: date, grain: str) -> dict[str, dict[str, int]]:
    """Interval key → summed counters for one scope."""
    if grain == "15m":
        keys = call_stats.periods(first, last, "15m")
        return stats.counters(scope, "15m", keys[0], keys[-1])
    days = stats.counters(scope, "day", first.isoformat(), last.isoformat())
    if grain == "day":
        return days
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for day, counters in days.items():
        call_stats.add(out[call_stats.period_of_day(date.fromisoformat(day), grain)], counters)
    return out


def _row(key: str, grain: str, counters: dict[str, int], names: tuple[str, ...]) -> dict[str, Any]:
    start, end = call_stats.interval_bounds(key, grain)
    return {
        "period": key,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **call_stats.complete(counters, names),
    }


def queue_stats(
    company_id: str,
    first: date,
    last: date,
    grain: str,
    queue_id: str | None = None,
    definition: str = call_stats.DEFAULT_SL_DEFINITION,
) -> dict[str, Any]:
    """B6: per queue and interval, the raw counters and the figures, and each queue's total."""
    check_range(first, last, grain)
    plan = _plan(company_id)
    queues = dict(plan.queues) if plan is not None else {}
    if queue_id is not None:
        if queue_id not in queues:
            raise NotFound(f"No queue {queue_id!r}.")
        queues = {queue_id: queues[queue_id]}
    stats = CallStats(company_id)
    rows, totals = [], []
    for qid, queue in sorted(queues.items()):
        got = _rows(stats, queue_scope(qid), first, last, grain)
        total: dict[str, int] = {}
        for key in call_stats.periods(first, last, grain):
            counters = got.get(key, {})
            call_stats.add(total, counters)
            rows.append(
                {
                    "queue_id": qid,
                    **_row(key, grain, counters, QUEUE_COUNTERS),
                    **call_stats.queue_figures(counters, definition),
                }
            )
        totals.append(
            {
                "queue_id": qid,
                "name": queue.name,
                "service_level_s": QueueSettings.of(queue).service_level_s,
                **call_stats.complete(total, QUEUE_COUNTERS),
                **call_stats.queue_figures(total, definition),
            }
        )
    return {
        "grain": grain,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "service_level_definition": definition,
        "service_level_definition_text": call_stats.SL_DEFINITIONS[definition],
        "rows": rows,
        "totals": totals,
    }


def _agents_of(plan: Any) -> list[str]:
    if plan is None:
        return []
    return sorted({m.employee_id for q in plan.queues.values() for m in q.members})


def agent_stats(
    company_id: str, first: date, last: date, grain: str, employee_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """B6: per agent and interval: offered, answered, missed, talk, logged-in time, occupancy.
    Logged-in time is counted when the logoff is seen; an agent still logged in has the time
    up to `now` added on reading."""
    check_range(first, last, grain)
    plan = _plan(company_id)
    employees = call_repository.employees(company_id)
    agents = _agents_of(plan)
    if employee_id is not None:
        if employee_id not in employees:
            raise NotFound(f"No employee {employee_id!r}.")
        agents = [employee_id]
    stats = CallStats(company_id)
    open_marks = stats.open_logins() if now is not None else {}
    rows, totals = [], []
    for emp in agents:
        got = _rows(stats, agent_scope(emp), first, last, grain)
        if emp in open_marks and now is not None:
            for key, secs in _open_seconds(open_marks[emp], now, first, last, grain).items():
                call_stats.add(got.setdefault(key, {}), {"logged_in_s": secs})
        total: dict[str, int] = {}
        for key in call_stats.periods(first, last, grain):
            counters = got.get(key, {})
            call_stats.add(total, counters)
            rows.append(
                {"employee_id": emp, **_row(key, grain, counters, AGENT_COUNTERS), **call_stats.agent_figures(counters)}
            )
        item = employees.get(emp)
        totals.append(
            {
                "employee_id": emp,
                "name": item.name if item is not None else None,
                **call_stats.complete(total, AGENT_COUNTERS),
                **call_stats.agent_figures(total),
            }
        )
    return {"grain": grain, "from": first.isoformat(), "to": last.isoformat(), "rows": rows, "totals": totals}


def _open_seconds(marks: list[call_stats.Mark], now: datetime, first: date, last: date, grain: str) -> dict[str, int]:
    """The seconds of spans still open at `now` (a login with no logoff yet), per interval."""
    closing = [
        call_stats.Mark(now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "~now", "AGENTLOGOFF", q)
        for q in {m.queue_id for m in marks}
    ]
    stored = "15m" if grain == "15m" else "day"
    change = call_stats.logged_in_change(marks, [*marks, *closing], (stored,))
    out: dict[str, int] = defaultdict(int)
    lo, hi = first.isoformat(), (last + timedelta(days=1)).isoformat()
    for (_, key), secs in change.items():
        if stored == "15m":
            day = call_stats.parse_at(key).astimezone(OSLO).date()
        else:
            day = date.fromisoformat(key)
        if lo <= day.isoformat() < hi:
            out[key if grain in ("15m", "day") else call_stats.period_of_day(day, grain)] += secs
    return dict(out)


# ---------------------------------------------------------------- now
def realtime(company_id: str, now: datetime) -> dict[str, Any]:
    """B6: per queue now: calls waiting and the oldest wait, callbacks scheduled, agents
    online / available / on a call / in wrap-up, and today's counters with their figures."""
    from skysentral.services.call_control import availability

    plan = _plan(company_id)
    queues = dict(plan.queues) if plan is not None else {}
    now_ms = int(now.timestamp() * 1000)
    agents = call_repository.agents(company_id)
    presences = call_repository.presences(company_id, [a.sk for a in agents if a.logged_in_queues])
    today = now.astimezone(OSLO).date()
    stats = CallStats(company_id)
    out = []
    for qid, queue in sorted(queues.items()):
        entries = call_repository.entries(company_id, qid)
        waiting = [e for e in entries if e.kind == "caller" and e.status in ("waiting", "offered")]
        callbacks = [e for e in entries if e.kind == "callback"]
        oldest_ms = min((int(e.sk.split("#", 1)[0]) for e in waiting), default=None)
        online = [a for a in agents if qid in (a.logged_in_queues or [])]
        on_call = [a for a in online if a.state in ("on_call", "ringing")]
        wrapup = [a for a in online if a.state == "wrapup" and int(a.wrapup_until_ms or 0) > now_ms]
        busy = {a.sk for a in on_call} | {a.sk for a in wrapup}
        available = []
        for a in online:
            p = presences.get(a.sk)
            if (
                a.sk not in busy
                and availability(p.manual if p else None, p.calendar if p else None, now) == "available"
            ):
                available.append(a)
        counters = stats.counters(queue_scope(qid), "day", today.isoformat(), today.isoformat()).get(
            today.isoformat(), {}
        )
        out.append(
            {
                "queue_id": qid,
                "name": queue.name,
                "waiting": len(waiting),
                "oldest_wait_s": max(0, (now_ms - oldest_ms) // 1000) if oldest_ms is not None else None,
                "callbacks_scheduled": len(callbacks),
                "agents_online": len(online),
                "agents_available": len(available),
                "agents_on_call": len(on_call),
                "agents_wrapup": len(wrapup),
                "today": {**call_stats.complete(counters, QUEUE_COUNTERS), **call_stats.queue_figures(counters)},
            }
        )
    return {"at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "date": today.isoformat(), "queues": out}


# ---------------------------------------------------------------- staffing
def _opening_intervals(plan: Any, day: date) -> list[tuple[str, str]]:
    """The plan's opening hours on `day` (a dated exception's own hours, closed days none)."""
    from skysentral.domain.pbx import opening_hours

    for exc in plan.exceptions:
        if exc.date == day.isoformat():
            return [] if exc.closed or exc.destination is not None else list(exc.hours)
    if plan.holidays_closed and opening_hours.holiday_name(day):
        return []
    return list(plan.opening_hours.get(WEEKDAYS[day.weekday()], ()))


def _local(day: date, hhmm: str) -> datetime:
    if hhmm == "24:00":
        return call_stats.day_start(day + timedelta(days=1))
    h, m = int(hhmm[:2]), int(hhmm[3:])
    return datetime(day.year, day.month, day.day, h, m, tzinfo=OSLO)


def staffing(
    company_id: str,
    queue_id: str,
    day: date,
    target: float,
    target_s: int,
    shrinkage: float,
    interval_min: int = 30,
) -> dict[str, Any]:
    """B6: Erlang C agents and staff per opening-hours interval of `day`: arrivals = the
    mean of the same weekday's interval over the last 4 weeks of counters, AHT from the same
    calls (DEFAULT_AHT_S when none was handled)."""
    plan = _plan(company_id)
    if plan is None or queue_id not in plan.queues:
        raise NotFound(f"No queue {queue_id!r}.")
    stats = CallStats(company_id)
    history: dict[str, dict[str, int]] = {}
    for w in range(1, STAFFING_WEEKS + 1):
        d = day - timedelta(weeks=w)
        keys = call_stats.periods(d, d, "15m")
        history.update(stats.counters(queue_scope(queue_id), "15m", keys[0], keys[-1]))
    rows = []
    for opens, closes in _opening_intervals(plan, day):
        start, end = _local(day, opens), _local(day, closes)
        while start < end:
            stop = min(end, start + timedelta(minutes=interval_min))
            summed: dict[str, int] = {}
            for w in range(1, STAFFING_WEEKS + 1):
                t = (start - timedelta(weeks=w)).astimezone(OSLO)
                t_end = (stop - timedelta(weeks=w)).astimezone(OSLO)
                while t < t_end:
                    call_stats.add(summed, history.get(call_stats.interval_key(t, "15m"), {}))
                    t += timedelta(minutes=15)
            arrivals = summed.get("offered", 0) / STAFFING_WEEKS
            handled = summed.get("handled", 0)
            aht = (summed.get("talk_s", 0) + summed.get("wrapup_s", 0)) / handled if handled else DEFAULT_AHT_S
            s = erlang_c.staffing(arrivals, aht, (stop - start).total_seconds(), target, target_s, shrinkage)
            rows.append(
                {
                    "start": start.astimezone(OSLO).isoformat(),
                    "end": stop.astimezone(OSLO).isoformat(),
                    "arrivals": round(arrivals, 2),
                    "aht_s": round(aht, 1),
                    "traffic_erlangs": round(s.traffic, 3),
                    "agents": s.agents,
                    "staff": s.staff,
                    "service_level": round(s.service_level, 4),
                    "probability_of_waiting": round(s.probability_of_waiting, 4),
                    "asa_s": round(s.asa_s, 1),
                    "occupancy": round(s.occupancy, 4),
                }
            )
            start = stop
    return {
        "queue_id": queue_id,
        "date": day.isoformat(),
        "target": target,
        "target_s": target_s,
        "shrinkage": shrinkage,
        "interval_minutes": interval_min,
        "weeks_of_history": STAFFING_WEEKS,
        "model": "Erlang C",
        "intervals": rows,
    }
