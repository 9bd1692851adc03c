"""Chaos: thousands of usage records through the queue, 20 % of them sent twice, shuffled,
with the handler crashing at random before and after its state write. Afterwards every
balance equals a separately written reference model exactly: nothing lost, nothing
counted twice (D1-D7, exactly-once ingestion)."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from skysentral.domain.balances import AddOns, UsageRecord
from skysentral.domain.catalogue import MIB, PLANS
from skysentral.store import balances as store
from tests.integration.conftest import data
from tests.unit.domain.reference_model import RefSubscription, view_of

SUBSCRIPTIONS = 10
RECORDS = 1500


def _order_free(view: dict) -> dict:
    """What must not depend on arrival order: top-up ids name the record that triggered
    them, and that record depends on the order, so ids are left out."""
    return {**view, "extras": sorted((p, b, left, status, topup) for _, p, b, left, status, _, topup in view["extras"]),
            "alerts_sent": Counter(k.split(":")[1] for k in view["alerts_sent"])}


def _records(subs, rng) -> list[dict]:
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
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
            out.append({"record_id": f"chaos-{n}", "msisdn": sub.msisdn, "kind": "voice",
                        "quantity": rng.randrange(1, 900), "started_at": at, "zone": "NO", "country": "NO"})
        else:
            out.append({"record_id": f"chaos-{n}", "msisdn": sub.msisdn, "kind": "sms", "quantity": 1,
                        "started_at": at, "zone": "CH", "country": "CH"})
    return out


@pytest.fixture
def crashes(monkeypatch):
    """Crash the ingest handler at random: before the state write and between it and the ledger."""
    rng = random.Random(7)
    counts = Counter()
    real_save, real_rows = store.save, store.write_rows

    def save(*args, **kwargs):
        if rng.random() < 0.1:
            counts["before_state_write"] += 1
            raise ConnectionError("injected: DynamoDB unreachable")
        return real_save(*args, **kwargs)

    def write_rows(*args, **kwargs):
        if rng.random() < 0.1:
            counts["after_state_write"] += 1
            raise ConnectionError("injected: crashed after the state write")
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(store, "save", save)
    monkeypatch.setattr(store, "write_rows", write_rows)
    return counts


def test_duplicates_shuffling_and_crashes_lose_nothing_and_count_nothing_twice(cloud, company, send_usage, crashes):
    rng = random.Random(2026)
    plans = ["BEDRIFT_5", "BEDRIFT_10", "FRI_BRUK_10", "BEDRIFT_6", "BEDRIFT_20"] * 2
    add_ons = [AddOns(topup_product="EXTRA_1GB") if n % 2 else AddOns(rollover=n % 4 == 0) for n in range(SUBSCRIPTIONS)]
    cid, subs = company(plans, add_ons)
    records = _records(subs, rng)
    messages = records + rng.sample(records, len(records) // 5)  # 20 % duplicates
    rng.shuffle(messages)

    send_usage(messages)
    cloud.drain(timeout_s=240)

    assert crashes["before_state_write"] > 0 and crashes["after_state_write"] > 0
    for sub, plan, addons in zip(subs, plans, add_ons):
        mine = sorted((r for r in records if r["msisdn"] == sub.msisdn), key=lambda r: (r["started_at"], r["record_id"]))
        ref = RefSubscription(PLANS[plan], addons, "2026-11")
        for r in mine:
            ref.usage(UsageRecord(r["record_id"], r["kind"], r["quantity"], datetime.fromisoformat(r["started_at"]),
                                  zone=r["zone"], country=r["country"]))
        state = store.load(cid, sub.subscription_id)
        assert _order_free(view_of(state.balance)) == _order_free(ref.view()), sub.subscription_id
        rows = store.usage_rows(cid, sub.subscription_id, "2026-11")
        assert sorted(r["id"] for r in rows) == sorted(r["record_id"] for r in mine)
        assert sum(r["cost_ore"] for r in rows) == ref.month_cost
