"""The routing plan's JSON form (A1-A7): `plan_from_dict` and its inverse `plan_to_dict`.

Only shapes and types are checked here, each error an InvalidInput naming the JSON path
("queues.support.wrapup_s must be an integer."); what the values mean together (targets
that exist, loops, times that parse, ranges) is plan_validation's, which collects every
problem at once. Unknown keys are rejected so that a typo ("opening_hour") is not
silently ignored.

Phone numbers (main number, direct numbers, external destinations) may be written in
national form ("22 00 00 10") and are stored in E.164 (A1). A number that does not parse
is kept as written, so that validate_plan reports it together with the plan's other
problems. `plan_from_dict(plan_to_dict(p)) == p` for every plan whose numbers are E.164.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from skysentral.domain.errors import InvalidInput, InvalidPhoneNumber
from skysentral.domain.organisation import to_e164
from skysentral.domain.pbx.routing_plan import (
    HANGUP,
    AnswerGroup,
    Callback,
    CallQueue,
    DatedException,
    Destination,
    Member,
    Menu,
    RoutingPlan,
    Supervisor,
)

T = TypeVar("T")

_PLAN_KEYS = {
    "main_number",
    "direct_numbers",
    "entry",
    "opening_hours",
    "holidays_closed",
    "exceptions",
    "menus",
    "groups",
    "queues",
    "presence_routing",
    "switchboard",
    "version",
}


def plan_from_dict(d: Any) -> RoutingPlan:
    """A1-A7: the plan in its JSON form → RoutingPlan (InvalidInput names the bad field)."""
    obj = _object(d, "routing plan", _PLAN_KEYS, required=("main_number", "entry"))
    entry = _object(obj["entry"], "entry", {"open", "closed", "holiday"}, required=("open", "closed"))
    direct: dict[str, Destination] = {}
    for raw, dest in _mapping(obj.get("direct_numbers", {}), "direct_numbers").items():
        number = _number(raw)
        if number in direct:
            raise InvalidInput(f"direct_numbers: {raw!r} is the number {number} a second time.")
        direct[number] = _destination(dest, f"direct_numbers.{raw}")
    return RoutingPlan(
        main_number=_number(_string(obj["main_number"], "main_number")),
        entry_open=_destination(entry["open"], "entry.open"),
        entry_closed=_destination(entry["closed"], "entry.closed"),
        entry_holiday=_optional(entry.get("holiday"), "entry.holiday", _destination),
        opening_hours={
            day: _hours(hours, f"opening_hours.{day}")
            for day, hours in _mapping(obj.get("opening_hours", {}), "opening_hours").items()
        },
        holidays_closed=_bool(obj.get("holidays_closed", True), "holidays_closed"),
        exceptions=tuple(
            _exception(e, f"exceptions[{i}]") for i, e in enumerate(_list(obj.get("exceptions", []), "exceptions"))
        ),
        direct_numbers=direct,
        menus={k: _menu(k, v, f"menus.{k}") for k, v in _mapping(obj.get("menus", {}), "menus").items()},
        groups={k: _group(k, v, f"groups.{k}") for k, v in _mapping(obj.get("groups", {}), "groups").items()},
        queues={k: _queue(k, v, f"queues.{k}") for k, v in _mapping(obj.get("queues", {}), "queues").items()},
        presence_routing={
            state: _destination(dest, f"presence_routing.{state}")
            for state, dest in _mapping(obj.get("presence_routing", {}), "presence_routing").items()
        },
        switchboard=_optional(obj.get("switchboard"), "switchboard", _destination),
        version=_int(obj.get("version", 0), "version"),
    )


def plan_to_dict(plan: RoutingPlan) -> dict[str, Any]:
    """RoutingPlan → its JSON form (the inverse of plan_from_dict)."""
    return {
        "main_number": plan.main_number,
        "direct_numbers": {n: d.to_dict() for n, d in plan.direct_numbers.items()},
        "entry": {
            "open": plan.entry_open.to_dict(),
            "closed": plan.entry_closed.to_dict(),
            "holiday": plan.entry_holiday.to_dict() if plan.entry_holiday else None,
        },
        "opening_hours": {day: [list(h) for h in hours] for day, hours in plan.opening_hours.items()},
        "holidays_closed": plan.holidays_closed,
        "exceptions": [
            {
                "date": e.date,
                "closed": e.closed,
                "hours": [list(h) for h in e.hours],
                "destination": e.destination.to_dict() if e.destination else None,
                "note": e.note,
            }
            for e in plan.exceptions
        ],
        "menus": {
            k: {
                "name": m.name,
                "prompt": m.prompt,
                "options": {key: d.to_dict() for key, d in m.options.items()},
                "timeout_s": m.timeout_s,
                "max_attempts": m.max_attempts,
                "on_timeout": m.on_timeout.to_dict(),
                "on_invalid": m.on_invalid.to_dict(),
                "extension_dialling": m.extension_dialling,
            }
            for k, m in plan.menus.items()
        },
        "groups": {
            k: {
                "name": g.name,
                "strategy": g.strategy,
                "members": _members_to_list(g.members),
                "ring_timeout_s": g.ring_timeout_s,
                "overflow": g.overflow.to_dict(),
            }
            for k, g in plan.groups.items()
        },
        "queues": {
            k: {
                "name": q.name,
                "strategy": q.strategy,
                "members": _members_to_list(q.members),
                "ring_timeout_s": q.ring_timeout_s,
                "wrapup_s": q.wrapup_s,
                "max_length": q.max_length,
                "max_wait_s": q.max_wait_s,
                "overflow": q.overflow.to_dict(),
                "callback": (
                    {
                        "key": q.callback.key,
                        "max_attempts": q.callback.max_attempts,
                        "retry_delay_s": q.callback.retry_delay_s,
                    }
                    if q.callback
                    else None
                ),
                "announce_position": q.announce_position,
                "wait_warning_s": q.wait_warning_s,
                "wait_alert_s": q.wait_alert_s,
                "service_level_s": q.service_level_s,
                "supervisors": [{"employee_id": s.employee_id, "channels": list(s.channels)} for s in q.supervisors],
            }
            for k, q in plan.queues.items()
        },
        "presence_routing": {state: d.to_dict() for state, d in plan.presence_routing.items()},
        "switchboard": plan.switchboard.to_dict() if plan.switchboard else None,
        "version": plan.version,
    }


def _members_to_list(members: tuple[Member, ...]) -> list[dict[str, Any]]:
    return [{"employee_id": m.employee_id, "penalty": m.penalty} for m in members]


# --- the parts -------------------------------------------------------------------------


def _menu(menu_id: str, d: Any, where: str) -> Menu:
    keys = {"name", "prompt", "options", "timeout_s", "max_attempts", "on_timeout", "on_invalid", "extension_dialling"}
    obj = _object(d, where, keys, required=())
    return Menu(
        menu_id=menu_id,
        name=_string(obj.get("name", menu_id), f"{where}.name"),
        prompt=_string(obj.get("prompt", ""), f"{where}.prompt"),
        options={
            key: _destination(dest, f"{where}.options.{key}")
            for key, dest in _mapping(obj.get("options", {}), f"{where}.options").items()
        },
        timeout_s=_int(obj.get("timeout_s", 5), f"{where}.timeout_s"),
        max_attempts=_int(obj.get("max_attempts", 3), f"{where}.max_attempts"),
        on_timeout=_destination(obj.get("on_timeout", HANGUP.to_dict()), f"{where}.on_timeout"),
        on_invalid=_destination(obj.get("on_invalid", HANGUP.to_dict()), f"{where}.on_invalid"),
        extension_dialling=_bool(obj.get("extension_dialling", False), f"{where}.extension_dialling"),
    )


def _group(group_id: str, d: Any, where: str) -> AnswerGroup:
    keys = {"name", "strategy", "members", "ring_timeout_s", "overflow"}
    obj = _object(d, where, keys, required=("strategy", "members"))
    return AnswerGroup(
        group_id=group_id,
        name=_string(obj.get("name", group_id), f"{where}.name"),
        strategy=_string(obj["strategy"], f"{where}.strategy"),
        members=_members(obj["members"], f"{where}.members"),
        ring_timeout_s=_int(obj.get("ring_timeout_s", 20), f"{where}.ring_timeout_s"),
        overflow=_destination(obj.get("overflow", HANGUP.to_dict()), f"{where}.overflow"),
    )


def _queue(queue_id: str, d: Any, where: str) -> CallQueue:
    keys = {
        "name",
        "strategy",
        "members",
        "ring_timeout_s",
        "wrapup_s",
        "max_length",
        "max_wait_s",
        "overflow",
        "callback",
        "announce_position",
        "wait_warning_s",
        "wait_alert_s",
        "service_level_s",
        "supervisors",
    }
    obj = _object(d, where, keys, required=("strategy", "members"))
    return CallQueue(
        queue_id=queue_id,
        name=_string(obj.get("name", queue_id), f"{where}.name"),
        strategy=_string(obj["strategy"], f"{where}.strategy"),
        members=_members(obj["members"], f"{where}.members"),
        ring_timeout_s=_int(obj.get("ring_timeout_s", 20), f"{where}.ring_timeout_s"),
        wrapup_s=_int(obj.get("wrapup_s", 10), f"{where}.wrapup_s"),
        max_length=_int(obj.get("max_length", 20), f"{where}.max_length"),
        max_wait_s=_int(obj.get("max_wait_s", 600), f"{where}.max_wait_s"),
        overflow=_destination(obj.get("overflow", HANGUP.to_dict()), f"{where}.overflow"),
        callback=_optional(obj.get("callback"), f"{where}.callback", _callback),
        announce_position=_bool(obj.get("announce_position", True), f"{where}.announce_position"),
        wait_warning_s=_int(obj.get("wait_warning_s", 30), f"{where}.wait_warning_s"),
        wait_alert_s=_int(obj.get("wait_alert_s", 90), f"{where}.wait_alert_s"),
        service_level_s=_int(obj.get("service_level_s", 20), f"{where}.service_level_s"),
        supervisors=tuple(
            _supervisor(s, f"{where}.supervisors[{i}]")
            for i, s in enumerate(_list(obj.get("supervisors", []), f"{where}.supervisors"))
        ),
    )


def _supervisor(d: Any, where: str) -> Supervisor:
    """B3."""
    obj = _object(d, where, {"employee_id", "channels"}, required=("employee_id",))
    channels = _list(obj.get("channels", ["sms"]), f"{where}.channels")
    return Supervisor(
        employee_id=_string(obj["employee_id"], f"{where}.employee_id"),
        channels=tuple(_string(c, f"{where}.channels[{i}]") for i, c in enumerate(channels)),
    )


def _callback(d: Any, where: str) -> Callback:
    obj = _object(d, where, {"key", "max_attempts", "retry_delay_s"}, required=())
    return Callback(
        key=_string(obj.get("key", "1"), f"{where}.key"),
        max_attempts=_int(obj.get("max_attempts", 3), f"{where}.max_attempts"),
        retry_delay_s=_int(obj.get("retry_delay_s", 60), f"{where}.retry_delay_s"),
    )


def _members(d: Any, where: str) -> tuple[Member, ...]:
    members = []
    for i, m in enumerate(_list(d, where)):
        obj = _object(m, f"{where}[{i}]", {"employee_id", "penalty"}, required=("employee_id",))
        members.append(
            Member(
                employee_id=_string(obj["employee_id"], f"{where}[{i}].employee_id"),
                penalty=_int(obj.get("penalty", 0), f"{where}[{i}].penalty"),
            )
        )
    return tuple(members)


def _exception(d: Any, where: str) -> DatedException:
    obj = _object(d, where, {"date", "closed", "hours", "destination", "note"}, required=("date",))
    return DatedException(
        date=_string(obj["date"], f"{where}.date"),
        closed=_bool(obj.get("closed", True), f"{where}.closed"),
        hours=_hours(obj.get("hours", []), f"{where}.hours"),
        destination=_optional(obj.get("destination"), f"{where}.destination", _destination),
        note=_string(obj.get("note", ""), f"{where}.note"),
    )


def _hours(d: Any, where: str) -> tuple[tuple[str, str], ...]:
    hours = []
    for i, pair in enumerate(_list(d, where)):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            raise InvalidInput(f'{where}[{i}] must be a pair of times ["HH:MM", "HH:MM"].')
        hours.append((pair[0], pair[1]))
    return tuple(hours)


def _destination(d: Any, where: str) -> Destination:
    if isinstance(d, dict):
        unknown = set(d) - {"kind", "target"}
        if unknown:
            raise InvalidInput(f"{where} has unknown field(s) {', '.join(sorted(unknown))}.")
    dest = Destination.from_dict(d, where)
    if dest.kind == "external" and dest.target:
        return Destination("external", _number(dest.target))
    return dest


def _number(text: str) -> str:
    """E.164 when the text is a phone number; as written otherwise (validate_plan says why)."""
    try:
        return to_e164(text)
    except InvalidPhoneNumber:
        return text


# --- JSON types ------------------------------------------------------------------------


def _object(d: Any, where: str, keys: set[str], required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise InvalidInput(f"{where} must be an object.")
    unknown = set(d) - keys
    if unknown:
        raise InvalidInput(f"{where} has unknown field(s) {', '.join(sorted(map(str, unknown)))}.")
    for key in required:
        if d.get(key) is None:
            raise InvalidInput(f"{_join(where, key)} is required.")
    return d


def _join(where: str, key: str) -> str:
    return key if where == "routing plan" else f"{where}.{key}"


def _mapping(d: Any, where: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise InvalidInput(f"{where} must be an object.")
    for key in d:
        if not isinstance(key, str) or not key:
            raise InvalidInput(f"{where} has an empty or non-text key {key!r}.")
    return d


def _list(d: Any, where: str) -> list[Any]:
    if not isinstance(d, list | tuple):
        raise InvalidInput(f"{where} must be a list.")
    return list(d)


def _string(d: Any, where: str) -> str:
    if not isinstance(d, str):
        raise InvalidInput(f"{where} must be a string.")
    return d


def _int(d: Any, where: str) -> int:
    if isinstance(d, bool) or not isinstance(d, int):
        raise InvalidInput(f"{where} must be an integer.")
    return d


def _bool(d: Any, where: str) -> bool:
    if not isinstance(d, bool):
        raise InvalidInput(f"{where} must be true or false.")
    return d


def _optional(d: Any, where: str, parse: Callable[[Any, str], T]) -> T | None:
    return None if d is None else parse(d, where)
