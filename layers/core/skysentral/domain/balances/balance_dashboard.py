"""C2, B7: what the app shows about data, rollover, roaming and costs this month."""

from __future__ import annotations

from typing import Any

from skysentral.domain.balances.add_ons import AddOns
from skysentral.domain.balances.balance_values import ACTIVE, Balance, remaining_included_bytes
from skysentral.domain.balances.roaming_limit import roaming_spent_eur_cents
from skysentral.domain.calendar import iso_utc, month_end_utc, month_start_utc
from skysentral.domain.catalogue import ROAMING_LIMIT_EUR_CENTS, PricePlan


def dashboard(balance: Balance, plan: PricePlan, addons: AddOns) -> dict[str, Any]:
    """C2/B7: what the app shows about data, rollover, roaming and costs this month."""
    month_end = iso_utc(month_end_utc(balance.month))
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
            "spent_eur_cents": roaming_spent_eur_cents(balance),
            "limit_eur_cents": ROAMING_LIMIT_EUR_CENTS if addons.datakontroll else None,
            "blocked": balance.roaming_blocked,
            "surf_packages": [
                {
                    "id": s.id,
                    "product": s.product,
                    "zones": sorted(s.zones),
                    "bytes": s.bytes,
                    "remaining_bytes": s.remaining_bytes,
                    "expires_at": iso_utc(s.expires_at),
                }
                for s in balance.surf
                if s.expires_at > month_start and s.remaining_bytes > 0
            ],
        },
        "costs_ore": balance.costs_ore,
    }
