"""B6: queue and agent statistics from the call events, as counters per interval. Pure.

Each call event causes counter increments (`increments`) for its queue and, when it names
one, for the agent, in the interval that holds the event's own `at` (an answer counts in
the quarter-hour it was answered, an abandon in the one the caller left). Intervals
(`interval_key`): 15 minutes (aligned in Europe/Oslo, which is also UTC-aligned since Oslo's
offsets are whole hours), and the Oslo day, ISO week and month. Counters are plain sums,
so they can be added in any order and rolled up (15 m → day → week/month).

What each kind counts (its `data` as call_flow emits it; docs/pbx.md):
- queue: ENTERQUEUE → offered; CONNECT → answered, wait_answered_s (holdtime_s),
  answered_within_t (holdtime_s ≤ the queue's `service_level_s`, default 20); a callback's
  CONNECT (`data.callback`) → callbacks_answered instead (its wait was counted when it left
  the queue); ABANDON → abandoned, wait_abandoned_s, abandoned_within_t; EXITWITHKEY (the
  callback key) → callbacks_within_t when wait_s ≤ T; CALLBACK_REQUESTED →
  callbacks_requested; CALLBACK_FAILED → callbacks_failed; EXITWITHTIMEOUT → overflowed;
  EXITEMPTY → rejected_full (never entered, not offered); RINGNOANSWER → ring_no_answer;
  COMPLETECALLER/COMPLETEAGENT → handled, talk_s, wrapup_s (the queue's `wrapup_s`).
- agent (queue events naming an employee): CONNECT → offered, answered; RINGNOANSWER →
  offered, missed; RINGCANCELED → offered, canceled; COMPLETE* → handled, talk_s, wrapup_s;
  logged_in_s from AGENTLOGIN/AGENTLOGOFF pairs (`logged_in_seconds`).

Figures (`figures`) from the counters: the three service-level definitions of
reference/queues-and-kpis.md, ASA, AHT, abandonment rate (callbacks are not abandons) and,
for agents, occupancy = handle time ÷ logged-in time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from skysentral.domain.pbx.call_events import CallEvent

OSLO = ZoneInfo("Europe/Oslo")
GRAINS = ("15m", "day", "week", "month")
DEFAULT_SERVICE_LEVEL_S = 20  # the T of the service level when the plan does not say
MAX_SESSION_S = 16 * 3600  # a login longer than this counts its first 16 h (a forgotten logoff)

QUEUE_COUNTERS = (
    "offered",
    "answered",
    "answered_within_t",
    "wait_answered_s",
    "abandoned",
    "abandoned_within_t",
    "wait_abandoned_s",
    "callbacks_requested",
    "callbacks_within_t",
    "callbacks_answered",
    "callbacks_failed",
    "overflowed",
    "rejected_full",
    "ring_no_answer",
    "handled",
    "talk_s",
    "wrapup_s",
)
AGENT_COUNTERS = ("offered", "answered", "missed", "canceled", "handled", "talk_s", "wrapup_s", "logged_in_s")

SL_DEFINITIONS = {
    "asterisk": "Asterisk SL: answered within T ÷ answered",
    "asterisk_sl2": "Asterisk SL2: (answered within T + abandoned within T) ÷ (answered + abandoned)",
    "amazon_connect": "Amazon Connect: removed from the queue within T (answered, abandoned or "
    "callback requested) ÷ queued",
}
DEFAULT_SL_DEFINITION = "asterisk_sl2"


@dataclass(frozen=True)
class QueueSettings:
    """What the statistics read of a queue in the routing plan."""

    service_level_s: int = DEFAULT_SERVICE_LEVEL_S
    wrapup_s: int = 0

    @classmethod
    def of(cls, queue: Any) -> QueueSettings:
        """From a routing_plan.CallQueue (or None); `service_level_s` defaults to 20 when the
        plan has no such field."""
        if queue is None:
            return cls()
        return cls(
            int(getattr(queue, "service_level_s", DEFAULT_SERVICE_LEVEL_S) or DEFAULT_SERVICE_LEVEL_S),
            int(getattr(queue, "wrapup_s", 0) or 0),
        )


@dataclass(frozen=True)
class Increment:
    """Counters to add for one scope ("Q#<queue>" or "A#<employee>") at one instant."""

    scope: str
    at: datetime
    counters: dict[str, int]


def parse_at(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)


def _int(value: Any) -> int:
    return max(0, int(value)) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def queue_scope(queue_id: str) -> str:
    return f"Q#{queue_id}"


def agent_scope(employee_id: str) -> str:
    return f"A#{employee_id}"


def increments(event: CallEvent, settings: QueueSettings) -> list[Increment]:
    """B6: the counters one event adds (nothing for kinds the statistics do not read)."""
    if not event.queue_id:
        return []
    t = settings.service_level_s
    d = event.data
    q: dict[str, int] = {}
    a: dict[str, int] = {}
    kind = event.kind
    if kind == "ENTERQUEUE":
        q["offered"] = 1
    elif kind == "CONNECT":
        if d.get("callback"):
            q["callbacks_answered"] = 1
        else:
            hold = _int(d.get("holdtime_s"))
            q.update(answered=1, wait_answered_s=hold, answered_within_t=int(hold <= t))
        a.update(offered=1, answered=1)
    elif kind == "ABANDON":
        wait = _int(d.get("wait_s"))
        q.update(abandoned=1, wait_abandoned_s=wait, abandoned_within_t=int(wait <= t))
    elif kind == "EXITWITHKEY":
        q["callbacks_within_t"] = int(_int(d.get("wait_s")) <= t)
    elif kind == "CALLBACK_REQUESTED":
        q["callbacks_requested"] = 1
    elif kind == "CALLBACK_FAILED":
        q["callbacks_failed"] = 1
    elif kind == "EXITWITHTIMEOUT":
        q["overflowed"] = 1
    elif kind == "EXITEMPTY":
        q["rejected_full"] = 1
    elif kind == "RINGNOANSWER":
        q["ring_no_answer"] = 1
        a.update(offered=1, missed=1)
    elif kind == "RINGCANCELED":
        a.update(offered=1, canceled=1)
    elif kind in ("COMPLETECALLER", "COMPLETEAGENT"):
        talk = _int(d.get("talk_s"))
        q.update(handled=1, talk_s=talk, wrapup_s=settings.wrapup_s)
        a.update(handled=1, talk_s=talk, wrapup_s=settings.wrapup_s)
    at = parse_at(event.at)
    out = []
    q = {k: v for k, v in q.items() if v}
    if q:
        out.append(Increment(queue_scope(event.queue_id), at, q))
    a = {k: v for k, v in a.items() if v}
    if a and event.employee_id:
        out.append(Increment(agent_scope(event.employee_id), at, a))
    return out


# ---------------------------------------------------------------- intervals
def interval_key(at: datetime, grain: str) -> str:
    """The key of the interval holding `at`: 15m "2026-11-25T08:15:00Z" (UTC start), day
    "2026-11-25", week "2026-W48", month "2026-11" (the last three in Europe/Oslo)."""
    at = at.astimezone(UTC)
    if grain == "15m":
        start = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
        return start.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = at.astimezone(OSLO).date()
    return period_of_day(local, grain)


def period_of_day(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    raise ValueError(f"unknown grain {grain!r}")


def day_start(day: date) -> datetime:
    """Oslo midnight of `day`, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=OSLO).astimezone(UTC)


