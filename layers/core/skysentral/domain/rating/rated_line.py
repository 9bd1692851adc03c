"""F3: the rated line: one invoice line, traceable to what caused it.

Line ids (unique within a company's month, the sort key of the line):
    <record id>                          usage: one line per usage record, rated once
    fee#<subscription>#<month>#<item>    a monthly fee (item = PLAN or an add-on code)
    corr#<record id>#v<version>          a correction: the delta after re-rating a line
                                         with tariff `version` (references `corrects`)

A line is never edited: a correction is a new line with the difference. The amount of a
record's usage is its line plus its corrections.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from skysentral.domain.rating.vat import line_vat_ore

USAGE, FEE, CORRECTION, PURCHASE = "usage", "fee", "correction", "purchase"


@dataclass(frozen=True, slots=True)
class LineOwner:
    """Who a line is charged to, as the directory said when it was rated (a later move of
    the subscription to another department does not move its history)."""

    company_id: str
    subscription_id: str
    msisdn: str
    department_id: str
    employee_id: str | None = None


@dataclass(frozen=True, slots=True)
class RatedLine:
    line_id: str
    line_type: str  # usage | fee | correction
    company_id: str
    month: str  # YYYY-MM in Europe/Oslo
    subscription_id: str
    msisdn: str
    department_id: str
    employee_id: str | None
    kind: str  # data | voice | sms | mms | content | fee | package
    destination_class: str
    zone: str
    quantity: int
    unit: str
    amount_ore: int  # excluding MVA
    mva_ore: int  # 25 %, rounded per line (vat.py: the invoice computes its own)
    price_plan_id: str
    price_plan_version: int
    tariff: dict[str, Any] = field(default_factory=dict, hash=False)
    record_id: str | None = None
    started_at: str | None = None  # ISO UTC
    destination: str | None = None
    country: str | None = None
    charged_quantity: int | None = None
    merchant: str | None = None
    category: str | None = None
    corrects: str | None = None  # correction: the line id it corrects
    item: str | None = None  # fee: PLAN or the add-on code
    rated_at: str | None = None
    # F6 invoice control: private or work, the rule that decided, the policy version used
    # (set as the line is rated: services.invoice_control.classify; never edited)
    use: str | None = None
    use_rule: str | None = None
    policy_version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RatedLine:
        names = cls.__dataclass_fields__
        # to_dict leaves out None values; employee_id has no default (a subscription
        # without an employee, e.g. a data SIM, is stored without it)
        return cls(**{"employee_id": None, **{k: v for k, v in d.items() if k in names}})


def usage_line_id(record_id: str) -> str:
    return record_id


def fee_line_id(subscription_id: str, month: str, item: str) -> str:
    return f"fee#{subscription_id}#{month}#{item}"


def correction_line_id(record_id: str, version: int) -> str:
    return f"corr#{record_id}#v{version}"


def package_line_id(order_id: str) -> str:
    return f"order#{order_id}"


def package_line(
    owner: LineOwner,
    order_id: str,
    product: str,
    price_ore: int,
    price_plan_id: str,
    price_plan_version: int,
    month: str,
    activated_at: datetime,
) -> RatedLine:
    """F3/D8: an extra data or surf package the company pays for, one line of kind `package`
    in the month it was activated, at the price of the order (excluding MVA). A package the
    employee paid by card is not the company's and has no line."""
    return RatedLine(
        line_id=package_line_id(order_id),
        line_type=PURCHASE,
        company_id=owner.company_id,
        month=month,
        subscription_id=owner.subscription_id,
        msisdn=owner.msisdn,
        department_id=owner.department_id,
        employee_id=owner.employee_id,
        kind="package",
        destination_class="PACKAGE",
        zone="NO",
        quantity=1,
        unit="package",
        amount_ore=price_ore,
        mva_ore=line_vat_ore(price_ore),
        price_plan_id=price_plan_id,
        price_plan_version=price_plan_version,
        tariff={"rule": "package_order", "product": product},
        item=product,
        started_at=activated_at.isoformat(),
        rated_at=activated_at.isoformat(),
    )


def with_amount(line: RatedLine, amount_ore: int) -> RatedLine:
    return replace(line, amount_ore=amount_ore, mva_ore=line_vat_ore(amount_ore))


def correction_line(
    original: RatedLine,
    new_amount_ore: int,
    already_charged_ore: int,
    price_plan_version: int,
    tariff: dict[str, Any],
    rated_at: datetime,
) -> RatedLine | None:
    """F3: the correction of `original` re-rated at `new_amount_ore` with tariff version
    `price_plan_version`; `already_charged_ore` is the line plus its earlier corrections.
    None when nothing changes (no zero lines)."""
    delta = new_amount_ore - already_charged_ore
    if delta == 0:
        return None
    return RatedLine(
        line_id=correction_line_id(original.record_id or original.line_id, price_plan_version),
        line_type=CORRECTION,
        company_id=original.company_id,
        month=original.month,
        subscription_id=original.subscription_id,
        msisdn=original.msisdn,
        department_id=original.department_id,
        employee_id=original.employee_id,
        kind=original.kind,
        destination_class=original.destination_class,
        zone=original.zone,
        quantity=0,  # the usage was counted by the original line
        unit=original.unit,
        amount_ore=delta,
        mva_ore=line_vat_ore(delta),
        price_plan_id=original.price_plan_id,
        price_plan_version=price_plan_version,
        tariff=tariff,
        record_id=original.record_id,
        started_at=original.started_at,
        destination=original.destination,
        country=original.country,
        corrects=original.line_id,
        rated_at=rated_at.isoformat(),
        use=original.use,  # a correction follows the line it corrects
        use_rule=original.use_rule,
        policy_version=original.policy_version,
    )
