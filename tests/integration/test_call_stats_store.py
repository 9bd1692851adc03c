"""B6: the counters in the CallsTable come to what the events imply (call_stats.counters_of),
each event once, whatever the order and however often an event arrives."""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skysentral.domain.pbx import call_stats
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_stats import QueueSettings
from tests.unit.domain.pbx.test_call_stats import SETTINGS, morning


def stored(company_id: str, keys) -> dict:
    from skysentral.store.call_stats_repository import CallStats

    stats = CallStats(company_id)
    out = {}
    for scope, grain, key in keys:
        got = stats.counters(scope, grain, key, key).get(key, {})
        out[(scope, grain, key)] = {k: v for k, v in got.items() if v}
    return out


def with_company(events: list[CallEvent], company_id: str) -> list[CallEvent]:
    return [CallEvent.from_dict({**e.to_dict(), "company_id": company_id}) for e in events]


def apply_all(company_id: str, events: list[CallEvent]) -> None:
    from skysentral.store.call_stats_repository import CallStats

    for e in events:
        CallStats(company_id).apply(e, SETTINGS.get(e.queue_id or "", QueueSettings()))


@pytest.mark.feature("B6")
def test_the_morning_applied_in_order_gives_the_hand_counted_day(cloud) -> None:
    cid = f"c-{uuid.uuid4().hex[:8]}"
    apply_all(cid, with_company(morning(), cid))
    day = stored(cid, [("Q#support", "day", "2026-11-25"), ("A#e-1", "day", "2026-11-25")])
    assert day[("Q#support", "day", "2026-11-25")]["offered"] == 6
    assert day[("Q#support", "day", "2026-11-25")]["answered_within_t"] == 1
    assert day[("A#e-1", "day", "2026-11-25")]["logged_in_s"] == 3600


@pytest.mark.feature("B6")
def test_a_repeated_event_is_counted_once(cloud) -> None:
    from skysentral.store.call_stats_repository import CallStats

    cid = f"c-{uuid.uuid4().hex[:8]}"
    enter = with_company(morning(), cid)[3]
    assert enter.kind == "ENTERQUEUE"
    stats = CallStats(cid)
    assert stats.apply(enter, QueueSettings()) is True
    assert stats.apply(enter, QueueSettings()) is False
    key = ("Q#support", "15m", "2026-11-25T08:00:00Z")
    assert stored(cid, [key])[key] == {"offered": 1}


@pytest.mark.feature("B6")
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1), repeats=st.lists(st.integers(0, 20), max_size=8))
def test_any_order_and_any_duplicates_give_the_same_counters(cloud, seed: int, repeats: list[int]) -> None:
    cid = f"c-{uuid.uuid4().hex[:8]}"
    events = with_company(morning(), cid)
    delivered = events + [events[i] for i in repeats]
    random.Random(seed).shuffle(delivered)
    apply_all(cid, delivered)
    expected = call_stats.counters_of(events, SETTINGS)
    assert stored(cid, expected.keys()) == expected
