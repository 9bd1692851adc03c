"""Integration fixtures: a fresh company per test, written straight into the emulator."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest

_numbers = itertools.count(1)


@pytest.fixture
def company(cloud):
    """company(plans=["BEDRIFT_6", ...], add_ons=[AddOns(...), ...]) -> (company_id, [Subscription])."""
    from skysentral.domain import organisation
    from skysentral.domain.catalogue import PLANS
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import SubscriptionItem

    def make(plans: list[str], add_ons: list[Any] | None = None, language: str = "nb"):
        cid = f"c-{uuid.uuid4().hex[:8]}"
        directory = Directory(cid)
        subs = []
        values: list = [
            organisation.Company(cid, "Test AS", "999888771", "+4722000000"),
            organisation.Department("dep-1", "Drift"),
            *PLANS.values(),
        ]
        for n, plan in enumerate(plans):
            number = next(_numbers)
            msisdn = f"+4748{number:06d}"
            emp = organisation.Employee(
                f"e-{n}", f"Ansatt {n}", f"a{n}@test.no", "employee", "dep-1", language=language, mobile=msisdn
            )
            sub = organisation.Subscription(
                f"s-{n}",
                msisdn,
                "dep-1",
                plan,
                employee_id=emp.employee_id,
                add_ons=(add_ons or [organisation.AddOns()] * len(plans))[n],
            )
            values += [emp, sub]
            subs.append(sub)
        with SubscriptionItem.batch_write() as batch:
            for value in values:
                batch.save(directory.item(value))
        return cid, subs

    return make


@pytest.fixture
def send_usage(cloud):
    """send_usage([record dicts]) -> puts them on the template's usage queue (batches of 10)."""
    sqs = cloud.client("sqs")
    url = cloud.queue_url("UsageQueue")

    def send(records: list[dict]) -> None:
        for i in range(0, len(records), 10):
            entries = [{"Id": str(n), "MessageBody": json.dumps(r)} for n, r in enumerate(records[i : i + 10])]
            result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
            assert not result.get("Failed"), result

    return send
