"""The data balance stack of one subscription, as pure functions over plain dataclasses.

A `Balance` is the state of ONE subscription for its current month (Europe/Oslo). Every
function returns a new Balance and never mutates its input; unchanged lists and sets are
shared between the old and the new Balance, so treat a Balance as a value and never
mutate its lists in place.

Rules (feature ids from PRODUCT.md):
- D1  usage in the plan's included zones draws from the month's data package.
- D2  Data Rollover (packages >= 6 GB): unused package data is carried to the next month,
      at most the monthly package; package first, then rollover; it expires at the end of
      the month after it was saved.
- D3  extra packages are used after package and rollover in purchase order; one bought
      while data is left is queued and activates the moment the data before it is used up;
      it lasts until the end of the month it activated in; a queued one stays queued.
- D4  automatic top-up when all included data is used up, as often as needed.
- D5  Datakontroll: no data beyond zero (records are split); "Datakontroll Utland": data
      in zones not included is blocked once priced roaming reaches 50 EUR this month.
- D6  surf packages cover their zones for 30 days from activation, before pricing.
- D7  alerts, each at most once per threshold per month (`Balance.alerts_sent`).
- D9  month close at 00:00 Oslo; late records (from the month just closed) count in their
      own month and first reduce the rollover that month produced.

Decisions where PRODUCT.md is silent (documented in the functions that implement them):
- "The moment the data before it is used up" is taken literally: when a record brings the
  usable included data to exactly zero, the next queued extra activates (or the top-up is
  added, or Datakontroll blocks) at once, not on the next byte.
- When one record crosses both 80 % and 100 % (package or roaming), only the 100 % alert is
  sent; the 80 % one is marked as sent so it never comes afterwards.
- Roaming alerts (80 %/100 % of 50 EUR) exist only with Datakontroll (the limit is part of it).
- Costs of a late record (usage and any top-up it triggers) belong to the record's own month
  (`Outcome.month`); `Balance.costs_ore` is the sum of the current month's outcomes.
- A late record is never refused by Datakontroll Utland (the previous month's block is gone),
  but its included-zone remainder goes through the current month's normal order (D9), so
  Datakontroll may refuse that part.
- Surf packages are kept through one more close after they expire, so a late record of the
  closed month can still draw from the surf package that was valid when it was used.
- Turning Datakontroll off while blocked lifts the block at the next record (priced as overage).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable

from skysentral.domain.calendar import (
    OSLO,
    UTC,
    month_end_utc,
    month_of,
    month_start_utc,
    next_month,
    prev_month,
)
from skysentral.domain.catalogue import (
    MIB,
    ORE_PER_EUR,
    PRODUCTS,
    ROAMING_LIMIT_EUR_CENTS,
    ROLLOVER_MIN_PACKAGE_BYTES,
    ZONES,
    PricePlan,
    product,
)
from skysentral.domain.errors import BalanceNotCurrent, InvalidInput, InvalidUsageRecord, RolloverNotAllowed

ACTIVE = "active"
QUEUED = "queued"

USAGE_KINDS = frozenset({"data", "voice", "sms", "content"})
_ZONES = frozenset(ZONES)

# D5: the roaming limit compared exactly in integers: spent_ore * 100 >= limit_eur_cents * ORE_PER_EUR.
_ROAMING_LIMIT_SCALED = ROAMING_LIMIT_EUR_CENTS * ORE_PER_EUR


# ---------------------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtraPackage:
    """D3/D4: an extra data package (or automatic top-up) for the included zones."""

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

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON-able form for a DynamoDB item; `from_dict` restores it exactly."""
        return {
            "month": self.month,
            "pkg": self.package_bytes,
            "pkg_used": self.package_used_bytes,
            "ro": self.rollover_bytes,
            "ro_granted": self.rollover_granted_bytes,
            "ro_from": self.rollover_from_month,
            "extras": [
                {
                    "id": e.id,
                    "product": e.product,
                    "bytes": e.bytes,
                    "left": e.remaining_bytes,
                    "status": e.status,
                    "bought_at": _iso(e.bought_at),
                    "act_month": e.activated_month,
                    "topup": e.is_topup,
                }
                for e in self.extras
            ],
            "surf": [
                {
                    "id": s.id,
                    "product": s.product,
                    "zones": sorted(s.zones),
                    "bytes": s.bytes,
                    "left": s.remaining_bytes,
                    "from": _iso(s.activated_at),
                    "until": _iso(s.expires_at),
                }
                for s in self.surf
            ],
            "roam_ore": self.roaming_spent_ore,
            "roam_blocked": self.roaming_blocked,
            "roam_lifted": self.roaming_block_lifted,
            "data_blocked": self.data_blocked,
            "alerts": sorted(self.alerts_sent),
            "costs_ore": self.costs_ore,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Balance:
        return cls(
            month=data["month"],
            package_bytes=int(data["pkg"]),
            package_used_bytes=int(data["pkg_used"]),
            rollover_bytes=int(data["ro"]),
            rollover_granted_bytes=int(data["ro_granted"]),
            rollover_from_month=data["ro_from"],
            extras=[
                ExtraPackage(
                    id=e["id"],
                    product=e["product"],
                    bytes=int(e["bytes"]),
                    remaining_bytes=int(e["left"]),
                    status=e["status"],
                    bought_at=datetime.fromisoformat(e["bought_at"]),
                    activated_month=e["act_month"],
                    is_topup=bool(e["topup"]),
                )
                for e in data["extras"]
            ],
            surf=[
                SurfPackage(
                    id=s["id"],
                    product=s["product"],
                    zones=frozenset(s["zones"]),
                    bytes=int(s["bytes"]),
                    remaining_bytes=int(s["left"]),
                    activated_at=datetime.fromisoformat(s["from"]),
                    expires_at=datetime.fromisoformat(s["until"]),
                )
                for s in data["surf"]
            ],
            roaming_spent_ore=int(data["roam_ore"]),
            roaming_blocked=bool(data["roam_blocked"]),
            roaming_block_lifted=bool(data["roam_lifted"]),
            data_blocked=bool(data["data_blocked"]),
            alerts_sent=set(data["alerts"]),
            costs_ore=int(data["costs_ore"]),
        )


@dataclass(frozen=True, slots=True)
class AddOns:
    """E3 add-ons that change the balance rules of a subscription."""

    rollover: bool = False  # D2
    datakontroll: bool = False  # D5 (includes "Datakontroll Utland")
    topup_product: str | None = None  # D4: EXTRA_1GB / EXTRA_5GB / EXTRA_15GB

    def __post_init__(self) -> None:
        if self.topup_product is not None and product(self.topup_product).kind != "extra":
            raise InvalidInput(
                f"The automatic top-up must be an extra data package, not {self.topup_product}.",
                code="invalid_topup_product",
            )


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


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _clone(b: Balance) -> Balance:
    # Lists and the alert set are shared; every writer below replaces them, never mutates.
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


def _alert(b: Balance, alerts: list[Alert], kind: str, key_suffix: str, params: dict[str, Any]) -> None:
    """D7: emit an alert unless this month's key was already sent."""
    key = f"{b.month}:{key_suffix}"
    if key in b.alerts_sent:
        return
    b.alerts_sent = b.alerts_sent | {key}
    alerts.append(Alert(key, kind, b.month, params))


def _mark_sent(b: Balance, key_suffix: str) -> None:
    key = f"{b.month}:{key_suffix}"
    if key not in b.alerts_sent:
        b.alerts_sent = b.alerts_sent | {key}


def _default_package_id(record_id: str, n: int) -> str:
    return f"topup-{record_id}-{n}"


def new_balance(plan: PricePlan, month: str) -> Balance:
    """A fresh balance for a subscription activated in `month` (D1: full package)."""
    return Balance(month=month, package_bytes=plan.package_bytes)


def enable_rollover_allowed(plan: PricePlan) -> bool:
    """D2: Data Rollover only on packages of 6 GB or more."""
    return plan.package_bytes >= ROLLOVER_MIN_PACKAGE_BYTES


def enable_rollover(addons: AddOns, plan: PricePlan) -> AddOns:
    """D2: switch Data Rollover on; refused on packages below 6 GB."""
    if not enable_rollover_allowed(plan):
        raise RolloverNotAllowed(
            f"Data Rollover needs a data package of at least 6 GB; {plan.name} has "
            f"{plan.package_bytes // 1024**3} GB"
        )
    return replace(addons, rollover=True)


def remaining_included_bytes(balance: Balance) -> int:
    """Package + rollover + active and queued extra packages left (D1–D4)."""
    return (
        balance.package_bytes
        - balance.package_used_bytes
        + balance.rollover_bytes
        + sum(e.remaining_bytes for e in balance.extras)
    )


# ---------------------------------------------------------------------------------------
# Included zones (D1–D5)
# ---------------------------------------------------------------------------------------


def _package_alerts(b: Balance, alerts: list[Alert]) -> None:
    """D7: 80 % and 100 % of the month's package; a jump past both sends only 100 %."""
    used, size = b.package_used_bytes, b.package_bytes
    if size <= 0 or used * 5 < size * 4:
        return
    if used >= size:
        _alert(b, alerts, "package_100", "package_100", {"package_bytes": size})
        _mark_sent(b, "package_80")
    else:
        _alert(b, alerts, "package_80", "package_80", {"package_bytes": size, "used_percent": 80})


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
    """Draw `need` bytes from the current month by the D1–D5 order.

    Returns (counted, refused, cost_ore). `b` is a private clone and is updated in place.
    """
    counted = 0
    # D1: the month's package first.
    avail = b.package_bytes - b.package_used_bytes
    if avail > 0 and need > 0:
        take = need if need < avail else avail
        b.package_used_bytes += take
        need -= take
        counted += take
        drawn.append(("package", take))
        _package_alerts(b, alerts)
        if take < avail:
            return counted, 0, 0
    elif avail > 0:
        return 0, 0, 0

    # D2: then the rollover saved last month.
    ro = b.rollover_bytes
    if ro > 0 and need > 0:
        take = need if need < ro else ro
        b.rollover_bytes = ro - take
        need -= take
        counted += take
        drawn.append(("rollover", take))
        _alert(b, alerts, "rollover_started", "rollover_started", {"rollover_bytes": ro})
        if take < ro:
            return counted, 0, 0
    elif ro > 0:
        return counted, 0, 0

    # D3/D4/D5: extra packages in purchase order, then top-up, block or overage.
    extras = list(b.extras)
    changed = False
    cost = 0
    refused = 0
    n_topups = 0
    i = 0
    while True:
        while i < len(extras) and extras[i].remaining_bytes == 0:
            i += 1
        if i < len(extras):
            e = extras[i]
            if e.status == QUEUED:
                # D3: activates the moment the data before it is used up; lasts this month.
                e = replace(e, status=ACTIVE, activated_month=b.month)
                extras[i] = e
                changed = True
                _alert(
                    b,
                    alerts,
                    "extra_activated",
                    f"extra_activated:{e.id}",
                    {"package_id": e.id, "product": e.product, "bytes": e.bytes},
                )
            if need == 0:
                break
            left = e.remaining_bytes
            take = need if need < left else left
            extras[i] = replace(e, remaining_bytes=left - take)
            changed = True
            need -= take
            counted += take
            drawn.append((f"extra:{e.id}", take))
            continue
        # All included data is used up.
        if addons.topup_product is not None:
            # D4: automatic top-up, repeated as often as this record needs.
            n_topups += 1
            prod = PRODUCTS[addons.topup_product]
            package_id = new_package_id(record.record_id, n_topups)
            extras.append(
                ExtraPackage(
                    package_id,
                    prod.code,
                    prod.bytes,
                    prod.bytes,
                    ACTIVE,
                    record.started_at,
                    b.month,
                    True,
                )
            )
            changed = True
            cost += prod.price_ore
            b.data_blocked = False
            _alert(
                b,
                alerts,
                "topup_activated",
                f"topup_activated:{package_id}",
                {"package_id": package_id, "product": prod.code, "bytes": prod.bytes, "price_ore": prod.price_ore},
            )
            continue
        if addons.datakontroll:
            # D5: stop at zero; the part beyond is refused, balances never negative.
            refused = need
            need = 0
            b.data_blocked = True
            _alert(b, alerts, "data_blocked", "data_blocked", {})
            break
        if need > 0:
            # No Datakontroll: priced per started MB of the record (0 = throttled, no cost).
            cost += _ceil_div(need, MIB) * plan.overage_ore_per_mb
            drawn.append(("overage", need))
            counted += need
            need = 0
            b.data_blocked = False
        break
    if changed:
        b.extras = extras
    return counted, refused, cost


# ---------------------------------------------------------------------------------------
# Zones not included (D5 Datakontroll Utland, D6 surf)
# ---------------------------------------------------------------------------------------


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


def _roaming_alerts(b: Balance, alerts: list[Alert]) -> None:
    """D5/D7: 80 % and 100 % of the 50 EUR roaming limit; at 100 % the block starts."""
    spent_scaled = b.roaming_spent_ore * 100
    if spent_scaled * 10 < _ROAMING_LIMIT_SCALED * 8:
        return
    params = {
        "spent_eur_cents": b.roaming_spent_ore * 100 // ORE_PER_EUR,
        "limit_eur_cents": ROAMING_LIMIT_EUR_CENTS,
    }
    if spent_scaled >= _ROAMING_LIMIT_SCALED:
        if not b.roaming_block_lifted:
            b.roaming_blocked = True
        _alert(b, alerts, "roaming_100", "roaming_100", {**params, "blocked": b.roaming_blocked})
        _mark_sent(b, "roaming_80")
    else:
        _alert(b, alerts, "roaming_80", "roaming_80", params)


# ---------------------------------------------------------------------------------------
# Public operations
# ---------------------------------------------------------------------------------------


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
            cost = _ceil_div(qty, 60) * plan.voice_ore_per_min[zone]
        elif kind == "sms":
            cost = qty * plan.sms_ore[zone]
        else:
            cost = record.amount_ore
        b = balance
        if age == 0 and cost:
            b = _clone(balance)
            b.costs_ore += cost
        return b, Outcome(record.record_id, kind, rec_month, age > 0, "applied", qty, 0, cost)

    if age == 2:
        # Older than the month just closed: counted (and priced abroad) in its own month only.
        if record.zone not in plan.included_zones:
            cost = _ceil_div(qty * plan.data_ore_per_mb[record.zone], MIB)
            drawn.append(("priced", qty))
        return balance, Outcome(record.record_id, kind, rec_month, True, "applied", qty, 0, cost, drawn)

    b = _clone(balance)
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
        need = qty - _draw_surf(b, qty, record, drawn) if b.surf else qty
        if need > 0:
            if age == 0 and addons.datakontroll and b.roaming_blocked:
                # D5 Datakontroll Utland: blocked until next month or until the company lifts it.
                refused = need
            else:
                cost = _ceil_div(need * plan.data_ore_per_mb[record.zone], MIB)
                drawn.append(("priced", need))
                if age == 0:
                    b.roaming_spent_ore += cost
                    if addons.datakontroll:
                        _roaming_alerts(b, alerts)
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


def _close_one(b: Balance, plan: PricePlan, addons: AddOns) -> Balance:
    closed = b.month
    if addons.rollover and enable_rollover_allowed(plan):
        # D2: only unused package data rolls over, at most one monthly package; the
        # rollover this month started with expires now.
        left = b.package_bytes - b.package_used_bytes
        rollover = max(0, min(left, plan.package_bytes))
    else:
        rollover = 0
    closed_start = month_start_utc(closed)
    return Balance(
        month=next_month(closed),
        package_bytes=plan.package_bytes,  # D1/D4: back to the standard package
        package_used_bytes=0,
        rollover_bytes=rollover,
        rollover_granted_bytes=rollover,
        rollover_from_month=closed,
        # D3: active extras and top-ups expire; queued ones stay in line.
        extras=[e for e in b.extras if e.status == QUEUED],
        # D6: surf lasts 30 days; kept one close past expiry for late records of the closed month.
        surf=[s for s in b.surf if s.remaining_bytes > 0 and s.expires_at > closed_start],
        roaming_spent_ore=0,
        roaming_blocked=False,
        roaming_block_lifted=False,
        data_blocked=False,
        alerts_sent=set(),
        costs_ore=0,
    )


def close_month(balance: Balance, plan: PricePlan, addons: AddOns, to_month: str) -> Balance:
    """D9: close month by month until the balance is for `to_month`.

    Idempotent: a balance already at (or past) `to_month` is returned unchanged, so a
    rerun after a crash, or a scheduled close after a lazy one, changes nothing.
    """
    b = balance
    while b.month < to_month:
        b = _close_one(b, plan, addons)
    return b


def _has_package(balance: Balance, package_id: str) -> bool:
    return any(e.id == package_id for e in balance.extras) or any(s.id == package_id for s in balance.surf)


def buy_package(
    balance: Balance, product_code: str, package_id: str, bought_at: datetime
) -> tuple[Balance, list[Alert]]:
    """D3/D6: add a paid (or approved) extra or surf package. Idempotent on package_id.

    The balance must be for bought_at's month (close it first); an order paid late for an
    earlier month is added to the current month.
    """
    prod = product(product_code)
    if bought_at.tzinfo is None:
        raise InvalidUsageRecord("bought_at must be an aware datetime")
    if _has_package(balance, package_id):
        return balance, []
    if month_of(bought_at) > balance.month:
        raise BalanceNotCurrent(
            f"balance is for {balance.month}; close it to {month_of(bought_at)} before buying"
        )
    b = _clone(balance)
    alerts: list[Alert] = []
    bought_at = bought_at.astimezone(UTC)
    if prod.kind == "extra":
        if remaining_included_bytes(balance) > 0:
            # D3: bought while data is left: waits in line.
            package = ExtraPackage(package_id, prod.code, prod.bytes, prod.bytes, QUEUED, bought_at)
        else:
            package = ExtraPackage(package_id, prod.code, prod.bytes, prod.bytes, ACTIVE, bought_at, b.month)
            b.data_blocked = False  # D5: new data lifts the Datakontroll block
            _alert(
                b,
                alerts,
                "extra_activated",
                f"extra_activated:{package_id}",
                {"package_id": package_id, "product": prod.code, "bytes": prod.bytes},
            )
        # D3: extras wait in the order they were bought, even when paid in another order.
        extras = list(balance.extras)
        position = next((i for i, e in enumerate(extras) if e.status == QUEUED and e.bought_at > bought_at),
                        len(extras))
        extras.insert(position, package)
        b.extras = extras
    else:
        # D6: 30 days from activation, counted in Oslo calendar days (same local time).
        expires_at = (bought_at.astimezone(OSLO) + timedelta(days=prod.valid_days or 30)).astimezone(UTC)
        b.surf = [
            *balance.surf,
            SurfPackage(package_id, prod.code, prod.zones, prod.bytes, prod.bytes, bought_at, expires_at),
        ]
    return b, alerts


def lift_roaming_block(balance: Balance) -> Balance:
    """D5: the company lifts the roaming block; it does not come back this month."""
    b = _clone(balance)
    b.roaming_blocked = False
    b.roaming_block_lifted = True
    return b


def dashboard(balance: Balance, plan: PricePlan, addons: AddOns) -> dict[str, Any]:
    """C2/B7: what the app shows about data, rollover, roaming and costs this month."""
    month_end = _iso(month_end_utc(balance.month))
    month_start = month_start_utc(balance.month)
    return {
        "period": balance.month,
        "data": {
            "package_bytes": balance.package_bytes,
            "package_used_bytes": balance.package_used_bytes,
            "rollover_bytes": balance.rollover_bytes,
            "rollover_expires_at": month_end if balance.rollover_bytes > 0 else None,
            "extra_packages": [
                {
                    "id": e.id,
                    "product": e.product,
                    "bytes": e.bytes,
                    "remaining_bytes": e.remaining_bytes,
                    "status": e.status,
                    "topup": e.is_topup,
                    # D3: an active extra lasts to the end of the month it activated in.
                    "expires_at": month_end if e.status == ACTIVE else None,
                }
                for e in balance.extras
            ],
            "remaining_bytes": remaining_included_bytes(balance),
            "blocked": balance.data_blocked,
            "block_reason": "datakontroll" if balance.data_blocked else None,
        },
        "roaming": {
            "spent_eur_cents": balance.roaming_spent_ore * 100 // ORE_PER_EUR,
            "limit_eur_cents": ROAMING_LIMIT_EUR_CENTS if addons.datakontroll else None,
            "blocked": balance.roaming_blocked,
            "surf_packages": [
                {
                    "id": s.id,
                    "product": s.product,
                    "zones": sorted(s.zones),
                    "bytes": s.bytes,
                    "remaining_bytes": s.remaining_bytes,
                    "expires_at": _iso(s.expires_at),
                }
                for s in balance.surf
                if s.expires_at > month_start and s.remaining_bytes > 0
            ],
        },
        "costs_ore": balance.costs_ore,
    }
