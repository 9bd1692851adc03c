"""D3, D6: adding a bought (or company-approved) extra or surf package to the balance."""

from __future__ import annotations

from datetime import datetime, timedelta

from skysentral.domain.balances.balance_values import (
    ACTIVE,
    QUEUED,
    Alert,
    Balance,
    ExtraPackage,
    SurfPackage,
    clone_balance,
    remaining_included_bytes,
)
from skysentral.domain.balances.usage_alerts import emit_alert
from skysentral.domain.calendar import OSLO, UTC, month_of
from skysentral.domain.catalogue import product
from skysentral.domain.errors import BalanceNotCurrent, InvalidUsageRecord


def _has_package(balance: Balance, package_id: str) -> bool:
    return any(e.id == package_id for e in balance.extras) or any(s.id == package_id for s in balance.surf)


def buy_package(
    balance: Balance, product_code: str, package_id: str, bought_at: datetime
) -> tuple[Balance, list[Alert]]:
    """D3, D6: add a paid (or approved) extra or surf package. Idempotent on package_id.

    The balance must be for bought_at's month (close it first); an order paid late for an
    earlier month is added to the current month.
    """
    prod = product(product_code)
    if bought_at.tzinfo is None:
        raise InvalidUsageRecord("bought_at must be an aware datetime")
    if _has_package(balance, package_id):
        return balance, []
    if month_of(bought_at) > balance.month:
        raise BalanceNotCurrent(f"balance is for {balance.month}; close it to {month_of(bought_at)} before buying")
    b = clone_balance(balance)
    alerts: list[Alert] = []
    bought_at = bought_at.astimezone(UTC)
    if prod.kind == "extra":
        if remaining_included_bytes(balance) > 0:
            # D3: bought while data is left: waits in line.
            package = ExtraPackage(package_id, prod.code, prod.bytes, prod.bytes, QUEUED, bought_at)
        else:
            package = ExtraPackage(package_id, prod.code, prod.bytes, prod.bytes, ACTIVE, bought_at, b.month)
            b.data_blocked = False  # D5: new data lifts the Datakontroll block
            emit_alert(
                b,
                alerts,
                "extra_activated",
                f"extra_activated:{package_id}",
                {"package_id": package_id, "product": prod.code, "bytes": prod.bytes},
            )
        # D3: extras wait in the order they were bought, even when paid in another order.
        extras = list(balance.extras)
        position = next(
            (i for i, e in enumerate(extras) if e.status == QUEUED and e.bought_at > bought_at), len(extras)
        )
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
