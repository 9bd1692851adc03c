"""Data and cost control use cases (D1-D9, C2, C6): apply usage exactly once, close
months, show balances and usage, change add-ons.

Exactly once: a record is applied when its ledger row exists or it sits in the state's
`pending` list (balance_repository.balances explains the write order). Records of one subscription in
a batch are applied together and written with one conditional state write (coalescing);
a concurrent writer makes the write fail and the group is re-read and retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from aws_lambda_powertools import Logger

from skysentral.domain import balances as rules
from skysentral.domain.balances import AddOns, Balance
from skysentral.domain.calendar import month_of, prev_month
from skysentral.domain.catalogue import PricePlan
from skysentral.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from skysentral.domain.organisation import Subscription
from skysentral.domain.usage_overview import usage_overview
from skysentral.services import administration
from skysentral.store import balance_repository
from skysentral.store.directory_repository import AuditEntry, Directory

logger = Logger(child=True)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Account:
    """What applying usage needs to know about a subscription."""

    company_id: str
    subscription: Subscription
    plan: PricePlan

    @property
    def addons(self) -> AddOns:
        return self.subscription.add_ons


def account_of(directory: Directory, subscription: Subscription) -> Account:
    return Account(directory.company_id, subscription, directory.price_plan(subscription.plan_code))


def account_of_employee(directory: Directory, employee_id: str, subscription_id: str | None) -> Account:
    """An employee's own subscription: the one asked for, or their first."""
    mine = directory.subscriptions_of_employee(employee_id)
    chosen = [s for s in mine if s.subscription_id == subscription_id] if subscription_id else mine[:1]
    if not chosen:
        raise NotFound("You have no such subscription." if subscription_id else "You have no subscription.")
    return account_of(directory, chosen[0])


# ------------------------------------------------------------------ month close (D9)
def close_subscription(account: Account, to_month: str, state: balance_repository.State | None = None) -> bool:
    """Close a subscription's balance up to `to_month`. Idempotent: False if already there.
    A subscription with no balance yet starts from a full package in the month before.
    `state` may be given when already read (a page of closes reads them in one batch)."""

    def close(stored: Balance | None) -> Balance | None:
        balance = stored or rules.new_balance(account.plan, prev_month(to_month))
        if balance.month >= to_month:
            return None
        return rules.close_month(balance, account.plan, account.addons, to_month)

    return _rewrite_balance(account, close, state) is not None


def _rewrite_balance(
    account: Account,
    compute: Callable[[Balance | None], Balance | None],
    state: balance_repository.State | None = None,
) -> tuple[Balance | None, Balance] | None:
    """Optimistic read-modify-write of a subscription's balance: `compute(stored)` gives the
    new balance (None: nothing to write), applied again to a fresh read when someone else
    wrote meanwhile. Returns (stored, written) or None; raises balance_repository.StaleState
    when the balance kept changing."""
    cid, sid = account.company_id, account.subscription.subscription_id
    for _ in range(MAX_ATTEMPTS):
        state = state or balance_repository.load(cid, sid)
        after = compute(state.balance)
        if after is None:
            return None
        try:
            balance_repository.update_balance(cid, sid, state, after)
            return state.balance, after
        except balance_repository.StaleState:
            state = None
    raise balance_repository.StaleState(f"{cid}/{sid}: the balance kept changing")


# ------------------------------------------------------------------ views (C2, C6) and admin (E3, D5)
def _as_of(account: Account, balance: Balance | None, month: str) -> Balance:
    """D1/D9: the balance for `month`: a full package if there is none yet, and a month not
    closed yet closed in memory."""
    return rules.close_month(balance or rules.new_balance(account.plan, month), account.plan, account.addons, month)


def current_balance(account: Account, now: datetime) -> Balance:
    """The balance as of now (read-only)."""
    return _as_of(
        account,
        balance_repository.load(account.company_id, account.subscription.subscription_id).balance,
        month_of(now),
    )