def interval_bounds(key: str, grain: str) -> tuple[datetime, datetime]:
    """[start, end) of an interval in UTC."""
    if grain == "15m":
        start = parse_at(key)
        return start, start + timedelta(minutes=15)
    if grain == "day":
        d = date.fromisoformat(key)
        return day_start(d), day_start(d + timedelta(days=1))
    if grain == "week":
        d = date.fromisocalendar(int(key[:4]), int(key[6:]), 1)
        return day_start(d), day_start(d + timedelta(days=7))
    if grain == "month":
        y, m = int(key[:4]), int(key[5:7])
        first = date(y, m, 1)
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        return day_start(first), day_start(nxt)
    raise ValueError(f"unknown grain {grain!r}")


def periods(first: date, last: date, grain: str) -> list[str]:
    """Every interval key from Oslo day `first` to `last` (inclusive), in time order."""
    if grain == "15m":
        start, end = day_start(first), day_start(last + timedelta(days=1))
        keys = []
        while start < end:
            keys.append(interval_key(start, "15m"))
            start += timedelta(minutes=15)
        return keys
    out: list[str] = []
    d = first
    while d <= last:
        key = period_of_day(d, grain)
        if not out or out[-1] != key:
            out.append(key)
        d += timedelta(days=1)
    return out


