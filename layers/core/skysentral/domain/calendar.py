"""Calendar months in Europe/Oslo.

D9: a month belongs to Europe/Oslo time. A record at 2026-10-31T23:30Z is November
usage (00:30 on 1 November in Oslo). Months are "YYYY-MM" strings, which sort in time
order, so `a < b` compares months.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
UTC = UTC


def _require_aware(ts: datetime) -> None:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"naive datetime {ts!r}: times must carry a time zone")


def month_of(ts: datetime) -> str:
    """D9: the "YYYY-MM" month of an aware datetime, evaluated in Europe/Oslo."""
    _require_aware(ts)
    local = ts.astimezone(OSLO)
    return f"{local.year:04d}-{local.month:02d}"


def _parse(month: str) -> tuple[int, int]:
    if len(month) != 7 or month[4] != "-":
        raise ValueError(f"month must be 'YYYY-MM', got {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    if not 1 <= mon <= 12:
        raise ValueError(f"month must be 'YYYY-MM', got {month!r}")
    return year, mon


def next_month(month: str) -> str:
    year, mon = _parse(month)
    return f"{year + 1:04d}-01" if mon == 12 else f"{year:04d}-{mon + 1:02d}"


def prev_month(month: str) -> str:
    year, mon = _parse(month)
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


@lru_cache(maxsize=512)
def month_start_utc(month: str) -> datetime:
    """D9: 00:00 Europe/Oslo on the 1st of `month`, as an aware UTC datetime.

    Midnight on the 1st never falls in a DST gap in Norway (changes happen at 02:00/03:00),
    so the local time always exists and is unambiguous.
    """
    year, mon = _parse(month)
    return datetime(year, mon, 1, tzinfo=OSLO).astimezone(UTC)


def month_end_utc(month: str) -> datetime:
    """D9: the end of `month` (exclusive) = the start of the next month, aware UTC."""
    return month_start_utc(next_month(month))


def last_day(month: str) -> date:
    """The last calendar day of `month` (Europe/Oslo)."""
    return (month_end_utc(month).astimezone(OSLO) - timedelta(days=1)).date()


def months_between(first: str, last: str) -> int:
    """How many months `last` is after `first` (negative when before)."""
    y1, m1 = _parse(first)
    y2, m2 = _parse(last)
    return (y2 - y1) * 12 + (m2 - m1)


def iso_utc(ts: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a trailing Z (how times are stored and shown)."""
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")
