"""What a routing plan must satisfy before it is saved (A1-A7).

`validate_plan(plan, employees)` collects every problem of the plan and raises one
InvalidRoutingPlan listing them all (`.problems`: [{"path", "message"}]), so an
administrator fixes a plan in one round: destinations that do not exist, menu loops
without an exit, keys, times, strategies and limits out of range.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date

from skysentral.domain.errors import InvalidPhoneNumber, InvalidRoutingPlan
from skysentral.domain.organisation import Employee, to_e164
from skysentral.domain.pbx.routing_plan import (
    AVAILABILITY_STATES,
    MENU_KEYS,
    RING_STRATEGIES,
    SUPERVISOR_CHANNELS,
    WEEKDAYS,
    Destination,
    Member,
    RoutingPlan,
    Supervisor,
)

RING_TIMEOUT_S = (1, 120)  # CallAndBridge's CallTimeoutSeconds range
MIN_MAX_WAIT_S = 10
WAIT_THRESHOLD_S = (1, 3600)  # B1: wait_warning_s < wait_alert_s, both in this range
SERVICE_LEVEL_S = (1, 600)  # B6
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate_plan(plan: RoutingPlan, employees: Mapping[str, Employee]) -> None:
    """Raise InvalidRoutingPlan naming every problem of `plan`; return None when it may be saved.
    `employees`: the company's employees by id (persons, voicemail boxes and members)."""
    problems = list(_problems(plan, employees))
    if problems:
        raise InvalidRoutingPlan([{"path": path, "message": message} for path, message in problems])


def _problems(plan: RoutingPlan, employees: Mapping[str, Employee]) -> Iterator[tuple[str, str]]:
    yield from _numbers(plan)
    for path, dest in _destinations(plan):
        yield from _destination(plan, employees, path, dest)
    yield from _menus(plan)
    for day, hours in plan.opening_hours.items():
        if day not in WEEKDAYS:
            yield f"opening_hours.{day}", f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})."
        yield from _hours(hours, f"opening_hours.{day}")
    yield from _exceptions(plan)
    for group_id, group in plan.groups.items():
        where = f"groups.{group_id}"
        yield from _strategy_and_members(where, group.strategy, group.members, group.ring_timeout_s, employees)
    for queue_id, queue in plan.queues.items():
        where = f"queues.{queue_id}"
        yield from _strategy_and_members(where, queue.strategy, queue.members, queue.ring_timeout_s, employees)
        if queue.wrapup_s < 0:  # A4
            yield f"{where}.wrapup_s", "The wrap-up time must be 0 seconds or more."
        if queue.max_length < 1:
            yield f"{where}.max_length", "The queue must hold at least 1 caller."
        if queue.max_wait_s < MIN_MAX_WAIT_S:
            yield f"{where}.max_wait_s", f"The maximum wait must be at least {MIN_MAX_WAIT_S} seconds."
        if queue.callback:  # A5
            if queue.callback.key not in MENU_KEYS:
                yield f"{where}.callback.key", f"{queue.callback.key!r} is not a phone key (0-9, * or #)."
            if queue.callback.max_attempts < 1:
                yield f"{where}.callback.max_attempts", "A callback must be dialled at least once."
            if queue.callback.retry_delay_s < 0:
                yield f"{where}.callback.retry_delay_s", "The retry delay must be 0 seconds or more."
        yield from _wait_thresholds(where, queue.wait_warning_s, queue.wait_alert_s, queue.service_level_s)
        yield from _supervisors(where, queue.supervisors, employees)
    for state in plan.presence_routing:  # A7
        if state not in AVAILABILITY_STATES:
            yield (
                f"presence_routing.{state}",
                f"{state!r} is not an availability state ({', '.join(AVAILABILITY_STATES)}).",
            )
    if plan.switchboard and plan.switchboard.kind == "switchboard":
        yield "switchboard", "The switchboard cannot be the switchboard itself: name a queue, group or person."


