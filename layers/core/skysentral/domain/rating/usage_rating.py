"""F3: the price of one usage record under a tariff, in integer øre excluding MVA.

Rules (one place):
- voice: an unanswered call (0 s) costs nothing, not even the connect fee. Otherwise
  charged seconds = `first_s` if the call was no longer, else `first_s` plus the rest
  rounded up to whole `then_s` steps; amount = connect fee + ceil(charged_s * øre per
  minute / 60). The rounding rule: the per-second price is rounded UP to whole øre once
  per line (never per increment), so a line never costs less than its exact price and by
  less than 1 øre more. Peak or off-peak by the call's start in Europe/Oslo.
- sms / mms: quantity * price per message of the destination class (home) or zone (roaming).
- content: the purchase's own `amount_ore` (the merchant's price, excluding MVA).
- data: the cost the balance step computed (`data_cost_ore`): data beyond the packages is
  priced there (domain/balances/data_pricing.py) and never priced again here.
The amount is monotonic in the duration and never negative (a property test holds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skysentral.domain.balances import UsageRecord
from skysentral.domain.balances.data_pricing import ceil_div
from skysentral.domain.errors import InvalidUsageRecord
from skysentral.domain.rating import destination_classes as dc
from skysentral.domain.rating.rated_line import USAGE, LineOwner, RatedLine, usage_line_id
from skysentral.domain.rating.tariffs import Tariff, VoicePrice
from skysentral.domain.rating.vat import line_vat_ore

UNITS = {"voice": "s", "sms": "sms", "mms": "mms", "content": "purchase", "data": "bytes"}


@dataclass(frozen=True, slots=True)
class Rating:
    amount_ore: int
    destination_class: str
    quantity: int
    unit: str
    charged_quantity: int  # voice: the charged seconds; otherwise = quantity
    tariff: dict[str, Any] = field(default_factory=dict, hash=False)  # the rule that applied


def charged_seconds(duration_s: int, first_s: int, then_s: int) -> int:
    """The seconds a call is charged for under `first_s`/`then_s` increments (0 stays 0)."""
    if duration_s <= 0:
        return 0
    if duration_s <= first_s:
        return first_s
    return first_s + ceil_div(duration_s - first_s, then_s) * then_s


def voice_amount_ore(duration_s: int, price: VoicePrice, peak: bool = True) -> int:
    charged = charged_seconds(duration_s, price.first_s, price.then_s)
    if charged == 0:
        return 0
    per_min = price.ore_per_min if peak or price.off_peak_ore_per_min is None else price.off_peak_ore_per_min
    return price.connect_ore + ceil_div(charged * per_min, 60)


def rate(record: UsageRecord, tariff: Tariff, data_cost_ore: int = 0) -> Rating:
    """The price of `record` under `tariff` (see the module's rules)."""
    kind, qty, zone = record.kind, record.quantity, record.zone
    if kind == "data":
        return Rating(data_cost_ore, dc.DATA, qty, "bytes", qty, {"rule": "data_pricing", "zone": zone})
    if kind == "content":
        return Rating(record.amount_ore, dc.CONTENT, qty, "purchase", qty, {"rule": "content_amount"})
    if kind not in ("voice", "sms", "mms"):
        raise InvalidUsageRecord(f"Unknown usage kind {kind!r}.")
    cls = dc.destination_class(record.destination)
    roaming = zone != "NO"
    if kind == "voice":
        price = tariff.roaming_voice[zone] if roaming else tariff.voice[cls]
        peak = tariff.peak.is_peak(record.started_at) if tariff.peak is not None else True
        off_peak = not peak and price.off_peak_ore_per_min is not None
        applied = {
            "rule": "roaming_voice" if roaming else "voice",
            "class": cls,
            "zone": zone,
            "period": "off_peak" if off_peak else ("peak" if tariff.peak is not None else None),
            "connect_ore": price.connect_ore,
            "ore_per_min": price.off_peak_ore_per_min if off_peak else price.ore_per_min,
            "increments": [price.first_s, price.then_s],
        }
        charged = charged_seconds(qty, price.first_s, price.then_s)
        return Rating(voice_amount_ore(qty, price, peak), cls, qty, "s", charged, applied)
    if roaming:
        each = (tariff.roaming_sms_ore if kind == "sms" else tariff.roaming_mms_ore).get(zone, 0)
    else:
        each = (tariff.sms_ore if kind == "sms" else tariff.mms_ore).get(cls, 0)
    applied = {"rule": f"roaming_{kind}" if roaming else kind, "class": cls, "zone": zone, "ore_each": each}
    return Rating(qty * each, cls, qty, kind, qty, applied)


def usage_line(
    owner: LineOwner,
    record: UsageRecord,
    tariff: Tariff,
    *,
    month: str,
    rated_at: datetime,
    data_cost_ore: int = 0,
    merchant: str | None = None,
    category: str | None = None,
) -> RatedLine:
    """F3: the rated line of one usage record (line id = the record id)."""
    r = rate(record, tariff, data_cost_ore)
    return RatedLine(
        line_id=usage_line_id(record.record_id),
        line_type=USAGE,
        company_id=owner.company_id,
        month=month,
        subscription_id=owner.subscription_id,
        msisdn=owner.msisdn,
        department_id=owner.department_id,
        employee_id=owner.employee_id,
        kind=record.kind,
        destination_class=r.destination_class,
        zone=record.zone,
        quantity=r.quantity,
        unit=r.unit,
        amount_ore=r.amount_ore,
        mva_ore=line_vat_ore(r.amount_ore),
        price_plan_id=tariff.price_plan_id,
        price_plan_version=tariff.version,
        tariff=r.tariff,
        record_id=record.record_id,
        started_at=record.started_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        destination=record.destination,
        country=record.country,
        charged_quantity=r.charged_quantity,
        merchant=merchant,
        category=category,
        rated_at=rated_at.isoformat(),
    )
