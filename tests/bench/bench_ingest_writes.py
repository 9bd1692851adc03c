"""(b) DynamoDB cost and throughput of usage ingestion, in realistic traffic shapes.

Batches of 100 records go through the real handler (`UsageIngestFunction`, the same code
Lambda runs, invoked in-process by the local cloud) against the emulator, in three shapes:
100 records over 1 subscription, over 10, and over 100 (a network feed interleaves
subscribers, so 100 over 100 is the common case). Every DynamoDB call of the product's
clients is counted with a botocore `before-parameter-build` hook: API calls (all, reads
and writes) and write request units (1 per item per started KB; 2 in a transaction).

Counts are deterministic; the warm function is measured (the first batch of each shape
warms the number and price plan cache, and is printed apart). Records/s is wall time of
the handler invocation end to end (parsing, cache, DynamoDB in the emulator, SQS send of
alerts), printed beside the domain-only rate for the same records (apply_usage alone:
no parsing, no storage). Targets (issue 7): calls per record <= 1.1 at 100/100 and
<= 0.2 at 100/10; write units per record <= 2.0 at 100/100 and <= 1.15 at 100/10."""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from _cloud import CallCounter, seed_company, start_cloud

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SHAPES = (1, 10, 100)
ROUNDS = 5  # measured batches per shape, after one warm-up batch
TARGETS = {100: (1.1, 2.0), 10: (0.2, 1.15)}  # subscriptions -> (calls/record, units/record)


def sqs_event(records):
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "x",
                "body": json.dumps(r),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795608000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1795608000000",
                },
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:usage",
                "awsRegion": "eu-central-1",
            }
            for r in records
        ]
    }


def batch(subs, n_subs: int, round_: int) -> list[dict]:
    start = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=round_)
    # record ids as long as the network's (the state's pending outcomes carry them)
    return [
        {
            "record_id": f"net-202611{2 + round_:02d}-{n_subs:03d}{n:04d}",
            "msisdn": subs[n % n_subs].msisdn,
            "kind": "data",
            "quantity": 1024 * (n + 1) + 4096 * round_,
            "started_at": (start + timedelta(seconds=n)).isoformat(),
            "zone": "NO",
            "country": "NO",
        }
        for n in range(100)
    ]


def domain_rate(subs, plan, records: list[dict]) -> float:
    """Records/s of apply_usage alone on the same records (no parsing, no storage)."""
    from skysentral.domain.balances import AddOns, UsageRecord, apply_usage, new_balance

    parsed = [
        (
            r["msisdn"],
            UsageRecord(
                r["record_id"], "data", r["quantity"], datetime.fromisoformat(r["started_at"]), zone="NO", country="NO"
            ),
        )
        for r in records
    ]
    addons = AddOns(rollover=True)
    best = []
    for _ in range(20):
        balances = {s.msisdn: new_balance(plan, "2026-11") for s in subs}
        t0 = time.perf_counter()
        for msisdn, record in parsed:
            balances[msisdn], _ = apply_usage(balances[msisdn], plan, addons, record)
        best.append(time.perf_counter() - t0)
    return len(parsed) / statistics.median(best)


def main():
    os.environ["SKYSENTRAL_NOW"] = "2026-11-28T12:00:00Z"  # the records arrive within their month
    cloud = start_cloud()
    try:
        from skysentral.domain.catalogue import PLANS
        from skysentral.store import models, usage_review_repository

        counter = CallCounter()
        hooked = set()
        print(
            "batches of 100 usage records through UsageIngestFunction against the emulator "
            f"(warm function, median of {ROUNDS} batches per shape)"
        )
        print(
            f"{'shape':>16} | {'DynamoDB calls/record':>21} | {'write units/record':>18} | "
            f"{'end-to-end records/s':>20} | {'domain-only records/s':>21} | calls per batch by operation"
        )
        for n_subs in SHAPES:
            subs = seed_company(f"c-bench-{n_subs}", n_subs, first_number=1000 * n_subs)
            runs = []
            for round_ in range(ROUNDS + 1):
                records = batch(subs, n_subs, round_)
                before = counter.snapshot()
                hooked_before = bool(hooked)
                t0 = time.perf_counter()
                result = cloud.invoke("UsageIngestFunction", sqs_event(records))
                elapsed = time.perf_counter() - t0
                assert not (result or {}).get("batchItemFailures"), result
                for model in (
                    models.BalanceStateItem,
                    models.UsageRowItem,
                    models.SubscriptionItem,
                    models.PricePlanItem,
                    usage_review_repository.HeldUsageItem,
                ):
                    client = model._get_connection().connection.client
                    if id(client) not in hooked:
                        hooked.add(id(client))
                        client.meta.events.register("before-parameter-build.dynamodb.*", counter)
                after = counter.snapshot()
                if round_ == 0:  # warms the function, its clients and its number cache
                    cold = (after[0] - before[0]) / 100 if hooked_before else None
                    continue
                runs.append((after[0] - before[0], after[1] - before[1], after[2] - before[2], elapsed))
            calls = statistics.median(r[0] for r in runs) / 100
            units = statistics.median(r[1] for r in runs) / 100
            rate = 100 / statistics.median(r[3] for r in runs)
            ops = sum((r[2] for r in runs), Counter())
            by_op = ", ".join(f"{op} {count / len(runs):g}" for op, count in sorted(ops.items()))
            target = TARGETS.get(n_subs)
            verdict = (
                (
                    f"  (targets <= {target[0]} calls, <= {target[1]} units: "
                    f"{'met' if calls <= target[0] and units <= target[1] else 'NOT met'})"
                )
                if target
                else ""
            )
            print(
                f"{f'100 over {n_subs}':>16} | {calls:>21.2f} | {units:>18.2f} | {rate:>20,.0f} | "
                f"{domain_rate(subs, PLANS['BEDRIFT_10'], batch(subs, n_subs, 0)):>21,.0f} | {by_op}{verdict}"
            )
            if cold is not None:
                print(f"{'':>16}   first batch of these numbers (cache cold): {cold:.2f} calls/record")
        print("calls: every DynamoDB API call of the handler (reads and writes); units: write request units;")
        print("end-to-end: wall time of one handler invocation (parse, cache, emulator DynamoDB, SQS);")
        print("domain-only: apply_usage on the same records in memory (no parsing, no storage).")
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
