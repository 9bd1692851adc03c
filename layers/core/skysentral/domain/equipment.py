"""F5 equipment: devices seen on the network (IMEI → model from its TAC) and equipment
added by hand.

The TAC (Type Allocation Code) is the first 8 digits of the IMEI and names the model. The
table `tac_models.json` (next to this module, copied into the layer with the package) is an
ILLUSTRATIVE sample: its TACs and models are made up for the local cloud and the tests, not
taken from the GSMA TAC database. In production it is replaced by an excerpt of the
operator's licensed copy of the GSMA TAC database (tac.gsma.com), same shape
{"tacs": {tac: {"model", "kind"}}}. An unknown TAC shows as model "unknown", kind "phone".

Sightings may arrive out of order: a sighting older than the one stored changes nothing
(`newer`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from skysentral.domain.errors import InvalidInput

KINDS = ("phone", "tablet", "router", "computer", "other")
LISTED_KINDS = ("phone", "tablet")  # F5: what the equipment overview lists from the network


def luhn_valid(digits: str) -> bool:
    """The Luhn check (ISO/IEC 7812) over a string of digits, check digit last."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def check_imei(imei: str) -> str:
    """A 15-digit IMEI whose last digit is its Luhn check digit."""
    if not (len(imei) == 15 and imei.isdigit()):
        raise InvalidInput(f"{imei!r} is not an IMEI (15 digits).", code="invalid_imei")
    if not luhn_valid(imei):
        raise InvalidInput(f"{imei!r} has a wrong check digit.", code="invalid_imei")
    return imei


@lru_cache(maxsize=1)
def _tac_table() -> dict[str, dict]:
    return json.loads((Path(__file__).with_name("tac_models.json")).read_text(encoding="utf-8"))["tacs"]


@dataclass(frozen=True, slots=True)
class Device:
    imei: str
    tac: str
    model: str
    kind: str  # phone | tablet | ...
    seen_at: str  # ISO UTC

    def to_dict(self) -> dict:
        return asdict(self)


def device_seen(imei: str, seen_at: str) -> Device:
    """The device of a sighting: model and kind from the IMEI's TAC."""
    imei = check_imei(imei)
    tac = imei[:8]
    entry = _tac_table().get(tac, {"model": "unknown", "kind": "phone"})
    return Device(imei, tac, entry["model"], entry["kind"], seen_at)


def newer(stored_seen_at: str | None, seen_at: str) -> bool:
    """Out-of-order safe: only a later sighting replaces the stored device (ISO UTC sorts)."""
    return stored_seen_at is None or seen_at > stored_seen_at


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}.", code="invalid_equipment_kind")
    return kind
