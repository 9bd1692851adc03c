"""F6–F9 storage (InvoiceControlTable, INVOICE_CONTROL_TABLE):

    <company>#POLICY          V#<version:06>          a version of the settings (PolicySet)
    <company>#REPORT#<month>  <line id>#<seq:04d>      an employee's report on a line (history)
    <company>#EXPORT          <month>#<system>        a month's payroll export

Every partition key begins with the company id (ARCHITECTURE decision 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError

from skysentral.domain.errors import Conflict
from skysentral.domain.invoice_control.policies import PolicySet
from skysentral.store.conditions import condition_failed
from skysentral.store.models import PayrollExportItem, PolicyVersionItem, UseReportItem


def _policy_pk(company_id: str) -> str:
    return f"{company_id}#POLICY"


def _report_pk(company_id: str, month: str) -> str:
    return f"{company_id}#REPORT#{month}"


def _export_pk(company_id: str) -> str:
    return f"{company_id}#EXPORT"


# ---------------------------------------------------------------- policy versions
def policy_versions(company_id: str) -> list[PolicySet]:
    return [PolicySet.from_dict(i.settings) for i in PolicyVersionItem.query(_policy_pk(company_id))]


def policy_version_item(company_id: str, settings: PolicySet) -> PolicyVersionItem:
    """The item of a new version, for `Directory.commit(create=[...], audit=...)`: created
    once (a concurrent save of the same version number is a conflict), with its audit entry."""
    return PolicyVersionItem(_policy_pk(company_id), f"V#{settings.version:06d}", settings=settings.to_dict())


# ---------------------------------------------------------------- employee reports
@dataclass(frozen=True)
class UseReport:
    line_id: str
    employee_id: str
    use: str
    previous: str
    note: str
    by: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def reports_of_month(company_id: str, month: str) -> list[UseReport]:
    """Every report of the month, oldest first per line (the sort key is line id, then the
    report's sequence number on that line)."""
    return [
        UseReport(i.sk.rsplit("#", 1)[0], i.employee_id, i.use, i.previous, i.note, i.by, i.at)
        for i in UseReportItem.query(_report_pk(company_id, month))
    ]


def add_report(company_id: str, month: str, report: UseReport, seq: int) -> None:
    """The `seq`th report on the line (0, 1, …): two reports racing for the same number
    are a 409, so no change is lost."""
    item = UseReportItem(
        _report_pk(company_id, month),
        f"{report.line_id}#{seq:04d}",
        employee_id=report.employee_id,
        use=report.use,
        previous=report.previous,
        note=report.note,
        by=report.by,
        at=report.at,
    )
    try:
        item.save(condition=UseReportItem.pk.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("The line was reported at the same moment from elsewhere; reload and try again.") from None
        raise


# ---------------------------------------------------------------- payroll exports
def exports(company_id: str, month_prefix: str = "") -> list[PayrollExportItem]:
    cond = PayrollExportItem.sk.startswith(month_prefix) if month_prefix else None
    return list(PayrollExportItem.query(_export_pk(company_id), cond))


def export(company_id: str, month: str, system: str) -> PayrollExportItem | None:
    try:
        return PayrollExportItem.get(_export_pk(company_id), f"{month}#{system}")
    except PayrollExportItem.DoesNotExist:
        return None


def save_export(company_id: str, month: str, system: str, **fields: Any) -> PayrollExportItem:
    """Stores (or replaces) a month's export of a system, unless it was sent already."""
    item = PayrollExportItem(_export_pk(company_id), f"{month}#{system}", status="created", **fields)
    try:
        item.save(condition=PayrollExportItem.pk.does_not_exist() | (PayrollExportItem.status == "created"))
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict(f"The payroll export of {month} was sent already.", code="already_sent") from None
        raise
    return item


def mark_sent(item: PayrollExportItem, by: str, at: str) -> None:
    """created -> sent, once."""
    from pynamodb.exceptions import UpdateError

    try:
        item.update(
            actions=[
                PayrollExportItem.status.set("sent"),
                PayrollExportItem.sent_by.set(by),
                PayrollExportItem.sent_at.set(at),
            ],
            condition=(PayrollExportItem.status == "created") & (PayrollExportItem.sha256 == item.sha256),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            raise Conflict("The export was sent already, or replaced by a newer one.", code="already_sent") from None
        raise
