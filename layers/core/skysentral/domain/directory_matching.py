"""B4/C5: how the switchboard's directory search matches and sorts names and numbers.

Names (`name_matches`): every word of the query is the beginning of some word of the name
("kar nor" finds "Kari Nordmann"). Case is folded and accents are dropped (é → e, ü → u),
but æ, ø and å are letters of their own in Norwegian, not accented a and o: "o" does not
find "Ørjan", "a" does not find "Åse", "ø" does. Swedish/German ä and ö are the same
letters as æ and ø in Norwegian collation, so they are folded to them ("Jörgen" is found by
"jør").

Sorting (`sort_key`): Norwegian alphabetical order, æ ø å after z. A translation of the
folded name to a key (æ ø å → the three characters after "z" in ASCII) gives that order
with the standard library: PyICU would too, but it is a large native library for one
ordering rule of three letters. The name as written breaks ties, so the order is stable.

Numbers (`number_query` and `number_matches`): a query of digits (spaces, "+", "-",
parentheses allowed) is a number. One that parses as a valid phone number (national
Norwegian or international form: "912 34 567", "+47 912 34 567", "004791234567") matches
that number exactly, in E.164; a shorter run of digits matches an extension that begins
with it, or any number whose national digits contain it (at least 3 digits)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_RING_ABOVE = "\u030a"  # å = a + ring above (NFD)
_AFTER_Z = str.maketrans({"æ": "{", "ø": "|", "å": "}"})  # "z" < "{" < "|" < "}" in ASCII
_WORD = re.compile(r"[^\W_]+")
_NUMBERISH = re.compile(r"^[\d\s+\-().]+$")
MIN_PARTIAL_DIGITS = 3


def fold(text: str) -> str:
    """Lower case without accents, keeping æ, ø and å (and reading ä, ö as æ, ø)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(ch):
            if ch == _RING_ABOVE and out and out[-1] == "a":
                out[-1] = "å"
            elif ch == "\u0308" and out and out[-1] in "ao":  # diaeresis: ä, ö
                out[-1] = {"a": "æ", "o": "ø"}[out[-1]]
            continue
        out.append(ch)
    return "".join(out)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def name_matches(name: str, query: str) -> bool:
    """Every query word begins some word of the name; an empty query matches everything."""
    name_words = words(name)
    return all(any(w.startswith(q) for w in name_words) for q in words(query))


def sort_key(name: str) -> tuple[str, str]:
    """Norwegian alphabetical order: æ, ø, å after z; ties broken by the name as written."""
    return fold(name).translate(_AFTER_Z), name


@dataclass(frozen=True)
class NumberQuery:
    """A number the user typed: `e164` when it is a whole valid number, else its `digits`."""

    digits: str
    e164: str | None


def number_query(query: str, region: str = "NO") -> NumberQuery | None:
    """The number in a query, or None when the query is not a number (then it is a name)."""
    text = query.strip()
    if not text or not _NUMBERISH.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    import phonenumbers  # loaded on the first number query (as organisation.to_e164)

    e164 = None
    try:
        parsed = phonenumbers.parse(text, region)
        if phonenumbers.is_valid_number(parsed):
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return NumberQuery(digits, e164)


def _national_digits(e164: str) -> str:
    digits = e164.lstrip("+")
    return digits[2:] if digits.startswith("47") else digits


def number_matches(wanted: NumberQuery, numbers: list[str | None], extension: str | None = None) -> bool:
    """Whether a person's or contact's numbers (E.164) or extension match the typed number."""
    present = [n for n in numbers if n]
    if wanted.e164 is not None:
        return wanted.e164 in present
    if extension and extension.startswith(wanted.digits):
        return True
    if len(wanted.digits) < MIN_PARTIAL_DIGITS:
        return False
    return any(wanted.digits in _national_digits(n) or wanted.digits in n.lstrip("+") for n in present)
