"""E4 directory-service listing: what the directory services (1881, Gulesider...) publish of
a number. Each change gets the next version; the directory services are sent
(number, version) and acknowledge it, so a resend of one version changes nothing there
and an older version never overwrites a newer one."""

from __future__ import annotations

from skysentral.domain.errors import InvalidInput

MODES = ("listed", "unlisted", "name_only", "with_address")
ADDRESS_FIELDS = ("street", "postal_code", "city")


def check_listing(mode: str, name: str | None, address: dict | None) -> dict:
    """The listing to publish: `listed` = number and name; `name_only` = the name without the
    number's address; `with_address` = name, number and the postal address; `unlisted` =
    nothing (the number is kept out of the directories)."""
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}.", code="invalid_listing_mode")
    if mode != "unlisted" and not (name or "").strip():
        raise InvalidInput(f"A {mode} listing needs the name to publish.", code="listing_name_required")
    if mode == "with_address":
        missing = [f for f in ADDRESS_FIELDS if not str((address or {}).get(f) or "").strip()]
        if missing:
            raise InvalidInput(f"A listing with address needs {', '.join(missing)}.", code="listing_address_required")
        postal = str(address["postal_code"]).strip()  # type: ignore[index]
        if not (postal.isdigit() and len(postal) == 4):
            raise InvalidInput("postal_code is four digits (Norway).", code="invalid_postal_code")
    elif address:
        raise InvalidInput("Only a with_address listing has an address.", code="unexpected_address")
    return {
        "mode": mode,
        "name": None if mode == "unlisted" else (name or "").strip(),
        "address": {f: str(address[f]).strip() for f in ADDRESS_FIELDS} if mode == "with_address" and address else None,
    }


def next_version(current: dict | None, wanted: dict) -> dict:
    """The stored listing after a change: the wanted listing with the next version."""
    return {**wanted, "version": int((current or {}).get("version", 0)) + 1}


def published(listing: dict | None, acknowledged_version: int) -> dict:
    """How the API shows a listing: with its delivery status to the directory services."""
    if listing is None:
        return {"mode": "unlisted", "name": None, "address": None, "version": 0, "status": "acknowledged"}
    status = "acknowledged" if acknowledged_version >= int(listing["version"]) else "pending"
    return {**listing, "acknowledged_version": acknowledged_version, "status": status}
