"""F1 test data: a fresh company with a department tree and a few months of rated usage,
sent through the local cloud's usage queue (as tests/integration/test_rating.py does).

Company c-dash-<hex>: departments dep-a (Salg) > dep-a1 (Salg Nord), dep-b (Service);
employees e-1 (dep-a), e-2 (dep-a1), e-3 (dep-b), each with one BEDRIFT_10 subscription.
The hand-computed figures (docs/rating.md prices, tests/integration/test_rating.py) are in
EXPECTED."""

from __future__ import annotations

import itertools
import json
import random
import uuid
from typing import Any

from skysentral.domain.catalogue import MIB
from tests.helpers import data

_numbers = itertools.count(random.randrange(0, 900_000))

SEPTEMBER_NOW, NOW = "2026-09-20T12:00:00Z", "2026-11-26T12:00:00Z"
MONTHS = [f"2025-{m}" for m in ("11", "12")] + [f"2026-{m:02d}" for m in range(1, 12)]

# øre, excl. MVA: voice 90 s to Sweden on BEDRIFT_10 = 224; an SMS to Germany = 99 a part;
# content = its amount; data 3 started MB in the US = 3 x 10,00 kr.
EXPECTED = {
    "e-1": {"2026-09": {"voice": 224}, "2026-11": {"voice": 224, "sms": 198}},
    "e-2": {"2026-11": {"content": 4900}},
    "e-3": {"2026-11": {"data": 3000}},
}


def make_company(cloud: Any) -> tuple[str, dict[str, Any]]:
    """A fresh company -> (company_id, {employee_id: Subscription})."""
    from skysentral.domain import organisation
    from skysentral.domain.catalogue import PLANS
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import SubscriptionItem

    cid = f"c-dash-{uuid.uuid4().hex[:8]}"
    directory = Directory(cid)
    values: list[Any] = [
        organisation.Company(cid, "Dashbord AS", "999888771", "+4722000000"),
        organisation.Department("dep-a", "Salg"),
        organisation.Department("dep-a1", "Salg Nord", parent_id="dep-a"),
        organisation.Department("dep-b", "Service"),
        *PLANS.values(),
    ]
    subs = {}
    for n, dep in enumerate(("dep-a", "dep-a1", "dep-b"), start=1):
        msisdn = f"+4746{next(_numbers) % 1_000_000:06d}"
        role = "department_admin" if n == 1 else "employee"
        admin_of = ("dep-a",) if n == 1 else ()
        values.append(
            organisation.Employee(
                f"e-{n}", f"Ansatt {n}", f"e{n}@dash.no", role, dep, mobile=msisdn, admin_departments=admin_of
            )
        )
        sub = organisation.Subscription(f"s-{n}", msisdn, dep, "BEDRIFT_10", employee_id=f"e-{n}")
        values.append(sub)
        subs[f"e-{n}"] = sub
    with SubscriptionItem.batch_write() as batch:
        for value in values:
            batch.save(directory.item(value))
    return cid, subs


def send(cloud: Any, records: list[dict]) -> None:
    sqs = cloud.client("sqs")
    url = cloud.queue_url("UsageQueue")
    for i in range(0, len(records), 10):
        entries = [{"Id": str(n), "MessageBody": json.dumps(r)} for n, r in enumerate(records[i : i + 10])]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")
    cloud.drain()


def voice(record_id: str, msisdn: str, at: str) -> dict:
    return {"record_id": record_id, "msisdn": msisdn, "kind": "voice", "quantity": 90, "duration_s": 90,
            "started_at": at, "zone": "NO", "country": "NO", "destination": "+46701234567"}  # fmt: skip


def rate_usage(cloud: Any, subs: dict[str, Any], monkeypatch: Any) -> None:
    """September: one call of e-1; November: e-1 a call and a 2-part SMS, e-2 a content
    purchase, e-3 data in the US. October has nothing (a gap)."""
    monkeypatch.setenv("SKYSENTRAL_NOW", SEPTEMBER_NOW)
    send(cloud, [voice("sep-v", subs["e-1"].msisdn, "2026-09-10T10:00:00+02:00")])
    monkeypatch.setenv("SKYSENTRAL_NOW", NOW)
    sms = {"record_id": "nov-s", "msisdn": subs["e-1"].msisdn, "kind": "sms", "quantity": 2,
           "started_at": "2026-11-04T12:00:00+01:00", "zone": "NO", "country": "NO",
           "destination": "+4930123456"}  # fmt: skip
    content = {"record_id": "nov-c", "msisdn": subs["e-2"].msisdn, "kind": "content", "quantity": 1,
               "amount_ore": 4900, "merchant": "Strex", "category": "parking",
               "started_at": "2026-11-05T12:00:00+01:00", "zone": "NO", "country": "NO"}  # fmt: skip
    usa = data("nov-d", subs["e-3"].msisdn, 3 * MIB, "2026-11-03T08:00:00+01:00", zone="US", country="US")
    send(cloud, [voice("nov-v", subs["e-1"].msisdn, "2026-11-03T10:00:00+01:00"), sms, content, usa])
