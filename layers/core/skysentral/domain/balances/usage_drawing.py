"""How usage draws from the balance stack (D1, D2, D3, D4, D5, D6, D9): `apply_usage`.

A data record in an included zone draws, one step per bucket: the month's package (D1),
then the rollover saved last month (D2), then extra packages in purchase order (D3), then
an automatic top-up (D4), then Datakontroll stops it (D5) or it is priced as overage. A
data record in a zone the plan does not include draws from valid surf packages (D6), then
is priced (data_pricing) unless the 50 EUR roaming block applies (D5, roaming_limit).

Decisions where PRODUCT.md is silent:
- "The moment the data before it is used up" is taken literally: when a record brings the
  usable included data to exactly zero, the next queued extra activates (or the top-up is
  added, or Datakontroll blocks) at once, not on the next byte.
- Costs of a late record (usage and any top-up it triggers) belong to the record's own month
  (`Outcome.month`); `Balance.costs_ore` is the sum of the current month's outcomes.
- A late record is never refused by Datakontroll Utland (the previous month's block is gone),
  but its included-zone remainder goes through the current month's normal order (D9), so
  Datakontroll may refuse that part.
- Turning Datakontroll off while blocked lifts the block at the next record (priced as overage).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from skysentral.domain.balances.add_ons import AddOns
from skysentral.domain.balances.balance_close import close_month
from skysentral.domain.balances.balance_values import (
    ACTIVE,
    QUEUED,
    USAGE_KINDS,
    Alert,
    Balance,
    ExtraPackage,
    Outcome,
    UsageRecord,
    clone_balance,
)
from skysentral.domain.balances.data_pricing import ceil_div, data_price_ore
from skysentral.domain.balances.roaming_limit import roaming_alerts
from skysentral.domain.balances.usage_alerts import emit_alert, package_alerts
from skysentral.domain.calendar import month_end_utc, month_of, month_start_utc, prev_month
from skysentral.domain.catalogue import PRODUCTS, ZONES, PricePlan
from skysentral.domain.errors import InvalidUsageRecord

_ZONES = frozenset(ZONES)


def _default_package_id(record_id: str, n: int) -> str:
    return f"topup-{record_id}-{n}"


def _draw_included(
    b: Balance,
    plan: PricePlan,
    addons: AddOns,
    need: int,
    record: UsageRecord,
    new_package_id: Callable[[str, int], str],
    drawn: list[tuple[str, int]],
    alerts: list[Alert],
) -> tuple[int, int, int]:
    """Draw `need` bytes from the current month in the D1, D2, D3, D4, D5 order, one step
    per bucket; a bucket that still has data after its step ends the record.

    Returns (counted, refused, cost_ore). `b` is a private clone and is updated in place.
    Also with need == 0 a step runs: a record that used the last byte of a bucket activates
    what follows at once (a queued extra, a top-up, the Datakontroll block).
    """
    counted = _draw_month_package(b, need, drawn, alerts)
    if b.package_used_bytes < b.package_bytes:
        return counted, 0, 0
    counted += _draw_rollover(b, need - counted, drawn, alerts)
    if b.rollover_bytes > 0:
        return counted, 0, 0
    extras = list(b.extras)
    taken, data_left, changed = _draw_extra_packages(b, extras, need - counted, drawn, alerts)
    counted += taken
    n_topups = 0
    cost = 0
    while addons.topup_product is not None and not data_left:
        n_topups += 1
        cost += _add_topup(
            b, extras, addons.topup_product, new_package_id(record.record_id, n_topups), record.started_at, alerts
        )
        taken, data_left, _ = _draw_extra_packages(b, extras, need - counted, drawn, alerts, len(extras) - 1)
        counted += taken
    if changed or n_topups:
        b.extras = extras
    if data_left:
        return counted, 0, cost
    refused, overage_ore = _beyond_included(b, plan, addons, need - counted, record.zone, drawn, alerts)
    return need - refused, refused, cost + overage_ore


def _draw_month_package(b: Balance, need: int, drawn: list[tuple[str, int]], alerts: list[Alert]) -> int:
    """D1: the month's package first."""
    take = min(need, b.package_bytes - b.package_used_bytes)
    if take <= 0:
        return 0
    b.package_used_bytes += take
    drawn.append(("package", take))
    package_alerts(b, alerts)
    return take


