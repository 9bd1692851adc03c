"""F4: the KID payment reference (kundeidentifikasjon) of an invoice.

docs/portal.md: a MOD10 (Luhn) check digit over the invoice number left-padded with zeros,
13 digits in all. Norwegian banks check it when the payer types it in, so a KID with a
wrong check digit never reaches us as a match. The number is the 12 digits before the
check digit, so a KID leads straight to its invoice."""

from __future__ import annotations

from skysentral.domain.equipment import luhn_valid  # one Luhn rule (IMEI, ICCID, KID)
from skysentral.domain.errors import InvalidInput

KID_LENGTH = 13


def mod10_check_digit(digits: str) -> str:
    """The Luhn (MOD10) check digit to append to `digits`."""
    if not digits.isdigit():
        raise InvalidInput(f"{digits!r} is not a string of digits.", code="invalid_kid")
    total = 0
    # Weights 2,1,2,1… from the rightmost digit of the payload (the check digit comes after it).
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def kid_of(number: int) -> str:
    """F4: the 13-digit KID of invoice `number` (12 digits, zero-padded, + MOD10)."""
    if number < 1 or number >= 10 ** (KID_LENGTH - 1):
        raise InvalidInput(f"Invoice number {number} does not fit a KID.", code="invalid_invoice_number")
    payload = f"{number:0{KID_LENGTH - 1}d}"
    return payload + mod10_check_digit(payload)


def is_valid_kid(kid: str) -> bool:
    return len(kid) == KID_LENGTH and kid.isdigit() and luhn_valid(kid)


def number_of_kid(kid: str) -> int | None:
    """The invoice number a KID names, or None when it is not one of ours (length, check digit)."""
    kid = kid.strip()
    if not is_valid_kid(kid):
        return None
    number = int(kid[:-1])
    return number or None
