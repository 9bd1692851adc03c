"""A local cloud for benchmarks: template.yaml deployed into the embedded emulator on a
free port, plus helpers to seed many subscriptions quickly."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (str(ROOT), str(ROOT / "layers" / "core")):
    if p not in sys.path:
        sys.path.insert(0, p)


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
