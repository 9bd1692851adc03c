"""The local cloud's clock reads EventBridge's rate/cron/at dialect (cron through croniter):
days SUN=1…SAT=7, ``?``, ``L``, ``6L``, ``2#1``, ``W``, ``L-n`` and the year field, in the
schedule's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from infra.local.schedules import next_fire

OSLO = ZoneInfo("Europe/Oslo")
AFTER = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression,expected",
    [
        ("cron(0 0 1 * ? *)", datetime(2026, 12, 1, 0, 0, tzinfo=OSLO)),  # the month close
        ("cron(0 9 ? * 2 *)", datetime(2026, 11, 16, 9, 0, tzinfo=OSLO)),  # 2 = Monday
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 16, 9, 0, tzinfo=OSLO)),
        ("cron(0 9 L * ? *)", datetime(2026, 11, 30, 9, 0, tzinfo=OSLO)),
        ("cron(0 9 ? * 6L *)", datetime(2026, 11, 27, 9, 0, tzinfo=OSLO)),  # last Friday
        ("cron(0 9 ? * 2#1 *)", datetime(2026, 12, 7, 9, 0, tzinfo=OSLO)),  # first Monday
        ("cron(0 9 L-2 * ? *)", datetime(2026, 11, 28, 9, 0, tzinfo=OSLO)),
        ("cron(0 0 1 1 ? 2028)", datetime(2028, 1, 1, 0, 0, tzinfo=OSLO)),
        ("cron(0 0 1 1 ? 2025)", None),
        ("rate(5 minutes)", datetime(2026, 11, 15, 12, 5, tzinfo=UTC)),
        ("at(2027-01-01T00:00:00)", datetime(2027, 1, 1, 0, 0, tzinfo=OSLO)),
    ],
)
def test_next_fire_reads_the_aws_dialect_in_the_schedules_zone(expression, expected):
    assert next_fire(expression, AFTER, "Europe/Oslo") == expected
