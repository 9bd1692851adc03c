"""A3/A4: each ring strategy against a hand-written reference sequence of offers over
consecutive calls (Asterisk's meanings, reference/queues-and-kpis.md)."""

from __future__ import annotations

import random

import pytest

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.ring_strategies import (
    RingMemory,
    after_answer,
    after_call_end,
    after_offer,
    offer_order,
)
from skysentral.domain.pbx.routing_plan import RING_STRATEGIES, Member

# The configured order is e3, e1, e2: not the id order, so rrmemory and rrordered differ.
MEMBERS = (Member("e3"), Member("e1"), Member("e2"))


def play(strategy, calls, members=MEMBERS, rng=None):
    """Consecutive calls. `calls`: for each call, who answers (None: the first offered), and
    optionally which members are available. Returns the offer order of each call."""
    memory, offers, clock = RingMemory(), [], 1_000
    rng = rng or random.Random(7)
    for call in calls:
        answerer, available = call if isinstance(call, tuple) else (call, members)
        order = offer_order(strategy, available, memory, rng)
        offers.append(order)
        for employee in order:  # rung one after the other until `answerer` picks up
            memory = after_offer(memory, employee, available)
            if employee == (answerer or order[0]):
                memory = after_answer(memory, employee, clock)
                memory = after_call_end(memory, employee, clock + 500)
                break
        clock += 1_000
    return offers


@pytest.mark.feature("A3", "A4")
@pytest.mark.parametrize("strategy", ["ringall", "linear"])
def test_ringall_and_linear_always_offer_in_the_configured_order(strategy):
    assert play(strategy, [None, "e2", None]) == [["e3", "e1", "e2"]] * 3


@pytest.mark.feature("A3", "A4")
def test_rrordered_goes_round_in_the_configured_order():
    assert play("rrordered", [None, None, None, None]) == [
        ["e3", "e1", "e2"],
        ["e1", "e2", "e3"],
        ["e2", "e3", "e1"],
        ["e3", "e1", "e2"],
    ]


@pytest.mark.feature("A3", "A4")
def test_rrmemory_goes_round_in_its_own_fixed_order():
    assert play("rrmemory", [None, None, None, None]) == [
        ["e1", "e2", "e3"],
        ["e2", "e3", "e1"],
        ["e3", "e1", "e2"],
        ["e1", "e2", "e3"],
    ]


@pytest.mark.feature("A3", "A4")
def test_round_robin_continues_after_the_member_who_was_offered_last_even_if_unanswered():
    # call 1: e3 does not answer, e1 does → call 2 starts after e1
    assert play("rrordered", ["e1", None]) == [["e3", "e1", "e2"], ["e2", "e3", "e1"]]


@pytest.mark.feature("A3", "A4")
def test_round_robin_skips_to_the_next_when_the_last_offered_member_is_away():
    away_e1 = (Member("e3"), Member("e2"))
    # rrordered: e1 (2nd configured) answered; with e1 away, e2 (3rd configured) is next
    assert play("rrordered", [None, None, (None, away_e1)]) == [["e3", "e1", "e2"], ["e1", "e2", "e3"], ["e2", "e3"]]
    # rrmemory: e1 answered; with e1 away, the next id after e1 is e2
    assert play("rrmemory", [None, (None, away_e1)]) == [["e1", "e2", "e3"], ["e2", "e3"]]


@pytest.mark.feature("A3", "A4")
def test_leastrecent_offers_whoever_finished_a_call_longest_ago_first():
    assert play("leastrecent", [None, None, "e3", None, None]) == [
        ["e3", "e1", "e2"],  # nobody has had a call: configured order
        ["e1", "e2", "e3"],  # never-called members before e3
        ["e2", "e3", "e1"],  # e2 never called; e3 (ended 1 500) before e1 (ended 2 500); e2 and e3 ring, e3 answers
        ["e2", "e1", "e3"],  # e2 still never called; then e1 (2 500), e3 (3 500)
        ["e1", "e3", "e2"],
    ]