def _draw_rollover(b: Balance, need: int, drawn: list[tuple[str, int]], alerts: list[Alert]) -> int:
    """D2: then the rollover saved last month."""
    rollover = b.rollover_bytes
    take = min(need, rollover)
    if take <= 0:
        return 0
    b.rollover_bytes = rollover - take
    drawn.append(("rollover", take))
    emit_alert(b, alerts, "rollover_started", "rollover_started", {"rollover_bytes": rollover})
    return take


def _draw_extra_packages(
    b: Balance, extras: list[ExtraPackage], need: int, drawn: list[tuple[str, int]], alerts: list[Alert], start: int = 0
) -> tuple[int, bool, bool]:
    """D3, D4: extra packages and top-ups in purchase order; a queued one activates the moment
    the data before it is used up and lasts this month. `extras` (a copy of b's list) is
    updated in place. Returns (bytes taken, whether data is left, whether `extras` changed)."""
    taken = 0
    changed = False
    for i in range(start, len(extras)):
        e = extras[i]
        if e.remaining_bytes == 0:
            continue
        if e.status == QUEUED:
            e = extras[i] = replace(e, status=ACTIVE, activated_month=b.month)
            changed = True
            emit_alert(
                b,
                alerts,
                "extra_activated",
                f"extra_activated:{e.id}",
                {"package_id": e.id, "product": e.product, "bytes": e.bytes},
            )
        take = min(need - taken, e.remaining_bytes)
        if take == 0:
            return taken, True, changed
        extras[i] = replace(e, remaining_bytes=e.remaining_bytes - take)
        changed = True
        taken += take
        drawn.append((f"extra:{e.id}", take))
        if take < e.remaining_bytes:
            return taken, True, changed
    return taken, False, changed


def _add_topup(
    b: Balance, extras: list[ExtraPackage], product_code: str, package_id: str, at: datetime, alerts: list[Alert]
) -> int:
    """D4: all included data is used up: add the automatic top-up; returns its price."""
    prod = PRODUCTS[product_code]
    extras.append(ExtraPackage(package_id, prod.code, prod.bytes, prod.bytes, ACTIVE, at, b.month, True))
    b.data_blocked = False
    emit_alert(
        b,
        alerts,
        "topup_activated",
        f"topup_activated:{package_id}",
        {"package_id": package_id, "product": prod.code, "bytes": prod.bytes, "price_ore": prod.price_ore},
    )
    return prod.price_ore


def _beyond_included(
    b: Balance, plan: PricePlan, addons: AddOns, need: int, zone: str, drawn: list[tuple[str, int]], alerts: list[Alert]
) -> tuple[int, int]:
    """All included data is used up and no top-up applies. Returns (refused, cost_ore).

    D5 Datakontroll: stop at zero; the part beyond is refused, balances never negative.
    Without it the rest is priced as overage (data_pricing; 0 = throttled, no cost)."""
    if addons.datakontroll:
        b.data_blocked = True
        emit_alert(b, alerts, "data_blocked", "data_blocked", {})
        return need, 0
    if need == 0:
        return 0, 0
    drawn.append(("overage", need))
    b.data_blocked = False
    return 0, data_price_ore(need, zone, plan.overage_ore_per_mb)


def _draw_surf(b: Balance, need: int, record: UsageRecord, drawn: list[tuple[str, int]]) -> int:
    """D6: valid surf packages covering the zone, oldest-expiring first. Returns bytes drawn."""
    zone, at = record.zone, record.started_at
    usable = [
        (s.expires_at, s.id, idx)
        for idx, s in enumerate(b.surf)
        if s.remaining_bytes > 0 and zone in s.zones and s.activated_at <= at < s.expires_at
    ]
    if not usable:
        return 0
    usable.sort()
    surf = list(b.surf)
    counted = 0
    for _, _, idx in usable:
        if need == 0:
            break
        s = surf[idx]
        take = need if need < s.remaining_bytes else s.remaining_bytes
        surf[idx] = replace(s, remaining_bytes=s.remaining_bytes - take)
        need -= take
        counted += take
        drawn.append((f"surf:{s.id}", take))
    b.surf = surf
    return counted


def _draw_not_included(
    b: Balance,
    plan: PricePlan,
    addons: AddOns,
    need: int,
    record: UsageRecord,
    current: bool,
    drawn: list[tuple[str, int]],
    alerts: list[Alert],
) -> tuple[int, int]:
    """A zone the plan does not include: valid surf packages first (D6), then priced
    (data_pricing) unless the roaming block applies (D5). Returns (refused, cost_ore).
    A late record (not `current`) is never refused and does not count towards this
    month's roaming limit."""
    if b.surf:
        need -= _draw_surf(b, need, record, drawn)
    if need == 0:
        return 0, 0
    if current and addons.datakontroll and b.roaming_blocked:
        # D5 Datakontroll Utland: blocked until next month or until the company lifts it.
        return need, 0
    cost = data_price_ore(need, record.zone, plan.data_ore_per_mb[record.zone])
    drawn.append(("priced", need))
    if current:
        b.roaming_spent_ore += cost
        if addons.datakontroll:
            roaming_alerts(b, alerts)
    return 0, cost


