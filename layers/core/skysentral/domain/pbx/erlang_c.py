"""B6: Erlang C staffing (reference/queues-and-kpis.md). Pure.

Traffic A = arrivals per interval × AHT ÷ interval length (erlangs). With N agents (N > A)
the probability of waiting is Erlang C, computed here from the Erlang B recurrence
    B(0) = 1,  B(n) = A·B(n−1) ÷ (n + A·B(n−1)),   C(N) = N·B(N) ÷ (N − A·(1 − B(N)))
which never forms Aᴺ or N! (no overflow for 200 agents or 2000), instead of the textbook
sum of Aᵏ/k!. Then SL(t) = 1 − C·e^(−(N−A)·t/AHT), ASA = C·AHT ÷ (N − A), occupancy A/N.
Staff = the smallest N meeting the target (and an occupancy cap, if given), then
⌈N ÷ (1 − shrinkage)⌉.

Written here rather than taken from a library (pyworkforce): that pulls numpy, pandas and
scipy into the Lambda layer (tens of MB and a slow cold start) for thirty lines of
arithmetic. Erlang C ignores abandonment and so over-staffs a little (Erlang A would not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skysentral.domain.errors import InvalidInput

MAX_AGENTS = 2000


def traffic(arrivals: float, aht_s: float, interval_s: float) -> float:
    """Offered load in erlangs: arrivals in the interval × AHT ÷ the interval's length."""
    if arrivals < 0 or aht_s < 0 or interval_s <= 0:
        raise InvalidInput("Arrivals and AHT must be ≥ 0 and the interval > 0.")
    return arrivals * aht_s / interval_s


def erlang_b(agents: int, a: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = a * b / (n + a * b)
    return b


def probability_of_waiting(agents: int, a: float) -> float:
    """Erlang C: the chance a caller waits at all (1 when N ≤ A: the queue grows without end)."""
    if a <= 0:
        return 0.0
    if agents <= a:
        return 1.0
    b = erlang_b(agents, a)
    return agents * b / (agents - a * (1 - b))


def service_level(agents: int, a: float, aht_s: float, target_s: float) -> float:
    """SL(t): the share of callers answered within `target_s`."""
    if a <= 0:
        return 1.0
    if agents <= a:
        return 0.0
    pw = probability_of_waiting(agents, a)
    return 1 - pw * math.exp(-(agents - a) * target_s / aht_s)


def asa_s(agents: int, a: float, aht_s: float) -> float:
    """Average speed of answer (seconds); infinite when N ≤ A."""
    if a <= 0:
        return 0.0
    if agents <= a:
        return math.inf
    return probability_of_waiting(agents, a) * aht_s / (agents - a)


def occupancy(agents: int, a: float) -> float:
    return min(1.0, a / agents) if agents else 0.0


@dataclass(frozen=True)
class Staffing:
    traffic: float
    agents: int
    staff: int
    service_level: float
    probability_of_waiting: float
    asa_s: float
    occupancy: float


def agents_needed(a: float, aht_s: float, target: float, target_s: float, max_occupancy: float | None = None) -> int:
    """The smallest N with SL(target_s) ≥ target (and A/N ≤ max_occupancy when given)."""
    if not 0 < target < 1:
        raise InvalidInput("The service-level target must be between 0 and 1 (e.g. 0.8).", code="invalid_target")
    if a <= 0:
        return 0
    n = max(1, math.floor(a) + 1)
    while n <= MAX_AGENTS:
        if service_level(n, a, aht_s, target_s) >= target and (max_occupancy is None or a / n <= max_occupancy):
            return n
        n += 1
    raise InvalidInput(f"More than {MAX_AGENTS} agents would be needed.", code="traffic_too_high")


def staff(agents: int, shrinkage: float) -> int:
    """Agents on the phones ÷ (1 − shrinkage), rounded up: people to schedule."""
    if not 0 <= shrinkage < 1:
        raise InvalidInput("Shrinkage must be at least 0 and below 1 (e.g. 0.3).", code="invalid_shrinkage")
    return math.ceil(round(agents / (1 - shrinkage), 9))


def staffing(
    arrivals: float,
    aht_s: float,
    interval_s: float,
    target: float,
    target_s: float,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> Staffing:
    a = traffic(arrivals, aht_s, interval_s)
    n = agents_needed(a, aht_s, target, target_s, max_occupancy)
    return Staffing(
        traffic=a,
        agents=n,
        staff=staff(n, shrinkage),
        service_level=service_level(n, a, aht_s, target_s) if n else 1.0,
        probability_of_waiting=probability_of_waiting(n, a) if n else 0.0,
        asa_s=asa_s(n, a, aht_s) if n else 0.0,
        occupancy=occupancy(n, a),
    )
