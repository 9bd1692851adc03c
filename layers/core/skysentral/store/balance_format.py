"""The storage format of a balance (D1, D2, D3, D4, D5, D6, D7, D9): a compact JSON-able
dict kept in the subscription's state item (`models.BalanceStateItem.balance`).

`balance_from_item(balance_to_item(b)) == b` for every Balance. The short keys are the
stored format: renaming one needs a migration of stored items, so change them only with one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from skysentral.domain.balances import Balance, ExtraPackage, SurfPackage
from skysentral.domain.calendar import iso_utc

if TYPE_CHECKING:
    from skysentral.store.balance_repository import State


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


# ------------------------------------------------------------------ pending outcomes
# What a state item keeps of each applied record until its ledger row is stored
# (services.usage_ingestion explains the write order).
LATE, CORRECTION = 1, 2  # flags of a pending outcome


def _encode(p: dict, version: int, month: str) -> list:
    """A pending outcome as stored in a state item of `version` whose balance is for
    `month`, short enough that a batch's outcomes fit in one write unit:
    [record id, fingerprint, counted, drawn, month, version, refused, cost øre, flags],
    trailing defaults left out: drawn 0 = all from the package, month 0 and version 0 =
    those of the write that stores it (the list's first element, see pending_outcomes_of)."""
    drawn = p["d"]
    if drawn == [["package", p["c"]]]:
        compact_drawn = 0
    elif len(drawn) == 1 and drawn[0][1] == p["c"]:
        compact_drawn = drawn[0][0]
    else:
        compact_drawn = drawn
    flags = (LATE if p["l"] else 0) | (CORRECTION if p["x"] else 0)
    entry = [
        p["id"],
        p["f"],
        p["c"],
        compact_drawn,
        0 if p["m"] == month else p["m"],
        0 if p["v"] == version else p["v"],
        p["r"],
        p["o"],
        flags,
    ]
    while entry[-1] == 0:
        entry.pop()
    return entry


def _decode(entry, version: int, month: str) -> dict:
    """A pending outcome read from a state item of `version` with a balance for `month`."""
    if isinstance(entry, dict):  # the older format: a whole ledger row
        return {**entry, "row": True}
    record_id, fp, *rest = entry
    counted, drawn, m, v, refused, cost, flags = (rest + [0] * 7)[:7]
    if drawn == 0:
        drawn = [["package", counted]] if counted else []
    elif isinstance(drawn, str):
        drawn = [[drawn, counted]]
    return {
        "id": record_id,
        "m": m or month,
        "v": v or version,
        "f": fp,
        "c": counted,
        "d": drawn,
        "r": refused,
        "o": cost,
        "l": bool(flags & LATE),
        "x": bool(flags & CORRECTION),
    }


def pending_outcomes_of(state: State) -> list[dict]:
    """The state's pending outcomes. The list begins with {"v": version, "m": month}, the
    state write that stored it: the entries' defaults refer to it, not to the state as it
    is now (a month close or a lifted block writes a newer version and month and leaves
    `pending` as it was)."""
    entries = list(state.pending)
    base: dict[str, Any] = {"v": state.version, "m": state.balance.month if state.balance else ""}
    if entries and isinstance(entries[0], dict) and "sk" not in entries[0]:
        base = entries.pop(0)
    return [_decode(e, base["v"], base["m"]) for e in entries]


def pending_to_item(pending: list[dict], version: int, month: str) -> list:
    if not pending:
        return []
    return [{"v": version, "m": month}] + [
        {k: v for k, v in p.items() if k != "row"} if p.get("row") else _encode(p, version, month) for p in pending
    ]
