"""B5: how an SMS text travels: its encoding and its parts (3GPP TS 23.038 / GSM 03.38).

A text made only of the GSM 7-bit default alphabet (with its extension table) goes as
GSM-7: 160 septets in one part, 153 per part once split (a concatenated SMS spends 7 of
each part's septets on its user data header). An extension character (^ { } \\ [ ~ ] | €,
form feed) costs 2 septets: the escape and the character. Any other text goes as UCS-2:
70 UTF-16 units in one part, 67 per part when split; a character outside the BMP (an
emoji) is a surrogate pair of 2 units. A part never ends between the two septets of an
escape or the two units of a surrogate pair.

Written here rather than taken from PyPI: `smsutil` (last release 2020) needs the Python 2
`future` shim and counts ESC as a text character; the `gsm0338` codec encodes but does not
split. See docs/switchboard-sms.md.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# The default alphabet, without ESC (0x1B): a text never contains the escape itself.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}  # (one part, each part when split), in septets / UTF-16 units


@dataclass(frozen=True)
class SmsParts:
    encoding: str  # GSM7 | UCS2
    parts: tuple[str, ...]
    units: int  # septets (GSM-7) or UTF-16 units (UCS-2) of the whole text

    @property
    def count(self) -> int:
        return len(self.parts)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def encoding_of(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def units_of(char: str, encoding: str) -> int:
    """What one character costs: 2 for an escape pair (GSM-7) or a surrogate pair (UCS-2)."""
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def split(text: str) -> SmsParts:
    """The text's encoding and its parts; "" is one empty part (callers refuse empty texts)."""
    encoding = encoding_of(text)
    single, each = LIMITS[encoding]
    costs = [units_of(c, encoding) for c in text]
    total = sum(costs)
    if total <= single:
        return SmsParts(encoding, (text,), total)
    parts: list[str] = []
    start, used = 0, 0
    for i, cost in enumerate(costs):
        if used + cost > each:  # the pair goes whole to the next part
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return SmsParts(encoding, tuple(parts), total)


def part_units(part: str, encoding: str) -> int:
    return sum(units_of(c, encoding) for c in part)
