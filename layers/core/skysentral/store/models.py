"""pynamodb models. Every partition key a tenant reads begins with its company id
(ARCHITECTURE decision 5); table names come from the template through the environment."""

from __future__ import annotations

import os

from pynamodb.attributes import BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class _TableFromEnvironment(type):
    """`Meta.table_name` read when first used, not at import: the Lambda runtime (or the
    local cloud) sets the template's environment before any call, not before imports."""

    env: str
    suffix: str

    @property
    def table_name(cls) -> str:
        return os.environ.get(cls.env, f"{os.environ.get('STACK_NAME', 'skysentral-local')}-{cls.suffix}")


class _Directory(Model):
    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "DIRECTORY_TABLE", "directory"

    pk = UnicodeAttribute(hash_key=True)  # company id
    sk = UnicodeAttribute(range_key=True)  # KIND#id


class CompanyItem(_Directory):
    """sk = COMPANY"""

    name = UnicodeAttribute()
    org_number = UnicodeAttribute()
    main_number = UnicodeAttribute()


class DepartmentItem(_Directory):
    """sk = DEPT#<department_id>"""

    name = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)


class EmployeeItem(_Directory):
    """sk = EMP#<employee_id>"""

    name = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    department_id = UnicodeAttribute()
    language = UnicodeAttribute(default="nb")
    display_number = UnicodeAttribute(default="personal")
    extension = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    admin_departments: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]


class MsisdnIndex(GlobalSecondaryIndex):
    """Usage and SMS arrive with a phone number only: find its subscription (system use)."""

    class Meta:
        index_name = "by_msisdn"
        projection = AllProjection()

    msisdn = UnicodeAttribute(hash_key=True)


class SubscriptionItem(_Directory):
    """sk = SUB#<subscription_id>"""

    msisdn = UnicodeAttribute()
    by_msisdn = MsisdnIndex()
    department_id = UnicodeAttribute()
    plan_code = UnicodeAttribute()
    employee_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(default="mobile")
    status = UnicodeAttribute(default="active")
    rollover = BooleanAttribute(default=False)
    datakontroll = BooleanAttribute(default=False)
    topup_product = UnicodeAttribute(null=True)
    # ---- issue 11 (E3, A9, E4, F5); see organisation.Subscription
    barring = JSONAttribute(null=True)  # A9 {"categories", "chosen_prefixes"}: call control reads it
    content_limit_ore = NumberAttribute(null=True)
    twin_sim_iccid = UnicodeAttribute(null=True)
    next_plan = JSONAttribute(null=True)
    listing = JSONAttribute(null=True)
    listing_acked_version = NumberAttribute(default=0)
    device = JSONAttribute(null=True)
    device_seen_at = UnicodeAttribute(null=True)  # F5: ISO UTC, the condition that keeps the newest sighting


class PricePlanItem(_Directory):
    """sk = PLAN#<code>; the plan as catalogue.PricePlan.to_dict()"""

    plan = JSONAttribute()


# ---- issue 11 (E3, F5)
class AddOnPricesItem(_Directory):
    """sk = AGREEMENT#ADDONS: E3 add-on prices of the company's agreement {code: øre per month}."""

    prices = JSONAttribute()


class PlanChangeItem(_Directory):
    """sk = PLANCHANGE#<subscription_id>#<ISO time>: E3 a price-plan change with its
    proration (plan_change.PlanChange.to_dict()), kept for invoicing."""

    change = JSONAttribute()


class EquipmentItem(_Directory):
    """sk = EQUIP#<equipment_id>: F5 equipment added by hand."""

    kind = UnicodeAttribute()
    model = UnicodeAttribute()
    department_id = UnicodeAttribute()
    employee_id = UnicodeAttribute(null=True)
    serial = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)


# ---- end of issue 11


class ExtensionItem(_Directory):
    """sk = EXT#<extension>: A1 company number plan; one item per extension keeps them unique."""

    employee_id = UnicodeAttribute()


class AuditItem(Model):
    """E6. pk = company id, sk = <ISO time>#<id> so a period is a key range."""

    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "AUDIT_TABLE", "audit"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    kind = UnicodeAttribute()
    target = UnicodeAttribute()
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class _Calls(Model):
    """The cloud PBX's table (A1-A14); the item kinds and their keys are in docs/pbx.md.
    Subclass per item kind (in the repository module that owns it)."""

    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "CALLS_TABLE", "calls"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)  # TTL (epoch seconds)


