"""The data balance stack of one subscription (D1, D2, D3, D4, D5, D6, D7, D9), as pure
functions over plain values. One module per concept:

    balance_values     Balance, ExtraPackage, SurfPackage, UsageRecord, Outcome, Alert
    add_ons            AddOns (E3) and when Data Rollover may be enabled (D2)
    usage_drawing      apply_usage: one step per bucket (package, rollover, extras,
                       top-up, Datakontroll or overage; surf packages, priced roaming)
    data_pricing       the price of data no package covers (F3; rounding, defect 7)
    usage_alerts       D7 thresholds, each alert once per month
    roaming_limit      D5 Datakontroll Utland: the 50 EUR limit and its block
    balance_close      D9 month close (rollover, expiries, resets)
    package_purchase   D3, D6 adding a bought extra or surf package
    balance_dashboard  C2 the app's view of a balance

The storage format of a Balance lives in `skysentral.store.balance_format`; alert texts in
`skysentral.texts`. Import the public names from this package:
`from skysentral.domain import balances as rules` / `from skysentral.domain.balances import Balance`.
"""

from skysentral.domain.balances.add_ons import AddOns, enable_rollover, enable_rollover_allowed
from skysentral.domain.balances.balance_close import close_month
from skysentral.domain.balances.balance_dashboard import dashboard
from skysentral.domain.balances.balance_values import (
    ACTIVE,
    QUEUED,
    USAGE_KINDS,
    Alert,
    Balance,
    ExtraPackage,
    Outcome,
    SurfPackage,
    UsageRecord,
    new_balance,
    remaining_included_bytes,
)
from skysentral.domain.balances.package_purchase import buy_package
from skysentral.domain.balances.roaming_limit import lift_roaming_block
from skysentral.domain.balances.usage_drawing import apply_usage

__all__ = [
    "ACTIVE",
    "QUEUED",
    "USAGE_KINDS",
    "AddOns",
    "Alert",
    "Balance",
    "ExtraPackage",
    "Outcome",
    "SurfPackage",
    "UsageRecord",
    "apply_usage",
    "buy_package",
    "close_month",
    "dashboard",
    "enable_rollover",
    "enable_rollover_allowed",
    "lift_roaming_block",
    "new_balance",
    "remaining_included_bytes",
]
