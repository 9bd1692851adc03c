"""Products (extra data and surf packages) and the standard price plans.

All prices are integer øre excluding MVA (business customers; the invoice adds 25 %).
Data volumes are integer bytes, 1 GB = 1024**3 bytes, 1 MB = 1024**2 bytes.

Products (D3, D4, D6):

    code               kind   volume   valid in                    price
    EXTRA_1GB          extra  1 GB     included zones of the plan   99,00 kr  (9900 øre)
    EXTRA_5GB          extra  5 GB     included zones of the plan  199,00 kr (19900 øre)
    EXTRA_15GB         extra  15 GB    included zones of the plan  299,00 kr (29900 øre)
    SURF_EU_600MB      surf   600 MB   NORDIC, EU_EEA, CH, US       99,00 kr  (9900 øre), 30 days
    SURF_WORLD_300MB   surf   300 MB   WORLD                       149,00 kr (14900 øre), 30 days

D4: an automatic top-up of 1, 5 or 15 GB is the EXTRA product of that size, same price.

Standard price plans (D1; monthly fee per subscription):

    code         package  included zones        monthly fee   beyond the package
    BEDRIFT_5    5 GB     NO                    299,00 kr     1,00 kr per MB
    BEDRIFT_6    6 GB     NO                    329,00 kr     1,00 kr per MB
    BEDRIFT_10   10 GB    NO                    399,00 kr     1,00 kr per MB
    BEDRIFT_20   20 GB    NO                    499,00 kr     1,00 kr per MB
    FRI_BRUK_10  10 GB    NO, NORDIC, EU_EEA    449,00 kr     0 (throttled speed)
    FRI_BRUK_20  20 GB    NO, NORDIC, EU_EEA    549,00 kr     0 (throttled speed)

Data in zones a plan does not include, per MB:
NORDIC and EU_EEA 2,00 kr (Bedrift plans only), CH and US 10,00 kr, WORLD 25,00 kr,
REST 50,00 kr.
Priced data (roaming and overage) is charged per record in started KB in EU/EEA zones
(NO, NORDIC, EU_EEA) and started MB elsewhere, rounded up to whole øre
(domain/balances/data_pricing.py).
Voice per started minute, by the zone the user is in: NO 0; NORDIC/EU_EEA 1,50 kr on
Bedrift plans (0 on Fri Bruk); CH/US 5,00 kr; WORLD 15,00 kr; REST 25,00 kr.
SMS each: NO 0; NORDIC/EU_EEA 0,50 kr on Bedrift plans (0 on Fri Bruk); CH/US 1,00 kr;
WORLD 2,00 kr; REST 3,00 kr.

D5 "Datakontroll Utland": the roaming limit is 50 EUR (ROAMING_LIMIT_EUR_CENTS = 5000).
Priced roaming usage is in øre, so the limit is compared at the fixed contract rate
ORE_PER_EUR = 1170 (1 EUR = 11,70 NOK): 50 EUR = 585,00 kr. The rate is fixed in the
contract rather than a daily rate so that replays and month closes give the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skysentral.domain.errors import UnknownProduct

MIB = 1024**2
GIB = 1024**3

ZONES: tuple[str, ...] = ("NO", "NORDIC", "EU_EEA", "CH", "US", "WORLD", "REST")

# D5: fixed conversion rate for the 50 EUR roaming limit (øre per euro).
ORE_PER_EUR = 1170
ROAMING_LIMIT_EUR_CENTS = 5000

SURF_VALID_DAYS = 30

# D2: Data Rollover only on packages of 6 GB or more.
ROLLOVER_MIN_PACKAGE_BYTES = 6 * GIB


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    kind: str  # "extra" | "surf"
    bytes: int
    price_ore: int
    zones: frozenset[str] = frozenset()  # surf only; extras are valid in the plan's included zones
    valid_days: int | None = None  # surf: 30 days from activation


PRODUCTS: dict[str, Product] = {
    p.code: p
    for p in (
        Product("EXTRA_1GB", "extra", 1 * GIB, 9900),
        Product("EXTRA_5GB", "extra", 5 * GIB, 19900),
        Product("EXTRA_15GB", "extra", 15 * GIB, 29900),
        Product(
            "SURF_EU_600MB",
            "surf",
            600 * MIB,
            9900,
            frozenset({"NORDIC", "EU_EEA", "CH", "US"}),
            SURF_VALID_DAYS,
        ),
        Product("SURF_WORLD_300MB", "surf", 300 * MIB, 14900, frozenset({"WORLD"}), SURF_VALID_DAYS),
    )
}

# D4: top-up sizes map to the extra products of the same size and price.
TOPUP_PRODUCTS: dict[int, str] = {1: "EXTRA_1GB", 5: "EXTRA_5GB", 15: "EXTRA_15GB"}


def product(code: str) -> Product:
    try:
        return PRODUCTS[code]
    except KeyError:
        raise UnknownProduct(code) from None


@dataclass(frozen=True, slots=True)
class PricePlan:
    code: str
    name: str
    package_bytes: int
    included_zones: frozenset[str]
    monthly_fee_ore: int
    data_ore_per_mb: dict[str, int]  # zones not included
    voice_ore_per_min: dict[str, int]
    sms_ore: dict[str, int]
    overage_ore_per_mb: int  # D1/D5: included zones once all data is used; 0 = throttled

    def __post_init__(self) -> None:
        if "NO" not in self.included_zones:
            raise ValueError("every price plan includes NO")
        missing = [z for z in ZONES if z not in self.included_zones and z not in self.data_ore_per_mb]
        if missing:
            raise ValueError(f"plan {self.code} has no data price for zones {missing}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "package_bytes": self.package_bytes,
            "included_zones": sorted(self.included_zones),
            "monthly_fee_ore": self.monthly_fee_ore,
            "data_ore_per_mb": dict(self.data_ore_per_mb),
            "voice_ore_per_min": dict(self.voice_ore_per_min),
            "sms_ore": dict(self.sms_ore),
            "overage_ore_per_mb": self.overage_ore_per_mb,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PricePlan:
        return cls(
            code=data["code"],
            name=data["name"],
            package_bytes=int(data["package_bytes"]),
            included_zones=frozenset(data["included_zones"]),
            monthly_fee_ore=int(data["monthly_fee_ore"]),
            data_ore_per_mb={k: int(v) for k, v in data["data_ore_per_mb"].items()},
            voice_ore_per_min={k: int(v) for k, v in data["voice_ore_per_min"].items()},
            sms_ore={k: int(v) for k, v in data["sms_ore"].items()},
            overage_ore_per_mb=int(data["overage_ore_per_mb"]),
        )


def _bedrift(code: str, gb: int, fee_ore: int) -> PricePlan:
    return PricePlan(
        code=code,
        name=f"Bedrift {gb} GB",
        package_bytes=gb * GIB,
        included_zones=frozenset({"NO"}),
        monthly_fee_ore=fee_ore,
        data_ore_per_mb={"NORDIC": 200, "EU_EEA": 200, "CH": 1000, "US": 1000, "WORLD": 2500, "REST": 5000},
        voice_ore_per_min={"NO": 0, "NORDIC": 150, "EU_EEA": 150, "CH": 500, "US": 500, "WORLD": 1500, "REST": 2500},
        sms_ore={"NO": 0, "NORDIC": 50, "EU_EEA": 50, "CH": 100, "US": 100, "WORLD": 200, "REST": 300},
        overage_ore_per_mb=100,
    )


def _fri_bruk(code: str, gb: int, fee_ore: int) -> PricePlan:
    return PricePlan(
        code=code,
        name=f"Fri Bruk {gb} GB",
        package_bytes=gb * GIB,
        included_zones=frozenset({"NO", "NORDIC", "EU_EEA"}),
        monthly_fee_ore=fee_ore,
        data_ore_per_mb={"CH": 1000, "US": 1000, "WORLD": 2500, "REST": 5000},
        voice_ore_per_min={"NO": 0, "NORDIC": 0, "EU_EEA": 0, "CH": 500, "US": 500, "WORLD": 1500, "REST": 2500},
        sms_ore={"NO": 0, "NORDIC": 0, "EU_EEA": 0, "CH": 100, "US": 100, "WORLD": 200, "REST": 300},
        overage_ore_per_mb=0,
    )


PLANS: dict[str, PricePlan] = {
    p.code: p
    for p in (
        _bedrift("BEDRIFT_5", 5, 29900),
        _bedrift("BEDRIFT_6", 6, 32900),
        _bedrift("BEDRIFT_10", 10, 39900),
        _bedrift("BEDRIFT_20", 20, 49900),
        _fri_bruk("FRI_BRUK_10", 10, 44900),
        _fri_bruk("FRI_BRUK_20", 20, 54900),
    )
}
