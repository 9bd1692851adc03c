"""E3 "bigger data package": changing a subscription's price plan, at once (prorated) or
from the next month (scheduled).

Proration rule (written down for invoicing, F3/F4): the month is counted in whole days in
Europe/Oslo. A change at once takes effect on the day it is made, and that day counts as a
day of the new plan. For the `days_remaining` days from that day to the end of the month,
of `days_in_month`:

    credit_ore = old monthly fee × days_remaining / days_in_month
    charge_ore = new monthly fee × days_remaining / days_in_month
    net_ore    = charge_ore − credit_ore   (negative: the company gets money back)

each of credit and charge rounded to the nearest whole øre, halves up (ROUND_HALF_UP),
and the net taken from the rounded amounts so the three always add up on the invoice.

A change from the next month is scheduled: the subscription keeps its plan and carries
`next_plan` {"plan_code", "from_month"}; it is applied on read (skysentral.store applies
a schedule whose month has come, so usage, balances and the month close of that month see
the new plan) and written through on the subscription's next change.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from skysentral.domain.calendar import OSLO, iso_utc, month_of, next_month
from skysentral.domain.catalogue import PricePlan
from skysentral.domain.errors import InvalidInput

EFFECTIVE = ("now", "next_month")


@dataclass(frozen=True, slots=True)
class Proration:
    month: str
    days_in_month: int
    days_remaining: int
    credit_ore: int
    charge_ore: int
    net_ore: int


@dataclass(frozen=True, slots=True)
class PlanChange:
    """The record of a change, kept for invoicing (sk = PLANCHANGE#<subscription>#<at>)."""

    subscription_id: str
    from_plan: str
    to_plan: str
    effective: str  # now | next_month
    at: str  # ISO UTC
    effective_from: str  # ISO UTC: the change's time, or the start of the next month
    proration: Proration | None

    def to_dict(self) -> dict:
        return asdict(self)


def _round_ore(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prorate(old_fee_ore: int, new_fee_ore: int, at: datetime) -> Proration:
    """The amounts of a change at `at` (aware); the rule is in the module docstring."""
    local = at.astimezone(OSLO)
    days_in_month = _calendar.monthrange(local.year, local.month)[1]
    days_remaining = days_in_month - local.day + 1
    share = Decimal(days_remaining) / Decimal(days_in_month)
    credit = _round_ore(Decimal(old_fee_ore) * share)
    charge = _round_ore(Decimal(new_fee_ore) * share)
    return Proration(month_of(at), days_in_month, days_remaining, credit, charge, charge - credit)


def change_plan(subscription_id: str, old: PricePlan, new: PricePlan, effective: str, at: datetime) -> PlanChange:
    """E3: the record of changing `old` to `new` at `at`, "now" or from the "next_month"."""
    if effective not in EFFECTIVE:
        raise InvalidInput("effective must be now or next_month.", code="invalid_effective")
    if old.code == new.code:
        raise InvalidInput(f"The subscription already has {new.code}.", code="same_plan")
    if effective == "now":
        return PlanChange(
            subscription_id,
            old.code,
            new.code,
            effective,
            iso_utc(at),
            iso_utc(at),
            prorate(old.monthly_fee_ore, new.monthly_fee_ore, at),
        )
    from skysentral.domain.calendar import month_start_utc

    start = month_start_utc(next_month(month_of(at)))
    return PlanChange(subscription_id, old.code, new.code, effective, iso_utc(at), iso_utc(start), None)


def plan_in(plan_code: str, next_plan: dict | None, month: str) -> str:
    """The plan a subscription has in `month`: its scheduled plan once that month has come."""
    if next_plan and next_plan["from_month"] <= month:
        return str(next_plan["plan_code"])
    return plan_code