@pytest.mark.feature("A3", "A4")
def test_fewestcalls_offers_whoever_took_the_fewest_calls_first():
    assert play("fewestcalls", ["e1", "e1", "e2", None, None]) == [
        ["e3", "e1", "e2"],  # e3 rings but e1 answers: e1 1
        ["e3", "e2", "e1"],  # e1 again: e1 2
        ["e3", "e2", "e1"],  # e2 answers: e2 1
        ["e3", "e2", "e1"],  # e3 answers: e3 1
        ["e3", "e2", "e1"],  # e3 1, e2 1, e1 2: ties keep the configured order
    ]


@pytest.mark.feature("A3", "A4")
def test_random_is_a_seeded_shuffle():
    offers = play("random", [None] * 4, rng=random.Random(42))
    # the reference: each call draws one metric per member in configured order, lowest first
    reference = random.Random(42)
    expected = []
    for _ in range(4):
        metrics = {e: reference.randrange(1000) for e in ("e3", "e1", "e2")}
        expected.append(sorted(metrics, key=metrics.__getitem__))
    assert offers == expected == [["e2", "e1", "e3"], ["e2", "e1", "e3"], ["e1", "e3", "e2"], ["e3", "e1", "e2"]]
    assert all(sorted(o) == ["e1", "e2", "e3"] for o in offers)


@pytest.mark.feature("A3")
def test_wrandom_is_a_seeded_weighted_draw():
    members = (Member("e3", 0), Member("e1", 2), Member("e2", 1))
    offers = play("wrandom", [None] * 3, members=members, rng=random.Random(42))
    reference = random.Random(42)
    expected = []
    for _ in range(3):  # penalty p: a metric in [0, 1000·(p+1))
        metrics = {"e3": reference.randrange(1000), "e1": reference.randrange(3000), "e2": reference.randrange(2000)}
        expected.append(sorted(metrics, key=metrics.__getitem__))
    assert offers == expected == [["e2", "e1", "e3"], ["e2", "e3", "e1"], ["e3", "e1", "e2"]]


@pytest.mark.feature("A3")
def test_wrandom_favours_low_penalties():
    # penalty 0 draws in [0, 1000), penalty 3 in [0, 4000): P(penalty 0 first) = 1 - 500/4000 = 0.875
    rng = random.Random(1)
    members = (Member("high", 3), Member("low", 0))
    firsts = [offer_order("wrandom", members, RingMemory(), rng)[0] for _ in range(4000)]
    share = firsts.count("low") / len(firsts)
    assert 0.85 < share < 0.90
    # with equal penalties it is a fair draw
    even = [offer_order("wrandom", (Member("a", 1), Member("b", 1)), RingMemory(), rng)[0] for _ in range(4000)]
    assert 0.46 < even.count("a") / len(even) < 0.54


@pytest.mark.feature("A3", "A4")
@pytest.mark.parametrize("strategy", RING_STRATEGIES)
def test_every_strategy_offers_each_available_member_exactly_once(strategy):
    assert sorted(offer_order(strategy, MEMBERS, RingMemory(), random.Random(3))) == ["e1", "e2", "e3"]
    assert offer_order(strategy, (), RingMemory(), random.Random(3)) == []


@pytest.mark.feature("A3")
def test_an_unknown_strategy_is_refused():
    with pytest.raises(InvalidInput, match="'roundrobin' is not a ring strategy"):
        offer_order("roundrobin", MEMBERS, RingMemory(), random.Random(1))


@pytest.mark.feature("A3", "A4")
def test_memory_survives_storage():
    memory = after_answer(after_offer(RingMemory(), "e1", MEMBERS), "e1", 5)
    assert RingMemory.from_dict(memory.to_dict()) == memory
    assert RingMemory.from_dict(None) == RingMemory()
