"""The storage format of a balance (D1, D2, D3, D4, D5, D6, D7, D9): a compact JSON-able
dict kept in the subscription's state item (`models.BalanceStateItem.balance`).

`balance_from_item(balance_to_item(b)) == b` for every Balance. The short keys are the
stored format: renaming one needs a migration of stored items, so change them only with one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skysentral.domain.balances import Balance, ExtraPackage, SurfPackage
from skysentral.domain.calendar import iso_utc


def balance_to_item(balance: Balance) -> dict[str, Any]:
    """A Balance as a JSON-able dict for a DynamoDB item."""
    b = balance
    return {
        "month": b.month,
        "pkg": b.package_bytes,
        "pkg_used": b.package_used_bytes,
        "ro": b.rollover_bytes,
        "ro_granted": b.rollover_granted_bytes,
        "ro_from": b.rollover_from_month,
        "extras": [
            {
                "id": e.id,
                "product": e.product,
                "bytes": e.bytes,
                "left": e.remaining_bytes,
                "status": e.status,
                "bought_at": iso_utc(e.bought_at),
                "act_month": e.activated_month,
                "topup": e.is_topup,
            }
            for e in b.extras
        ],
        "surf": [
            {
                "id": s.id,
                "product": s.product,
                "zones": sorted(s.zones),
                "bytes": s.bytes,
                "left": s.remaining_bytes,
                "from": iso_utc(s.activated_at),
                "until": iso_utc(s.expires_at),
            }
            for s in b.surf
        ],
        "roam_ore": b.roaming_spent_ore,
        "roam_blocked": b.roaming_blocked,
        "roam_lifted": b.roaming_block_lifted,
        "data_blocked": b.data_blocked,
        "alerts": sorted(b.alerts_sent),
        "costs_ore": b.costs_ore,
    }


def balance_from_item(data: dict[str, Any]) -> Balance:
    """The Balance that `balance_to_item` stored, exactly."""
    return Balance(
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
