"""F3 rating use cases: rate usage at ingestion (once per record), a month's fee lines,
list a month's lines, publish a tariff version, re-rate a month after a correction.

docs/rating.md describes the lines, the table and the rules; domain/rating the prices."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from skysentral.domain import orders, organisation
from skysentral.domain import rating as rules
from skysentral.domain.balances import UsageRecord
from skysentral.domain.calendar import month_of, month_start_utc
from skysentral.domain.catalogue import PricePlan
from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.domain.orders import Order
from skysentral.domain.rating.tariffs import standard_tariff
from skysentral.services import line_use
from skysentral.store import rated_lines_repository as store
from skysentral.store.directory_repository import Directory

if TYPE_CHECKING:  # the queue contract (pydantic) only for typing: the purchase steps, which
    from skysentral.events import UsageRecordIn  # write package lines, load no pydantic (C8)

logger = Logger(child=True)
CACHE_LIFETIME_S = 60.0
RERATED_KINDS = frozenset({"voice", "sms", "mms"})  # data is priced by the balance step; content is its amount


class TariffCache:
    """A plan's tariff versions, kept in the warm function for at most `lifetime_s` (a new
    version is picked up within a minute; what was rated before it, re-rating corrects)."""

    def __init__(self, lifetime_s: float = CACHE_LIFETIME_S, monotonic: Callable[[], float] = time.monotonic):
        self.lifetime_s, self._monotonic = lifetime_s, monotonic
        self._versions: dict[str, tuple[float, list[rules.Tariff]]] = {}

    def clear(self) -> None:
        self._versions.clear()

    def versions(self, plan: PricePlan) -> list[rules.Tariff]:
        now = self._monotonic()
        cached = self._versions.get(plan.code)
        if cached and now - cached[0] < self.lifetime_s:
            return cached[1]
        # A plan the catalogue does not know (a company's own) is priced from its own
        # per-zone prices until a tariff is published for it.
        versions = store.tariff_versions(plan.code) or [standard_tariff(plan)]
        self._versions[plan.code] = (now, versions)
        return versions

    def at(self, plan: PricePlan, at: datetime) -> rules.Tariff:
        versions = self.versions(plan)
        return rules.applicable(versions, at) or min(versions, key=lambda t: t.valid_from)


default_cache = TariffCache()


def owner_of(company_id: str, sub: organisation.Subscription) -> rules.LineOwner:
    return rules.LineOwner(company_id, sub.subscription_id, sub.msisdn, sub.department_id, sub.employee_id)


@dataclass(frozen=True)
class ToRate:
    """A record the balance step applied (or had applied), with the data cost it computed."""

    company_id: str
    subscription: organisation.Subscription
    plan: PricePlan
    record: UsageRecordIn
    data_cost_ore: int


def rate_records(items: list[ToRate], now: datetime, cache: TariffCache | None = None) -> store.WriteCount:
    """F3: the lines of applied records, stored once each (a repeat writes nothing)."""
    cache = cache or default_cache
    lines = []
    for it in items:
        record = it.record.to_domain()
        lines.append(
            rules.usage_line(
                owner_of(it.company_id, it.subscription),
                record,
                cache.at(it.plan, record.started_at),
                month=month_of(record.started_at),
                rated_at=now,
                data_cost_ore=it.data_cost_ore,
                merchant=it.record.merchant,
                category=it.record.category,
            )
        )
    return store.save_lines(line_use.classify(lines))


def write_fee_lines(
    company_id: str,
    sub: organisation.Subscription,
    month: str,
    now: datetime,
    *,
    active_from: date | None = None,
    active_until: date | None = None,
    directory: Directory | None = None,
) -> list[rules.RatedLine]:
    """F3: a month's fee lines of a subscription (plan fee, priced add-ons, pro rata),
    stored once each under fee#<subscription>#<month>#<item>; returns the lines."""
    directory = directory or Directory(company_id)
    plan = directory.price_plan(sub.plan_code)
    tariff = default_cache.at(plan, month_start_utc(month))
    lines = rules.fee_lines(
        owner_of(company_id, sub),
        plan,
        tariff.version,
        sub,
        month,
        agreement_prices=directory.add_on_prices(),
        active_from=active_from,
        active_until=active_until,
        rated_at=now,
    )
    lines = line_use.classify(lines)
    store.save_lines(lines)
    return lines


