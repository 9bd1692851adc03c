"""B6: Erlang C against the reference's test vector (reference/queues-and-kpis.md)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx import erlang_c

# 100 calls per 30 min, AHT 180 s, target 20 s → A = 10 erlangs.
A = erlang_c.traffic(100, 180, 1800)


@pytest.mark.feature("B6")
def test_the_reference_vector() -> None:
    assert A == 10
    assert round(erlang_c.service_level(13, A, 180, 20), 3) == 0.796
    assert round(erlang_c.service_level(14, A, 180, 20), 3) == 0.888
    assert round(erlang_c.probability_of_waiting(14, A), 3) == 0.174
    assert round(erlang_c.asa_s(14, A, 180), 1) == 7.8
    assert round(erlang_c.occupancy(14, A), 3) == 0.714


@pytest.mark.feature("B6")
def test_80_percent_in_20_seconds_needs_14_agents_and_20_staff_with_30_percent_shrinkage() -> None:
    s = erlang_c.staffing(100, 180, 1800, target=0.8, target_s=20, shrinkage=0.3)
    assert (s.agents, s.staff) == (14, 20)


@pytest.mark.feature("B6")
def test_200_agents_do_not_overflow() -> None:
    pw = erlang_c.probability_of_waiting(200, 180.0)
    assert 0 < pw < 1
    assert erlang_c.agents_needed(1500.0, 180, 0.9, 20) > 1500


@pytest.mark.feature("B6")
@given(a=st.floats(0.1, 60), extra=st.integers(1, 30))
def test_the_recurrence_matches_the_textbook_sum(a: float, extra: int) -> None:
    n = math.floor(a) + extra
    top = a**n / math.factorial(n) * n / (n - a)
    textbook = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    assert erlang_c.probability_of_waiting(n, a) == pytest.approx(textbook, rel=1e-9)


@pytest.mark.feature("B6")
def test_no_calls_need_no_agents_and_bad_targets_are_refused() -> None:
    assert erlang_c.staffing(0, 180, 1800, 0.8, 20, 0.3).agents == 0
    with pytest.raises(InvalidInput):
        erlang_c.agents_needed(10, 180, 1.5, 20)
    with pytest.raises(InvalidInput):
        erlang_c.staff(14, 1.0)
