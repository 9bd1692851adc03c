"""Live updates of the web switchboard (docs/switchboard.md, "Live updates"): which pushed
messages one SQS batch of bus events becomes. Pure: the push function reads the records,
this module decides the messages, the service sends them.

A batch's call events become ONE message per company, `{"type": "call_events", "events":
[{"kind", "call_id", "queue_id", "employee_id", "at"}, ...]}`, ordered by (at, event_id) and
without duplicates (a redelivered event id counts once); each wait alert becomes its own
`{"type": "alert", "alert": {...the WaitAlert detail...}}`. A record that is neither is
skipped (retrying cannot mend it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CALL_EVENT_SOURCE, CALL_EVENT_TYPE = "skysentral.pbx", "CallEvent"
ALERT_SOURCE, ALERT_TYPE = "skysentral.switchboard", "WaitAlert"
PUSHED_FIELDS = ("kind", "call_id", "queue_id", "employee_id", "at")


@dataclass
class CompanyMessages:
    """What one company's connections get from one batch, in order."""

    company_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.events:
            out.append({"type": "call_events", "events": self.events})
        out.extend({"type": "alert", "alert": a} for a in self.alerts)
        return out


def parse_bus_event(body: str) -> tuple[str, dict[str, Any]] | None:
    """("call_event" | "alert", detail) of an EventBridge event as the rule delivers it to SQS,
    or None when it is neither (or lacks its company)."""
    try:
        event = json.loads(body)
    except (TypeError, ValueError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("detail"), dict):
        return None
    detail, source, dtype = event["detail"], event.get("source"), event.get("detail-type")
    if not isinstance(detail.get("company_id"), str) or not detail["company_id"]:
        return None
    if (source, dtype) == (CALL_EVENT_SOURCE, CALL_EVENT_TYPE) and detail.get("kind") and detail.get("call_id"):
        return "call_event", detail
    if (source, dtype) == (ALERT_SOURCE, ALERT_TYPE):
        return "alert", detail
    return None


def batch_messages(bodies: list[str]) -> dict[str, CompanyMessages]:
    """Company id → its messages for one batch of record bodies (see the module docstring)."""
    by_company: dict[str, CompanyMessages] = {}
    seen: set[str] = set()
    keyed: dict[str, list[tuple[tuple[str, str], dict[str, Any]]]] = {}
    for body in bodies:
        parsed = parse_bus_event(body)
        if parsed is None:
            continue
        kind, detail = parsed
        company = by_company.setdefault(detail["company_id"], CompanyMessages(detail["company_id"]))
        if kind == "alert":
            company.alerts.append(detail)
            continue
        event_id = str(detail.get("event_id") or "")
        if event_id and event_id in seen:
            continue
        seen.add(event_id)
        pushed = {k: detail.get(k) for k in PUSHED_FIELDS}
        keyed.setdefault(company.company_id, []).append(((str(detail.get("at") or ""), event_id), pushed))
    for company_id, rows in keyed.items():
        by_company[company_id].events = [pushed for _, pushed in sorted(rows, key=lambda r: r[0])]
    return by_company
