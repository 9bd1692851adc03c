"""Request models of the HTTP APIs (bodies and query strings), in one place: the handlers
use them to parse input, the OpenAPI generator to describe it. Unknown fields are errors."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skysentral.domain.identity import ROLES


class Body(BaseModel):
    """Base of request bodies: unknown fields are an error, not silently dropped.

    `defer_build`: a model's validator is built when it first parses (or is described), not
    when this module loads: a function builds only the models of the routes it serves
    (cold start, docs/tooling.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


# ---------------------------------------------------------------- administration (E1, E3, E5, E6, D8)
class NewDepartment(Body):
    name: str = Field(min_length=1, max_length=80)
    parent_id: str | None = None


class DepartmentChange(Body):
    """Only the fields sent change; `parent_id: null` moves the department to the top level."""

    name: str | None = Field(None, min_length=1, max_length=80)
    parent_id: str | None = None


class SubscriptionMove(Body):
    department_id: str = Field(min_length=1)


class Paging(Query):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None
    q: str | None = Field(None, max_length=80, description="name, e-mail or number contains")
    department_id: str | None = Field(None, description="this department and its sub-departments")


class EmployeeFilter(Paging):
    role: Literal[ROLES] | None = None  # type: ignore[valid-type]


class SubscriptionFilter(Paging):
    plan_code: str | None = None
    employee_id: str | None = None


class AuditFilter(Query):
    actor: str | None = None
    kind: str | None = Field(None, description="exact kind, or a prefix ending in '.' (e.g. department.)")
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None
    target: str | None = Field(None, description="the changed object's id (e.g. a subscription id)")


class AuditExport(AuditFilter):
    """E6 CSV export: the filters of the audit log; `limit` is per page read, all pages are exported."""


class AddOnChange(Body):
    rollover: bool | None = Field(None, description="D2 Data Rollover (packages of 6 GB or more)")
    datakontroll: bool | None = Field(None, description="D5 Datakontroll, incl. the 50 EUR roaming limit")
    topup_product: Literal["EXTRA_1GB", "EXTRA_5GB", "EXTRA_15GB"] | None = Field(
        None, description="D4 automatic top-up size; null switches it off"
    )


# ---------------------------------------------------------------- issue 11 (E3, A9, E4, E5, F5)
class PlanChangeOrder(Body):
    plan_code: str = Field(min_length=1, max_length=40)
    effective: Literal["now", "next_month"] = Field(description="now: prorated; next_month: scheduled")


class BarringChange(Body):
    """A9: the whole barring (categories not listed are lifted)."""

    categories: list[Literal["premium_rate", "international", "roaming", "content_services"]] = Field(max_length=4)
    chosen_prefixes: list[str] = Field(default_factory=list, max_length=50, description="E.164 prefixes, e.g. +46")


class ContentLimitChange(Body):
    limit_ore: int | None = Field(description="content-service spending per month in øre; null = no limit")


class TwinSimOrder(Body):
    iccid: str = Field(min_length=19, max_length=24, description="the twin SIM's ICCID (19-20 digits)")


class ListingAddress(Body):
    street: str = Field(min_length=1, max_length=120)
    postal_code: str = Field(min_length=4, max_length=4)
    city: str = Field(min_length=1, max_length=80)


class ListingChange(Body):
    mode: Literal["listed", "unlisted", "name_only", "with_address"]
    name: str | None = Field(None, max_length=120, description="the name to publish (not for unlisted)")
    address: ListingAddress | None = Field(None, description="with_address only")


class AdminGrant(Body):
    employee_id: str = Field(min_length=1)
    role: Literal["company_admin", "department_admin"]
    departments: list[str] = Field(default_factory=list, max_length=100)


class AdminScopeChange(Body):
    role: Literal["company_admin", "department_admin"] | None = None
    departments: list[str] | None = Field(None, max_length=100)


class EquipmentFilter(Query):
    department_id: str | None = Field(None, description="this department and its sub-departments")
    kind: Literal["phone", "tablet", "router", "computer", "other"] | None = None


class NewEquipment(Body):
    kind: Literal["phone", "tablet", "router", "computer", "other"]
    model: str = Field(min_length=1, max_length=120)
    department_id: str = Field(min_length=1)
    employee_id: str | None = None
    serial: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=500)


# ---------------------------------------------------------------- end of issue 11

Payer = Literal["company", "employee"]


class PurchasePolicy(Body):
    """D8: who pays for each product; products left out keep their current setting."""

    EXTRA_1GB: Payer | None = None
    EXTRA_5GB: Payer | None = None
    EXTRA_15GB: Payer | None = None
    SURF_EU_600MB: Payer | None = None
    SURF_WORLD_300MB: Payer | None = None


class MyCallFilter(Query):
    """C10 (and A14's company log, below): calls newest first, `limit` at a time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, populate_by_name=True)

    date_from: date | None = Field(None, alias="from", description="first day (Europe/Oslo), YYYY-MM-DD")
    date_to: date | None = Field(None, alias="to", description="last day (Europe/Oslo), included")
    direction: Literal["inbound", "outbound", "internal"] | None = None
    answered: bool | None = None
    kind: Literal["direct", "queue", "group"] | None = None
    queue_id: str | None = Field(None, max_length=80)
    number: str | None = Field(None, max_length=32, description="the caller's or called number (E.164 or national)")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=200)


class CallFilter(MyCallFilter):
    employee_id: str | None = Field(None, max_length=80, description="calls this employee took part in")


# ---------------------------------------------------------------- employee app (C1, C2, C6, C8, A10)
class ProfileChange(Body):
    language: Literal["nb", "en"] | None = None
    display_number: Literal["personal", "main"] | None = None


class SubscriptionChoice(Query):
    subscription_id: str | None = Field(None, description="one of my subscriptions; default: my first mobile")


class UsageQuery(SubscriptionChoice):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default: this month")


class PackageOrder(Body):
    product: Literal["EXTRA_1GB", "EXTRA_5GB", "EXTRA_15GB", "SURF_EU_600MB", "SURF_WORLD_300MB"]
    subscription_id: str | None = Field(None, description="one of my subscriptions; default: my first")
    payment_method: str | None = Field(
        None,
        max_length=255,
        pattern=r"^pm_[A-Za-z0-9_]+$",
        description=(
            "a Stripe PaymentMethod id from the app, to pay at once when I pay myself; without it the "
            "order waits for the app to confirm payment.client_secret"
        ),
    )
