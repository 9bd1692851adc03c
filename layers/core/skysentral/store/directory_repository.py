"""Tenant-scoped access to the directory (companies, departments, employees,
subscriptions, price plans, number plan) and the audit log (E6).

A `Directory` is bound to one company at construction, from the caller's verified
identity, and builds every key from it: it cannot be asked for another company's items.
Every administrative mutation goes through `commit`, which writes the change and its
audit entry in one DynamoDB transaction: no change without its audit line, no partial
write.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from skysentral import clock
from skysentral.domain import organisation
from skysentral.domain.calendar import month_of
from skysentral.domain.catalogue import PricePlan
from skysentral.domain.errors import Conflict, InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.store.models import (
    AddOnPricesItem,
    AuditItem,
    CompanyItem,
    DepartmentItem,
    EmployeeItem,
    EquipmentItem,
    ExtensionItem,
    PlanChangeItem,
    PricePlanItem,
    SubscriptionItem,
)


@dataclass(frozen=True)
class AuditEntry:
    kind: str  # e.g. department.created, subscription.moved
    target: str  # the object's id
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def _cursor_encode(sk: str) -> str:
    return base64.urlsafe_b64encode(sk.encode()).decode()


def _cursor_decode(cursor: str, prefix: str) -> str:
    try:
        sk = base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:  # binascii.Error and the Unicode errors are ValueErrors
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor") from None
    if not sk.startswith(prefix):
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor")
    return sk


def department_of(item: DepartmentItem) -> organisation.Department:
    return organisation.Department(item.sk.split("#", 1)[1], item.name, item.parent_id)


def employee_of(item: EmployeeItem) -> organisation.Employee:
    return organisation.Employee(
        employee_id=item.sk.split("#", 1)[1],
        name=item.name,
        email=item.email,
        role=item.role,
        department_id=item.department_id,
        language=item.language,
        display_number=item.display_number,
        extension=item.extension,
        mobile=item.mobile,
        admin_departments=tuple(item.admin_departments or ()),
    )


def subscription_of(item: SubscriptionItem) -> organisation.Subscription:
    return organisation.Subscription(
        subscription_id=item.sk.split("#", 1)[1],
        msisdn=item.msisdn,
        department_id=item.department_id,
        employee_id=item.employee_id,
        kind=item.kind,
        status=item.status,
        add_ons=organisation.AddOns(bool(item.rollover), bool(item.datakontroll), item.topup_product),
        **_issue11_settings(item),
    )


def _issue11_settings(item: SubscriptionItem) -> dict:
    """E3/E4/F5 settings; a plan change scheduled for a month that has come is applied on
    read (plan_change), so usage, balances and the month close of that month see it."""
    plan_code, next_plan = item.plan_code, item.next_plan
    if next_plan and next_plan["from_month"] <= month_of(clock.now()):
        plan_code, next_plan = next_plan["plan_code"], None
    return {
        "plan_code": plan_code,
        "next_plan": next_plan,
        "barring": item.barring,
        "content_limit_ore": None if item.content_limit_ore is None else int(item.content_limit_ore),
        "twin_sim_iccid": item.twin_sim_iccid,
        "listing": item.listing,
        "listing_acked_version": int(item.listing_acked_version or 0),
        "device": item.device,
    }


class Directory:
    """One company's directory. Construct with `Directory.of(identity)`."""

    def __init__(self, company_id: str):
        self.company_id = company_id

    @classmethod
    def of(cls, identity: Identity) -> Directory:
        return cls(identity.company_id)

    # ------------------------------------------------------------------ reads
    def company(self) -> organisation.Company:
        try:
            item = CompanyItem.get(self.company_id, "COMPANY")
        except DoesNotExist:
            raise NotFound("No such company.") from None
        return organisation.Company(self.company_id, item.name, item.org_number, item.main_number)

    def _query(self, model, prefix: str, after: str | None = None) -> Iterator:
        cond = model.sk.startswith(prefix) if after is None else model.sk > after
        for item in model.query(self.company_id, cond):
            if not item.sk.startswith(prefix):
                return
            yield item

    def departments(self) -> list[organisation.Department]:
        return [department_of(i) for i in self._query(DepartmentItem, "DEPT#")]

    def department(self, department_id: str) -> organisation.Department:
        return department_of(self._get(DepartmentItem, f"DEPT#{department_id}", "department"))

    def employees(self) -> list[organisation.Employee]:
        return [employee_of(i) for i in self._query(EmployeeItem, "EMP#")]

    def employee(self, employee_id: str) -> organisation.Employee:
        return employee_of(self._get(EmployeeItem, f"EMP#{employee_id}", "employee"))

    def subscriptions(self) -> list[organisation.Subscription]:
        return [subscription_of(i) for i in self._query(SubscriptionItem, "SUB#")]

    def subscription(self, subscription_id: str) -> organisation.Subscription:
        return subscription_of(self._get(SubscriptionItem, f"SUB#{subscription_id}", "subscription"))

    def subscriptions_of_employee(self, employee_id: str) -> list[organisation.Subscription]:
        return [s for s in self.subscriptions() if s.employee_id == employee_id]

    def price_plans(self) -> list[PricePlan]:
        return [PricePlan.from_dict(i.plan) for i in self._query(PricePlanItem, "PLAN#")]

    def price_plan(self, code: str) -> PricePlan:
        return PricePlan.from_dict(self._get(PricePlanItem, f"PLAN#{code}", "price plan").plan)

    # ---- issue 11 (E3, F5) reads
    def add_on_prices(self) -> dict[str, int]:
        """E3: the add-on prices of the company's agreement ({} = the standard prices)."""
        try:
            return {k: int(v) for k, v in AddOnPricesItem.get(self.company_id, "AGREEMENT#ADDONS").prices.items()}
        except DoesNotExist:
            return {}

    def plan_changes(self, subscription_id: str) -> list[dict]:
        """E3: the subscription's price-plan changes, oldest first (kept for invoicing)."""
        return [i.change for i in self._query(PlanChangeItem, f"PLANCHANGE#{subscription_id}#")]

    def plan_change_item(self, change: dict) -> PlanChangeItem:
        return PlanChangeItem(self.company_id, f"PLANCHANGE#{change['subscription_id']}#{change['at']}", change=change)

    def equipment(self) -> list[EquipmentItem]:
        return list(self._query(EquipmentItem, "EQUIP#"))

    # ---- end of issue 11 reads

    def page(self, kind: str, predicate: Callable[[Any], bool], limit: int, cursor: str | None) -> Page:
        """One page of employees (`EMP`) or subscriptions (`SUB`) matching `predicate`,
        read from DynamoDB in key order from the cursor on, until `limit` matches."""
        kinds: dict[str, tuple[Any, Callable[[Any], object]]] = {
            "EMP": (EmployeeItem, employee_of),
            "SUB": (SubscriptionItem, subscription_of),
        }
        model, convert = kinds[kind]
        prefix = f"{kind}#"
        after = _cursor_decode(cursor, prefix) if cursor else None
        found: list = []
        last_sk = ""  # limit >= 1 (api.requests), so a full page always has a last key
        for item in self._query(model, prefix, after):
            value = convert(item)
            if not predicate(value):
                continue
            if len(found) == limit:
                return Page(found, _cursor_encode(last_sk))
            found.append(value)
            last_sk = item.sk
        return Page(found, None)

    def _get(self, model, sk: str, what: str):
        try:
            return model.get(self.company_id, sk)
        except DoesNotExist:
            raise NotFound(f"No {what} {sk.split('#', 1)[1]}.") from None

    # ------------------------------------------------------------------ writes
    def item(self, value) -> object:
        """The storage item for a domain value of this company."""
        cid = self.company_id
        if isinstance(value, organisation.Department):
            return DepartmentItem(cid, f"DEPT#{value.department_id}", name=value.name, parent_id=value.parent_id)
        if isinstance(value, organisation.Employee):
            return EmployeeItem(
                cid,
                f"EMP#{value.employee_id}",
                name=value.name,
                email=value.email,
                role=value.role,
                department_id=value.department_id,
                language=value.language,
                display_number=value.display_number,
                extension=value.extension,
                mobile=value.mobile,
                admin_departments=list(value.admin_departments),
            )
        if isinstance(value, organisation.Subscription):
            return SubscriptionItem(
                cid,
                f"SUB#{value.subscription_id}",
                msisdn=value.msisdn,
                department_id=value.department_id,
                plan_code=value.plan_code,
                employee_id=value.employee_id,
                kind=value.kind,
                status=value.status,
                rollover=value.add_ons.rollover,
                datakontroll=value.add_ons.datakontroll,
                topup_product=value.add_ons.topup_product,
                barring=value.barring,
                content_limit_ore=value.content_limit_ore,
                twin_sim_iccid=value.twin_sim_iccid,
                next_plan=value.next_plan,
                listing=value.listing,
                listing_acked_version=value.listing_acked_version,
                device=value.device,
                device_seen_at=(value.device or {}).get("seen_at"),
            )
        if isinstance(value, PricePlan):
            return PricePlanItem(cid, f"PLAN#{value.code}", plan=value.to_dict())
        if isinstance(value, organisation.Company):
            return CompanyItem(
                cid, "COMPANY", name=value.name, org_number=value.org_number, main_number=value.main_number
            )
        raise TypeError(f"not storable: {value!r}")

    def extension_item(self, extension: str, employee_id: str) -> ExtensionItem:
        return ExtensionItem(self.company_id, f"EXT#{extension}", employee_id=employee_id)

    def commit(
        self,
        identity: Identity | None,
        *,
        create: Iterable[Any] = (),
        update: Iterable[Any] = (),
        put: Iterable[Any] = (),
        delete: Iterable[Any] = (),
        audit: AuditEntry | None = None,
        now: datetime | None = None,
    ) -> None:
        """Write domain values in one transaction: `create` must not exist yet, `update`
        and `delete` must exist, `put` (storage items) may or may not. The audit entry (E6)
        is part of the same transaction."""
        try:
            self._transact(identity, create, update, put, delete, audit, now)
        except TransactWriteError:
            raise Conflict(
                "It was changed by someone else at the same time, or already exists; reload and try again."
            ) from None

    def _transact(self, identity, create, update, put, delete, audit, now) -> None:
        item: Any  # a storage item (pynamodb Model subclass with an `sk`)
        with TransactWrite(connection=Connection()) as tx:
            for value in create:
                item = value if hasattr(value, "sk") else self.item(value)
                tx.save(item, condition=type(item).sk.does_not_exist())
            for value in update:
                item = self.item(value)
                tx.save(item, condition=type(item).sk.exists())
            for item in put:
                tx.save(item)
            for value in delete:
                item = value if hasattr(value, "sk") else self.item(value)
                tx.delete(item, condition=type(item).sk.exists())
            if audit is not None:
                tx.save(self._audit_item(identity, audit, now))

    def _audit_item(self, identity: Identity | None, entry: AuditEntry, now: datetime | None) -> AuditItem:
        at = (now or datetime.now(UTC)).astimezone(UTC)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return AuditItem(
            self.company_id,
            f"{stamp}#{uuid.uuid4().hex[:12]}",
            actor=identity.user_id if identity else "system",
            actor_role=identity.role if identity else "system",
            kind=entry.kind,
            target=entry.target,
            before=entry.before,
            after=entry.after,
            at=stamp,
        )

    def audit_log(
        self,
        *,
        actor: str | None,
        kind: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        cursor: str | None,
        target: str | None = None,
    ) -> Page:
        """E6: newest first, filtered by who, kind (exact or prefix `department.`), period,
        and the changed object's id (`target`)."""
        lo = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if since else "0"
        hi = until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if until else "~"
        if cursor:
            hi = min(hi, _cursor_decode(cursor, ""))
        found: list[dict] = []
        for item in AuditItem.query(self.company_id, AuditItem.sk.between(lo, hi), scan_index_forward=False):
            if cursor and item.sk >= hi:
                continue
            if actor and item.actor != actor:
                continue
            if target and item.target != target:
                continue
            if kind and not (item.kind == kind or (kind.endswith(".") and item.kind.startswith(kind))):
                continue
            if len(found) == limit:
                return Page(found, _cursor_encode(found[-1]["id"]))
            found.append(
                {
                    "id": item.sk,
                    "at": item.at,
                    "actor": item.actor,
                    "actor_role": item.actor_role,
                    "kind": item.kind,
                    "target": item.target,
                    "before": item.before,
                    "after": item.after,
                }
            )
        return Page(found, None)


def find_subscription_by_msisdn(msisdn: str) -> tuple[str, organisation.Subscription] | None:
    """System lookup (usage ingestion, inbound SMS): which company's subscription has this number."""
    for item in SubscriptionItem.by_msisdn.query(msisdn):
        return item.pk, subscription_of(item)
    return None


def subscriptions_by_key(keys: list[tuple[str, str]]) -> dict[tuple[str, str], organisation.Subscription]:
    """System lookup (usage ingestion): the subscriptions of (company id, subscription id)
    pairs of any companies, one batch read per 100."""
    found = {}
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), 100):
        for item in SubscriptionItem.batch_get([(c, f"SUB#{s}") for c, s in keys[i : i + 100]]):
            found[(item.pk, item.sk.split("#", 1)[1])] = subscription_of(item)
    return found


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def all_subscriptions() -> Iterator[tuple[str, organisation.Subscription]]:
    """Every company's subscriptions (system jobs such as the month close), page by page."""
    for item in SubscriptionItem.scan(SubscriptionItem.sk.startswith("SUB#")):
        yield item.pk, subscription_of(item)
