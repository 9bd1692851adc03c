"""How figures are written on Norwegian documents (F2, F4): 1 234,50 and 15.12.2026.

Kroner with a space between thousands and a decimal comma, dates day.month.year,
organisation numbers in groups of three, bank accounts as 4-2-5 digits. Regular spaces,
not non-breaking ones, so text read back from a PDF matches what a user types.
"""

from __future__ import annotations

from datetime import date


def nok(amount_ore: int) -> str:
    """Øre as kroner: 123450 → "1 234,50", -5 → "-0,05"."""
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner:,}".replace(",", " ") + f",{ore:02d}"


def integer(value: int) -> str:
    """A count with thousands grouped: 12345 → "12 345"."""
    return f"{value:,}".replace(",", " ")


def decimal(value: float, places: int = 1) -> str:
    """A measured quantity with a decimal comma: 12.25 → "12,3"."""
    text = f"{value:,.{places}f}"
    return text.replace(",", " ").replace(".", ",")


def oslo_date(iso_date: str | None) -> str:
    """ "2026-12-15" → "15.12.2026" (the dates are already Europe/Oslo calendar dates)."""
    if not iso_date:
        return ""
    return date.fromisoformat(iso_date[:10]).strftime("%d.%m.%Y")


def month_name(period: str) -> str:
    """ "2026-11" → "november 2026"."""
    year, month = period.split("-")
    return f"{MONTHS_NB[int(month) - 1]} {year}"


def org_number(number: str | None) -> str:
    """ "912345678" → "912 345 678" (anything else as given)."""
    digits = (number or "").replace(" ", "")
    if len(digits) == 9 and digits.isdigit():
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return number or ""


def bank_account(account: str | None) -> str:
    """ "12345678903" → "1234 56 78903" (Norwegian 11-digit account; anything else as given)."""
    digits = (account or "").replace(" ", "").replace(".", "")
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:4]} {digits[4:6]} {digits[6:]}"
    return account or ""


MONTHS_NB = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
