"""A14: names found by the number lookup, cached in the CallsTable under `LOOKUP#<e164>` /
`NAME` (not a tenant's data: a public listing), with `expires_at` (DynamoDB TTL) 30 days
after a name was found and 1 day after nobody was listed. TTL deletes late, so reads check
`expires_at` themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from skysentral.store.models import _Calls

FOUND_TTL = timedelta(days=30)
NOT_FOUND_TTL = timedelta(days=1)


class NumberNameItem(_Calls):
    """pk = LOOKUP#<e164>, sk = NAME; name null = nobody listed"""

    name = UnicodeAttribute(null=True)


MISSING = object()  # not cached (or expired)


def cached_name(e164: str, now: datetime) -> str | object | None:
    """The cached name, None for a cached "nobody listed", or MISSING."""
    try:
        item = NumberNameItem.get(f"LOOKUP#{e164}", "NAME")
    except DoesNotExist:
        return MISSING
    if item.expires_at is None or item.expires_at <= now.timestamp():
        return MISSING
    return item.name


def cache_name(e164: str, name: str | None, now: datetime) -> None:
    ttl = FOUND_TTL if name else NOT_FOUND_TTL
    NumberNameItem(f"LOOKUP#{e164}", "NAME", name=name, expires_at=int((now + ttl).timestamp())).save()
