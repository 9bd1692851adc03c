"""E3 add-on services: the catalogue a company's administrators choose from, with the
prices of the company's agreement, and the rules of the add-ons that are settings of a
subscription (A9 barring, content-service spending limit, twin SIM).

Prices are integer øre per month excluding MVA (domain/catalogue.py). The standard prices
below apply unless the company's agreement names its own (`catalogue(agreement_prices)`,
stored per company in the directory as sk = AGREEMENT#ADDONS).

    code            what                                                   standard price
    BIGGER_PLAN     a bigger data package = a change of price plan          the plans' fees
    BARRING         A9 barring categories and chosen destinations                    0
    CONTENT_LIMIT   spending limit for content services (øre per month)              0
    TWIN_SIM        a second SIM (its own ICCID) on the same number          49,00 kr (4900)
    DATA_ROLLOVER   D2 Data Rollover (packages of 6 GB or more)                      0
    DATAKONTROLL    D5 Datakontroll incl. the 50 EUR roaming limit                   0
    AUTO_TOPUP      D4 automatic top-up (the extra package's price when it fires)    0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.barring import CATEGORIES, BarringSettings

# A9: the categories call control and the SMS path refuse (chosen destinations are prefixes).
BARRING_CATEGORIES: tuple[str, ...] = CATEGORIES
MAX_CHOSEN_PREFIXES = 50
# E3: a content-service spending limit above 100 000 kr a month is a typing mistake.
MAX_CONTENT_LIMIT_ORE = 10_000_000


@dataclass(frozen=True, slots=True)
class AddOnOffer:
    code: str
    name: str
    monthly_price_ore: int
    features: tuple[str, ...]  # PRODUCT.md ids

    def to_dict(self) -> dict:
        d = asdict(self)
        d["features"] = list(self.features)
        return d


STANDARD_ADD_ONS: tuple[AddOnOffer, ...] = (
    AddOnOffer("BIGGER_PLAN", "Større datapakke (bytte prisplan)", 0, ("E3",)),
    AddOnOffer("BARRING", "Sperrer (overtakserte tjenester, utland, roaming, innholdstjenester)", 0, ("E3", "A9")),
    AddOnOffer("CONTENT_LIMIT", "Beløpsgrense for innholdstjenester", 0, ("E3",)),
    AddOnOffer("TWIN_SIM", "Tvilling-SIM", 4900, ("E3",)),
    AddOnOffer("DATA_ROLLOVER", "Data Rollover", 0, ("E3", "D2")),
    AddOnOffer("DATAKONTROLL", "Datakontroll", 0, ("E3", "D5")),
    AddOnOffer("AUTO_TOPUP", "Automatisk påfyll", 0, ("E3", "D4")),
)


def catalogue(agreement_prices: dict[str, int] | None = None) -> list[AddOnOffer]:
    """E3: the add-ons with the company's agreed monthly prices (standard where it has none)."""
    prices = agreement_prices or {}
    return [
        AddOnOffer(o.code, o.name, int(prices.get(o.code, o.monthly_price_ore)), o.features) for o in STANDARD_ADD_ONS
    ]


def check_barring(categories: list[str], chosen_prefixes: list[str]) -> dict:
    """A9: the stored form {"categories", "chosen_prefixes"} (sorted, without duplicates),
    validated by the call-control rules' own settings (domain.pbx.barring.BarringSettings),
    which read the same form back from the subscription."""
    if len(chosen_prefixes) > MAX_CHOSEN_PREFIXES:
        raise InvalidInput(f"At most {MAX_CHOSEN_PREFIXES} chosen destinations.", code="too_many_prefixes")
    settings = BarringSettings(frozenset(categories), tuple(sorted(set(chosen_prefixes))))
    return {"categories": sorted(settings.categories), "chosen_prefixes": list(settings.chosen_prefixes)}


def check_content_limit(limit_ore: int | None) -> int | None:
    """E3: the content-service spending limit in øre per month; None = no limit."""
    if limit_ore is not None and not 0 <= limit_ore <= MAX_CONTENT_LIMIT_ORE:
        raise InvalidInput(
            f"limit_ore must be between 0 and {MAX_CONTENT_LIMIT_ORE} (øre per month).", code="invalid_content_limit"
        )
    return limit_ore


def check_iccid(iccid: str) -> str:
    """E3 twin SIM: an ICCID is 19 or 20 digits starting 89 (telecom), with a Luhn check digit."""
    from skysentral.domain.equipment import luhn_valid  # one Luhn rule for ICCIDs and IMEIs

    digits = iccid.replace(" ", "")
    if not (digits.isdigit() and len(digits) in (19, 20) and digits.startswith("89") and luhn_valid(digits)):
        raise InvalidInput(
            f"{iccid!r} is not a valid ICCID (19-20 digits, 89…, Luhn check digit).", code="invalid_iccid"
        )
    return digits