def _destinations(plan: RoutingPlan) -> Iterator[tuple[str, Destination]]:
    """Every destination of the plan, with its JSON path."""
    yield "entry.open", plan.entry_open
    yield "entry.closed", plan.entry_closed
    if plan.entry_holiday:
        yield "entry.holiday", plan.entry_holiday
    for i, exc in enumerate(plan.exceptions):
        if exc.destination:
            yield f"exceptions[{i}].destination", exc.destination
    for number, dest in plan.direct_numbers.items():
        yield f"direct_numbers.{number}", dest
    for menu_id, menu in plan.menus.items():
        for key, dest in menu.options.items():
            yield f"menus.{menu_id}.options.{key}", dest
        yield f"menus.{menu_id}.on_timeout", menu.on_timeout
        yield f"menus.{menu_id}.on_invalid", menu.on_invalid
    for group_id, group in plan.groups.items():
        yield f"groups.{group_id}.overflow", group.overflow
    for queue_id, queue in plan.queues.items():
        yield f"queues.{queue_id}.overflow", queue.overflow
    for state, dest in plan.presence_routing.items():
        yield f"presence_routing.{state}", dest
    if plan.switchboard:
        yield "switchboard", plan.switchboard


def _destination(
    plan: RoutingPlan, employees: Mapping[str, Employee], path: str, dest: Destination
) -> Iterator[tuple[str, str]]:
    kind, target = dest.kind, dest.target
    known: dict[str, Mapping[str, object]] = {"queue": plan.queues, "group": plan.groups, "menu": plan.menus}
    if kind in known and target not in known[kind]:
        what = {"queue": "queue", "group": "answer group", "menu": "menu"}[kind]
        yield path, f"There is no {what} {target!r}." if target else f"A {what} destination needs a target."
    elif kind == "person" and target not in employees:
        yield path, f"There is no employee {target!r}." if target else "A person destination needs an employee."
    elif kind == "voicemail" and target and target not in employees:
        yield path, f"There is no employee {target!r} (leave the target empty for the company's voicemail)."
    elif kind == "external" and not _is_e164(target):
        yield path, f"{target!r} is not a phone number in E.164 form (+4722000000)."
    elif kind == "switchboard" and path != "switchboard" and plan.switchboard is None:
        yield path, "The plan has no switchboard: set 'switchboard' or choose another destination."


def _numbers(plan: RoutingPlan) -> Iterator[tuple[str, str]]:
    """A1: the main number and the direct numbers are distinct E.164 numbers."""
    if not _is_e164(plan.main_number):
        yield "main_number", f"{plan.main_number!r} is not a phone number in E.164 form (+4722000000)."
    seen: dict[str, str] = {}
    for number in plan.direct_numbers:
        path = f"direct_numbers.{number}"
        try:
            e164 = to_e164(number)
        except InvalidPhoneNumber:
            yield path, f"{number!r} is not a phone number."
            continue
        if e164 == plan.main_number:
            yield path, f"{number} is the main number: a direct number must be another number."
        elif e164 in seen:
            yield path, f"{number} is the same number as {seen[e164]}."
        seen.setdefault(e164, number)


def _menus(plan: RoutingPlan) -> Iterator[tuple[str, str]]:
    """A2: keys 0-9, * and #; and no set of menus a caller can never leave."""
    for menu_id, menu in plan.menus.items():
        for key in menu.options:
            if key not in MENU_KEYS:
                yield f"menus.{menu_id}.options.{key}", f"{key!r} is not a phone key (0-9, * or #)."
        if menu.timeout_s < 1:
            yield f"menus.{menu_id}.timeout_s", "The menu must wait at least 1 second for a key."
        if menu.max_attempts < 1:
            yield f"menus.{menu_id}.max_attempts", "The menu must be played at least once."

    # A menu can be left when one of its ways out is not a menu, or is a menu that can be
    # left (a missing menu counts as a way out: it is reported as missing above).
    def targets(menu_id: str) -> list[Destination]:
        menu = plan.menus[menu_id]
        return [*menu.options.values(), menu.on_timeout, menu.on_invalid]

    leavable: set[str] = set()
    changed = True
    while changed:
        changed = False
        for menu_id in plan.menus:
            if menu_id not in leavable and any(
                d.kind != "menu" or d.target not in plan.menus or d.target in leavable for d in targets(menu_id)
            ):
                leavable.add(menu_id)
                changed = True
    trapped = sorted(set(plan.menus) - leavable)
    if trapped:
        yield (
            "menus",
            f"Menus {', '.join(trapped)} lead only to each other: every key, the timeout and the invalid "
            "key lead back into them, so a caller can never leave. Give one of them a way out.",
        )


