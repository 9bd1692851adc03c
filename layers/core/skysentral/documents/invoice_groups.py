"""F4: what an invoice document shows besides its lines: the groups by kind and the summary
per subscription, in Norwegian.

The invoice dict (docs/portal.md) carries `groups`; an invoice without them (an older or a
hand-made one) gets them from its lines. Nothing here recomputes totals: the documents
print the invoice's own `net_ore`, `vat_ore` and `total_ore`, so a wrong invoice shows up
in the EHF checker (documents/ehf_rules.py) instead of being silently corrected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KIND_ORDER = ("fee", "voice", "sms", "mms", "data", "package", "content")

KIND_LABELS_NB = {
    "fee": "Abonnement og tilleggstjenester",
    "voice": "Samtaler",
    "sms": "SMS",
    "mms": "MMS",
    "data": "Datatrafikk",
    "package": "Datapakker",
    "content": "Innholdstjenester",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS_NB.get(kind, kind.capitalize() if kind else "Annet")


@dataclass(frozen=True)
class Group:
    kind: str
    count: int
    amount_ore: int

    @property
    def label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class SubscriptionSummary:
    subscription_id: str
    employee_id: str
    msisdn: str
    count: int
    amount_ore: int


def _kind_rank(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


def groups_of(invoice: Mapping[str, Any]) -> list[Group]:
    """The invoice's groups by kind (fees first), from `groups` or else from its lines."""
    raw = invoice.get("groups")
    if raw:
        groups = [Group(str(g["kind"]), int(g.get("count") or 0), int(g["amount_ore"])) for g in raw]
    else:
        totals: dict[str, list[int]] = {}
        for line in invoice.get("lines") or ():
            entry = totals.setdefault(str(line.get("kind") or "other"), [0, 0])
            entry[0] += 1
            entry[1] += int(line["amount_ore"])
        groups = [Group(kind, count, amount) for kind, (count, amount) in totals.items()]
    return sorted(groups, key=lambda g: _kind_rank(g.kind))


def subscription_summaries(lines: Iterable[Mapping[str, Any]]) -> list[SubscriptionSummary]:
    """One row per subscription (lines without one, e.g. company-level fees, under "")."""
    rows: dict[str, dict[str, Any]] = {}
    for line in lines:
        sub = str(line.get("subscription_id") or "")
        row = rows.setdefault(sub, {"employee_id": "", "msisdn": "", "count": 0, "amount_ore": 0})
        row["employee_id"] = row["employee_id"] or str(line.get("employee_id") or "")
        row["msisdn"] = row["msisdn"] or str(line.get("msisdn") or "")
        row["count"] += 1
        row["amount_ore"] += int(line["amount_ore"])
    return [
        SubscriptionSummary(sub, r["employee_id"], r["msisdn"], r["count"], r["amount_ore"])
        for sub, r in sorted(rows.items())
    ]
