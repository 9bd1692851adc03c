"""B1: the colour of a waiting call on the switchboard, from its queue's thresholds.

A call is `green` below the queue's `wait_warning_s`, `yellow` from the warning, and `red`
from `wait_alert_s` (the same moment the wait alert is raised, B3). Boundaries belong to
the later colour: a call that has waited exactly `wait_warning_s` seconds is yellow.
"""

from __future__ import annotations

GREEN = "green"
YELLOW = "yellow"
RED = "red"


def wait_colour(wait_s: int, wait_warning_s: int, wait_alert_s: int) -> str:
    """B1: `green`, `yellow` or `red` for a call that has waited `wait_s` whole seconds."""
    if wait_s >= wait_alert_s:
        return RED
    if wait_s >= wait_warning_s:
        return YELLOW
    return GREEN


def wait_seconds(entered_ms: int, now_ms: int) -> int:
    """Whole seconds waited (never negative: clocks of two machines may disagree a little)."""
    return max(0, (now_ms - entered_ms) // 1000)
