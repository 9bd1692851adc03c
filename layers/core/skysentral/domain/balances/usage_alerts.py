"""D7: usage alerts, each at most once per threshold per month (`Balance.alerts_sent`).

When one record crosses both 80 % and 100 % only the 100 % alert is sent; the 80 % one is
marked as sent so it never comes afterwards. The texts are in `skysentral.texts`."""

from __future__ import annotations

from typing import Any

from skysentral.domain.balances.balance_values import Alert, Balance


def emit_alert(b: Balance, alerts: list[Alert], kind: str, key_suffix: str, params: dict[str, Any]) -> None:
    """D7: emit an alert unless this month's key was already sent."""
    key = f"{b.month}:{key_suffix}"
    if key in b.alerts_sent:
        return
    b.alerts_sent = b.alerts_sent | {key}
    alerts.append(Alert(key, kind, b.month, params))


def mark_alert_sent(b: Balance, key_suffix: str) -> None:
    key = f"{b.month}:{key_suffix}"
    if key not in b.alerts_sent:
        b.alerts_sent = b.alerts_sent | {key}


def package_alerts(b: Balance, alerts: list[Alert]) -> None:
    """D7: 80 % and 100 % of the month's package; a jump past both sends only 100 %."""
    used, size = b.package_used_bytes, b.package_bytes
    if size <= 0 or used * 5 < size * 4:
        return
    if used >= size:
        emit_alert(b, alerts, "package_100", "package_100", {"package_bytes": size})
        mark_alert_sent(b, "package_80")
    else:
        emit_alert(b, alerts, "package_80", "package_80", {"package_bytes": size, "used_percent": 80})