def split_seconds(start: datetime, end: datetime, grain: str) -> dict[str, int]:
    """The whole seconds of [start, end) in each interval of `grain` (rounded so that the
    parts add up to the rounded whole)."""
    out: dict[str, int] = {}
    total = 0.0
    given = 0
    t = start
    while t < end:
        key = interval_key(t, grain)
        _, boundary = interval_bounds(key, grain)
        stop = min(boundary, end)
        total += (stop - t).total_seconds()
        part = round(total) - given
        if part:
            out[key] = out.get(key, 0) + part
            given += part
        t = stop
    return out


# ---------------------------------------------------------------- logged-in time (AGENTLOGIN/AGENTLOGOFF)
@dataclass(frozen=True, order=True)
class Mark:
    """One AGENTLOGIN/AGENTLOGOFF of an agent: when, which event, which queue."""

    at: str
    event_id: str
    kind: str
    queue_id: str

    def to_list(self) -> list[str]:
        return [self.at, self.event_id, self.kind, self.queue_id]

    @classmethod
    def from_list(cls, v: list[str]) -> Mark:
        return cls(*v)

    @classmethod
    def of(cls, event: CallEvent) -> Mark:
        return cls(
            parse_at(event.at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), event.event_id, event.kind, event.queue_id or ""
        )


def sessions(marks: Iterable[Mark]) -> list[tuple[datetime, datetime]]:
    """The agent's logged-in spans: per queue, a login opens a span (a second login while
    open changes nothing) and the next logoff closes it (a logoff with nothing open is
    ignored); a span still open counts nothing yet. The spans of all queues are merged (logged
    in to two queues at once is one logged-in time), each capped at MAX_SESSION_S."""
    by_queue: dict[str, list[Mark]] = defaultdict(list)
    for m in sorted(set(marks)):
        by_queue[m.queue_id].append(m)
    spans: list[tuple[datetime, datetime]] = []
    for ms in by_queue.values():
        opened: datetime | None = None
        for m in ms:
            if m.kind == "AGENTLOGIN" and opened is None:
                opened = parse_at(m.at)
            elif m.kind == "AGENTLOGOFF" and opened is not None:
                spans.append((opened, parse_at(m.at)))
                opened = None
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return [(s, min(e, s + timedelta(seconds=MAX_SESSION_S))) for s, e in merged]


