"""Chaos: thousands of usage records through the queue, 20 % of them sent twice, shuffled,
with the handler crashing at random before and after its state write. Afterwards every
balance equals a separately written reference model exactly: nothing lost, nothing
counted twice (D1, D4, D7 and F3: exactly-once ingestion).

Per-record rounding (overage and roaming are priced per started MB of each record) makes
costs depend on which record crosses a boundary, so the reference replays the records in
the order the system applied them, read from the ledger (state version, then start time
and id), and everything must match: bytes, costs, top-ups and their ids, alerts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from skysentral.domain.balances import AddOns, UsageRecord
from skysentral.domain.catalogue import MIB, PLANS
from skysentral.store import balance_repository
from tests.helpers import data
from tests.unit.domain.reference_model import RefSubscription, view_of

SUBSCRIPTIONS = 10
RECORDS = 2500


def _records(subs, rng) -> list[dict]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for n in range(RECORDS):
        sub = subs[n % len(subs)]
        at = (start + timedelta(seconds=rng.randrange(0, 27 * 86400))).isoformat()
        roll = rng.random()
        if roll < 0.7:
            out.append(data(f"chaos-{n}", sub.msisdn, rng.randrange(1, 60) * MIB + rng.randrange(MIB), at))
        elif roll < 0.8:
            out.append(data(f"chaos-{n}", sub.msisdn, rng.randrange(1, 5 * MIB), at, zone="EU_EEA", country="DE"))
        elif roll < 0.9:
            out.append(
                {
                    "record_id": f"chaos-{n}",
                    "msisdn": sub.msisdn,
                    "kind": "voice",
                    "quantity": rng.randrange(1, 900),
                    "started_at": at,
                    "zone": "NO",
                    "country": "NO",
                }
            )
        else:
            out.append(
                {
                    "record_id": f"chaos-{n}",
                    "msisdn": sub.msisdn,
                    "kind": "sms",
                    "quantity": 1,
                    "started_at": at,
                    "zone": "CH",
                    "country": "CH",
                }
            )
    return out


@pytest.fixture(autouse=True)
def arrival_clock(monkeypatch):
    """The handlers' clock: the November records arrive before the D9 grace ends."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-28T12:00:00Z")


@pytest.fixture
def crashes(monkeypatch):
    """Crash the ingest handler at random: before the state write and between it and the ledger."""
    rng = random.Random(7)
    counts = Counter()
    real_save, real_rows = balance_repository.save, balance_repository.write_ledger

    def save(*args, **kwargs):
        if rng.random() < 0.15:
            counts["before_state_write"] += 1
            raise ConnectionError("injected: DynamoDB unreachable")
        return real_save(*args, **kwargs)

    def write_rows(*args, **kwargs):
        if rng.random() < 0.15:
            counts["after_state_write"] += 1
            raise ConnectionError("injected: crashed after the state write")
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(balance_repository, "save", save)
    monkeypatch.setattr(balance_repository, "write_ledger", write_rows)  # the ledger rows of a whole batch
    return counts


@pytest.mark.feature("D1", "D4", "D7", "F3")
def test_duplicates_shuffling_and_crashes_lose_nothing_and_count_nothing_twice(cloud, company, send_usage, crashes):
    rng = random.Random(2026)
    plans = ["BEDRIFT_5", "BEDRIFT_10", "FRI_BRUK_10", "BEDRIFT_6", "BEDRIFT_20"] * 2
    add_ons = [
        AddOns(topup_product="EXTRA_1GB") if n % 2 else AddOns(rollover=n % 4 == 0) for n in range(SUBSCRIPTIONS)
    ]
    cid, subs = company(plans, add_ons)
    records = _records(subs, rng)
    messages = records + rng.sample(records, len(records) // 5)  # 20 % duplicates
    rng.shuffle(messages)

    send_usage(messages)
    cloud.drain(timeout_s=240)

    assert crashes["before_state_write"] > 0 and crashes["after_state_write"] > 0
    for sub, plan, addons in zip(subs, plans, add_ons, strict=False):
        sent = {r["record_id"]: r for r in records if r["msisdn"] == sub.msisdn}
        rows = balance_repository.usage_rows(cid, sub.subscription_id, "2026-11")
        assert sorted(r["id"] for r in rows) == sorted(sent), "every record applied exactly once"
        applied = sorted(rows, key=lambda r: (r["v"], datetime.fromisoformat(r["at"]), r["id"]))
        ref = RefSubscription(PLANS[plan], addons, "2026-11")
        for row in applied:
            r = sent[row["id"]]
            ref.usage(
                UsageRecord(
                    r["record_id"],
                    r["kind"],
                    r["quantity"],
                    datetime.fromisoformat(r["started_at"]),
                    zone=r["zone"],
                    country=r["country"],
                )
            )
        state = balance_repository.load(cid, sub.subscription_id)
        assert view_of(state.balance) == ref.view(), sub.subscription_id
        assert sum(r["cost_ore"] for r in rows) == ref.month_cost