def write_package_line(order: Order, now: datetime) -> rules.RatedLine | None:
    """F3/D8: a company-paid package order, activated, as its line (stored once, keyed by the
    order); None for a package the employee paid."""
    if order.payer != orders.COMPANY:
        return None
    directory = Directory(order.company_id)
    sub = directory.subscription(order.subscription_id)
    month = month_of(now)
    tariff = default_cache.at(directory.price_plan(sub.plan_code), month_start_utc(month))
    line = rules.package_line(
        owner_of(order.company_id, sub),
        order.order_id,
        order.product,
        order.price_ore,
        sub.plan_code,
        tariff.version,
        month,
        now,
    )
    line = line_use.classify([line])[0]
    store.save_lines([line])
    return line


# ------------------------------------------------------------------ reading
def list_lines(
    identity: Identity, directory: Directory, month: str, subscription_id: str | None, limit: int, cursor: str | None
) -> dict:
    """A page of a company's rated lines of a month (a department admin: one of their
    subscriptions, or the lines of their departments)."""
    scope = organisation.scope_of(identity, directory.departments())
    if subscription_id is not None:
        sub = directory.subscription(subscription_id)  # NotFound for another company's
        organisation.require_in_scope(scope, sub.department_id)
    page = store.page_of_month(directory.company_id, month, limit, cursor, subscription_id)
    lines = [line.to_dict() for line in page.lines if scope is None or line.department_id in scope]
    return {"month": month, "lines": lines, "next_cursor": page.next_cursor}


# ------------------------------------------------------------------ tariffs and re-rating
def publish_tariff(data: dict) -> dict:
    """A new tariff version (the operator's correction of a price plan)."""
    tariff = rules.Tariff.from_dict(data)
    versions = store.tariff_versions(tariff.price_plan_id)
    if not versions:
        raise NotFound(f"No price plan {tariff.price_plan_id}.")
    newest = max(t.version for t in versions)
    if tariff.version != newest + 1:
        raise InvalidInput(f"The next version of {tariff.price_plan_id} is {newest + 1}.", code="invalid_tariff")
    store.publish_tariff(tariff)
    default_cache.clear()
    return tariff.to_dict()


def rerate(price_plan_id: str, month: str, now: datetime) -> dict:
    """F3: re-price the month's voice/SMS/MMS lines of a plan that were rated with an older
    tariff version than the one that applies now; write correction lines (the delta,
    referencing the line), never edit one. Idempotent: a correction's id carries the
    version (corr#<record>#v<version>), and a second run finds the delta already charged."""
    versions = store.tariff_versions(price_plan_id)
    if not versions:
        raise NotFound(f"No price plan {price_plan_id}.")
    checked = corrections = 0
    companies = store.companies_with_plan(price_plan_id, month)
    for company_id in companies:
        lines = list(store.lines_of_month(company_id, month))
        charged: dict[str, int] = {}
        corrected_to: dict[str, int] = {}
        for line in lines:
            if line.record_id and line.line_type in (rules.USAGE, rules.CORRECTION):
                charged[line.record_id] = charged.get(line.record_id, 0) + line.amount_ore
                corrected_to[line.record_id] = max(corrected_to.get(line.record_id, 0), line.price_plan_version)
        new = []
        for line in lines:
            if line.line_type != rules.USAGE or line.price_plan_id != price_plan_id or line.kind not in RERATED_KINDS:
                continue
            checked += 1
            assert line.record_id and line.started_at
            at = datetime.fromisoformat(line.started_at.replace("Z", "+00:00"))
            tariff = rules.applicable(versions, at)
            if tariff is None or tariff.version <= corrected_to[line.record_id]:
                continue
            record = _record_of(line, at)
            rating = rules.rate(record, tariff)
            correction = rules.correction_line(
                line, rating.amount_ore, charged[line.record_id], tariff.version, rating.tariff, now
            )
            if correction is not None:
                new.append(correction)
        if new:
            corrections += store.save_lines(new).written
    logger.info("re-rated", extra={"price_plan_id": price_plan_id, "month": month, "corrections": corrections})
    return {
        "price_plan_id": price_plan_id,
        "month": month,
        "companies": len(companies),
        "lines_checked": checked,
        "corrections": corrections,
    }


def _record_of(line: rules.RatedLine, at: datetime) -> UsageRecord:
    return UsageRecord(
        record_id=line.record_id or line.line_id,
        kind=line.kind,
        quantity=line.quantity,
        started_at=at,
        zone=line.zone,
        country=line.country,
        destination=line.destination,
    )
