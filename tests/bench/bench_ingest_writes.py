"""(b) DynamoDB write requests per usage record through the ingest handler.

A batch of 100 records over 10 subscriptions goes through the real handler (the same
code Lambda runs) against the emulator. Every DynamoDB call is counted with a botocore
`before-parameter-build` hook on the clients pynamodb uses: API calls, items written, and write
request units (1 per item per started KB; 2 in a transaction). Target: <= 1.2 items
written per record, amortised (coalescing: one state write per subscription per batch,
plus one ledger row per record)."""
from __future__ import annotations

import json
import statistics
import uuid
from collections import Counter

from _cloud import start_cloud, seed_company

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


class WriteCounter:
    def __init__(self):
        self.calls, self.items, self.units = Counter(), 0, 0

    def __call__(self, model, params, **_):
        op = model.name
        self.calls[op] += 1
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            self.items += 1
            self.units += -(-len(json.dumps(params.get("Item") or params.get("Key") or {}) ) // 1024) or 1
        elif op == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for r in requests:
                    self.items += 1
                    body = r.get("PutRequest", {}).get("Item") or r.get("DeleteRequest", {}).get("Key")
                    self.units += max(1, -(-len(json.dumps(body)) // 1024))
        elif op == "TransactWriteItems":
            for t in params["TransactItems"]:
                self.items += 1
                body = next(iter(t.values())).get("Item") or {}
                self.units += 2 * max(1, -(-len(json.dumps(body)) // 1024))


def sqs_event(records):
    return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "x", "body": json.dumps(r),
                         "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-north-1:123456789012:usage",
                         "awsRegion": "eu-north-1"} for r in records]}


def main():
    cloud = start_cloud()
    try:
        from skysentral.store import models

        subs = seed_company("c-bench-writes", 10)
        counter = WriteCounter()
        runs = []
        for round_ in range(5):
            records = [{"record_id": f"w{round_}-{n}", "msisdn": subs[n % 10].msisdn, "kind": "data",
                        "quantity": 1024 * (n + 1), "started_at": f"2026-11-{10 + round_}T10:00:00+01:00",
                        "zone": "NO", "country": "NO"} for n in range(100)]
            before = (sum(counter.calls.values()), counter.items, counter.units)
            result = cloud.invoke("UsageIngestFunction", sqs_event(records))
            assert not (result or {}).get("batchItemFailures"), result
            if round_ == 0:  # clients exist now: hook them, then measure the rounds after
                for model in (models.BalanceStateItem, models.UsageRowItem, models.SubscriptionItem,
                              models.PricePlanItem):
                    client = model._get_connection().connection.client
                    client.meta.events.register("before-parameter-build.dynamodb.*", counter)
                continue
            calls = sum(counter.calls.values()) - before[0]
            runs.append((calls, counter.items - before[1], counter.units - before[2]))
        writes = [c for c in counter.calls if c in WRITE_OPS]
        print("batch of 100 records over 10 subscriptions, through UsageIngestFunction (4 measured rounds)")
        print(f"  DynamoDB API calls per batch (all):      {statistics.median(r[0] for r in runs):.0f}")
        print(f"  write calls per batch ({', '.join(writes)}): "
              f"{sum(counter.calls[w] for w in writes) / len(runs):.0f}")
        print(f"  items written per record:                {statistics.median(r[1] for r in runs) / 100:.2f}  (target <= 1.2)")
        print(f"  write request units per record:          {statistics.median(r[2] for r in runs) / 100:.2f}")
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
