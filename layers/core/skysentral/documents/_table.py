"""What the report renderers share: the table shape and how a cell's value is shown.

A table is a dict: `title`, `filters` (dict), `columns` [{key, label, type}], `rows`
[{key: value}], `total` {key: value} (optional) and `chart` {label, value} (optional).
Column types: text, nok (integer øre in the data, kroner in the document), int, date,
datetime (ISO strings in the data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def kroner(ore: int) -> float:
    return round(int(ore) / 100, 2)


def nok_text(ore: int, decimal: str = ",", thousands: str = "\u00a0") -> str:
    """12345678 øre → "123 456,78" (Norwegian: no-break space between thousands)."""
    sign = "-" if int(ore) < 0 else ""
    whole, rest = divmod(abs(int(ore)), 100)
    return f"{sign}{whole:,}".replace(",", thousands) + f"{decimal}{rest:02d}"


def as_date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime | None:
    """An ISO time as Europe/Oslo wall-clock time without a zone (what a spreadsheet shows)."""
    if not value:
        return None
    ts = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if ts.tzinfo is not None:
        ts = ts.astimezone(OSLO).replace(tzinfo=None)
    return ts


def filter_text(filters: dict[str, Any]) -> str:
    parts = []
    for key, value in filters.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def total_row(table: dict[str, Any]) -> dict[str, Any] | None:
    total = table.get("total")
    if not total:
        return None
    first = table["columns"][0]["key"]
    return {**total, first: "Sum"} if first not in total else dict(total)
