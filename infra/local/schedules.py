"""Schedules and EventBridge rules the emulator cannot dispatch, dispatched locally.

* ``AWS::Scheduler::Schedule`` (SAM ``ScheduleV2``): moto's CloudFormation skips it.
* ``AWS::Events::Rule`` with a ``ScheduleExpression`` (SAM ``Schedule``): never fires.
* ``AWS::Events::Rule`` with an event pattern and a Lambda / Step Functions / SNS
  target: moto's ``put_events`` raises for those targets; :func:`install_events_patch`
  makes moto hand such targets to the local cloud (SQS, logs … targets stay moto's).

:class:`Schedule` describes one schedule; :func:`scheduler_input` substitutes
EventBridge Scheduler's context attributes; :func:`next_fire` evaluates ``rate()``,
``cron()`` and ``at()`` expressions (AWS syntax, in the schedule's time zone) for the
optional background clock of ``python -m infra.local run``.
"""
from __future__ import annotations

import calendar
import copy
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

log = logging.getLogger("infra.local.schedules")


@dataclass
class Schedule:
    name: str                     # the schedule's Name (or the logical id when unnamed)
    logical_id: str
    kind: str                     # "scheduler" | "events-rule"
    expression: str
    timezone: str
    target_arn: str
    input: str | None             # Scheduler Target.Input / rule target Input (raw string)
    state: str = "ENABLED"
    target: dict[str, Any] = field(default_factory=dict)   # the resolved target block
    aliases: list[str] = field(default_factory=list)
    group: str = "default"
    target_logical_id: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "logical_id": self.logical_id,
            "aliases": self.aliases,
            "kind": self.kind,
            "expression": self.expression,
            "timezone": self.timezone,
            "state": self.state,
            "target": {"arn": self.target_arn, "logical_id": self.target_logical_id,
                       "service": arn_service(self.target_arn)},
            "input": self.input,
        }

    def matches(self, name: str) -> bool:
        return name in {self.name, self.logical_id, *self.aliases}


def arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def iso_z(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_aware(at: datetime | None, tz: str) -> datetime:
    """``None`` → now; a naive datetime is read in the schedule's time zone."""
    if at is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    if at.tzinfo is None:
        return at.replace(tzinfo=ZoneInfo(tz or "UTC"))
    return at


def scheduler_input(schedule: Schedule, at: datetime, region: str, account: str,
                    execution_id: str | None = None, attempt: int = 1) -> str:
    """The payload EventBridge Scheduler sends, context attributes substituted."""
    text = schedule.input if schedule.input is not None else "{}"
    arn = f"arn:aws:scheduler:{region}:{account}:schedule/{schedule.group}/{schedule.name}"
    values = {
        "<aws.scheduler.scheduled-time>": iso_z(at),
        "<aws.scheduler.execution-id>": execution_id or str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": str(attempt),
        "<aws.scheduler.schedule-arn>": arn,
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def scheduled_event(rule_arn: str, at: datetime, region: str, account: str) -> dict[str, Any]:
    """The event an EventBridge schedule rule sends."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": iso_z(at),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def _json_path(event: Any, path: str) -> Any:
    if path in ("$", ""):
        return event
    node = event
    for part in path.removeprefix("$.").split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def rule_target_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    """What an EventBridge rule delivers to a target: Input / InputPath / InputTransformer."""
    if target.get("Input") is not None:
        return target["Input"] if isinstance(target["Input"], str) else json.dumps(target["Input"])
    if target.get("InputPath"):
        return json.dumps(_json_path(event, target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        from moto.events.models import EventTemplateParser

        out = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
        return out if isinstance(out, str) else json.dumps(out)
    return json.dumps(event)


def normalise_event(event: dict[str, Any]) -> dict[str, Any]:
    """moto keeps ``time`` as epoch seconds and adds ``ingestion-time``; AWS sends ISO."""
    out = copy.deepcopy(event)
    out.pop("ingestion-time", None)
    t = out.get("time")
    if isinstance(t, (int, float)):
        out["time"] = iso_z(datetime.fromtimestamp(t, timezone.utc))
    elif isinstance(t, datetime):
        out["time"] = iso_z(t)
    return out


# ---------------------------------------------------------------------------- EventBridge patch

_dispatchers: list[Callable[[dict[str, Any], str], bool]] = []
_patched = False
LOCAL_TARGET_SERVICES = {"lambda", "states", "sns"}


def install_events_patch(dispatch: Callable[[dict[str, Any], str], bool]) -> None:
    """Make moto's rules hand Lambda/Step Functions/SNS targets to ``dispatch``.

    ``dispatch(target, payload_json) -> bool`` returns True when it handled the target.
    """
    global _patched
    if dispatch not in _dispatchers:
        _dispatchers.append(dispatch)
    if _patched:
        return
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        # moto matches a schedule-only rule (no pattern) and a DISABLED rule against every
        # event; EventBridge does neither.
        if getattr(self, "state", "ENABLED") != "ENABLED":
            return
        if getattr(self.event_pattern, "_pattern", None) in (None, {}) and getattr(self, "scheduled_expression", None):
            return
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if arn_service(t["Arn"]) in LOCAL_TARGET_SERVICES]
        if ours:
            event = normalise_event(original_event)
            for target in ours:
                payload = rule_target_input(target, event) if transform_input else json.dumps(event)
                if not any(d(target, payload) for d in reversed(_dispatchers)):
                    log.warning("rule %s: no local dispatcher for target %s", self.name, target["Arn"])
        rest = [t for t in self.targets if arn_service(t["Arn"]) not in LOCAL_TARGET_SERVICES]
        if rest:
            clone = copy.copy(self)
            clone.targets = rest
            original(clone, original_event, transform_input)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    _patched = True


def uninstall_events_dispatcher(dispatch: Callable[[dict[str, Any], str], bool]) -> None:
    if dispatch in _dispatchers:
        _dispatchers.remove(dispatch)


# ---------------------------------------------------------------------------- expressions

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _values(field_: str, lo: int, hi: int, names: dict[str, int] | None = None) -> set[int]:
    out: set[int] = set()
    for part in field_.split(","):
        step = 1
        if "/" in part:
            part, step_s = part.split("/")
            step = int(step_s)
        if part in ("*", "?"):
            a, b = lo, hi
        elif "-" in part:
            a_s, b_s = part.split("-")
            a, b = _num(a_s, names), _num(b_s, names)
        else:
            a = _num(part, names)
            b = hi if step != 1 else a
        out.update(range(a, b + 1, step))
    return out


def _num(text: str, names: dict[str, int] | None) -> int:
    text = text.upper()
    if names and text in names:
        return names[text]
    return int(text)


def _aws_dow(d: date) -> int:
    return (d.isoweekday() % 7) + 1     # SUN=1 … SAT=7


def _dom_matches(spec: str, d: date) -> bool:
    if spec in ("*", "?"):
        return True
    last = calendar.monthrange(d.year, d.month)[1]
    for part in spec.split(","):
        if part == "L":
            if d.day == last:
                return True
        elif part.startswith("L-"):
            if d.day == last - int(part[2:]):
                return True
        elif part.endswith("W"):
            target = int(part[:-1]) if part[:-1] else last
            t = date(d.year, d.month, min(target, last))
            if t.weekday() == 5:
                t = t - timedelta(days=1) if t.day > 1 else t + timedelta(days=2)
            elif t.weekday() == 6:
                t = t + timedelta(days=1) if t.day < last else t - timedelta(days=2)
            if t == d:
                return True
        elif d.day in _values(part, 1, 31):
            return True
    return False


def _dow_matches(spec: str, d: date) -> bool:
    if spec in ("*", "?"):
        return True
    dow = _aws_dow(d)
    last = calendar.monthrange(d.year, d.month)[1]
    for part in spec.upper().split(","):
        if "#" in part:
            day_s, nth = part.split("#")
            if dow == _num(day_s, _DAYS) and (d.day - 1) // 7 + 1 == int(nth):
                return True
        elif part.endswith("L"):
            base = part[:-1] or "7"
            if dow == _num(base, _DAYS) and d.day + 7 > last:
                return True
        elif dow in _values(part, 1, 7, _DAYS):
            return True
    return False


def next_fire(expression: str, after: datetime, tz: str = "UTC") -> datetime | None:
    """Next fire time strictly after ``after`` (aware), or None (past ``at()``/unparsable)."""
    zone = ZoneInfo(tz or "UTC")
    expr = expression.strip()
    m = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expr)
    if m:
        n, unit = int(m.group(1)), m.group(2).rstrip("s")
        return after + timedelta(**{f"{unit}s": n})
    m = re.fullmatch(r"at\((.+)\)", expr)
    if m:
        when = datetime.fromisoformat(m.group(1)).replace(tzinfo=zone)
        return when if when > after else None
    m = re.fullmatch(r"cron\((.+)\)", expr)
    if not m:
        return None
    fields = m.group(1).split()
    if len(fields) != 6:
        return None
    minute_f, hour_f, dom_f, month_f, dow_f, year_f = fields
    minutes = sorted(_values(minute_f, 0, 59))
    hours = sorted(_values(hour_f, 0, 23))
    months = _values(month_f, 1, 12, _MONTHS)
    years = _values(year_f, 1970, 2199)
    local = after.astimezone(zone).replace(second=0, microsecond=0)
    day = local.date()
    for _ in range(366 * 5):
        if day.year in years and day.month in months and _dom_matches(dom_f, day) and _dow_matches(dow_f, day):
            for h in hours:
                for mi in minutes:
                    cand = datetime(day.year, day.month, day.day, h, mi, tzinfo=zone)
                    if cand > after:
                        return cand
        day += timedelta(days=1)
    return None


class Clock(threading.Thread):
    """Fires enabled schedules at their times (used by ``python -m infra.local run``)."""

    def __init__(self, schedules: list[Schedule], fire: Callable[[Schedule, datetime], Any]) -> None:
        super().__init__(name="local-scheduler-clock", daemon=True)
        self.schedules = schedules
        self.fire = fire
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        now = datetime.now(timezone.utc)
        due: dict[str, datetime | None] = {
            s.name: next_fire(s.expression, now, s.timezone) for s in self.schedules if s.state == "ENABLED"
        }
        while not self._stop_event.wait(1.0):
            now = datetime.now(timezone.utc)
            for s in self.schedules:
                when = due.get(s.name)
                if when is not None and when <= now:
                    due[s.name] = next_fire(s.expression, when, s.timezone)
                    try:
                        log.info("schedule %s fires (%s)", s.name, iso_z(when))
                        self.fire(s, when)
                    except Exception as exc:  # noqa: BLE001
                        log.warning("schedule %s failed: %s", s.name, exc)
