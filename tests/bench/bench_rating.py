"""(F3) Rating at ingestion: records rated per second through the pipeline and DynamoDB
writes per record.

Batches of 100 mixed records (voice to Norway and abroad, SMS, data) over 100
subscriptions go through the real UsageIngestFunction (balance step + rating) against the
emulator. Every DynamoDB call of the rating store's client is counted (the balance step's
own calls are measured by bench_ingest_writes); a repeat of each batch shows that a
redelivery writes nothing."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from _cloud import CallCounter, seed_company, start_cloud
from bench_ingest_writes import sqs_event

ROUNDS = 5
N = 100


def batch(subs, round_: int) -> list[dict]:
    start = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=round_)
    kinds = [
        ("voice", 95, "+46701234567"),
        ("voice", 300, "+4791234567"),
        ("sms", 1, "+4930123456"),
        ("data", 5 * 1024**2, None),
    ]
    out = []
    for n in range(N):
        kind, qty, to = kinds[n % len(kinds)]
        r = {
            "record_id": f"rate-{round_}-{n:04d}",
            "msisdn": subs[n % len(subs)].msisdn,
            "kind": kind,
            "quantity": qty,
            "started_at": (start + timedelta(seconds=n)).isoformat(),
            "zone": "NO",
            "country": "NO",
        }
        if to:
            r["destination"] = to
        out.append(r)
    return out


def main():
    os.environ["SKYSENTRAL_NOW"] = "2026-11-28T12:00:00Z"
    cloud = start_cloud()
    try:
        from skysentral.store import models

        subs = seed_company("c-bench-rating", N, first_number=7000)
        counter = CallCounter()
        client = models.RatedLineItem._get_connection().connection.client
        client.meta.events.register("before-parameter-build.dynamodb.*", counter)
        runs, repeats = [], []
        for round_ in range(ROUNDS + 1):
            records = batch(subs, round_)
            before = counter.snapshot()
            t0 = time.perf_counter()
            result = cloud.invoke("UsageIngestFunction", sqs_event(records))
            elapsed = time.perf_counter() - t0
            assert not (result or {}).get("batchItemFailures"), result
            mid = counter.snapshot()
            cloud.invoke("UsageIngestFunction", sqs_event(records))  # a redelivery
            after = counter.snapshot()
            if round_ == 0:
                continue  # warm-up
            runs.append((elapsed, mid[0] - before[0], mid[1] - before[1], mid[2] - before[2]))
            repeats.append((after[0] - mid[0], after[2] - mid[2]))
        rate = N / statistics.median(r[0] for r in runs)
        calls = statistics.median(r[1] for r in runs) / N
        units = statistics.median(r[2] for r in runs) / N
        ops = sum((r[3] for r in runs), Counter())
        by_op = ", ".join(f"{op} {count / len(runs):g}" for op, count in sorted(ops.items()))
        rep_ops = sum((r[1] for r in repeats), Counter())
        print(f"batches of {N} mixed records over {N} subscriptions, balance step + rating (median of {ROUNDS})")
        print(f"  records rated per second (end to end, emulator): {rate:,.0f}")
        print(
            f"  rating DynamoDB calls per record: {calls:.3f}; write units per record: {units:.2f} "
            " (transactions count 2)"
        )
        print(f"  rating calls per batch by operation: {by_op}")
        print(f"  a redelivered batch: {', '.join(f'{op} {c / len(repeats):g}' for op, c in sorted(rep_ops.items()))}")
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