class _Balances(Model):
    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "BALANCES_TABLE", "balances"

    pk = UnicodeAttribute(hash_key=True)  # <company id>#<subscription id>
    sk = UnicodeAttribute(range_key=True)


class BalanceStateItem(_Balances):
    """sk = STATE: the subscription's balance stack (balance_format.balance_to_item).

    `pending` holds the outcomes of applied records until their ledger rows are seen
    stored (rows are written after the state, so a crash between the two loses nothing;
    services.usage_ingestion encodes them; older items hold whole rows);
    `outbox` the alerts of the last write (sent after it; resent if it crashed)."""

    version = NumberAttribute()
    balance = JSONAttribute()
    pending = JSONAttribute(default=list)
    outbox = JSONAttribute(default=list)


class UsageRowItem(_Balances):
    """sk = USAGE#<YYYY-MM>#<record id>: one applied usage record in its own month (the
    ledger: C6 usage, F3 invoice lines, and the proof that a record was applied once)."""

    row = JSONAttribute()


class AlertLogItem(_Balances):
    """sk = ALERT#<YYYY-MM>#<alert key>: D7 alerts as shown in the app, and sent by SMS."""

    kind = UnicodeAttribute()
    text = UnicodeAttribute()
    language = UnicodeAttribute()
    sent_at = UnicodeAttribute()


class OrderItem(Model):
    """Data-package orders (C8). pk = <company id>#<employee id>; sk = ORDER#<order id>
    (ids sort by time), or IDEM#<Idempotency-Key> pointing at the order a key created, or
    POLICY for the company's who-pays policy (D8) under pk = <company id>#POLICY."""

    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "ORDERS_TABLE", "orders"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    order = JSONAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    payment_status = UnicodeAttribute(null=True)  # from Stripe, possibly before the wait state
    request_fingerprint = UnicodeAttribute(null=True)  # IDEM#: what the key's first request asked for
    policy = JSONAttribute(null=True)


class RoutingPlanItem(_Directory):
    """sk = ROUTING: the company's routing plan (A1-A7) as RoutingPlan.to_dict(), saved whole
    by PUT /admin/routing; `version` counts saves (optimistic concurrency: 1 after the first)."""

    plan = JSONAttribute()
    version = NumberAttribute()
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)


class CalendarSyncItem(_Directory):
    """sk = CALENDAR_SYNC: whether the company's Microsoft 365 calendars steer availability (A7)."""

    enabled = BooleanAttribute(default=False)


# ---------------------------------------------------------------- issue 12: rating (F3)
class _RatedLines(Model):
    """F3 RatedLinesTable; the keys are in docs/rating.md and store/rated_lines_repository.py."""

    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "RATED_LINES_TABLE", "rated-lines"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class RatedLineItem(_RatedLines):
    """pk = <company id>#<YYYY-MM>, sk = LINE#<line id>: one rated line (domain.rating.RatedLine)."""

    subscription_id = UnicodeAttribute()
    line = JSONAttribute()


class RatingTotalItem(_RatedLines):
    """pk = AGG#<company id>, sk = <scope>#<scope id>#<YYYY-MM>#<kind>: sums of the lines
    (scope C = the company (id "-"), D = a department, E = an employee, S = a subscription),
    added to as lines are written, in the same transaction (F1 reads these, never the lines)."""

    amount_ore = NumberAttribute(default=0)
    mva_ore = NumberAttribute(default=0)
    quantity = NumberAttribute(default=0)
    lines = NumberAttribute(default=0)


class PlanMonthItem(_RatedLines):
    """pk = PLANMONTH#<price plan id>#<YYYY-MM>, sk = <company id>: the company has lines
    of that plan in that month (re-rating finds its companies without a scan)."""

    lines = NumberAttribute(default=0)


class TariffItem(_RatedLines):
    """pk = TARIFF#<price plan id>, sk = V#<version, 6 digits>: a published tariff version
    (domain.rating.Tariff.to_dict); version 1 of the catalogue plans lives in the code."""

    tariff = JSONAttribute()


