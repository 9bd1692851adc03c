"""A company's routing configuration (A1-A7) as plain values, and its JSON form.

The plan is one document per company, saved whole (PUT /admin/routing) and validated as a
whole by plan_validation (cross references, loops, times). `from_dict` only checks shapes
and types (InvalidInput with a message naming the field); `to_dict` is its inverse, so
`RoutingPlan.from_dict(plan.to_dict()) == plan`.

JSON shape (every id is the company's own; times "HH:MM" in Europe/Oslo):
{
  "main_number": "+4722000000",                      # A1, ported main number
  "direct_numbers": {"+4722000010": {"kind": "queue", "target": "support"}},
  "entry": {"open": {...}, "closed": {...}, "holiday": {...} | null},   # A6 destinations
  "opening_hours": {"mon": [["08:00", "16:00"]], ..., "sun": []},
  "holidays_closed": true,                            # Norwegian public holidays count as closed
  "exceptions": [{"date": "2026-12-23", "closed": true, "hours": [], "destination": null,
                  "note": "Christmas party"}],
  "menus": {"main": {"name": ..., "prompt": ..., "options": {"1": {...}}, "timeout_s": 5,
            "max_attempts": 3, "on_timeout": {...}, "on_invalid": {...},
            "extension_dialling": true}},
  "groups": {"sales": {"name": ..., "strategy": "ringall", "members": [{"employee_id": "e1",
             "penalty": 0}], "ring_timeout_s": 20, "overflow": {...}}},
  "queues": {"support": {"name": ..., "strategy": "leastrecent", "members": [...],
             "ring_timeout_s": 20, "wrapup_s": 10, "max_length": 20, "max_wait_s": 600,
             "overflow": {...}, "callback": {"key": "1", "max_attempts": 3,
             "retry_delay_s": 60} | null, "announce_position": true,
             "wait_warning_s": 30, "wait_alert_s": 90, "service_level_s": 20,      # B1, B3, B6
             "supervisors": [{"employee_id": "e1", "channels": ["sms", "email"]}]}},
  "presence_routing": {"busy": {"kind": "voicemail"}, "in_meeting": {"kind": "switchboard"}, ...},
  "switchboard": {"kind": "queue", "target": "switchboard"} | null
}
A destination is {"kind": K, "target": T}: K in DESTINATION_KINDS; T is a queue, group or
menu id, an employee id (person, voicemail), an E.164 number (external), or empty
(hangup; voicemail without target = the company's general voicemail; switchboard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skysentral.domain.errors import InvalidInput

DESTINATION_KINDS = ("queue", "group", "person", "menu", "voicemail", "external", "switchboard", "hangup")
MENU_KEYS = tuple("0123456789*#")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A3/A4: Asterisk's queues.conf strategy names and meanings (reference/queues-and-kpis.md).
RING_STRATEGIES = ("ringall", "linear", "rrmemory", "rrordered", "leastrecent", "fewestcalls", "random", "wrandom")
AVAILABILITY_STATES = ("available", "busy", "in_meeting", "away", "off_work")  # A7
SUPERVISOR_CHANNELS = ("sms", "email")  # B3: how a queue's supervisor hears of a wait alert


@dataclass(frozen=True)
class Destination:
    kind: str
    target: str = ""

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Destination:
        if not isinstance(d, dict) or not isinstance(d.get("kind"), str):
            raise InvalidInput(f"{where} must be an object with a 'kind' ({', '.join(DESTINATION_KINDS)}).")
        if d["kind"] not in DESTINATION_KINDS:
            raise InvalidInput(f"{where}.kind {d['kind']!r} is not one of {', '.join(DESTINATION_KINDS)}.")
        target = d.get("target") or ""
        if not isinstance(target, str):
            raise InvalidInput(f"{where}.target must be a string.")
        return cls(d["kind"], target)

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "target": self.target}


HANGUP = Destination("hangup")


@dataclass(frozen=True)
class Member:
    """A member of an answer group or queue. penalty: wrandom's weight (A3)."""

    employee_id: str
    penalty: int = 0


@dataclass(frozen=True)
class Menu:
    """A2: an auto attendant menu."""

    menu_id: str
    name: str
    prompt: str
    options: dict[str, Destination]
    timeout_s: int = 5
    max_attempts: int = 3
    on_timeout: Destination = HANGUP
    on_invalid: Destination = HANGUP
    extension_dialling: bool = False  # A1: callers may key an extension (2-6 digits) here


@dataclass(frozen=True)
class AnswerGroup:
    """A3."""

    group_id: str
    name: str
    strategy: str
    members: tuple[Member, ...]
    ring_timeout_s: int = 20
    overflow: Destination = HANGUP


@dataclass(frozen=True)
class Callback:
    """A5: the key a waiting caller presses to be called back, and the dialling policy."""

    key: str = "1"
    max_attempts: int = 3
    retry_delay_s: int = 60


@dataclass(frozen=True)
class Supervisor:
    """B3: who is told when a call in the queue waits past `wait_alert_s`, and how."""

    employee_id: str
    channels: tuple[str, ...] = ("sms",)


@dataclass(frozen=True)
class CallQueue:
    """A4 (and A5 when callback is set). B1: a waiting call is green below `wait_warning_s`,
    yellow from it, red from `wait_alert_s` (which also raises a wait alert to the
    `supervisors`, B3); B6: `service_level_s` is the T of the queue's service level."""

    queue_id: str
    name: str
    strategy: str
    members: tuple[Member, ...]
    ring_timeout_s: int = 20
    wrapup_s: int = 10
    max_length: int = 20
    max_wait_s: int = 600
    overflow: Destination = HANGUP
    callback: Callback | None = None
    announce_position: bool = True
    wait_warning_s: int = 30
    wait_alert_s: int = 90
    service_level_s: int = 20
    supervisors: tuple[Supervisor, ...] = ()


@dataclass(frozen=True)
class DatedException:
    """A6: a date with its own hours or its own destination (e.g. closed for a company event)."""

    date: str  # YYYY-MM-DD, Europe/Oslo
    closed: bool = True
    hours: tuple[tuple[str, str], ...] = ()
    destination: Destination | None = None
    note: str = ""


@dataclass(frozen=True)
class RoutingPlan:
    main_number: str
    entry_open: Destination
    entry_closed: Destination
    entry_holiday: Destination | None = None  # None: as closed
    opening_hours: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    holidays_closed: bool = True
    exceptions: tuple[DatedException, ...] = ()
    direct_numbers: dict[str, Destination] = field(default_factory=dict)
    menus: dict[str, Menu] = field(default_factory=dict)
    groups: dict[str, AnswerGroup] = field(default_factory=dict)
    queues: dict[str, CallQueue] = field(default_factory=dict)
    presence_routing: dict[str, Destination] = field(default_factory=dict)
    switchboard: Destination | None = None
    version: int = 0  # set by the store on save (optimistic concurrency)

    @classmethod
    def from_dict(cls, d: Any) -> RoutingPlan:
        from skysentral.domain.pbx import plan_format

        return plan_format.plan_from_dict(d)

    def to_dict(self) -> dict[str, Any]:
        from skysentral.domain.pbx import plan_format

        return plan_format.plan_to_dict(self)
