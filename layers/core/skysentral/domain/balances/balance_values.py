"""The values of the balance rules: a subscription's `Balance` and its packages, a
`UsageRecord` coming in, the `Outcome` of applying it and the `Alert`s it raises.

A Balance is the state of ONE subscription for its current month (Europe/Oslo). The rule
functions return a new Balance and never mutate their input; unchanged lists and sets are
shared between the old and the new Balance (`clone_balance`), so treat a Balance as a value
and never mutate its lists in place. How a Balance is stored is the store's business
(`skysentral.store.balance_format`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skysentral.domain.catalogue import PricePlan

ACTIVE = "active"
QUEUED = "queued"

USAGE_KINDS = frozenset({"data", "voice", "sms", "mms", "content"})  # mms: F3 (priced by rating only)


@dataclass(frozen=True, slots=True)
class ExtraPackage:
    """D3, D4: an extra data package (or automatic top-up) for the included zones."""

    id: str
    product: str
    bytes: int
    remaining_bytes: int
    status: str  # "active" | "queued"
    bought_at: datetime
    activated_month: str | None = None
    is_topup: bool = False


@dataclass(frozen=True, slots=True)
class SurfPackage:
    """D6: a roaming surf package, valid in `zones` from activated_at until expires_at."""

    id: str
    product: str
    zones: frozenset[str]
    bytes: int
    remaining_bytes: int
    activated_at: datetime
    expires_at: datetime


@dataclass(slots=True)
class Balance:
    """The balance stack of one subscription for its current month."""

    month: str
    package_bytes: int
    package_used_bytes: int = 0
    rollover_bytes: int = 0
    rollover_granted_bytes: int = 0
    rollover_from_month: str | None = None
    extras: list[ExtraPackage] = field(default_factory=list)
    surf: list[SurfPackage] = field(default_factory=list)
    roaming_spent_ore: int = 0
    roaming_blocked: bool = False
    roaming_block_lifted: bool = False
    data_blocked: bool = False
    alerts_sent: set[str] = field(default_factory=set)
    costs_ore: int = 0


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One rated usage event: data (bytes), voice (seconds), sms (count) or content (øre)."""

    record_id: str
    kind: str
    quantity: int
    started_at: datetime
    zone: str = "NO"
    amount_ore: int = 0
    country: str | None = None
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """D7: an alert to send once. `key` is unique per subscription, month and threshold."""

    key: str
    kind: str
    month: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(slots=True)
class Outcome:
    """What applying one usage record did; `month` is the record's own month (ledger/invoice)."""

    record_id: str
    kind: str
    month: str
    late: bool
    status: str  # "applied" | "refused" | "partial"
    counted_quantity: int
    refused_quantity: int
    cost_ore: int
    drawn: list[tuple[str, int]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def counted_bytes(self) -> int:
        return self.counted_quantity if self.kind == "data" else 0

    @property
    def refused_bytes(self) -> int:
        return self.refused_quantity if self.kind == "data" else 0


def clone_balance(b: Balance) -> Balance:
    """A shallow copy to change: lists and the alert set are shared, and every rule that
    changes them replaces them, never mutates."""
    return Balance(
        b.month,
        b.package_bytes,
        b.package_used_bytes,
        b.rollover_bytes,
        b.rollover_granted_bytes,
        b.rollover_from_month,
        b.extras,
        b.surf,
        b.roaming_spent_ore,
        b.roaming_blocked,
        b.roaming_block_lifted,
        b.data_blocked,
        b.alerts_sent,
        b.costs_ore,
    )


def new_balance(plan: PricePlan, month: str) -> Balance:
    """A fresh balance for a subscription activated in `month` (D1: full package)."""
    return Balance(month=month, package_bytes=plan.package_bytes)


def remaining_included_bytes(balance: Balance) -> int:
    """Package + rollover + active and queued extra packages left (D1, D2, D3, D4)."""
    return (
        balance.package_bytes
        - balance.package_used_bytes
        + balance.rollover_bytes
        + sum(e.remaining_bytes for e in balance.extras)
    )
