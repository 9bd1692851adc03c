"""F3: the destination class of a called number (E.164), from its country and number type
(`phonenumbers`) and Norway's own prefix table.

Classes (a tariff prices each):

    NO_MOBILE       Norwegian mobile (4x, 9x)
    NO_FIXED        Norwegian fixed line (2x, 3x, 5x, 6x, 7x) and other geographic/VoIP numbers
    NO_TOLL_FREE    800 numbers (free for the caller)
    NO_SHARED_COST  810 and 815 numbers (phonenumbers: SHARED_COST or UAN)
    NO_PREMIUM      820 and 829 numbers (overtaksert), also when the metadata lags
    NO_SHORT        Norwegian short numbers (3-5 digits: 1881, 2222, 02800 ...)
    INTL_NORDIC     Sweden, Denmark, Finland, Iceland (and the Faroes, Åland, Greenland)
    INTL_EU_EEA     the rest of the EU/EEA (and the UK: priced as EU by the standard plans)
    INTL_PREMIUM    a premium-rate number abroad (phonenumbers: PREMIUM_RATE)
    INTL_OTHER      every other country, and numbers phonenumbers cannot place

The table is the one place to change when a prefix moves class (`NO_PREFIX_CLASSES`).
"""

from __future__ import annotations

import re

NO_MOBILE = "NO_MOBILE"
NO_FIXED = "NO_FIXED"
NO_TOLL_FREE = "NO_TOLL_FREE"
NO_SHARED_COST = "NO_SHARED_COST"
NO_PREMIUM = "NO_PREMIUM"
NO_SHORT = "NO_SHORT"
INTL_NORDIC = "INTL_NORDIC"
INTL_EU_EEA = "INTL_EU_EEA"
INTL_PREMIUM = "INTL_PREMIUM"
INTL_OTHER = "INTL_OTHER"
# Content purchases and data have no called number: their lines carry these classes.
CONTENT = "CONTENT"
DATA = "DATA"

DESTINATION_CLASSES: tuple[str, ...] = (
    NO_MOBILE,
    NO_FIXED,
    NO_TOLL_FREE,
    NO_SHARED_COST,
    NO_PREMIUM,
    NO_SHORT,
    INTL_NORDIC,
    INTL_EU_EEA,
    INTL_PREMIUM,
    INTL_OTHER,
)

# Norway's special 8-digit prefixes (Nkom's number plan), checked before phonenumbers so
# that a lagging metadata release cannot move a premium number into a cheaper class.
NO_PREFIX_CLASSES: tuple[tuple[str, str], ...] = (
    ("800", NO_TOLL_FREE),
    ("810", NO_SHARED_COST),
    ("815", NO_SHARED_COST),
    ("820", NO_PREMIUM),
    ("829", NO_PREMIUM),
)

NORDIC_REGIONS = frozenset({"SE", "DK", "FI", "IS", "FO", "AX", "GL"})
EU_EEA_REGIONS = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "EE", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
        "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "LI", "GB", "GI",
    }
)  # fmt: skip

_SHORT = re.compile(r"^\d{3,5}$")


def destination_class(destination: str | None) -> str:
    """The class of a called number: E.164 ("+4782012345"), or a Norwegian short number as
    dialled ("1881") or with +47 ("+471881"). Anything unparseable is INTL_OTHER (priced as
    the most expensive ordinary class rather than refused: the call has happened)."""
    number = re.sub(r"[\s\-()]", "", destination or "")
    if _SHORT.match(number):
        return NO_SHORT
    if not number.startswith("+"):
        number = "+" + number.lstrip("0") if number.startswith("00") else f"+47{number}"
    if number.startswith("+47"):
        national = number[3:]
        if _SHORT.match(national):
            return NO_SHORT
        for prefix, cls in NO_PREFIX_CLASSES:
            if len(national) == 8 and national.startswith(prefix):
                return cls
    # Loaded on first use (organisation.to_e164 explains the cold-start cost).
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return INTL_OTHER
    region = phonenumbers.region_code_for_number(parsed)
    kind = phonenumbers.number_type(parsed)
    types = phonenumbers.PhoneNumberType
    if region == "NO":
        return {
            types.MOBILE: NO_MOBILE,
            types.TOLL_FREE: NO_TOLL_FREE,
            types.SHARED_COST: NO_SHARED_COST,
            types.UAN: NO_SHARED_COST,
            types.PREMIUM_RATE: NO_PREMIUM,
        }.get(kind, NO_FIXED)
    if kind == types.PREMIUM_RATE:
        return INTL_PREMIUM
    if region in NORDIC_REGIONS:
        return INTL_NORDIC
    if region in EU_EEA_REGIONS:
        return INTL_EU_EEA
    return INTL_OTHER
