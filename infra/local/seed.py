"""The demo data that `make run` seeds, read from ``demo_company.json`` (data, not code):
Nordlys Rørlegger AS (25 employees and subscriptions, extensions, a routing plan with a main
menu, a switchboard queue, a service queue and a sales answer group) and
Fjellvind Consulting AS (a small second company, to try tenant isolation), Nordlys's
invoice-control policies (F6: benefit-taxed by default, salary deduction in Service), plus the demo
users whose tokens ``python -m infra.local tokens`` prints. Ids are fixed so that those
tokens stay valid; seeding again writes the same items (plain puts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO = json.loads(Path(__file__).with_name("demo_company.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class DemoUser:
    label: str
    claims: dict
    var: str  # shell variable name used in the README's curl examples


DEMO_USERS: list[DemoUser] = [DemoUser(**user) for user in DEMO["users"]]


def demo_values(company: dict[str, Any]) -> list[Any]:
    """One demo company's domain values: company, departments, plans, employees, subscriptions."""
    from skysentral.domain.balances import AddOns
    from skysentral.domain.catalogue import PLANS
    from skysentral.domain.organisation import Company, Department, Employee, Subscription

    return [
        Company(**company["company"]),
        *(Department(**department) for department in company["departments"]),
        *(PLANS[code] for code in company["plans"]),
        *(Employee(**{**e, "admin_departments": tuple(e.get("admin_departments", ()))}) for e in company["employees"]),
        *(Subscription(**{**s, "add_ons": AddOns(**s.get("add_ons", {}))}) for s in company["subscriptions"]),
    ]


def seed_demo(cloud: Any = None) -> list[DemoUser]:
    """Write both demo companies (idempotent: same ids, plain puts)."""
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import SubscriptionItem

    for company in DEMO["companies"]:
        company_id = company["company"]["company_id"]
        directory = Directory(company_id)
        with SubscriptionItem.batch_write() as batch:
            for value in demo_values(company):
                batch.save(directory.item(value))
            for extension, employee_id in company.get("extensions", {}).items():
                batch.save(directory.extension_item(extension, employee_id))
        if "routing_plan" in company:
            seed_routing_plan(company_id, company["routing_plan"])
        if "invoice_control" in company:
            seed_invoice_control(company_id, company["invoice_control"])
    seed_activation(cloud)
    return DEMO_USERS


def seed_routing_plan(company_id: str, plan: dict[str, Any]) -> None:
    """A1-A7: the company's routing plan (validated as PUT /admin/routing would) and the
    numbers it answers; a plan already saved (e.g. changed through the API) is kept."""
    from pynamodb.exceptions import PutError

    from skysentral.domain.pbx.plan_validation import validate_plan
    from skysentral.domain.pbx.routing_plan import RoutingPlan
    from skysentral.store.call_repository import NumberItem
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import RoutingPlanItem
    from skysentral.store.routing_repository import numbers_of

    parsed = RoutingPlan.from_dict(plan)
    validate_plan(parsed, {e.employee_id: e for e in Directory(company_id).employees()})
    try:
        RoutingPlanItem(company_id, "ROUTING", plan=parsed.to_dict(), version=1, updated_by="seed").save(
            condition=RoutingPlanItem.sk.does_not_exist()
        )
    except PutError:  # already there: leave it
        return
    for number, destination in numbers_of(parsed.to_dict()).items():
        NumberItem(f"NUMBER#{number}", "NUMBER", company_id=company_id, destination=destination).save()


def seed_invoice_control(company_id: str, settings: dict[str, Any]) -> None:
    """F6: the company's invoice-control settings as version 1, in force from the date in the
    demo data (a seed may start in the past, as the API may not); a version already saved
    (e.g. changed through the API) is kept."""
    from pynamodb.exceptions import PutError

    from skysentral.domain.invoice_control.policies import PolicySet
    from skysentral.store import invoice_control_repository
    from skysentral.store.directory_repository import Directory

    directory = Directory(company_id)
    version = PolicySet.from_dict({**settings, "version": 1, "changed_by": "seed"})
    problems = version.problems(
        {d.department_id for d in directory.departments()},
        {e.employee_id for e in directory.employees()},
        today=version.valid_from,
    )
    if problems:
        raise ValueError(f"demo invoice-control settings of {company_id}: {problems}")
    item = invoice_control_repository.policy_version_item(company_id, version)
    try:
        item.save(condition=type(item).sk.does_not_exist())
    except PutError:  # already there: leave it
        return


def seed_activation(cloud: Any = None) -> None:
    """E2: the operator's number pool, each company's SIM stock, and the SES sender verified."""
    from datetime import UTC, datetime

    from skysentral.store import activation_repository

    activation_repository.add_pool_numbers(DEMO.get("number_pool", []))
    for company_id, iccids in DEMO.get("sim_stock", {}).items():
        activation_repository.add_sims(company_id, iccids, datetime.now(UTC))
    if cloud is not None:
        sender = cloud.parameters.get("NotifySender") or "noreply@skysentral.no"
        cloud.client("ses").verify_email_identity(EmailAddress=sender)
