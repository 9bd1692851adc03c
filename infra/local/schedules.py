"""What moto never fires or cannot deliver, dispatched locally: Scheduler schedules, schedule
rules, and rules with Lambda / Step Functions / SNS targets (infra/local/README.md)."""

from __future__ import annotations

import calendar
import copy
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

from . import template as tpl

log = logging.getLogger("infra.local.schedules")


@dataclass
class Schedule:
    name: str  # the schedule's Name (or the logical id when unnamed)
    logical_id: str
    kind: str  # "scheduler" | "events-rule"
    expression: str
    timezone: str
    state: str
    target: dict[str, Any]  # the resolved target block: Arn, Input (a raw string) …
    aliases: list[str]  # the SAM event names
    group: str
    target_logical_id: str | None
    target_arn = property(lambda self: str(self.target.get("Arn")))
    input = property(lambda self: self.target.get("Input"))

    def describe(self) -> dict[str, Any]:
        keys = ("name", "logical_id", "aliases", "kind", "expression", "timezone", "state", "input")
        target = {"arn": self.target_arn, "logical_id": self.target_logical_id, "service": arn_service(self.target_arn)}
        return {**{k: getattr(self, k) for k in keys}, "target": target}

    def matches(self, name: str) -> bool:
        return name in {self.name, self.logical_id, *self.aliases}


def arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def iso_z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_aware(at: datetime | None, tz: str) -> datetime:
    """``None`` → now; a naive datetime is read in the schedule's time zone."""
    if at is None:
        return datetime.now(UTC).replace(microsecond=0)
    return at.replace(tzinfo=ZoneInfo(tz or "UTC")) if at.tzinfo is None else at


def scheduler_input(schedule: Schedule, at: datetime, region: str, account: str) -> str:
    """The payload EventBridge Scheduler sends, context attributes substituted."""
    text = schedule.input if schedule.input is not None else "{}"
    arn = f"arn:aws:scheduler:{region}:{account}:schedule/{schedule.group}/{schedule.name}"
    for key, value in {
        "<aws.scheduler.scheduled-time>": iso_z(at),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
        "<aws.scheduler.schedule-arn>": arn,
    }.items():
        text = text.replace(key, value)
    return text


def rule_target_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    """What an EventBridge rule delivers to a target: Input / InputPath / InputTransformer."""
    if target.get("Input") is not None:
        return target["Input"] if isinstance(target["Input"], str) else json.dumps(target["Input"])
    if target.get("InputPath"):
        node: Any = event
        for part in target["InputPath"].removeprefix("$").strip(".").split(".") if target["InputPath"] != "$" else []:
            node = node.get(part) if isinstance(node, dict) else None
        return json.dumps(node)
    if target.get("InputTransformer"):
        from moto.events.models import EventTemplateParser

        t = target["InputTransformer"]
        out = EventTemplateParser.parse(
            input_template=t.get("InputTemplate"), input_paths_map=t.get("InputPathsMap", {}), event=event
        )
        return out if isinstance(out, str) else json.dumps(out)
    return json.dumps(event)


def _aws_dow_to_cron(part: str) -> str:
    """AWS numbers days SUN=1…SAT=7, croniter SUN=0…SAT=6; AWS ``6L`` is croniter's ``L5``."""
    shift = lambda m: str(int(m.group(0)) - 1)
    if part.endswith("L") and part != "L":
        return "L" + re.sub(r"\d+", shift, part[:-1] or "7")
    return re.sub(r"(?<![#/])\d+", shift, part)


def next_fire(expression: str, after: datetime, tz: str = "UTC") -> datetime | None:
    """Next fire time strictly after ``after`` (aware), or None (past ``at()``/unparsable)."""
    zone, expr = ZoneInfo(tz or "UTC"), expression.strip()
    if m := re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expr):
        return after + timedelta(**{m.group(2).rstrip("s") + "s": int(m.group(1))})
    if m := re.fullmatch(r"at\((.+)\)", expr):
        when = datetime.fromisoformat(m.group(1)).replace(tzinfo=zone)
        return when if when > after else None
    m = re.fullmatch(r"cron\((.+)\)", expr)
    if not m or len(m.group(1).split()) != 6:
        return None
    minute, hour, dom, month, dow, year = m.group(1).split()
    dow = ",".join(_aws_dow_to_cron(p) for p in dow.upper().split(","))
    # croniter lacks "L-n" (n days before the month's last day): every day is asked for, then filtered
    before_last = {int(p[2:]) for p in dom.upper().split(",") if p.startswith("L-")}
    fields = (minute, hour, "*" if before_last else dom, month, dow, "0", year)  # 6th: croniter's seconds
    it = croniter(" ".join(f.replace("?", "*") for f in fields), after.astimezone(zone))
    try:
        for _ in range(10_000):
            when = it.get_next(datetime)
            if not before_last or calendar.monthrange(when.year, when.month)[1] - when.day in before_last:
                return when
    except CroniterBadDateError:
        pass
    return None