def change_balance(account: Account, now: datetime, change: Callable[[Balance], Balance]) -> tuple[Balance, Balance]:
    """Read-modify-write of the balance as of now (optimistic locking: `change` is applied
    again to a fresh read when someone else wrote meanwhile). Returns (before, after);
    raises balance_repository.StaleState when it kept changing."""
    month = month_of(now)
    result = _rewrite_balance(account, lambda stored: change(_as_of(account, stored, month)))
    assert result is not None  # `change` always gives a balance to write
    stored, after = result
    return _as_of(account, stored, month), after


def dashboard(account: Account, now: datetime) -> dict:
    view = rules.dashboard(current_balance(account, now), account.plan, account.addons)
    sub = account.subscription
    return {
        "subscription_id": sub.subscription_id,
        "msisdn": sub.msisdn,
        "plan": account.plan.code,
        "add_ons": sub.to_dict()["add_ons"],
        **view,
    }


def usage_summary(account: Account, month: str) -> dict:
    """C6: usage of one month by kind and zone, national (NO) and international, and the
    packages bought that month as lines of their own (domain.usage_overview has the rules)."""
    sid = account.subscription.subscription_id
    return usage_overview(month, sid, balance_repository.usage_rows(account.company_id, sid, month))


def alerts_of(account: Account, month: str) -> list[dict]:
    return balance_repository.alerts(account.company_id, account.subscription.subscription_id, month)


def my_dashboard(directory: Directory, employee_id: str, subscription_id: str | None, now: datetime) -> dict:
    """C2: an employee's own subscription's dashboard."""
    return dashboard(account_of_employee(directory, employee_id, subscription_id), now)


def my_usage(
    directory: Directory, employee_id: str, subscription_id: str | None, month: str | None, now: datetime
) -> dict:
    """C6: an employee's own usage of `month` (this month when None)."""
    return usage_summary(account_of_employee(directory, employee_id, subscription_id), month or month_of(now))


def my_alerts(
    directory: Directory, employee_id: str, subscription_id: str | None, month: str | None, now: datetime
) -> dict:
    """D7: the usage alerts an employee was sent in `month` (this month when None)."""
    account = account_of_employee(directory, employee_id, subscription_id)
    month = month or month_of(now)
    return {"month": month, "items": alerts_of(account, month)}


def subscription_balances(identity, directory: Directory, subscription_id: str, now: datetime) -> dict:
    """D1, D2, D3, D4, D5, D6: a subscription's balances, for an administrator in whose scope it is."""
    subscription = administration.get_subscription(identity, directory, subscription_id)
    return dashboard(account_of(directory, subscription), now)


def change_add_ons(identity, directory: Directory, subscription_id: str, changes: dict) -> Subscription:
    """E3: Data Rollover (D2, refused below 6 GB), Datakontroll (D5), automatic top-up (D4),
    on a subscription in the administrator's scope."""
    subscription = administration.get_subscription(identity, directory, subscription_id)
    plan = directory.price_plan(subscription.plan_code)
    changes = {k: v for k, v in changes.items() if v is not None or k == "topup_product"}
    add_ons = subscription.add_ons
    if changes.get("rollover") is True and not add_ons.rollover:
        add_ons = rules.enable_rollover(add_ons, plan)
    try:
        add_ons = replace(add_ons, **changes)
    except DomainError as exc:
        raise InvalidInput(exc.message, code="invalid_add_on") from None
    after = replace(subscription, add_ons=add_ons)
    if after != subscription:
        directory.commit(
            identity,
            update=[after],
            audit=AuditEntry(
                "subscription.add_ons_changed", subscription.subscription_id, subscription.to_dict(), after.to_dict()
            ),
        )
    return after


def lift_roaming_block(identity, directory: Directory, subscription_id: str, now: datetime) -> dict:
    """D5: the company lifts the 50 EUR roaming block for the rest of the month."""
    account = account_of(directory, administration.get_subscription(identity, directory, subscription_id))
    try:
        before, _ = change_balance(account, now, rules.lift_roaming_block)
    except balance_repository.StaleState:
        raise Conflict("The balance kept changing; try again.") from None
    sid = account.subscription.subscription_id
    directory.commit(
        identity,
        audit=AuditEntry(
            "subscription.roaming_block_lifted",
            sid,
            {"roaming_blocked": before.roaming_blocked},
            {"roaming_blocked": False},
        ),
    )
    return dashboard(account, now)
