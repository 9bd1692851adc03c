"""D7: the SMS/app text of a usage alert. The balance rules only decide *that* an alert is
due (`domain.balances.Alert`); this picks its text: what happened and what the user can do."""

from __future__ import annotations

from skysentral.domain.balances import Alert
from skysentral.texts import text
from skysentral.texts.text_formats import euros, gigabytes, kroner


def render_alert(alert: Alert, language: str = "nb") -> str:
    """The text of one alert in `language` ("nb" or "en"; anything else falls back to nb)."""
    p, kind = alert.params, alert.kind
    if kind in ("package_80", "package_100"):
        return text(language, f"alert.{kind}", size=gigabytes(p["package_bytes"]))
    if kind == "rollover_started":
        return text(language, "alert.rollover_started", size=gigabytes(p["rollover_bytes"]))
    if kind == "extra_activated":
        return text(language, "alert.extra_activated", size=gigabytes(p["bytes"]))
    if kind == "topup_activated":
        return text(language, "alert.topup_activated", size=gigabytes(p["bytes"]), price=kroner(p["price_ore"]))
    if kind == "data_blocked":
        return text(language, "alert.data_blocked")
    if kind == "roaming_80":
        return text(language, "alert.roaming_80", spent=euros(p["spent_eur_cents"]), limit=euros(p["limit_eur_cents"]))
    if kind == "roaming_100":
        key = "alert.roaming_100_blocked" if p.get("blocked", True) else "alert.roaming_100_lifted"
        return text(language, key, limit=euros(p["limit_eur_cents"]))
    raise ValueError(f"unknown alert kind {kind!r}")
