"""A local cloud for benchmarks: template.yaml deployed into the embedded emulator on a
free port, plus helpers to seed many subscriptions quickly."""

from __future__ import annotations

import json
import socket
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (str(ROOT), str(ROOT / "layers" / "core")):
    if p not in sys.path:
        sys.path.insert(0, p)


READ_OPS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})


def _units(body) -> int:
    return max(1, -(-len(json.dumps(body or {})) // 1024))


class CallCounter:
    """DynamoDB API calls and write request units of the product's clients, from the request
    parameters: register it as a botocore `before-parameter-build.dynamodb.*` hook. A write
    unit per started KB of an item (its key for updates and deletes), two inside a
    transaction. Counts, not times: deterministic."""

    def __init__(self):
        self.calls, self.units = Counter(), 0

    def __call__(self, model, params, **_):
        op = model.name
        self.calls[op] += 1
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            self.units += _units(params.get("Item") or params.get("Key"))
        elif op == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for r in requests:
                    self.units += _units(r.get("PutRequest", {}).get("Item") or r.get("DeleteRequest", {}).get("Key"))
        elif op == "TransactWriteItems":
            for t in params["TransactItems"]:
                body = next(iter(t.values()))
                self.units += 2 * _units(body.get("Item") or body.get("Key"))

    def reads(self) -> int:
        return sum(n for op, n in self.calls.items() if op in READ_OPS)

    def snapshot(self):
        return sum(self.calls.values()), self.units, Counter(self.calls)


def start_cloud(stack: str = "skysentral-bench"):
    from infra.local.cloud import LocalCloud

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cloud = LocalCloud(ROOT, port=port, stack_name=stack, stage="local", visibility_timeout_cap_s=5)
    cloud.start()
    cloud.deploy()
    cloud.apply_function_environment()
    return cloud


def seed_company(
    company_id: str, subscriptions: int, plan: str = "BEDRIFT_10", rollover: bool = True, first_number: int = 0
):
    """A company with `subscriptions` subscriptions (batch writes), returned as domain values;
    their numbers are +4790<first_number + n> (give each company its own range)."""
    from skysentral.domain import organisation
    from skysentral.domain.catalogue import PLANS
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import SubscriptionItem

    directory = Directory(company_id)
    subs = [
        organisation.Subscription(
            f"s-{n:06d}", f"+4790{first_number + n:06d}", "dep-1", plan, add_ons=organisation.AddOns(rollover=rollover)
        )
        for n in range(subscriptions)
    ]
    with SubscriptionItem.batch_write() as batch:
        for value in [
            organisation.Company(company_id, "Bench AS", "999999999", "+4722000000"),
            organisation.Department("dep-1", "Drift"),
            PLANS[plan],
            *subs,
        ]:
            batch.save(directory.item(value))
    return subs
