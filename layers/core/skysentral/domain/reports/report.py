"""F2: reports over rated lines, as plain values (no storage, no rendering).

A report is a table: `columns` (key, label, type), `rows`, a `total` row, and the column a
chart draws. Every row of a grouped report names where it drills to (`drill`: the report
and the filters one level down: company → department → employee → lines).

    standard(name, lines, filters, names)     the named reports (REPORTS)
    custom(lines, filters, group_by, names)   any filter set, grouped by up to three keys
    from_totals(name, totals, filters, names) cost-by-department from the rated lines' totals

Amounts are øre (excluding MVA) as integers; renderers turn them into kroner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.rating import RatedLine

REPORTS = (
    "cost-by-department",
    "cost-by-employee",
    "roaming",
    "content-services",
    "top-users",
    "data-packages",
    "lines",
)
GROUP_BY = ("department", "employee", "subscription", "kind", "zone", "month")
KINDS = ("data", "voice", "sms", "mms", "content", "package", "fee")
MAX_MONTHS = 36
TOP_USERS = 10
HOME_ZONE = "NO"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

TITLES = {
    "cost-by-department": "Kostnad per avdeling",
    "cost-by-employee": "Kostnad per ansatt",
    "roaming": "Roaming (bruk i utlandet)",
    "content-services": "Innholdstjenester",
    "top-users": "Største brukere",
    "data-packages": "Data og datapakker",
    "lines": "Linjer",
    "custom": "Egendefinert rapport",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str = "text"  # text | nok (øre in the data) | int | date | datetime

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "type": self.type}


@dataclass(frozen=True)
class Filters:
    """What a report covers. `department_ids` is the set the caller may and wants to see
    (None = the whole company); the others narrow the lines."""

    first_month: str
    last_month: str
    department_ids: frozenset[str] | None = None
    employee_id: str | None = None
    subscription_id: str | None = None
    kinds: frozenset[str] | None = None
    zones: frozenset[str] | None = None
    destination_classes: frozenset[str] | None = None
    min_amount_ore: int | None = None
    abroad: bool = False  # only lines of zones other than Norway (roaming)

    def months(self) -> list[str]:
        return month_range(self.first_month, self.last_month)

    def keeps(self, line: RatedLine) -> bool:
        return (
            (self.department_ids is None or line.department_id in self.department_ids)
            and (self.employee_id is None or line.employee_id == self.employee_id)
            and (self.subscription_id is None or line.subscription_id == self.subscription_id)
            and (self.kinds is None or line.kind in self.kinds)
            and (self.zones is None or line.zone in self.zones)
            and (self.destination_classes is None or line.destination_class in self.destination_classes)
            and (self.min_amount_ore is None or line.amount_ore >= self.min_amount_ore)
            and (not self.abroad or line.zone != HOME_ZONE)
            and self.first_month <= line.month <= self.last_month
        )

    def only_months(self) -> bool:
        """True when nothing but the months (and the department scope) narrows the lines."""
        return (
            all(
                v is None
                for v in (
                    self.employee_id,
                    self.subscription_id,
                    self.kinds,
                    self.zones,
                    self.destination_classes,
                    self.min_amount_ore,
                )
            )
            and not self.abroad
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.first_month, "to": self.last_month}
        if self.abroad:
            out["abroad"] = True
        for key in ("employee_id", "subscription_id", "min_amount_ore"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ("department_ids", "kinds", "zones", "destination_classes"):
            value = getattr(self, key)
            if value is not None:
                out[key] = sorted(value)
        return out


@dataclass(frozen=True)
class Names:
    """Display names from the directory (ids are shown where a name is missing)."""

    departments: dict[str, str] = field(default_factory=dict)
    employees: dict[str, str] = field(default_factory=dict)
    subscriptions: dict[str, str] = field(default_factory=dict)  # subscription id -> msisdn


@dataclass
class Report:
    report: str
    title: str
    filters: dict[str, Any]
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    chart: dict[str, str] | None = None  # {"label": column key, "value": column key}
    group_by: list[str] = field(default_factory=list)
    lines_read: int = 0
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "title": self.title,
            "filters": self.filters,
            "group_by": self.group_by,
            "columns": [c.to_dict() for c in self.columns],
            "rows": self.rows,
            "total": self.total,
            "chart": self.chart,
            "truncated": self.truncated,
        }


# ------------------------------------------------------------------ months and filters
def check_month(month: str, what: str = "month") -> str:
    if not isinstance(month, str) or not _MONTH.match(month):
        raise InvalidInput(f"{what} must be a month YYYY-MM, not {month!r}.", code="invalid_month")
    return month


def month_range(first: str, last: str) -> list[str]:
    check_month(first, "from")
    check_month(last, "to")
    if first > last:
        raise InvalidInput(f"The month range {first}..{last} runs backwards.", code="invalid_month")
    out, (y, m) = [], (int(first[:4]), int(first[5:]))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        if len(out) > MAX_MONTHS:
            raise InvalidInput(f"A report covers at most {MAX_MONTHS} months.", code="invalid_month")
    return out


def check_group_by(group_by: list[str]) -> list[str]:
    if not isinstance(group_by, list) or not 1 <= len(group_by) <= 3:
        raise InvalidInput("group_by must list 1 to 3 of: " + ", ".join(GROUP_BY) + ".", code="invalid_group_by")
    for key in group_by:
        if key not in GROUP_BY:
            raise InvalidInput(f"Cannot group by {key!r}; one of: {', '.join(GROUP_BY)}.", code="invalid_group_by")
    if len(set(group_by)) != len(group_by):
        raise InvalidInput("group_by lists a key twice.", code="invalid_group_by")
    return group_by


def check_report(name: str) -> str:
    if name not in REPORTS:
        raise NotFound(f"No report {name!r}; one of: {', '.join(REPORTS)}.")
    return name


# ------------------------------------------------------------------ grouping
_KEY_COLUMNS: dict[str, list[Column]] = {
    "department": [Column("department_id", "Avdeling-ID"), Column("department", "Avdeling")],
    "employee": [Column("employee_id", "Ansatt-ID"), Column("employee", "Ansatt")],
    "subscription": [Column("subscription_id", "Abonnement"), Column("msisdn", "Nummer")],
    "kind": [Column("kind", "Type")],
    "zone": [Column("zone", "Sone")],
    "month": [Column("month", "Måned")],
    "merchant": [Column("merchant", "Tilbyder"), Column("category", "Kategori")],
}
_SUMS = [
    Column("lines", "Linjer", "int"),
    Column("amount_ore", "Beløp eks. mva", "nok"),
    Column("mva_ore", "Mva", "nok"),
]


def _key_values(key: str, line: RatedLine, names: Names) -> dict[str, Any]:
    if key == "department":
        return {"department_id": line.department_id, "department": names.departments.get(line.department_id, "")}
    if key == "employee":
        eid = line.employee_id or ""
        return {"employee_id": eid, "employee": names.employees.get(eid, "") if eid else "(uten ansatt)"}
    if key == "subscription":
        return {"subscription_id": line.subscription_id, "msisdn": line.msisdn}
    if key == "merchant":
        return {"merchant": line.merchant or "", "category": line.category or ""}
    return {key: getattr(line, key)}


def _drill(group_by: list[str], row: dict[str, Any], filters: Filters) -> dict[str, Any] | None:
    """One level down: a department's employees, an employee's (or subscription's) lines."""
    base = {"from": filters.first_month, "to": filters.last_month}
    if group_by == ["department"]:
        return {"report": "cost-by-employee", **base, "department_id": row["department_id"]}
    if group_by == ["employee"] and row.get("employee_id"):
        return {"report": "lines", **base, "employee_id": row["employee_id"]}
    if group_by == ["subscription"]:
        return {"report": "lines", **base, "subscription_id": row["subscription_id"]}
    return None


def group(
    lines: Iterable[RatedLine],
    filters: Filters,
    group_by: list[str],
    names: Names,
    *,
    quantity: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """Rows (sums per group, sorted by amount, largest first), the total and the lines read."""
    groups: dict[tuple, dict[str, Any]] = {}
    total = {"lines": 0, "amount_ore": 0, "mva_ore": 0}
    if quantity:
        total["quantity"] = 0
    read = 0
    for line in lines:
        read += 1
        if not filters.keeps(line):
            continue
        key = tuple(_key_values(k, line, names).items() for k in group_by)
        flat = tuple(v for part in key for v in part)
        row = groups.get(flat)
        if row is None:
            row = groups[flat] = {k: v for part in key for k, v in part}
            row.update(lines=0, amount_ore=0, mva_ore=0)
            if quantity:
                row["quantity"] = 0
        row["lines"] += 1
        row["amount_ore"] += line.amount_ore
        row["mva_ore"] += line.mva_ore
        total["lines"] += 1
        total["amount_ore"] += line.amount_ore
        total["mva_ore"] += line.mva_ore
        if quantity:
            row["quantity"] += line.quantity
            total["quantity"] += line.quantity
    rows = sorted(groups.values(), key=lambda r: (-r["amount_ore"], *(str(v) for v in r.values())))
    for row in rows:
        drill = _drill(group_by, row, filters)
        if drill:
            row["drill"] = drill
    return rows, total, read


def _columns(group_by: list[str], extra: list[Column] | None = None) -> list[Column]:
    cols = [c for k in group_by for c in _KEY_COLUMNS[k]]
    return cols + (extra or []) + _SUMS


def _chart(group_by: list[str]) -> dict[str, str]:
    label = {"department": "department", "employee": "employee", "subscription": "msisdn", "merchant": "merchant"}
    return {"label": label.get(group_by[0], group_by[0]), "value": "amount_ore"}


# ------------------------------------------------------------------ the reports
def custom(lines: Iterable[RatedLine], filters: Filters, group_by: list[str], names: Names) -> Report:
    """F2 custom report: the lines that pass the filters, summed per group_by."""
    check_group_by(group_by)
    rows, total, read = group(lines, filters, group_by, names)
    return Report(
        "custom", TITLES["custom"], filters.to_dict(), _columns(group_by), rows, total, _chart(group_by), group_by, read
    )


def _grouped(name: str, lines, filters: Filters, group_by: list[str], names: Names, **kw) -> Report:
    rows, total, read = group(lines, filters, group_by, names, quantity=kw.get("quantity", False))
    extra = [Column("quantity", kw.get("quantity_label", "Mengde"), "int")] if kw.get("quantity") else None
    return Report(
        name, TITLES[name], filters.to_dict(), _columns(group_by, extra), rows, total, _chart(group_by), group_by, read
    )


def _with(filters: Filters, **changes: Any) -> Filters:
    values = {k: getattr(filters, k) for k in filters.__dataclass_fields__}
    values.update(changes)
    return Filters(**values)


def standard(
    name: str, lines: Iterable[RatedLine], filters: Filters, names: Names, *, max_lines: int | None = None
) -> Report:
    """F2: a named report (REPORTS) over the lines of its months."""
    check_report(name)
    if name == "cost-by-department":
        return _grouped(name, lines, filters, ["department"], names)
    if name == "cost-by-employee":
        return _grouped(name, lines, filters, ["employee"], names)
    if name == "top-users":
        report = _grouped(name, lines, filters, ["employee"], names)
        report.rows = report.rows[:TOP_USERS]
        return report
    if name == "roaming":
        return _grouped(name, lines, _with(filters, abroad=True), ["zone", "kind"], names, quantity=True)
    if name == "content-services":
        return _grouped(name, lines, _with(filters, kinds=frozenset({"content"})), ["merchant"], names)
    if name == "data-packages":
        return _data_packages(lines, filters, names)
    return lines_report(lines, filters, names, max_lines=max_lines)


def _data_packages(lines: Iterable[RatedLine], filters: Filters, names: Names) -> Report:
    """Per subscription: data used (bytes), its price beyond the packages, the extra data and
    surf packages the company bought (lines of kind package) and the monthly fees of data
    add-ons (fee lines other than the plan's)."""
    rows: dict[str, dict[str, Any]] = {}
    total = {"data_bytes": 0, "data_ore": 0, "packages_ore": 0, "amount_ore": 0}
    read = 0
    for line in lines:
        read += 1
        if not filters.keeps(line):
            continue
        is_data = line.kind == "data"
        is_package = line.kind == "package" or (line.kind == "fee" and (line.item or "PLAN") != "PLAN")
        if not (is_data or is_package):
            continue
        row = rows.setdefault(
            line.subscription_id,
            {
                "subscription_id": line.subscription_id,
                "msisdn": line.msisdn,
                "employee": names.employees.get(line.employee_id or "", ""),
                "department": names.departments.get(line.department_id, ""),
                "data_bytes": 0,
                "data_ore": 0,
                "packages_ore": 0,
                "amount_ore": 0,
                "packages": [],
            },
        )
        if is_data:
            row["data_bytes"] += line.quantity
            row["data_ore"] += line.amount_ore
            total["data_bytes"] += line.quantity
            total["data_ore"] += line.amount_ore
        else:
            row["packages_ore"] += line.amount_ore
            total["packages_ore"] += line.amount_ore
            if line.item not in row["packages"]:
                row["packages"].append(line.item)
        row["amount_ore"] += line.amount_ore
        total["amount_ore"] += line.amount_ore
    out = sorted(rows.values(), key=lambda r: (-r["amount_ore"], r["subscription_id"]))
    for row in out:
        row["packages"] = ", ".join(sorted(row["packages"]))
        row["drill"] = {
            "report": "lines",
            "from": filters.first_month,
            "to": filters.last_month,
            "subscription_id": row["subscription_id"],
        }
    columns = [
        Column("msisdn", "Nummer"),
        Column("employee", "Ansatt"),
        Column("department", "Avdeling"),
        Column("packages", "Datapakker"),
        Column("data_bytes", "Data (byte)", "int"),
        Column("data_ore", "Databruk", "nok"),
        Column("packages_ore", "Pakker", "nok"),
        Column("amount_ore", "Sum eks. mva", "nok"),
    ]
    return Report(
        "data-packages",
        TITLES["data-packages"],
        filters.to_dict(),
        columns,
        out,
        total,
        {"label": "msisdn", "value": "amount_ore"},
        ["subscription"],
        read,
    )


LINE_COLUMNS = [
    Column("month", "Måned"),
    Column("started_at", "Tidspunkt", "datetime"),
    Column("msisdn", "Nummer"),
    Column("employee", "Ansatt"),
    Column("department", "Avdeling"),
    Column("kind", "Type"),
    Column("destination", "Til"),
    Column("destination_class", "Klasse"),
    Column("zone", "Sone"),
    Column("quantity", "Mengde", "int"),
    Column("unit", "Enhet"),
    Column("amount_ore", "Beløp eks. mva", "nok"),
    Column("mva_ore", "Mva", "nok"),
    Column("line_id", "Linje-ID"),
]


def lines_report(lines: Iterable[RatedLine], filters: Filters, names: Names, *, max_lines: int | None = None) -> Report:
    """The drill-down's leaf: the lines themselves, oldest first (at most `max_lines`)."""
    rows: list[dict[str, Any]] = []
    read = 0
    total = {"lines": 0, "amount_ore": 0, "mva_ore": 0}
    truncated = False
    for line in lines:
        read += 1
        if not filters.keeps(line):
            continue
        total["lines"] += 1
        total["amount_ore"] += line.amount_ore
        total["mva_ore"] += line.mva_ore
        if max_lines is not None and len(rows) >= max_lines:
            truncated = True
            continue
        rows.append(
            {
                "line_id": line.line_id,
                "line_type": line.line_type,
                "month": line.month,
                "started_at": line.started_at or "",
                "subscription_id": line.subscription_id,
                "msisdn": line.msisdn,
                "employee_id": line.employee_id or "",
                "employee": names.employees.get(line.employee_id or "", ""),
                "department_id": line.department_id,
                "department": names.departments.get(line.department_id, ""),
                "kind": line.kind,
                "destination": line.destination or line.merchant or line.item or "",
                "destination_class": line.destination_class,
                "zone": line.zone,
                "quantity": line.quantity,
                "unit": line.unit,
                "amount_ore": line.amount_ore,
                "mva_ore": line.mva_ore,
            }
        )
    rows.sort(key=lambda r: (r["month"], r["started_at"], r["line_id"]))
    report = Report("lines", TITLES["lines"], filters.to_dict(), list(LINE_COLUMNS), rows, total, None, [], read)
    report.truncated = truncated
    return report


def from_department_totals(totals: Iterable[dict[str, Any]], filters: Filters, names: Names) -> Report:
    """cost-by-department from the totals (scope D) when only months narrow the lines: the
    same rows as from the lines, without reading them. `totals` rows carry department_id,
    month, kind, amount_ore, mva_ore, lines (store.rated_lines_repository.totals)."""
    rows: dict[str, dict[str, Any]] = {}
    total = {"lines": 0, "amount_ore": 0, "mva_ore": 0}
    for t in totals:
        dep = t["department_id"]
        if not (filters.first_month <= t["month"] <= filters.last_month):
            continue
        if filters.department_ids is not None and dep not in filters.department_ids:
            continue
        row = rows.setdefault(
            dep,
            {
                "department_id": dep,
                "department": names.departments.get(dep, ""),
                "lines": 0,
                "amount_ore": 0,
                "mva_ore": 0,
            },
        )
        for key in ("lines", "amount_ore", "mva_ore"):
            row[key] += int(t[key])
            total[key] += int(t[key])
    out = [r for r in rows.values() if r["lines"]]
    out.sort(key=lambda r: (-r["amount_ore"], *(str(v) for v in r.values())))
    for row in out:
        row["drill"] = _drill(["department"], row, filters)
    return Report(
        "cost-by-department",
        TITLES["cost-by-department"],
        filters.to_dict(),
        _columns(["department"]),
        out,
        total,
        _chart(["department"]),
        ["department"],
        0,
    )
