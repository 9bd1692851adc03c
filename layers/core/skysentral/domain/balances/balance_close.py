"""D9: the month close at 00:00 Europe/Oslo on the first of the month.

Rollover computed (D2), expired rollover, extra packages and top-ups removed (D3, D4),
the package reset (D1), roaming blocks lifted (D5). Closing is deterministic and
idempotent, so a lazy close (a record of a new month closes the balance first) and the
scheduled close give the same balance, and a rerun changes nothing.

Surf packages are kept through one more close after they expire, so a late record of the
closed month can still draw from the surf package that was valid when it was used (D6).
"""

from __future__ import annotations

from skysentral.domain.balances.add_ons import AddOns, enable_rollover_allowed
from skysentral.domain.balances.balance_values import QUEUED, Balance
from skysentral.domain.calendar import month_start_utc, next_month
from skysentral.domain.catalogue import PricePlan


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
        package_bytes=plan.package_bytes,  # D1, D4: back to the standard package
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
