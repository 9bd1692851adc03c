"""F2 reports (and the F5 equipment export): standard and custom reports over the rated
lines, rendered as JSON, PDF, xlsx or CSV; large ones exported asynchronously.

docs/reports.md describes the routes, the sizes and the export's states. The figures are
the rated lines' (services.rating, store.rated_lines_repository): a report reads its months
with one Query each, or the totals when it needs no line detail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from skysentral.domain import organisation
from skysentral.domain import reports as rules
from skysentral.domain.calendar import month_of
from skysentral.domain.errors import DomainError, InvalidInput
from skysentral.domain.identity import Identity
from skysentral.domain.rating import RatedLine
from skysentral.store import rated_lines_repository as lines_store
from skysentral.store import report_exports_repository as exports
from skysentral.store.directory_repository import Directory, new_id

logger = Logger(child=True)
DEFAULT_SYNC_MAX_LINES = 5000
# What the report routes may answer (the OpenAPI document lists them; `format` chooses).
REPORT_RESPONSE = (
    "application/json|application/pdf|application/vnd.openxmlformats-officedocument.spreadsheetml.sheet|text/csv"
)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def sync_max_lines() -> int:
    return int(os.environ.get("REPORT_SYNC_MAX_LINES") or DEFAULT_SYNC_MAX_LINES)


@dataclass(frozen=True)
class File:
    data: bytes
    content_type: str
    filename: str


@dataclass(frozen=True)
class Accepted:
    """An export queued (202): {"export_id", "status": "queued"}."""

    body: dict[str, Any]


# ------------------------------------------------------------------ filters and scope
def filters_of(identity: Identity, directory: Directory, raw: dict[str, Any], now: datetime) -> rules.Filters:
    """The report's Filters from the request's values, narrowed to what the caller may see:
    a department admin their departments (403 for another of the company's), another
    company's department, employee or subscription does not exist (404)."""
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    first = raw.get("from") or raw.get("month") or month_of(now)
    last = raw.get("to") or raw.get("month") or first
    rules.month_range(first, last)
    allowed = scope
    if raw.get("department_id"):
        organisation.find(departments, "department_id", raw["department_id"], "department")
        organisation.require_in_scope(scope, raw["department_id"])
        wanted = organisation.subtree(departments, {raw["department_id"]})
        allowed = wanted if scope is None else wanted & scope
    if raw.get("employee_id"):
        organisation.require_in_scope(scope, directory.employee(raw["employee_id"]).department_id)
    if raw.get("subscription_id"):
        organisation.require_in_scope(scope, directory.subscription(raw["subscription_id"]).department_id)

    def some(key: str) -> frozenset[str] | None:
        return frozenset(raw[key]) if raw.get(key) else None

    return rules.Filters(
        first,
        last,
        department_ids=frozenset(allowed) if allowed is not None else None,
        employee_id=raw.get("employee_id") or None,
        subscription_id=raw.get("subscription_id") or None,
        kinds=some("kinds"),
        zones=some("zones"),
        destination_classes=some("destination_classes"),
        min_amount_ore=raw.get("min_amount_ore"),
        abroad=bool(raw.get("abroad")),
    )


def names_of(directory: Directory) -> rules.Names:
    return rules.Names(
        departments={d.department_id: d.name for d in directory.departments()},
        employees={e.employee_id: e.name for e in directory.employees()},
    )


# ------------------------------------------------------------------ computing
def _lines(company_id: str, months: list[str], on_month=None) -> Iterator[RatedLine]:
    for n, month in enumerate(months, start=1):
        yield from lines_store.lines_of_month(company_id, month)
        if on_month:
            on_month(n, len(months))


def line_count(company_id: str, filters: rules.Filters) -> int:
    """How many lines the report's months hold (the company totals: one Query)."""
    return sum(
        t["lines"] for t in lines_store.totals(company_id, "company", "-", filters.first_month, filters.last_month)
    )


def _department_totals(company_id: str, filters: rules.Filters) -> list[dict[str, Any]]:
    departments = filters.department_ids if filters.department_ids is not None else None
    out = []
    ids = departments if departments is not None else _departments_with_totals(company_id)
    for dep in sorted(ids):
        for t in lines_store.totals(company_id, "department", dep, filters.first_month, filters.last_month):
            out.append({**t, "department_id": dep})
    return out


def _departments_with_totals(company_id: str) -> set[str]:
    from skysentral.store.models import RatingTotalItem

    found = set()
    for item in RatingTotalItem.query(
        lines_store.totals_partition(company_id), RatingTotalItem.sk.startswith("D#"), attributes_to_get=["sk"]
    ):
        found.add(item.sk.split("#")[1])
    return found


def compute(
    company_id: str,
    name: str,
    filters: rules.Filters,
    names: rules.Names,
    group_by: list[str] | None = None,
    *,
    max_lines: int | None = None,
    on_month=None,
) -> rules.Report:
    """The report: cost-by-department from the totals when only months narrow it, any other
    from the lines of its months."""
    if name == "cost-by-department" and filters.only_months():
        return rules.from_department_totals(_department_totals(company_id, filters), filters, names)
    lines = _lines(company_id, filters.months(), on_month)
    if name == "custom":
        return rules.custom(lines, filters, rules.check_group_by(list(group_by or [])), names)
    return rules.standard(name, lines, filters, names, max_lines=max_lines)


def render(table: dict[str, Any], fmt: str, csv_variant: str, now: datetime) -> File:
    stem = f"{table.get('report', 'rapport')}-{table['filters'].get('from', '')}"
    if table["filters"].get("to") not in (None, table["filters"].get("from")):
        stem += f"_{table['filters']['to']}"
    if fmt == "pdf":
        from skysentral.documents import report_pdf

        return File(report_pdf.render(table, generated_at=now), CONTENT_TYPES["pdf"], f"{stem}.pdf")
    if fmt == "xlsx":
        from skysentral.documents import report_xlsx

        return File(report_xlsx.render(table), CONTENT_TYPES["xlsx"], f"{stem}.xlsx")
    if fmt == "csv":
        from skysentral.documents import report_csv

        return File(report_csv.render(table, csv_variant), CONTENT_TYPES["csv"], f"{stem}.csv")
    raise InvalidInput(f"Unknown format {fmt!r}.", code="invalid_format")


# ------------------------------------------------------------------ the use cases
def report(
    identity: Identity,
    directory: Directory,
    name: str,
    raw_filters: dict[str, Any],
    fmt: str,
    csv_variant: str,
    now: datetime,
    group_by: list[str] | None = None,
) -> dict[str, Any] | File | Accepted:
    """F2: a standard (`name` in REPORTS) or custom (`name` = "custom") report. JSON and files
    of up to REPORT_SYNC_MAX_LINES lines are answered at once; a file over it is exported
    (202); a JSON list of lines stops at the limit (`truncated`)."""
    if name != "custom":
        rules.check_report(name)
    else:
        rules.check_group_by(list(group_by or []))
    filters = filters_of(identity, directory, raw_filters, now)
    limit = sync_max_lines()
    needs_lines = not (name == "cost-by-department" and filters.only_months())
    if fmt != "json" and needs_lines and line_count(directory.company_id, filters) > limit:
        return Accepted(start_export(identity, directory, name, raw_filters, fmt, csv_variant, group_by, now))
    result = compute(directory.company_id, name, filters, names_of(directory), group_by, max_lines=limit)
    table = result.to_dict()
    if fmt == "json":
        return table
    return render(table, fmt, csv_variant, now)


def start_export(
    identity: Identity,
    directory: Directory,
    name: str,
    raw_filters: dict[str, Any],
    fmt: str,
    csv_variant: str,
    group_by: list[str] | None,
    now: datetime,
) -> dict[str, Any]:
    from skysentral.adapters import queues

    export_id = new_id("rx")
    request = {
        "report": name,
        "filters": raw_filters,
        "group_by": group_by or [],
        "format": fmt,
        "csv": csv_variant,
        "identity": {
            "user_id": identity.user_id,
            "role": identity.role,
            "department_ids": sorted(identity.department_ids),
        },
    }
    exports.create(directory.company_id, export_id, request, now)
    queues.send(
        queues.queue_url("REPORT_EXPORT_QUEUE_URL"), [{"company_id": directory.company_id, "export_id": export_id}]
    )
    logger.info("report export queued", extra={"export_id": export_id, "report": name, "format": fmt})
    return {"export_id": export_id, "status": "queued"}


def export_status(directory: Directory, export_id: str) -> dict[str, Any]:
    """F2: an export's progress; when done, a download link (valid one hour)."""
    item = exports.get(directory.company_id, export_id)
    out: dict[str, Any] = {
        "export_id": export_id,
        "status": item.status,
        "report": item.request.get("report"),
        "format": item.request.get("format"),
        "progress": {"done": int(item.done_steps), "of": int(item.steps)},
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }
    if item.status == "done" and item.key:
        from skysentral.adapters import report_storage

        out["url"] = report_storage.download_url(item.key)
        out["filename"] = item.filename
    if item.status == "failed":
        out["reason"] = item.reason
    return out


def run_export(company_id: str, export_id: str, now: datetime) -> str:
    """The worker (functions/report_export): queued → running (month x of y) → done, the file
    in the ReportsBucket; a report that cannot be made is `failed` with the reason. A
    message for an export already done or failed changes nothing. Returns the status."""
    from skysentral.adapters import report_storage

    item = exports.get(company_id, export_id)
    if item.status in ("done", "failed"):
        return str(item.status)
    request = item.request
    try:
        who = request["identity"]
        identity = Identity(who["user_id"], company_id, who["role"], frozenset(who.get("department_ids") or ()))
        directory = Directory(company_id)
        filters = filters_of(identity, directory, request["filters"], now)
        months = filters.months()
        exports.progress(item, "running", now, steps=len(months), done_steps=0)

        def on_month(done: int, of: int) -> None:
            exports.progress(item, "running", now, done_steps=done)

        result = compute(
            company_id, request["report"], filters, names_of(directory), request["group_by"], on_month=on_month
        )
        file = render(result.to_dict(), request["format"], request["csv"], now)
        key = f"reports/{company_id}/{export_id}/{file.filename}"
        report_storage.write(key, file.data, file.content_type, file.filename)
        exports.progress(item, "done", now, key=key, filename=file.filename, done_steps=len(months))
        return "done"
    except DomainError as exc:
        exports.progress(item, "failed", now, reason=exc.message)
        return "failed"
    except Exception:
        logger.exception("report export failed", extra={"export_id": export_id})
        exports.progress(item, "failed", now, reason="The report could not be made; it has been logged.")
        return "failed"


# ------------------------------------------------------------------ F5: the equipment export
EQUIPMENT_COLUMNS = [
    rules.Column("department", "Avdeling"),
    rules.Column("source", "Kilde"),
    rules.Column("kind", "Type"),
    rules.Column("model", "Modell"),
    rules.Column("employee", "Ansatt"),
    rules.Column("msisdn", "Nummer"),
    rules.Column("imei", "IMEI"),
    rules.Column("serial", "Serienummer"),
    rules.Column("seen_at", "Sist sett", "datetime"),
    rules.Column("note", "Merknad"),
]


def equipment_file(listing: dict[str, Any], directory: Directory, fmt: str, csv_variant: str, now: datetime) -> File:
    """F5: services.equipment.list_equipment's answer as a CSV or xlsx file."""
    names = names_of(directory)
    rows = [
        {
            **item,
            "department": names.departments.get(item.get("department_id") or "", item.get("department_id") or ""),
            "employee": names.employees.get(item.get("employee_id") or "", item.get("employee_id") or ""),
        }
        for item in listing.get("items", [])
    ]
    table = {
        "report": "equipment",
        "title": "Utstyr",
        "filters": {"date": now.date().isoformat()},
        "columns": [c.to_dict() for c in EQUIPMENT_COLUMNS],
        "rows": rows,
        "total": None,
    }
    if fmt == "xlsx":
        from skysentral.documents import report_xlsx

        return File(report_xlsx.render(table, "Utstyr"), CONTENT_TYPES["xlsx"], "utstyr.xlsx")
    from skysentral.documents import report_csv

    return File(report_csv.render(table, csv_variant), CONTENT_TYPES["csv"], "utstyr.csv")