def logged_in_seconds(marks: Iterable[Mark], grains: Iterable[str] = ("15m", "day")) -> dict[tuple[str, str], int]:
    """(grain, interval key) → logged-in seconds, from an agent's login/logoff marks."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    spans = sessions(marks)
    for grain in grains:
        for s, e in spans:
            for key, secs in split_seconds(s, e, grain).items():
                out[(grain, key)] += secs
    return dict(out)


def logged_in_change(
    before: Iterable[Mark], after: Iterable[Mark], grains: Iterable[str] = ("15m", "day")
) -> dict[tuple[str, str], int]:
    """What to add to the counters when the marks grow from `before` to `after`: the
    difference of the two totals (possibly negative: a logoff that arrives late splits a span
    counted before). The additions telescope, so the counters always equal
    logged_in_seconds(every mark seen), whatever the order of arrival."""
    old = logged_in_seconds(before, grains)
    new = logged_in_seconds(after, grains)
    return {k: new.get(k, 0) - old.get(k, 0) for k in set(old) | set(new) if new.get(k, 0) != old.get(k, 0)}


# ---------------------------------------------------------------- figures
def _ratio(num: float, den: float, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


def service_levels(c: Mapping[str, int]) -> dict[str, float | None]:
    """The three definitions (reference/queues-and-kpis.md), from the raw counters."""
    g = lambda k: c.get(k, 0)
    return {
        "asterisk": _ratio(g("answered_within_t"), g("answered")),
        "asterisk_sl2": _ratio(g("answered_within_t") + g("abandoned_within_t"), g("answered") + g("abandoned")),
        "amazon_connect": _ratio(
            g("answered_within_t") + g("abandoned_within_t") + g("callbacks_within_t"), g("offered")
        ),
    }


def queue_figures(c: Mapping[str, int], definition: str = DEFAULT_SL_DEFINITION) -> dict[str, Any]:
    g = lambda k: c.get(k, 0)
    levels = service_levels(c)
    return {
        "service_level": levels[definition],
        "service_level_definition": definition,
        "service_levels": levels,
        "asa_s": _ratio(g("wait_answered_s"), g("answered"), 1),
        "aht_s": _ratio(g("talk_s") + g("wrapup_s"), g("handled"), 1),
        "abandonment_rate": _ratio(g("abandoned"), g("offered")),
    }


def agent_figures(c: Mapping[str, int]) -> dict[str, Any]:
    g = lambda k: c.get(k, 0)
    occupancy = _ratio(g("talk_s") + g("wrapup_s"), g("logged_in_s"))
    return {
        "aht_s": _ratio(g("talk_s") + g("wrapup_s"), g("handled"), 1),
        "answer_rate": _ratio(g("answered"), g("offered")),
        "occupancy": min(occupancy, 1.0) if occupancy is not None else None,
    }


def add(total: dict[str, int], counters: Mapping[str, Any]) -> dict[str, int]:
    for k, v in counters.items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            total[k] = total.get(k, 0) + int(v)
    return total


def complete(counters: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, int]:
    """Every counter of `names`, 0 where none was added."""
    return {n: int(counters.get(n, 0) or 0) for n in names}


def counters_of(
    events: Iterable[CallEvent], settings: Mapping[str, QueueSettings], grains: Iterable[str] = ("15m", "day")
) -> dict[tuple[str, str, str], dict[str, int]]:
    """(scope, grain, interval key) → counters of a set of events, each event once: what the
    incremental counters must come to, whatever order the events arrive in (the reference
    the store is tested against). `settings` by queue id (missing: the defaults)."""
    grains = tuple(grains)
    unique = {e.event_id: e for e in events}
    out: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    marks: dict[str, list[Mark]] = defaultdict(list)
    for e in unique.values():
        if e.kind in ("AGENTLOGIN", "AGENTLOGOFF") and e.employee_id:
            marks[e.employee_id].append(Mark.of(e))
            continue
        for inc in increments(e, settings.get(e.queue_id or "", QueueSettings())):
            for grain in grains:
                add(out[(inc.scope, grain, interval_key(inc.at, grain))], inc.counters)
    for employee, ms in marks.items():
        for (grain, key), secs in logged_in_seconds(ms, grains).items():
            add(out[(agent_scope(employee), grain, key)], {"logged_in_s": secs})
    return {k: {n: v for n, v in c.items() if v} for k, c in out.items() if any(c.values())}
