"""D5 "Datakontroll Utland": the 50 EUR limit on priced roaming data per month.

The limit and its alerts exist only with Datakontroll (the limit is part of it). Euro
amounts are compared at the fixed contract rate (catalogue.ORE_PER_EUR) so replays give
the same result; the record that reaches the limit is counted in full, later ones are
refused until the next month or until the company lifts the block."""

from __future__ import annotations

from skysentral.domain.balances.balance_values import Alert, Balance, clone_balance
from skysentral.domain.balances.usage_alerts import emit_alert, mark_alert_sent
from skysentral.domain.catalogue import ORE_PER_EUR, ROAMING_LIMIT_EUR_CENTS

# D5: the roaming limit compared exactly in integers: spent_ore * 100 >= limit_eur_cents * ORE_PER_EUR.
_ROAMING_LIMIT_SCALED = ROAMING_LIMIT_EUR_CENTS * ORE_PER_EUR


def roaming_spent_eur_cents(balance: Balance) -> int:
    return balance.roaming_spent_ore * 100 // ORE_PER_EUR


def roaming_alerts(b: Balance, alerts: list[Alert]) -> None:
    """D5, D7: 80 % and 100 % of the 50 EUR roaming limit; at 100 % the block starts."""
    spent_scaled = b.roaming_spent_ore * 100
    if spent_scaled * 10 < _ROAMING_LIMIT_SCALED * 8:
        return
    params = {
        "spent_eur_cents": roaming_spent_eur_cents(b),
        "limit_eur_cents": ROAMING_LIMIT_EUR_CENTS,
    }
    if spent_scaled >= _ROAMING_LIMIT_SCALED:
        if not b.roaming_block_lifted:
            b.roaming_blocked = True
        emit_alert(b, alerts, "roaming_100", "roaming_100", {**params, "blocked": b.roaming_blocked})
        mark_alert_sent(b, "roaming_80")
    else:
        emit_alert(b, alerts, "roaming_80", "roaming_80", params)


def lift_roaming_block(balance: Balance) -> Balance:
    """D5: the company lifts the roaming block; it does not come back this month."""
    b = clone_balance(balance)
    b.roaming_blocked = False
    b.roaming_block_lifted = True
    return b
