"""Screening of usage records before they touch balances: duplicates with different
content (conflicts), implausible records (held for review) and records later than the
grace after their month (late corrections). Pure rules; the ingestion service applies them.

Rules (decided where PRODUCT.md is silent; docs/design.md "Usage exactly once"):
- Conflicting duplicate: the same record id arriving again with different content. The
  first version that arrived is kept (it is, or will be, applied); every other version is
  a conflict, made visible to the operator, never applied.
- D1, D5: a record is implausible, and held for the operator's review instead of being
  applied, when it carries more data than `max_bytes_per_record` (default 100 GB), or, if
  it says how long the session lasted (`duration_s`), more bytes than
  `max_bytes_per_second` times that duration (default 1.25 GB/s = 10 Gbit/s, above any
  mobile radio). A held record is not lost: the operator releases it (applied then,
  once) or rejects it (never applied, kept listed).
- D9: a record is applied to balances when it arrives before 00:00 Europe/Oslo on the
  4th day of the month after its own ("up to 3 days late"). A record arriving later is a
  late correction: a ledger row in its own month (usage overview, invoice correction),
  priced as in its own month, never touching balances or alerts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skysentral.domain.calendar import OSLO, UTC, month_start_utc, next_month

GIB = 1024**3
GRACE_DAYS = 3  # D9: "up to 3 days late"
DEFAULT_MAX_BYTES_PER_RECORD = 100 * GIB
DEFAULT_MAX_BYTES_PER_SECOND = 1_250_000_000  # 10 Gbit/s


@dataclass(frozen=True)
class PlausibilityLimits:
    """D1, D5: above these a data record is held for review (see the module docstring)."""

    max_bytes_per_record: int = DEFAULT_MAX_BYTES_PER_RECORD
    max_bytes_per_second: int = DEFAULT_MAX_BYTES_PER_SECOND

    def __post_init__(self) -> None:
        if self.max_bytes_per_record <= 0 or self.max_bytes_per_second <= 0:
            raise ValueError("plausibility limits must be positive")


def implausibility(kind: str, quantity: int, duration_s: int | None, limits: PlausibilityLimits) -> str | None:
    """Why a record is implausible (a sentence for the operator), or None when it is plausible."""
    if kind != "data":
        return None
    if quantity > limits.max_bytes_per_record:
        return f"{quantity} bytes in one record is more than the limit of {limits.max_bytes_per_record} bytes"
    if duration_s is not None and quantity > limits.max_bytes_per_second * max(duration_s, 1):
        return (
            f"{quantity} bytes in {duration_s} s is more than {limits.max_bytes_per_second} bytes per second of session"
        )
    return None


def balance_deadline(month: str) -> datetime:
    """D9: the last moment (exclusive) a record of `month` may arrive and still touch
    balances: 00:00 Europe/Oslo on the 4th of the next month, as aware UTC."""
    start = month_start_utc(next_month(month)).astimezone(OSLO)
    return start.replace(day=1 + GRACE_DAYS).astimezone(UTC)


def is_late_correction(record_month: str, arrived_at: datetime) -> bool:
    """D9: True when a record of `record_month` arriving at `arrived_at` is too late for
    balances and is stored as a late correction of its month only."""
    return arrived_at >= balance_deadline(record_month)


def fingerprint(content: dict[str, Any]) -> str:
    """A short digest of a record's content (everything but its id): two versions of a
    record id conflict when their fingerprints differ. 32 bits: two different versions of
    one record id look alike with a chance of 1 in 4 billion."""
    canonical = json.dumps(
        {k: v for k, v in content.items() if k != "record_id" and v is not None},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]
