"""The time handlers act at. In AWS it is the real time. The local cloud may set
SKYSENTRAL_NOW (ISO 8601) to drive a scenario at a chosen clock, e.g. to read the
February dashboard after closing January; nothing in AWS sets it."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def now() -> datetime:
    fixed = os.environ.get("SKYSENTRAL_NOW")
    if fixed:
        return datetime.fromisoformat(fixed.replace("Z", "+00:00")).astimezone(UTC)
    return datetime.now(UTC)
