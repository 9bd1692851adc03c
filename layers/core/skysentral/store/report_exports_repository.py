"""F2: the progress of asynchronous report exports (ReportExportsTable, env
REPORT_EXPORTS_TABLE): pk = company id, sk = export id; expires (TTL) after 7 days, with
the file in the ReportsBucket (its lifecycle removes it after 7 days too).

status: queued → running (done_steps / steps) → done (key of the file) | failed (reason)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from skysentral.domain.errors import NotFound
from skysentral.store.models import _TableFromEnvironment

KEEP_DAYS = 7


class ReportExportItem(Model):
    class Meta(metaclass=_TableFromEnvironment):
        env, suffix = "REPORT_EXPORTS_TABLE", "report-exports"

    company_id = UnicodeAttribute(hash_key=True)
    export_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # queued | running | done | failed
    request = JSONAttribute()  # what to render: report, filters, group_by, format, csv, scope
    steps = NumberAttribute(default=0)
    done_steps = NumberAttribute(default=0)
    key = UnicodeAttribute(null=True)  # the file in the ReportsBucket
    filename = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = TTLAttribute()


def create(company_id: str, export_id: str, request: dict[str, Any], now: datetime) -> ReportExportItem:
    item = ReportExportItem(
        company_id,
        export_id,
        status="queued",
        request=request,
        created_at=now.isoformat(),
        updated_at=now.isoformat(),
        expires_at=now + timedelta(days=KEEP_DAYS),
    )
    item.save(condition=ReportExportItem.export_id.does_not_exist())
    return item


def get(company_id: str, export_id: str) -> ReportExportItem:
    try:
        return ReportExportItem.get(company_id, export_id)
    except ReportExportItem.DoesNotExist:
        raise NotFound(f"No report export {export_id}.") from None


def progress(item: ReportExportItem, status: str, now: datetime, **values: Any) -> None:
    actions: list[Action] = [ReportExportItem.status.set(status), ReportExportItem.updated_at.set(now.isoformat())]
    for name, value in values.items():
        actions.append(getattr(ReportExportItem, name).set(value))
    item.update(actions=actions)
