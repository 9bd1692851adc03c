"""E3 add-on services of a subscription (A9 barring, price-plan change, content-service
spending limit, twin SIM) for the administration API. The balance add-ons (Data Rollover,
Datakontroll, automatic top-up) keep their use case in services.usage.change_add_ons.

Every change is one transaction with its audit entry (before and after, E6); a department
administrator acts only on subscriptions of their departments (403 otherwise, 404 for
another company's)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from skysentral.domain import add_on_catalogue, organisation, plan_change
from skysentral.domain.calendar import month_of, next_month
from skysentral.domain.errors import Conflict, InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.services.administration import get_subscription
from skysentral.store.directory_repository import AuditEntry, Directory


def _settings(sub: organisation.Subscription) -> dict:
    return {
        "plan_code": sub.plan_code,
        "next_plan": sub.next_plan,
        "rollover": sub.add_ons.rollover,
        "datakontroll": sub.add_ons.datakontroll,
        "topup_product": sub.add_ons.topup_product,
        "barring": sub.barring or {"categories": [], "chosen_prefixes": []},
        "content_limit_ore": sub.content_limit_ore,
        "twin_sim_iccid": sub.twin_sim_iccid,
    }


def add_ons(identity: Identity, directory: Directory, subscription_id: str) -> dict:
    """E3: the catalogue with the company's agreed prices and what the subscription has."""
    sub = get_subscription(identity, directory, subscription_id)
    return {
        "subscription_id": subscription_id,
        "catalogue": [o.to_dict() for o in add_on_catalogue.catalogue(directory.add_on_prices())],
        "price_plans": [
            {"code": p.code, "name": p.name, "package_bytes": p.package_bytes, "monthly_fee_ore": p.monthly_fee_ore}
            for p in directory.price_plans()
        ],
        "settings": _settings(sub),
        "plan_changes": directory.plan_changes(subscription_id),
    }


def _commit(identity: Identity, directory: Directory, before, after, kind: str, put=()) -> dict:
    if after == before and not put:
        return _settings(after)
    directory.commit(
        identity,
        update=[after],
        put=put,
        audit=AuditEntry(kind, after.subscription_id, _settings(before), _settings(after)),
    )
    return _settings(after)


def change_plan(
    identity: Identity, directory: Directory, subscription_id: str, plan_code: str, effective: str, now: datetime
) -> dict:
    """E3: a bigger (or smaller) data package = another of the company's price plans, at once
    (prorated, the record kept for invoicing) or from the next month (scheduled)."""
    before = get_subscription(identity, directory, subscription_id)
    try:
        new = directory.price_plan(plan_code)
    except NotFound:
        raise InvalidInput(
            f"{plan_code} is not a price plan of the company's agreement.", code="unknown_plan"
        ) from None
    old = directory.price_plan(before.plan_code)
    change = plan_change.change_plan(subscription_id, old, new, effective, now)
    if effective == "now":
        after = replace(before, plan_code=new.code, next_plan=None)
        kind = "subscription.plan_changed"
    else:
        after = replace(before, next_plan={"plan_code": new.code, "from_month": next_month(month_of(now))})
        kind = "subscription.plan_scheduled"
    settings = _commit(identity, directory, before, after, kind, put=[directory.plan_change_item(change.to_dict())])
    return {**settings, "change": change.to_dict()}


def cancel_scheduled_plan(identity: Identity, directory: Directory, subscription_id: str) -> dict:
    before = get_subscription(identity, directory, subscription_id)
    if before.next_plan is None:
        raise Conflict("No plan change is scheduled.", code="nothing_scheduled")
    return _commit(identity, directory, before, replace(before, next_plan=None), "subscription.plan_unscheduled")


def set_barring(
    identity: Identity, directory: Directory, subscription_id: str, categories: list[str], chosen_prefixes: list[str]
) -> dict:
    """A9: what the subscription may not call or text (call control and the SMS path read it)."""
    before = get_subscription(identity, directory, subscription_id)
    barring = add_on_catalogue.check_barring(categories, chosen_prefixes)
    after = replace(before, barring=barring if (barring["categories"] or barring["chosen_prefixes"]) else None)
    return _commit(identity, directory, before, after, "subscription.barring_changed")


def set_content_limit(identity: Identity, directory: Directory, subscription_id: str, limit_ore: int | None) -> dict:
    before = get_subscription(identity, directory, subscription_id)
    after = replace(before, content_limit_ore=add_on_catalogue.check_content_limit(limit_ore))
    return _commit(identity, directory, before, after, "subscription.content_limit_changed")


def add_twin_sim(identity: Identity, directory: Directory, subscription_id: str, iccid: str) -> dict:
    before = get_subscription(identity, directory, subscription_id)
    if before.kind != "mobile":
        raise InvalidInput("A twin SIM is for mobile subscriptions.", code="not_mobile")
    if before.twin_sim_iccid is not None:
        raise Conflict("The subscription already has a twin SIM; remove it first.", code="twin_sim_exists")
    after = replace(before, twin_sim_iccid=add_on_catalogue.check_iccid(iccid))
    return _commit(identity, directory, before, after, "subscription.twin_sim_added")


def remove_twin_sim(identity: Identity, directory: Directory, subscription_id: str) -> dict:
    before = get_subscription(identity, directory, subscription_id)
    if before.twin_sim_iccid is None:
        raise NotFound("The subscription has no twin SIM.")
    return _commit(identity, directory, before, replace(before, twin_sim_iccid=None), "subscription.twin_sim_removed")
