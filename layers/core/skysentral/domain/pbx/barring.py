"""A9: advanced barring: which outgoing calls and SMS a subscription may not make.

`barred_reason(settings, destination, roaming)` returns the reason a destination is
barred (the first that applies, in this order), or None:
- "roaming": every outgoing call or SMS while the subscription is roaming;
- "international": a number outside Norway (country code other than 47);
- "premium_rate": phonenumbers says PREMIUM_RATE (any country), or a Norwegian 820 or 829
  number (the Norwegian premium-rate ranges, in case the metadata lags);
- "content_services": a Norwegian short number for content and SMS services. The rule
  chosen: 4 or 5 digits starting with 1 or 2 (e.g. 2222, 1881, 26112); the national
  number plan gives these ranges to content, directory and payment services;
- "chosen": a number starting with one of the subscription's chosen prefixes.
Emergency numbers (110, 112, 113, with or without +47) are never barred.

Destinations are E.164 ("+4782012345"); Norwegian short numbers may be given as dialled
("2222") or with +47 ("+472222").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skysentral.domain.errors import InvalidInput, InvalidPhoneNumber

CATEGORIES = ("premium_rate", "international", "roaming", "content_services")
EMERGENCY_NUMBERS = frozenset({"110", "112", "113"})
_PREMIUM_PREFIXES = ("820", "829")
_CONTENT_SHORT_NUMBER = re.compile(r"^[12]\d{3,4}$")
_PREFIX = re.compile(r"^\+\d{1,14}$")


@dataclass(frozen=True)
class BarringSettings:
    """A9: a subscription's barred categories and its own barred E.164 prefixes."""

    categories: frozenset[str] = frozenset()
    chosen_prefixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.categories) - set(CATEGORIES)
        if unknown:
            raise InvalidInput(
                f"Unknown barring categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(sorted(unknown))} "
                f"(choose from {', '.join(CATEGORIES)})."
            )
        for prefix in self.chosen_prefixes:
            if not _PREFIX.match(prefix):
                raise InvalidInput(f"Barred prefix {prefix!r} must be '+' and digits, e.g. +4782 or +44.")


def barred_reason(settings: BarringSettings, destination_e164: str, roaming: bool) -> str | None:
    """A9: why a call or SMS to `destination_e164` is barred, or None when it may go through."""
    number = re.sub(r"[\s\-()]", "", destination_e164)
    if number.startswith("+"):
        if not re.fullmatch(r"\+\d{3,15}", number):
            raise InvalidPhoneNumber(f"{destination_e164!r} is not a phone number in E.164 form.")
    elif re.fullmatch(r"\d{2,8}", number):  # a Norwegian number as dialled
        number = f"+47{number}"
    else:
        raise InvalidPhoneNumber(f"{destination_e164!r} is neither E.164 nor a Norwegian short number.")
    national = number[3:] if number.startswith("+47") else ""
    if national in EMERGENCY_NUMBERS:
        return None
    categories = settings.categories
    if "roaming" in categories and roaming:
        return "roaming"
    if "international" in categories and not national:
        return "international"
    if "premium_rate" in categories and (
        (len(national) == 8 and national.startswith(_PREMIUM_PREFIXES)) or _premium(number, national)
    ):
        return "premium_rate"
    if "content_services" in categories and _CONTENT_SHORT_NUMBER.match(national):
        return "content_services"
    if any(number.startswith(prefix) for prefix in settings.chosen_prefixes):
        return "chosen"
    return None


def _premium(number: str, national: str) -> bool:
    if national and len(national) < 8:  # a Norwegian short number: not in the metadata's plan
        return False
    # Loaded on first use: phonenumbers costs ~20 ms of a cold start (as organisation.to_e164).
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.PREMIUM_RATE)