class Dispatcher:
    """A local cloud's schedules and its deliveries to targets the emulator cannot reach."""

    def __init__(self, cloud: Any) -> None:
        self.cloud = cloud
        self.schedules: list[Schedule] = []
        self.pending = 0  # background deliveries still running (for drain)
        self._pending_cv = threading.Condition()
        self.clock_stop = threading.Event()

    def collect(self) -> None:
        cloud = self.cloud
        aliases: dict[str, list[str]] = {}
        for lid, res in cloud.sam.get("Resources", {}).items():
            for ev_name, ev in ((res.get("Properties") or {}).get("Events") or {}).items():
                if isinstance(ev, dict) and ev.get("Type") in ("Schedule", "ScheduleV2"):
                    aliases.setdefault(f"{lid}{ev_name}", []).append(ev_name)
        by_arn = {info.get("arn"): lid for lid, info in cloud.resources.items() if info.get("arn")}
        self.schedules = []
        for lid, res in cloud.cfn.get("Resources", {}).items():
            props = res.get("Properties") or {}
            if res.get("Type") == "AWS::Scheduler::Schedule":
                p = tpl.resolve(cloud, props)
                targets, name, kind = [p.get("Target") or {}], p.get("Name") or lid, "scheduler"
                zone, group = p.get("ScheduleExpressionTimezone") or "UTC", p.get("GroupName") or "default"
            elif res.get("Type") == "AWS::Events::Rule" and props.get("ScheduleExpression"):
                p = tpl.resolve(cloud, props)
                targets = p.get("Targets") or []
                name = cloud.resources.get(lid, {}).get("physical_id") or p.get("Name") or lid
                zone, group, kind = "UTC", "default", "events-rule"
            else:
                continue
            expression, state = str(p.get("ScheduleExpression")), str(p.get("State") or "ENABLED")
            for target in targets:
                target_lid, event_names = by_arn.get(target.get("Arn")), aliases.get(lid, [])
                schedule = Schedule(
                    str(name), lid, kind, expression, str(zone), state, target, event_names, str(group), target_lid
                )
                self.schedules.append(schedule)

    def find(self, name: str) -> list[Schedule]:
        found = [s for s in self.schedules if name in (s.name, s.logical_id)]
        found = found or [s for s in self.schedules if s.matches(name)]
        if not found:
            raise KeyError(f"no schedule {name!r}; known: {[s.name for s in self.schedules]}")
        return found

    def fire(self, name: str, at: datetime | None = None, wait: bool = True) -> dict[str, Any]:
        cloud, out = self.cloud, []
        for s in self.find(name):
            when = as_aware(at, s.timezone)
            if s.kind == "scheduler":
                payload = scheduler_input(s, when, cloud.region, cloud.account)
            else:
                payload = rule_target_input(
                    s.target,
                    {  # the event an EventBridge schedule rule sends
                        "version": "0",
                        "id": str(uuid.uuid4()),
                        "detail-type": "Scheduled Event",
                        "source": "aws.events",
                        "account": cloud.account,
                        "time": iso_z(when),
                        "region": cloud.region,
                        "resources": [f"arn:aws:events:{cloud.region}:{cloud.account}:rule/{s.name}"],
                        "detail": {},
                    },
                )
            result = self.deliver(s.target_arn, payload, s.target, sync=True)
            if wait and isinstance(result, dict) and result.get("executionArn"):
                result = cloud.wait_execution(result["executionArn"])
            out.append(
                dict(schedule=s.name, scheduled_time=iso_z(when), target=s.target_arn, payload=payload, result=result)
            )
        return out[0] if len(out) == 1 else {"fired": out}

    def start_clock(self) -> None:
        """Fire enabled schedules at their real times in a background thread (``run``)."""
        self.clock_stop = threading.Event()
        threading.Thread(target=self._clock, name="local-scheduler-clock", daemon=True).start()

    def _clock(self) -> None:
        now = datetime.now(UTC)
        due = {s.name: next_fire(s.expression, now, s.timezone) for s in self.schedules if s.state == "ENABLED"}
        while not self.clock_stop.wait(1.0):
            for s in self.schedules:
                if (when := due.get(s.name)) is not None and when <= datetime.now(UTC):
                    due[s.name] = next_fire(s.expression, when, s.timezone)
                    try:
                        log.info("schedule %s fires (%s)", s.name, iso_z(when))
                        self.fire(s.name, when, wait=False)
                    except Exception as exc:  # noqa: BLE001
                        log.warning("schedule %s failed: %s", s.name, exc)

    def deliver(self, arn: str, payload: str, target: dict[str, Any], sync: bool) -> Any:
        cloud, service = self.cloud, arn_service(arn)
        if service == "lambda":
            lid = cloud.runtime.logical_id_for(arn)
            if lid is not None and not cloud.external:
                if sync:
                    return cloud.runtime.invoke(lid, json.loads(payload))
                self.background(lambda: cloud.runtime.invoke_raw(lid, json.loads(payload)))
                return None
            invocation_type = "RequestResponse" if sync else "Event"
            resp = cloud.client("lambda").invoke(
                FunctionName=arn, Payload=payload.encode(), InvocationType=invocation_type
            )
            body = resp["Payload"].read()
            return json.loads(body) if body else None
        if service == "states":
            execution = cloud.client("stepfunctions").start_execution(stateMachineArn=arn, input=payload)
            return {"executionArn": execution["executionArn"]}
        if service == "sqs":
            queue_url = cloud.queue_url_by_name(arn.rsplit(":", 1)[-1])
            kwargs: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": payload}
            if group := (target.get("SqsParameters") or {}).get("MessageGroupId"):
                kwargs["MessageGroupId"] = group
            return cloud.client("sqs").send_message(**kwargs)["MessageId"]
        if service == "sns":
            return cloud.client("sns").publish(TopicArn=arn, Message=payload)["MessageId"]
        if service == "events":
            params = target.get("EventBridgeParameters") or {}
            source, detail_type = params.get("Source", "local.scheduler"), params.get("DetailType", "Scheduled Event")
            entry = {"EventBusName": arn, "Source": source, "DetailType": detail_type, "Detail": payload}
            return cloud.client("events").put_events(Entries=[entry])["Entries"]
        raise NotImplementedError(f"local delivery to {arn} is not supported")

    def background(self, fn: Callable[[], Any]) -> None:
        with self._pending_cv:
            self.pending += 1

        def run() -> None:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001
                log.warning("background delivery failed: %s", exc)
            finally:
                with self._pending_cv:
                    self.pending -= 1

        threading.Thread(target=run, daemon=True, name="local-delivery").start()

    def dispatch_rule_target(self, target: dict[str, Any], payload: str) -> bool:
        """Called from moto's patched ``Rule.send_to_targets`` (EventBridge delivers async)."""
        arn, service = target["Arn"], arn_service(target["Arn"])
        if service == "lambda" and arn.split(":")[6] not in self.cloud.runtime._by_name:
            return False
        if service == "states" and arn not in {i.get("arn") for i in self.cloud.resources.values()}:
            return False
        self.background(lambda: self.deliver(arn, payload, target, sync=False))
        return True


