"""Benchmark: usage records applied per second per core by the pure balance rules (D1–D9).

Run: python tests/bench/bench_domain_usage.py
A realistic mix over a few subscriptions: mostly data in Norway (small sessions, a few
large ones that cross into rollover, extras and top-ups), some roaming with surf packages
and pricing, a few voice/SMS records and a month change. No storage: domain code only.
Prints the median over several rounds; the target is >= 50,000 records/s.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "layers", "core"))

from skysentral.domain.balances import AddOns, UsageRecord, apply_usage, buy_package, new_balance
from skysentral.domain.catalogue import MIB, PLANS

TARGET_PER_S = 50_000
ROUNDS = 7
SUBSCRIPTIONS = [
    (PLANS["BEDRIFT_6"], AddOns(rollover=True, datakontroll=True)),
    (PLANS["BEDRIFT_10"], AddOns(rollover=True, topup_product="EXTRA_1GB")),
    (PLANS["FRI_BRUK_20"], AddOns(datakontroll=True)),
    (PLANS["BEDRIFT_5"], AddOns()),
    (PLANS["FRI_BRUK_10"], AddOns(rollover=True, datakontroll=True, topup_product="EXTRA_5GB")),
]
RECORDS_PER_SUBSCRIPTION = 20_000


def make_records(rng: random.Random, sub_no: int) -> list[UsageRecord]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span_s = 58 * 24 * 3600  # January and most of February: includes one lazy month close
    times = sorted(rng.randrange(span_s) for _ in range(RECORDS_PER_SUBSCRIPTION))
    records = []
    for n, offset in enumerate(times):
        at = start + timedelta(seconds=offset)
        roll = rng.random()
        if roll < 0.80:
            size = rng.randrange(1, 2 * MIB) if rng.random() < 0.97 else rng.randrange(50 * MIB, 500 * MIB)
            rec = UsageRecord(f"s{sub_no}-{n}", "data", size, at, zone="NO")
        elif roll < 0.90:
            zone = rng.choice(("NORDIC", "EU_EEA", "US", "WORLD"))
            rec = UsageRecord(f"s{sub_no}-{n}", "data", rng.randrange(1, MIB), at, zone=zone)
        elif roll < 0.96:
            rec = UsageRecord(f"s{sub_no}-{n}", "voice", rng.randrange(1, 900), at, zone="NO")
        else:
            rec = UsageRecord(f"s{sub_no}-{n}", "sms", 1, at, zone=rng.choice(("NO", "EU_EEA")))
        records.append(rec)
    return records


def one_round(streams) -> tuple[int, float]:
    applied = 0
    t0 = time.perf_counter()
    for (plan, addons), records in streams:
        balance = new_balance(plan, "2026-01")
        balance, _ = buy_package(balance, "SURF_EU_600MB", "surf-1", datetime(2026, 1, 2, tzinfo=UTC))
        balance, _ = buy_package(balance, "EXTRA_5GB", "extra-1", datetime(2026, 1, 3, tzinfo=UTC))
        for record in records:
            balance, _ = apply_usage(balance, plan, addons, record)
        applied += len(records)
    return applied, time.perf_counter() - t0


def main() -> None:
    rng = random.Random(20261031)
    streams = [(sub, make_records(rng, i)) for i, sub in enumerate(SUBSCRIPTIONS)]
    one_round(streams)  # warm-up
    rates = []
    for _ in range(ROUNDS):
        applied, elapsed = one_round(streams)
        rates.append(applied / elapsed)
    median = statistics.median(rates)
    total = sum(len(r) for _, r in streams)
    print(
        f"domain only (apply_usage in memory: no parsing, no storage, no queue): {total} records over "
        f"{len(streams)} subscriptions, {ROUNDS} rounds"
    )
    print(
        f"median {median:,.0f} records/s per core (min {min(rates):,.0f}, max {max(rates):,.0f}); "
        f"end to end through the handler: bench_ingest_writes"
    )
    print(f"target {TARGET_PER_S:,} records/s: {'met' if median >= TARGET_PER_S else 'NOT met'}")


if __name__ == "__main__":
    main()
