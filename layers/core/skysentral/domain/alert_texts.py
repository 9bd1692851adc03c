"""D7: short SMS/app texts for usage alerts, in nb or en.

The balance rules only decide *that* an alert is due (`balances.Alert`); this module
turns one into the text the user receives: what happened and what they can do.
"""

from __future__ import annotations

from skysentral.domain.balances import Alert

LANGUAGES = ("nb", "en")

_BUY_HINT = {
    "nb": "Kjøp ekstra data i appen eller send DATA 1 til 2000.",
    "en": "Buy extra data in the app or send DATA 1 to 2000.",
}
_SURF_HINT = {
    "nb": "Kjøp en surfepakke i appen eller send SURF EU (eller SURF VERDEN) til 2000.",
    "en": "Buy a surf package in the app or send SURF EU (or SURF WORLD) to 2000.",
}


def _gb(n_bytes: int) -> str:
    """Whole GB when exact, else one decimal (1 GB = 1024**3 bytes); integer arithmetic only."""
    tenths = (n_bytes * 10 + 1024**3 // 2) // 1024**3
    whole, frac = divmod(tenths, 10)
    return f"{whole}" if frac == 0 else f"{whole}.{frac}"


def _kr(amount_ore: int) -> str:
    kroner, ore = divmod(amount_ore, 100)
    return f"{kroner},{ore:02d} kr"


def _eur(eur_cents: int) -> str:
    euros, cents = divmod(eur_cents, 100)
    return f"{euros} EUR" if cents == 0 else f"{euros}.{cents:02d} EUR"


def render_alert(alert: Alert, language: str = "nb") -> str:
    """The text of one alert in `language` ("nb" or "en"; anything else falls back to nb)."""
    lang = language if language in LANGUAGES else "nb"
    p = alert.params
    nb = lang == "nb"
    kind = alert.kind
    if kind == "package_80":
        size = _gb(p["package_bytes"])
        return (
            f"Du har brukt 80 % av datapakken din på {size} GB denne måneden. {_BUY_HINT[lang]}"
            if nb
            else f"You have used 80% of your {size} GB data package this month. {_BUY_HINT[lang]}"
        )
    if kind == "package_100":
        size = _gb(p["package_bytes"])
        return (
            f"Datapakken din på {size} GB er brukt opp. Du bruker nå Rollover eller ekstra data "
            f"hvis du har det. {_BUY_HINT[lang]}"
            if nb
            else f"Your {size} GB data package is used up. Rollover or extra data is used next "
            f"if you have any. {_BUY_HINT[lang]}"
        )
    if kind == "rollover_started":
        size = _gb(p["rollover_bytes"])
        return (
            f"Du bruker nå Data Rollover fra forrige måned ({size} GB). Den gjelder ut måneden."
            if nb
            else f"You are now using Data Rollover from last month ({size} GB). It lasts until the end of the month."
        )
    if kind == "extra_activated":
        size = _gb(p["bytes"])
        return (
            f"Ekstrapakken din på {size} GB er aktivert og gjelder ut måneden."
            if nb
            else f"Your {size} GB extra data package is now active until the end of the month."
        )
    if kind == "topup_activated":
        size = _gb(p["bytes"])
        price = _kr(p["price_ore"])
        return (
            f"Dataen var brukt opp, så {size} GB ekstra data er lagt til automatisk ({price}). "
            f"Gjelder ut måneden."
            if nb
            else f"Your data was used up, so {size} GB extra data was added automatically ({price}). "
            f"Valid until the end of the month."
        )
    if kind == "data_blocked":
        return (
            f"All data denne måneden er brukt opp, og Datakontroll har stoppet databruken. {_BUY_HINT[lang]}"
            if nb
            else f"All your data for this month is used up and Datakontroll has stopped data use. {_BUY_HINT[lang]}"
        )
    if kind == "roaming_80":
        spent, limit = _eur(p["spent_eur_cents"]), _eur(p["limit_eur_cents"])
        return (
            f"Du har brukt data i utlandet for {spent} av grensen på {limit} denne måneden. {_SURF_HINT[lang]}"
            if nb
            else f"You have used {spent} of your {limit} data roaming limit this month. {_SURF_HINT[lang]}"
        )
    if kind == "roaming_100":
        limit = _eur(p["limit_eur_cents"])
        if p.get("blocked", True):
            return (
                f"Du har nådd grensen på {limit} for data i utlandet, og data er sperret ut måneden. "
                f"{_SURF_HINT[lang]} Bedriften kan også oppheve sperren."
                if nb
                else f"You have reached the {limit} data roaming limit and data abroad is blocked until "
                f"the end of the month. {_SURF_HINT[lang]} Your company can also lift the block."
            )
        return (
            f"Du har nådd grensen på {limit} for data i utlandet. Bedriften har opphevet sperren denne måneden."
            if nb
            else f"You have reached the {limit} data roaming limit. Your company has lifted the block this month."
        )
    raise ValueError(f"unknown alert kind {kind!r}")