_dispatchers: list[Callable[[dict[str, Any], str], bool]] = []
_LOCAL_TARGET_SERVICES = {"lambda", "states", "sns"}


def _normalise_event(event: dict[str, Any]) -> dict[str, Any]:
    """moto keeps ``time`` as epoch seconds and adds ``ingestion-time``; AWS sends ISO."""
    out = copy.deepcopy(event)
    out.pop("ingestion-time", None)
    if isinstance(out.get("time"), (int, float)):
        out["time"] = iso_z(datetime.fromtimestamp(out["time"], UTC))
    elif isinstance(out.get("time"), datetime):
        out["time"] = iso_z(out["time"])
    return out


def install_events_patch(dispatch: Callable[[dict[str, Any], str], bool]) -> None:
    """Make moto's rules hand Lambda/Step Functions/SNS targets to ``dispatch(target, payload)``,
    which returns True when it handled the target."""
    if dispatch not in _dispatchers:
        _dispatchers.append(dispatch)
    from moto.events.models import Rule

    if getattr(Rule.send_to_targets, "_local", False):
        return
    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        # moto matches a schedule-only rule (no pattern) and a DISABLED rule against every
        # event; EventBridge does neither.
        schedule_only = getattr(self.event_pattern, "_pattern", None) in (None, {}) and self.scheduled_expression
        if schedule_only or getattr(self, "state", "ENABLED") != "ENABLED":
            return
        if not self.event_pattern.matches_event(original_event):
            return
        event = _normalise_event(original_event)
        for target in [t for t in self.targets if arn_service(t["Arn"]) in _LOCAL_TARGET_SERVICES]:
            payload = rule_target_input(target, event) if transform_input else json.dumps(event)
            if not any(d(target, payload) for d in reversed(_dispatchers)):
                log.warning("rule %s: no local dispatcher for target %s", self.name, target["Arn"])
        rest = [t for t in self.targets if arn_service(t["Arn"]) not in _LOCAL_TARGET_SERVICES]
        if rest:
            clone = copy.copy(self)
            clone.targets = rest
            original(clone, original_event, transform_input)

    send_to_targets._local = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def uninstall_events_dispatcher(dispatch: Callable[[dict[str, Any], str], bool]) -> None:
    if dispatch in _dispatchers:
        _dispatchers.remove(dispatch)