def _exceptions(plan: RoutingPlan) -> Iterator[tuple[str, str]]:
    """A6: one exception per date, dates that exist, hours that parse."""
    seen: dict[str, int] = {}
    for i, exc in enumerate(plan.exceptions):
        where = f"exceptions[{i}]"
        if not _is_date(exc.date):
            yield f"{where}.date", f"{exc.date!r} is not a date (YYYY-MM-DD)."
        elif exc.date in seen:
            yield f"{where}.date", f"{exc.date} already has an exception (exceptions[{seen[exc.date]}])."
        seen.setdefault(exc.date, i)
        if exc.closed and exc.hours:
            yield f"{where}.hours", "A closed day has no opening hours: set closed to false or remove the hours."
        yield from _hours(exc.hours, f"{where}.hours")


def _hours(hours: tuple[tuple[str, str], ...], where: str) -> Iterator[tuple[str, str]]:
    parsed = []
    for i, (opens, closes) in enumerate(hours):
        bad = [t for t in (opens, closes) if not _TIME.match(t)]
        if bad or opens == "24:00":
            yield f"{where}[{i}]", f"{(bad or [opens])[0]!r} is not a time of day (HH:MM, 00:00-23:59)."
        elif opens >= closes:
            yield f"{where}[{i}]", f"Opens at {opens} but closes at {closes}: the opening must come first."
        else:
            parsed.append((opens, closes, i))
    parsed.sort()
    latest = ("", -1)  # the latest closing time so far, and its interval
    for opens, closes, i in parsed:
        if opens < latest[0]:
            yield f"{where}[{i}]", f"Overlaps {where}[{latest[1]}] (open until {latest[0]})."
        latest = max(latest, (closes, i))


def _strategy_and_members(
    where: str, strategy: str, members: tuple[Member, ...], ring_timeout_s: int, employees: Mapping[str, Employee]
) -> Iterator[tuple[str, str]]:
    """A3/A4."""
    if strategy not in RING_STRATEGIES:
        yield f"{where}.strategy", f"{strategy!r} is not a ring strategy ({', '.join(RING_STRATEGIES)})."
    low, high = RING_TIMEOUT_S
    if not low <= ring_timeout_s <= high:
        yield f"{where}.ring_timeout_s", f"The ring timeout must be {low}-{high} seconds."
    if not members:
        yield f"{where}.members", "Add at least one member."
    seen: set[str] = set()
    for i, member in enumerate(members):
        if member.employee_id not in employees:
            yield f"{where}.members[{i}]", f"There is no employee {member.employee_id!r}."
        elif member.employee_id in seen:
            yield f"{where}.members[{i}]", f"{member.employee_id!r} is a member twice."
        seen.add(member.employee_id)
        if member.penalty < 0:
            yield f"{where}.members[{i}].penalty", "The penalty must be 0 or more."


def _wait_thresholds(where: str, warning_s: int, alert_s: int, service_level_s: int) -> Iterator[tuple[str, str]]:
    """B1 colours, B3 alert, B6 service level."""
    low, high = WAIT_THRESHOLD_S
    for name, value in (("wait_warning_s", warning_s), ("wait_alert_s", alert_s)):
        if not low <= value <= high:
            yield f"{where}.{name}", f"The threshold must be {low}-{high} seconds."
    if warning_s >= alert_s:
        yield (
            f"{where}.wait_warning_s",
            f"The warning ({warning_s} s) must come before the alert threshold ({alert_s} s).",
        )
    low, high = SERVICE_LEVEL_S
    if not low <= service_level_s <= high:
        yield f"{where}.service_level_s", f"The service level time must be {low}-{high} seconds."


def _supervisors(
    where: str, supervisors: tuple[Supervisor, ...], employees: Mapping[str, Employee]
) -> Iterator[tuple[str, str]]:
    """B3: a wait alert's receivers exist, once each, with known channels."""
    seen: set[str] = set()
    for i, sup in enumerate(supervisors):
        path = f"{where}.supervisors[{i}]"
        if sup.employee_id not in employees:
            yield f"{path}.employee_id", f"There is no employee {sup.employee_id!r}."
        elif sup.employee_id in seen:
            yield f"{path}.employee_id", f"{sup.employee_id!r} is a supervisor twice."
        seen.add(sup.employee_id)
        if not sup.channels:
            yield f"{path}.channels", f"Choose at least one channel ({', '.join(SUPERVISOR_CHANNELS)})."
        for j, channel in enumerate(sup.channels):
            if channel not in SUPERVISOR_CHANNELS:
                yield f"{path}.channels[{j}]", f"{channel!r} is not a channel ({', '.join(SUPERVISOR_CHANNELS)})."


def _is_e164(number: str) -> bool:
    if not number.startswith("+"):
        return False
    try:
        return to_e164(number) == number
    except InvalidPhoneNumber:
        return False


def _is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
