"""F3: tariffs: how a price plan prices voice calls, SMS and MMS, per plan and version.

A tariff belongs to one price plan (`price_plan_id`, the plan code, e.g. BEDRIFT_10) and has
a `version` and `valid_from` (UTC). The tariff that applies to a record is the highest
version whose `valid_from` is at or before the record's start (`applicable`). A correction
of a price is a new version, usually with the same `valid_from` as the version it
corrects: it then applies to everything that version applied to, and re-rating
(services.rating.rerate) writes correction lines for what was rated with the older one.

What a tariff prices (data is not here: its price comes from the balance step,
domain/balances/data_pricing.py, and is never computed twice; content purchases cost their
own `amount_ore`):

- At home (zone NO): by destination class (destination_classes) a `VoicePrice` and a price
  per SMS and per MMS.
- Roaming (any other zone): by the zone the user is in, whatever the destination, as the
  catalogue's per-zone prices (domain/catalogue.py: "voice per started minute, by the zone
  the user is in"). The roaming price replaces the home price; it is not added to it.
- Peak/off-peak (optional per tariff): `PeakHours` in Europe/Oslo local time; the start of
  a call decides its period for the whole call (a call from 16:59 to 17:30 is peak). A
  `VoicePrice` without `off_peak_ore_per_min` costs the same at all hours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from skysentral.domain.calendar import OSLO
from skysentral.domain.catalogue import PLANS, ZONES, PricePlan
from skysentral.domain.errors import InvalidInput
from skysentral.domain.rating import destination_classes as dc


@dataclass(frozen=True, slots=True)
class VoicePrice:
    """Connect fee (answered calls only), price per minute, charging increments
    (`first_s`/`then_s`: 60/1 = the first 60 s, then per second; 1/1 = per second;
    60/60 = per started minute)."""

    connect_ore: int = 0
    ore_per_min: int = 0
    off_peak_ore_per_min: int | None = None
    first_s: int = 60
    then_s: int = 1

    def __post_init__(self) -> None:
        if self.first_s < 1 or self.then_s < 1:
            raise InvalidInput("Charging increments must be at least 1 second.", code="invalid_tariff")
        prices = [self.connect_ore, self.ore_per_min, self.off_peak_ore_per_min or 0]
        if any(p < 0 for p in prices):
            raise InvalidInput("Tariff prices cannot be negative.", code="invalid_tariff")


@dataclass(frozen=True, slots=True)
class PeakHours:
    """Peak time in Europe/Oslo: weekdays (0 = Monday) from `start_hour` to `end_hour`."""

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start_hour: int = 8
    end_hour: int = 17

    def is_peak(self, at: datetime) -> bool:
        local = at.astimezone(OSLO)
        return local.weekday() in self.weekdays and self.start_hour <= local.hour < self.end_hour


@dataclass(frozen=True, slots=True)
class Tariff:
    price_plan_id: str
    version: int
    valid_from: datetime
    voice: dict[str, VoicePrice]  # home (zone NO), by destination class
    sms_ore: dict[str, int]  # home, by destination class
    mms_ore: dict[str, int]
    roaming_voice: dict[str, VoicePrice]  # by zone (not NO)
    roaming_sms_ore: dict[str, int]
    roaming_mms_ore: dict[str, int]
    peak: PeakHours | None = None
    note: str = field(default="")

    def __post_init__(self) -> None:
        if self.version < 1:
            raise InvalidInput("A tariff version is 1 or more.", code="invalid_tariff")
        if self.valid_from.tzinfo is None:
            raise InvalidInput("valid_from needs a time zone.", code="invalid_tariff")
        missing = [c for c in dc.DESTINATION_CLASSES if c not in self.voice or c not in self.sms_ore]
        missing += [z for z in ZONES if z != "NO" and (z not in self.roaming_voice or z not in self.roaming_sms_ore)]
        if missing:
            raise InvalidInput(f"The tariff has no price for {', '.join(missing)}.", code="invalid_tariff")
        negative = [
            v for d in (self.sms_ore, self.mms_ore, self.roaming_sms_ore, self.roaming_mms_ore) for v in d.values()
        ]
        if any(v < 0 for v in negative):
            raise InvalidInput("Tariff prices cannot be negative.", code="invalid_tariff")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["valid_from"] = self.valid_from.astimezone(UTC).isoformat().replace("+00:00", "Z")
        d["peak"] = None if self.peak is None else {**asdict(self.peak), "weekdays": list(self.peak.weekdays)}
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tariff:
        try:
            peak = data.get("peak")
            return cls(
                price_plan_id=str(data["price_plan_id"]),
                version=int(data["version"]),
                valid_from=datetime.fromisoformat(str(data["valid_from"]).replace("Z", "+00:00")),
                voice={k: VoicePrice(**_ints(v)) for k, v in data["voice"].items()},
                sms_ore={k: int(v) for k, v in data["sms_ore"].items()},
                mms_ore={k: int(v) for k, v in data.get("mms_ore", {}).items()},
                roaming_voice={k: VoicePrice(**_ints(v)) for k, v in data["roaming_voice"].items()},
                roaming_sms_ore={k: int(v) for k, v in data["roaming_sms_ore"].items()},
                roaming_mms_ore={k: int(v) for k, v in data.get("roaming_mms_ore", {}).items()},
                peak=None
                if not peak
                else PeakHours(tuple(int(d) for d in peak["weekdays"]), int(peak["start_hour"]), int(peak["end_hour"])),
                note=str(data.get("note", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"Not a tariff: {exc}", code="invalid_tariff") from None


def _ints(v: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if x is None else int(x)) for k, x in v.items()}


def applicable(versions: list[Tariff], at: datetime) -> Tariff | None:
    """The tariff that prices usage at `at`: the highest version valid from `at` or before."""
    valid = [t for t in versions if t.valid_from <= at]
    return max(valid, key=lambda t: t.version) if valid else None


# ------------------------------------------------------------------ the standard tariffs
STANDARD_VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)

# Calls from Norway (per minute, 60/1 s); Norwegian mobile and fixed are in the monthly fee.
_HOME_VOICE: dict[str, VoicePrice] = {
    dc.NO_MOBILE: VoicePrice(),
    dc.NO_FIXED: VoicePrice(),
    dc.NO_TOLL_FREE: VoicePrice(),
    dc.NO_SHORT: VoicePrice(),
    dc.NO_SHARED_COST: VoicePrice(ore_per_min=49),
    dc.NO_PREMIUM: VoicePrice(connect_ore=100, ore_per_min=990, first_s=1, then_s=1),
    dc.INTL_NORDIC: VoicePrice(ore_per_min=149),
    dc.INTL_EU_EEA: VoicePrice(ore_per_min=199),
    dc.INTL_OTHER: VoicePrice(ore_per_min=499),
    dc.INTL_PREMIUM: VoicePrice(connect_ore=500, ore_per_min=2500, first_s=1, then_s=1),
}
_HOME_SMS: dict[str, int] = {c: 0 for c in dc.DESTINATION_CLASSES} | {
    dc.NO_PREMIUM: 0,  # premium SMS services bill through content purchases
    dc.INTL_NORDIC: 99,
    dc.INTL_EU_EEA: 99,
    dc.INTL_OTHER: 199,
    dc.INTL_PREMIUM: 199,
}
_HOME_MMS: dict[str, int] = {c: 0 for c in dc.DESTINATION_CLASSES} | {
    dc.INTL_NORDIC: 300,
    dc.INTL_EU_EEA: 300,
    dc.INTL_OTHER: 500,
    dc.INTL_PREMIUM: 500,
}


def standard_tariff(plan: PricePlan) -> Tariff:
    """Version 1 of a catalogue plan's tariff: roaming prices are the plan's own per-zone
    prices (per started minute: 60/60), an MMS abroad costs two SMS."""
    abroad = [z for z in ZONES if z != "NO"]
    return Tariff(
        price_plan_id=plan.code,
        version=1,
        valid_from=STANDARD_VALID_FROM,
        voice=dict(_HOME_VOICE),
        sms_ore=dict(_HOME_SMS),
        mms_ore=dict(_HOME_MMS),
        roaming_voice={z: VoicePrice(ore_per_min=plan.voice_ore_per_min[z], first_s=60, then_s=60) for z in abroad},
        roaming_sms_ore={z: plan.sms_ore[z] for z in abroad},
        roaming_mms_ore={z: 2 * plan.sms_ore[z] for z in abroad},
        note="standard",
    )


STANDARD_TARIFFS: dict[str, Tariff] = {code: standard_tariff(plan) for code, plan in PLANS.items()}
