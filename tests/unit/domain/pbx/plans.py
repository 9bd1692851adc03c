"""A complete, valid routing plan (the example in docs/pbx-rules.md) and its employees,
for the PBX rule tests to vary."""

from __future__ import annotations

import copy
from typing import Any

from skysentral.domain.organisation import Employee

EMPLOYEES = {
    e: Employee(e, name, f"{e}@example.no", "employee", "d1", extension=ext, mobile=mobile)
    for e, name, ext, mobile in [
        ("e1", "Kari", "201", "+4791000001"),
        ("e2", "Ola", "202", "+4791000002"),
        ("e3", "Nina", "203", "+4791000003"),
        ("e4", "Per", "204", "+4791000004"),
    ]
}

EXAMPLE_PLAN: dict[str, Any] = {
    "main_number": "+4722000000",
    "direct_numbers": {"+4722000010": {"kind": "queue", "target": "support"}},
    "entry": {
        "open": {"kind": "menu", "target": "main"},
        "closed": {"kind": "voicemail", "target": ""},
        "holiday": {"kind": "voicemail", "target": ""},
    },
    "opening_hours": {
        "mon": [["08:00", "16:00"]],
        "tue": [["08:00", "16:00"]],
        "wed": [["08:00", "16:00"]],
        "thu": [["08:00", "16:00"]],
        "fri": [["08:00", "11:30"], ["12:00", "15:00"]],
        "sat": [],
        "sun": [],
    },
    "holidays_closed": True,
    "exceptions": [
        {
            "date": "2026-12-24",
            "closed": False,
            "hours": [["09:00", "12:00"]],
            "destination": None,
            "note": "Christmas Eve",
        },
        {
            "date": "2026-06-12",
            "closed": True,
            "hours": [],
            "destination": {"kind": "external", "target": "+4791000001"},
            "note": "Summer party",
        },
    ],
    "menus": {
        "main": {
            "name": "Main menu",
            "prompt": "Press 1 for sales, 2 for support, 9 for more choices.",
            "options": {
                "1": {"kind": "group", "target": "sales"},
                "2": {"kind": "queue", "target": "support"},
                "9": {"kind": "menu", "target": "more"},
                "0": {"kind": "switchboard", "target": ""},
            },
            "timeout_s": 5,
            "max_attempts": 3,
            "on_timeout": {"kind": "switchboard", "target": ""},
            "on_invalid": {"kind": "menu", "target": "main"},
            "extension_dialling": True,
        },
        "more": {
            "name": "More",
            "prompt": "Press 1 for invoices, star to go back.",
            "options": {"1": {"kind": "person", "target": "e4"}, "*": {"kind": "menu", "target": "main"}},
            "timeout_s": 5,
            "max_attempts": 2,
            "on_timeout": {"kind": "menu", "target": "main"},
            "on_invalid": {"kind": "menu", "target": "more"},
            "extension_dialling": False,
        },
    },
    "groups": {
        "sales": {
            "name": "Sales",
            "strategy": "ringall",
            "members": [{"employee_id": "e1", "penalty": 0}, {"employee_id": "e2", "penalty": 0}],
            "ring_timeout_s": 20,
            "overflow": {"kind": "voicemail", "target": "e1"},
        }
    },
    "queues": {
        "support": {
            "name": "Support",
            "strategy": "leastrecent",
            "members": [{"employee_id": "e2", "penalty": 0}, {"employee_id": "e3", "penalty": 1}],
            "ring_timeout_s": 15,
            "wrapup_s": 10,
            "max_length": 20,
            "max_wait_s": 600,
            "overflow": {"kind": "voicemail", "target": ""},
            "callback": {"key": "1", "max_attempts": 3, "retry_delay_s": 60},
            "announce_position": True,
            "wait_warning_s": 30,
            "wait_alert_s": 90,
            "service_level_s": 20,
            "supervisors": [{"employee_id": "e1", "channels": ["sms", "email"]}],
        },
        "switchboard": {
            "name": "Switchboard",
            "strategy": "rrmemory",
            "members": [{"employee_id": "e4", "penalty": 0}],
            "ring_timeout_s": 20,
            "wrapup_s": 0,
            "max_length": 10,
            "max_wait_s": 300,
            "overflow": {"kind": "voicemail", "target": ""},
            "callback": None,
            "announce_position": False,
            "wait_warning_s": 20,
            "wait_alert_s": 60,
            "service_level_s": 15,
            "supervisors": [],
        },
    },
    "presence_routing": {
        "busy": {"kind": "voicemail", "target": ""},
        "in_meeting": {"kind": "switchboard", "target": ""},
        "away": {"kind": "voicemail", "target": ""},
        "off_work": {"kind": "voicemail", "target": ""},
    },
    "switchboard": {"kind": "queue", "target": "switchboard"},
    "version": 0,
}


def example_plan() -> dict[str, Any]:
    """A fresh deep copy of EXAMPLE_PLAN to change."""
    return copy.deepcopy(EXAMPLE_PLAN)