def _validate(record: UsageRecord) -> None:
    if record.kind not in USAGE_KINDS:
        raise InvalidUsageRecord(f"unknown usage kind {record.kind!r}")
    if type(record.quantity) is not int or record.quantity < 0:
        raise InvalidUsageRecord(f"quantity must be a non-negative integer, got {record.quantity!r}")
    if type(record.amount_ore) is not int or record.amount_ore < 0:
        raise InvalidUsageRecord(f"amount_ore must be a non-negative integer, got {record.amount_ore!r}")
    ts = record.started_at
    if not isinstance(ts, datetime) or ts.tzinfo is None or ts.utcoffset() is None:
        raise InvalidUsageRecord("started_at must be an aware datetime")
    if record.zone not in _ZONES:
        raise InvalidUsageRecord(f"unknown zone {record.zone!r}")


def _status(counted: int, refused: int) -> str:
    if refused == 0:
        return "applied"
    return "refused" if counted == 0 else "partial"


def apply_usage(
    balance: Balance,
    plan: PricePlan,
    addons: AddOns,
    record: UsageRecord,
    *,
    new_package_id: Callable[[str, int], str] | None = None,
) -> tuple[Balance, Outcome]:
    """Apply one usage record; returns the new balance and what the record did.

    Pure: `balance` is not changed. Top-up ids come from `new_package_id(record_id, n)`
    (default "topup-<record_id>-<n>"), so replaying a record gives identical results.
    Applying each record once is the caller's job (ledger keyed by record_id).
    """
    _validate(record)
    make_id = new_package_id or _default_package_id
    at = record.started_at
    if at >= month_end_utc(balance.month):
        # D9: lazy close up to the record's month (deterministic, so the scheduled close is a no-op).
        rec_month = month_of(at)
        balance = close_month(balance, plan, addons, rec_month)
        age = 0
    elif at >= month_start_utc(balance.month):
        rec_month = balance.month
        age = 0
    else:
        rec_month = month_of(at)
        age = 1 if rec_month == prev_month(balance.month) else 2

    kind = record.kind
    qty = record.quantity
    drawn: list[tuple[str, int]] = []
    alerts: list[Alert] = []
    counted = qty
    refused = 0
    cost = 0

    if kind != "data":
        zone = record.zone
        if kind == "voice":
            cost = ceil_div(qty, 60) * plan.voice_ore_per_min[zone]
        elif kind == "sms":
            cost = qty * plan.sms_ore[zone]
        else:
            cost = record.amount_ore
        b = balance
        if age == 0 and cost:
            b = clone_balance(balance)
            b.costs_ore += cost
        return b, Outcome(record.record_id, kind, rec_month, age > 0, "applied", qty, 0, cost)

    if age == 2:
        # Older than the month just closed: counted (and priced abroad) in its own month only.
        if record.zone not in plan.included_zones:
            cost = data_price_ore(qty, record.zone, plan.data_ore_per_mb[record.zone])
            drawn.append(("priced", qty))
        return balance, Outcome(record.record_id, kind, rec_month, True, "applied", qty, 0, cost, drawn)

    b = clone_balance(balance)
    if record.zone in plan.included_zones:
        need = qty
        counted = 0
        if age == 1 and b.rollover_from_month == rec_month and b.rollover_bytes > 0 and need > 0:
            # D9: as if it had arrived before the close: less rollover was saved.
            take = need if need < b.rollover_bytes else b.rollover_bytes
            b.rollover_bytes -= take
            need -= take
            counted = take
            drawn.append(("rollover", take))
        # Also with need == 0: a late record that used the last rollover activates what follows.
        c, refused, cost = _draw_included(b, plan, addons, need, record, make_id, drawn, alerts)
        counted += c
    else:
        refused, cost = _draw_not_included(b, plan, addons, qty, record, age == 0, drawn, alerts)
        counted = qty - refused

    if age == 0:
        b.costs_ore += cost
    return b, Outcome(
        record.record_id,
        kind,
        rec_month,
        age > 0,
        _status(counted, refused),
        counted,
        refused,
        cost,
        drawn,
        alerts,
    )