# ---------------------------------------------------------------- issue 12: invoices (F4)
class _Invoices(Model):
    """F4 InvoicesTable; the keys are in docs/invoicing.md and store/invoice_repository.py."""

    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "INVOICES_TABLE", "invoices"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class InvoiceHeaderItem(_Invoices):
    """pk = CO#<company id>, sk = INVOICE#<YYYY-MM>[#CN#<corrected YYYY-MM>]: an invoice or a
    credit note without its lines (those are in InvoiceLinesItem chunks of `draft_version`)."""

    status = UnicodeAttribute()  # draft | final
    draft_version = UnicodeAttribute()
    chunks = NumberAttribute(default=0)
    invoice = JSONAttribute()  # the invoice dict of docs/portal.md without "lines" and payments
    documents = JSONAttribute(null=True)  # {"pdf": key, "ehf": key} once stored
    paid_ore = NumberAttribute(default=0)  # F4 payments matched on the KID (ADD)
    payments = ListAttribute(default=list)  # type: ignore[var-annotated]


class InvoiceLinesItem(_Invoices):
    """pk = LINES#<invoice id>#<draft version>, sk = <chunk number, 4 digits>: invoice lines."""

    lines = JSONAttribute()


class InvoiceNumberItem(_Invoices):
    """pk = NUMBER#<invoice number>, sk = "-": which company's invoice has the number (the
    KID is the number plus a check digit, so this is also the KID lookup)."""

    company_id = UnicodeAttribute()
    header_sk = UnicodeAttribute()


class InvoiceCounterItem(_Invoices):
    """pk = COUNTER, sk = INVOICE_NUMBER: the last number given (one gap-free sequence)."""

    last = NumberAttribute()


class InvoiceRunItem(_Invoices):
    """pk = RUN#<YYYY-MM>, sk = <company id>: the run's progress for a company's month."""

    status = UnicodeAttribute()  # draft | final
    draft_version = UnicodeAttribute()
    issue_date = UnicodeAttribute()
    documents = JSONAttribute()  # [{"invoice_id", "kind", "sk", "number", "line_counts"}]
    billed = JSONAttribute()  # {YYYY-MM: lines of that month the run's documents bill}
    finalised_at = UnicodeAttribute(null=True)


class PaymentItem(_Invoices):
    """pk = PAYMENT#<bank reference>, sk = "-": a payment seen (a repeat is ignored)."""

    payment = JSONAttribute()
    invoice_number = NumberAttribute(null=True)  # None: unmatched


class UnmatchedPaymentItem(_Invoices):
    """pk = UNMATCHED, sk = <paid_at>#<reference>: a payment whose KID names no invoice."""

    payment = JSONAttribute()


# ---------------------------------------------------------------- issue 13: invoice control (F6–F9)
class _InvoiceControl(Model):
    """F6–F9 InvoiceControlTable; the keys are in store/invoice_control_repository.py."""

    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "INVOICE_CONTROL_TABLE", "invoice-control"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class PolicyVersionItem(_InvoiceControl):
    """pk = <company id>#POLICY, sk = V#<version, 6 digits>: one version of the settings
    (domain.invoice_control.policies.PolicySet.to_dict); never edited."""

    settings = JSONAttribute()


class UseReportItem(_InvoiceControl):
    """pk = <company id>#REPORT#<YYYY-MM>, sk = <line id>#<seq, 4 digits>: an employee's
    report that a line is private or work (F8); every change is an item, the newest wins."""

    employee_id = UnicodeAttribute()
    use = UnicodeAttribute()
    previous = UnicodeAttribute()
    note = UnicodeAttribute(default="")
    by = UnicodeAttribute()
    at = UnicodeAttribute()


class PayrollExportItem(_InvoiceControl):
    """pk = <company id>#EXPORT, sk = <YYYY-MM>#<system>: a month's payroll export (F9): the
    file's key and digest, what it pays per employee and wage type, and whether it was sent."""

    status = UnicodeAttribute()  # created | sent
    export_id = UnicodeAttribute()
    file_key = UnicodeAttribute()
    file_name = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    amounts = JSONAttribute()  # employee id -> wage-type key -> øre (of this year's figures)
    carried = JSONAttribute(null=True)  # the same, of the previous year's (a December line that came late)
    entries = NumberAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    sent_by = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
