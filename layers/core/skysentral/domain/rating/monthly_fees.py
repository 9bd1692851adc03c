"""F3: a month's fee lines of a subscription: the price plan's monthly fee and the monthly
prices of its add-ons (E3, the company's agreement prices), one line each, with the
idempotent line id fee#<subscription>#<month>#<item>.

Pro rata (decided here): a subscription that started or ended within the month pays for
the Europe/Oslo calendar days it was active, both ends included:
amount = fee * active days / days in the month, rounded half away from zero. A
subscription active the whole month pays exactly the fee (never 30/31 of it). Zero-price
add-ons (rollover, Datakontroll, barring ...) give no line. The plan is the one the
subscription has when the lines are made (the invoice job runs at month start; a plan
change takes effect from a month's start, E3, so it is the month's plan).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from skysentral.domain.add_on_catalogue import catalogue
from skysentral.domain.calendar import _parse
from skysentral.domain.catalogue import PricePlan
from skysentral.domain.errors import InvalidInput
from skysentral.domain.organisation import Subscription
from skysentral.domain.rating.rated_line import FEE, LineOwner, RatedLine, fee_line_id
from skysentral.domain.rating.vat import line_vat_ore, round_half_away

PLAN_ITEM = "PLAN"


def active_add_ons(sub: Subscription) -> list[str]:
    """The add-on codes (add_on_catalogue) a subscription has on."""
    on = []
    if sub.add_ons.rollover:
        on.append("DATA_ROLLOVER")
    if sub.add_ons.datakontroll:
        on.append("DATAKONTROLL")
    if sub.add_ons.topup_product:
        on.append("AUTO_TOPUP")
    if sub.barring and (sub.barring.get("categories") or sub.barring.get("chosen_prefixes")):
        on.append("BARRING")
    if sub.content_limit_ore is not None:
        on.append("CONTENT_LIMIT")
    if sub.twin_sim_iccid:
        on.append("TWIN_SIM")
    return on


def active_days(month: str, active_from: date | None, active_until: date | None) -> tuple[int, int]:
    """(days active in `month`, days in `month`), Oslo calendar days, both ends included."""
    year, mon = _parse(month)
    days = calendar.monthrange(year, mon)[1]
    first, last = date(year, mon, 1), date(year, mon, days)
    start = max(first, active_from) if active_from else first
    end = min(last, active_until) if active_until else last
    return max(0, (end - start).days + 1), days


def pro_rata_ore(fee_ore: int, active: int, days: int) -> int:
    return fee_ore if active == days else round_half_away(fee_ore * active, days)


def fee_lines(
    owner: LineOwner,
    plan: PricePlan,
    price_plan_version: int,
    sub: Subscription,
    month: str,
    *,
    agreement_prices: dict[str, int] | None = None,
    active_from: date | None = None,
    active_until: date | None = None,
    rated_at: datetime,
) -> list[RatedLine]:
    """The month's fee lines of one subscription (see the module for pro rata)."""
    if active_from and active_until and active_until < active_from:
        raise InvalidInput("A subscription cannot end before it starts.")
    active, days = active_days(month, active_from, active_until)
    if active == 0:
        return []
    prices = {o.code: o.monthly_price_ore for o in catalogue(agreement_prices)}
    items = [(PLAN_ITEM, plan.monthly_fee_ore)] + [(code, prices.get(code, 0)) for code in active_add_ons(sub)]
    lines = []
    for item, fee in items:
        amount = pro_rata_ore(fee, active, days)
        if amount == 0:
            continue
        lines.append(
            RatedLine(
                line_id=fee_line_id(owner.subscription_id, month, item),
                line_type=FEE,
                company_id=owner.company_id,
                month=month,
                subscription_id=owner.subscription_id,
                msisdn=owner.msisdn,
                department_id=owner.department_id,
                employee_id=owner.employee_id,
                kind="fee",
                destination_class="FEE",
                zone="NO",
                quantity=active,
                unit="day",
                amount_ore=amount,
                mva_ore=line_vat_ore(amount),
                price_plan_id=plan.code,
                price_plan_version=price_plan_version,
                tariff={"rule": "monthly_fee", "fee_ore": fee, "days": days, "active_days": active},
                item=item,
                rated_at=rated_at.isoformat(),
            )
        )
    return lines
