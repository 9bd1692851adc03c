"""A6: which of the company's routings answers a call at a given instant.

The rules are in Europe/Oslo wall-clock time, so "08:00" is 08:00 in Norway on both sides
of a daylight-saving change. Precedence: a dated exception for the day, then a Norwegian
public holiday (when the plan has `holidays_closed`), then the weekly hours.

- An exception with a destination sends the whole day there ("exception:<note>");
  a closed exception uses the plan's closed entry; an exception with closed=false uses
  its own hours instead of the weekday's.
- Holidays come from the `holidays` package (holidays.Norway: New Year, Maundy Thursday,
  Good Friday, Easter Sunday and Monday, 1 May, Ascension, 17 May, Whit Sunday and Monday,
  Christmas Day, Boxing Day). Plain Sundays are not holidays here (the package can list
  every Sunday; we ask it not to and drop any that slip through): a Sunday is governed by
  the weekly hours. The holiday entry is `entry_holiday`, or the closed entry when unset.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.routing_plan import WEEKDAYS, Destination, RoutingPlan

OSLO = ZoneInfo("Europe/Oslo")


def entry_destination(plan: RoutingPlan, at: datetime) -> tuple[Destination, str]:
    """A6: where a call to the company goes at `at` (aware), and why: "open", "closed",
    "holiday:<name>" or "exception:<note>" (the note, or the date when there is none)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("The time of a call must carry its time zone.")
    local = at.astimezone(OSLO)
    day = local.date()
    clock = local.strftime("%H:%M")
    for exc in plan.exceptions:
        if exc.date == day.isoformat():
            why = f"exception:{exc.note or exc.date}"
            if exc.destination is not None:
                return exc.destination, why
            if not exc.closed and _within(exc.hours, clock):
                return plan.entry_open, why
            return plan.entry_closed, why
    if plan.holidays_closed:
        name = holiday_name(day)
        if name:
            return plan.entry_holiday or plan.entry_closed, f"holiday:{name}"
    if _within(plan.opening_hours.get(WEEKDAYS[day.weekday()], ()), clock):
        return plan.entry_open, "open"
    return plan.entry_closed, "closed"


def holiday_name(day: date) -> str | None:
    """The Norwegian public holiday on `day` (English name), or None."""
    return _holidays(day.year).get(day)


@lru_cache(maxsize=8)
def _holidays(year: int) -> dict[date, str]:
    # Loaded on the first call: the holidays package costs a noticeable part of a cold start.
    import holidays

    found = holidays.country_holidays("NO", years=year, language="en_US", include_sundays=False)
    names = {d: "; ".join(n for n in name.split("; ") if n != "Sunday") for d, name in found.items()}
    return {d: name for d, name in names.items() if name}


def _within(hours: tuple[tuple[str, str], ...], clock: str) -> bool:
    # "HH:MM" strings compare in time order; "24:00" closes at midnight.
    return any(opens <= clock < closes for opens, closes in hours)
