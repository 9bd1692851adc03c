"""F6–F9 and C7 use cases: the company's invoice-control settings (versioned policies),
employees' reports, the effective private/work use of each line (the decision made at
rating is services.line_use), the tax figures per employee (month and year to date), the
payroll summary and the payroll exports.

docs/invoice-control.md has the rules; domain/invoice_control has them as code."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from skysentral.adapters import invoice_storage, s3_files
from skysentral.documents import payroll_entries as files
from skysentral.domain import organisation
from skysentral.domain.calendar import OSLO, iso_utc, last_day, month_of, next_month
from skysentral.domain.errors import Conflict, InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.domain.invoice_control import payroll, policies, tax
from skysentral.domain.invoice_control.policies import PRIVATE, WORK, PolicySet
from skysentral.domain.rating import RatedLine
from skysentral.services.line_use import decide, default_cache, department_chain
from skysentral.store import invoice_control_repository as store
from skysentral.store import rated_lines_repository as lines_store
from skysentral.store.directory_repository import AuditEntry, Directory

REPORTABLE_KINDS = frozenset({"voice", "sms", "mms", "data", "content", "package"})


# ---------------------------------------------------------------- settings (F6)
def settings_of(directory: Directory, now: datetime) -> dict[str, Any]:
    """F6: the version in force today, those waiting for their date, and the history."""
    versions = sorted(store.policy_versions(directory.company_id), key=lambda v: v.version)
    today = now.astimezone(OSLO).date()
    current = policies.in_force(versions, today)
    return {
        "current": current.to_dict() if current else None,
        "upcoming": [v.to_dict() for v in versions if v.valid_from > today],
        "versions": [
            {
                "version": v.version,
                "valid_from": v.valid_from.isoformat(),
                "changed_by": v.changed_by,
                "changed_at": v.changed_at,
            }
            for v in versions
        ],
    }


def save_settings(identity: Identity, directory: Directory, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """F6: a new version of the settings, applying from `valid_from` (today or later)."""
    versions = store.policy_versions(directory.company_id)
    newest = max((v.version for v in versions), default=0)
    settings = PolicySet.from_dict(
        {**data, "version": newest + 1, "changed_by": identity.user_id, "changed_at": now.isoformat()}
    )
    today = now.astimezone(OSLO).date()
    problems = settings.problems(
        {d.department_id for d in directory.departments()}, {e.employee_id for e in directory.employees()}, today
    )
    if problems:
        error = policies.InvalidPolicy(f"The settings have {len(problems)} problem(s).")
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    before = policies.in_force(versions, settings.valid_from)
    directory.commit(
        identity,
        create=[store.policy_version_item(directory.company_id, settings)],
        audit=AuditEntry(
            "invoice_control.settings_changed",
            directory.company_id,
            before.to_dict() if before else None,
            settings.to_dict(),
        ),
        now=now,
    )
    default_cache.clear()
    return settings.to_dict()


def _require_unsent(company_id: str, month: str) -> None:
    """A month whose payroll export was sent is not exported again (what changes in it later
    is paid by the next month's export)."""
    if any(e.status == "sent" for e in store.exports(company_id, month)):
        raise Conflict(
            f"The payroll of {month} was sent; later changes are paid by the next month's export.", code="already_sent"
        )


# ---------------------------------------------------------------- effective use (F6 + F8)
def report_deadline(month: str, day: int) -> datetime:
    """The last moment (Oslo) an employee may report a line of `month`: the `day` of the
    next month, 23:59:59."""
    first = last_day(month) + timedelta(days=1)
    return datetime.combine(first.replace(day=day), datetime.max.time().replace(microsecond=0), OSLO)


class Month:
    """A company's month as invoice control sees it: the lines, the reports, the policy
    version of the month (in force on its last day) and who had a company-paid service."""

    def __init__(self, company_id: str, month: str, versions: list[PolicySet]):
        self.company_id, self.month = company_id, month
        self.lines = list(lines_store.lines_of_month(company_id, month))
        self.reports = store.reports_of_month(company_id, month)
        self.version = policies.in_force(versions, last_day(month))
        self.latest: dict[str, store.UseReport] = {}
        for r in self.reports:  # oldest first per line: the newest stays
            self.latest[r.line_id] = r
        self.with_fees = any(line.line_type == "fee" for line in self.lines)

    def deadline(self) -> datetime:
        return report_deadline(
            self.month, self.version.report_deadline_day if self.version else policies.DEFAULT_DEADLINE_DAY
        )

    def use_of(self, line: RatedLine, versions: list[PolicySet], parents: dict[str, str | None]) -> tuple[str, str]:
        """The effective use of a line and where it came from: the employee's newest report,
        else the policy's decision kept on the line (a line rated before invoice control
        existed is decided now, by the version in force at its start)."""
        own = self.latest.get(line.corrects or line.line_id)
        if own is not None:
            return own.use, "employee_report"
        decided = decide(line, versions, parents)
        return decided.use or WORK, decided.use_rule or "default_work"

    def policy_of(self, employee_id: str, chain: list[str]) -> policies.Policy:
        if self.version is None:
            return policies.Policy("none")
        return self.version.policy_for(employee_id, chain)


def _month_uses(
    m: Month,
    versions: list[PolicySet],
    parents: dict[str, str | None],
    employees: dict[str, organisation.Employee],
    active: set[str],
) -> dict[str, tax.MonthUse]:
    """Per employee: the month's private content, other private use and work use (øre incl.
    MVA), whether they had a company-paid service, and their policy's treatment."""
    sums: dict[str, list[int]] = {}
    service: set[str] = set()
    for line in m.lines:
        emp = line.employee_id
        if not emp:
            continue
        s = sums.setdefault(emp, [0, 0, 0])
        gross = line.amount_ore + line.mva_ore
        if line.line_type == "fee":
            service.add(emp)
        use, _ = m.use_of(line, versions, parents)
        if use == PRIVATE:
            s[0 if line.kind == "content" else 1] += gross
        else:
            s[2] += gross
    if not m.with_fees:  # not invoiced yet (this month, or last before the run): who has one now
        service |= active
    out = {}
    for emp in set(sums) | service:
        if emp not in employees:
            continue
        s = sums.get(emp, [0, 0, 0])
        p = m.policy_of(emp, department_chain(parents, employees[emp].department_id))
        out[emp] = tax.MonthUse(m.month, s[0], s[1], s[2], emp in service, p.treatment, p.covers_content)
    return out


class Year:
    """An employee-or-company view of a calendar year up to `month`: one read of each month's
    lines and reports (January to `month`)."""

    def __init__(self, directory: Directory, month: str, employee_ids: Iterable[str] | None = None):
        self.directory, self.month = directory, month
        company_id = directory.company_id
        self.versions = store.policy_versions(company_id)
        departments = directory.departments()
        self.parents = {d.department_id: d.parent_id for d in departments}
        self.employees = {e.employee_id: e for e in directory.employees()}
        wanted = set(employee_ids) if employee_ids is not None else None
        active = {
            s.employee_id
            for s in directory.subscriptions()
            if s.employee_id and s.status == "active" and (wanted is None or s.employee_id in wanted)
        }
        self.months: list[Month] = []
        self.uses: dict[str, list[tax.MonthUse]] = {}
        # months before the company's first rated month are not ours to report (a company
        # that had lines last December was ours already in January)
        rated_yet = bool(lines_store.page_of_month(company_id, f"{int(month[:4]) - 1}-12", limit=1).lines)
        for m in _months_of_year(month):
            mm = Month(company_id, m, self.versions)
            self.months.append(mm)
            rated_yet = rated_yet or bool(mm.lines)
            for emp, use in _month_uses(
                mm, self.versions, self.parents, self.employees, active if rated_yet else set()
            ).items():
                if wanted is None or emp in wanted:
                    self.uses.setdefault(emp, []).append(use)
        self.figures = {emp: tax.year(uses) for emp, uses in self.uses.items()}

    def of(self, employee_id: str) -> list[tax.MonthTax]:
        return self.figures.get(employee_id, [])

    def at_month(self, employee_id: str) -> tuple[tax.Figures, tax.Figures]:
        """The month's figures and the year to date (zeros where the employee had nothing)."""
        rows = self.of(employee_id)
        month = next((r.month_figures for r in rows if r.month == self.month), tax.Figures())
        ytd = rows[-1].year_to_date if rows else tax.Figures()
        return month, ytd


def _months_of_year(month: str) -> list[str]:
    year = month[:4]
    out, m = [], f"{year}-01"
    while m <= month:
        out.append(m)
        m = next_month(m)
    return out


def _check_month(month: str, now: datetime) -> None:
    if not re.fullmatch(r"20\d{2}-(0[1-9]|1[0-2])", month):
        raise InvalidInput(f"{month!r} is not a month of this century (YYYY-MM).", code="invalid_month")
    if month > month_of(now):
        raise InvalidInput(f"{month} has not begun.", code="invalid_month")


# ---------------------------------------------------------------- employees (C7, F8, views)
def my_month(identity: Identity, directory: Directory, month: str, now: datetime) -> dict[str, Any]:
    """C7/F8: the employee's lines of a month with their use and why, whether they may still
    report, the month's private and work totals and the tax figures to date."""
    _check_month(month, now)
    year = Year(directory, month, [identity.user_id])
    m = year.months[-1]
    lines = []
    for line in m.lines:
        if line.employee_id != identity.user_id:
            continue
        use, source = m.use_of(line, year.versions, year.parents)
        lines.append(
            {
                **{k: v for k, v in line.to_dict().items() if k not in ("tariff", "company_id")},
                "amount_incl_mva_ore": line.amount_ore + line.mva_ore,
                "effective_use": use,
                "decided_by": source,
                "reportable": line.line_type in ("usage", "purchase") and line.kind in REPORTABLE_KINDS,
            }
        )
    lines.sort(key=lambda x: (x.get("started_at") or "", x["line_id"]))
    deadline = m.deadline()
    return {
        "employee_id": identity.user_id,
        "month": month,
        "reporting": _reporting_state(m, now),
        "deadline": deadline.isoformat(),
        **_figures_out(year, identity.user_id),
        "lines": lines,
    }


def _reporting_state(m: Month, now: datetime) -> str:
    """Open until the deadline, whether or not the month's payroll was sent: a report after
    the export changes what the next month's export pays."""
    return "open" if now <= m.deadline() else "closed"


def _figures_out(year: Year, employee_id: str) -> dict[str, Any]:
    month_fig, ytd = year.at_month(employee_id)
    months = [{"month": r.month, **r.month_figures.to_dict()} for r in year.of(employee_id)]
    policy = None
    emp = year.employees.get(employee_id)
    m = year.months[-1]
    if emp is not None and m.version is not None:
        name = m.version.policy_name_for(employee_id, department_chain(year.parents, emp.department_id))
        p = m.version.policies[name]
        policy = {
            "name": name,
            "treatment": p.treatment,
            "covers_content": p.covers_content,
            "version": m.version.version,
        }
    return {"policy": policy, "month_figures": month_fig.to_dict(), "year_to_date": ytd.to_dict(), "months": months}


def report_use(
    identity: Identity, directory: Directory, month: str, line_id: str, use: str, note: str, now: datetime
) -> dict[str, Any]:
    """C7/F8: the employee marks one of their lines private or work, until the deadline."""
    _check_month(month, now)
    versions = store.policy_versions(directory.company_id)
    m = Month(directory.company_id, month, versions)
    line = next((x for x in m.lines if x.line_id == line_id and x.employee_id == identity.user_id), None)
    if line is None:
        raise NotFound(f"No line {line_id} of yours in {month}.")
    if not (line.line_type in ("usage", "purchase") and line.kind in REPORTABLE_KINDS):
        raise InvalidInput(
            "A subscription fee or a correction cannot be reported: it follows its line.", code="not_reportable"
        )
    if _reporting_state(m, now) != "open":
        raise Conflict(
            f"The reporting of {month} closed at {m.deadline().isoformat()}; the policy's decision stands.",
            code="reporting_closed",
        )
    parents = {d.department_id: d.parent_id for d in directory.departments()}
    previous, _ = m.use_of(line, versions, parents)
    report = store.UseReport(line_id, identity.user_id, use, previous, note, identity.user_id, iso_utc(now))
    store.add_report(directory.company_id, month, report, sum(1 for r in m.reports if r.line_id == line_id))
    return {**report.to_dict(), "month": month, "effective_use": use}


def my_reports(identity: Identity, directory: Directory, month: str) -> dict[str, Any]:
    """F8: my reports of the month, every change (whatever my role)."""
    reports = store.reports_of_month(directory.company_id, month)
    return {"month": month, "reports": [r.to_dict() for r in reports if r.employee_id == identity.user_id]}


def report_history(identity: Identity, directory: Directory, month: str, employee_id: str | None) -> dict[str, Any]:
    """F8: every report of the month by the employees an administrator may see (a department
    admin: their departments'), or one employee's."""
    reports = store.reports_of_month(directory.company_id, month)
    items = [r.to_dict() for r in reports if employee_id is None or r.employee_id == employee_id]
    scope = organisation.scope_of(identity, directory.departments())
    if scope is not None:
        departments = {e.employee_id: e.department_id for e in directory.employees()}
        items = [r for r in items if departments.get(r["employee_id"]) in scope]
    return {"month": month, "reports": items}


def _in_scope(identity: Identity, directory: Directory, employee_id: str) -> bool:
    scope = organisation.scope_of(identity, directory.departments())
    if scope is None:
        return True
    try:
        return directory.employee(employee_id).department_id in scope
    except NotFound:
        return False


# ---------------------------------------------------------------- administrators (F7, F9 views)
def employee_figures(
    identity: Identity, directory: Directory, employee_id: str, month: str, now: datetime
) -> dict[str, Any]:
    _check_month(month, now)
    if not _in_scope(identity, directory, employee_id):
        raise NotFound(f"No employee {employee_id}.")
    year = Year(directory, month, [employee_id])
    return {"employee_id": employee_id, "month": month, **_figures_out(year, employee_id)}


def payroll_summary(identity: Identity, directory: Directory, month: str, now: datetime) -> dict[str, Any]:
    """F7/F9: per employee the month's and the year's figures, the totals, and the exports."""
    _check_month(month, now)
    year = Year(directory, month)
    rows = []
    totals = tax.Figures()
    for emp_id in sorted(year.uses):
        emp = year.employees[emp_id]
        month_fig, ytd = year.at_month(emp_id)
        totals = totals.plus(month_fig)
        rows.append(
            {
                "employee_id": emp_id,
                "name": emp.name,
                "department_id": emp.department_id,
                "payroll_number": year.months[-1].version.payroll_number(emp_id) if year.months[-1].version else None,
                "month_figures": month_fig.to_dict(),
                "year_to_date": ytd.to_dict(),
            }
        )
    return {
        "month": month,
        "employees": rows,
        "totals": totals.to_dict(),
        "exports": [_export_out(e) for e in store.exports(directory.company_id, month)],
    }


# ---------------------------------------------------------------- payroll exports (F9)
def _export_id(month: str, system: str) -> str:
    return f"{month}-{system}"


def _parse_export_id(export_id: str) -> tuple[str, str]:
    month, _, system = export_id[:7], export_id[7:8], export_id[8:]
    if _ != "-" or system not in policies.PAYROLL_SYSTEMS:
        raise NotFound(f"No payroll export {export_id}.")
    return month, system


def _export_out(item: Any) -> dict[str, Any]:
    month, system = item.sk.split("#", 1)
    totals: dict[str, int] = {}
    for by_key in payroll.add(item.amounts, item.carried or {}).values():
        for key, amount in by_key.items():
            totals[key] = totals.get(key, 0) + amount
    return {
        "export_id": item.export_id,
        "month": month,
        "system": system,
        "status": item.status,
        "file_name": item.file_name,
        "sha256": item.sha256,
        "entries": item.entries,
        "totals": totals,
        "amounts": item.amounts,
        "carried_from_previous_year": item.carried or {},
        "created_by": item.created_by,
        "created_at": item.created_at,
        "sent_by": item.sent_by,
        "sent_at": item.sent_at,
    }


def _paid_of_year(company_id: str, year: str, before_month: str) -> dict[str, dict[str, int]]:
    """What sent exports paid of `year`'s figures, per employee and wage type: the year's own
    exports of months before `before_month`, and what the next year's exports before it
    carried over from this year."""
    paid: dict[str, dict[str, int]] = {}
    for item in store.exports(company_id, year) + store.exports(company_id, str(int(year) + 1)):
        month = item.sk.split("#", 1)[0]
        if item.status != "sent" or month >= before_month:
            continue
        paid = payroll.add(paid, item.amounts if month[:4] == year else (item.carried or {}))
    return paid


def _carried_from(directory: Directory, year: str, before_month: str) -> dict[str, dict[str, int]]:
    """What `year` still owes after its sent exports (only when it had any)."""
    if not any(e.status == "sent" for e in store.exports(directory.company_id, year)):
        return {}
    last = Year(directory, f"{year}-12")
    due = {emp: last.at_month(emp)[1] for emp in last.uses}
    return payroll.outstanding(due, _paid_of_year(directory.company_id, year, before_month))


def create_export(
    identity: Identity, directory: Directory, month: str, system: str | None, now: datetime
) -> dict[str, Any]:
    """F9: the month's payroll file: what is due this year to date minus what sent exports
    paid. The same figures give the same bytes; a sent month answers 409."""
    _check_month(month, now)
    if month >= month_of(now):
        raise InvalidInput(f"The payroll of {month} can be exported when the month has ended.", code="invalid_month")
    _require_unsent(directory.company_id, month)
    year = Year(directory, month)
    settings = year.months[-1].version
    if settings is None:
        raise Conflict(
            "Set up invoice control (PUT /admin/invoice-control/settings) before exporting payroll.", code="no_settings"
        )
    system = system or settings.payroll.system
    due = {emp: year.at_month(emp)[1] for emp in year.uses}
    amounts = payroll.outstanding(due, _paid_of_year(directory.company_id, month[:4], month))
    carried = _carried_from(directory, str(int(month[:4]) - 1), month)
    departments = {e: x.department_id for e, x in year.employees.items()}
    entries = payroll.entries(settings, month, payroll.add(amounts, carried), departments)
    run = files.PayrollRun(
        company_id=directory.company_id,
        period=month,
        pay_date=last_day(month),
        system=system,
        client_number=settings.payroll.client_number,
        run_number=settings.payroll.run_number,
        entries=tuple(entries),
    )
    file_name, content = files.render(run)
    digest = hashlib.sha256(content).hexdigest()
    existing = store.export(directory.company_id, month, system)
    key = f"payroll/{directory.company_id}/{month}/{digest[:16]}/{file_name}"
    if existing is None or existing.sha256 != digest:
        s3_files.put(invoice_storage.bucket(), key, content, files.content_type(system), file_name)
        existing = store.save_export(
            directory.company_id,
            month,
            system,
            export_id=_export_id(month, system),
            file_key=key,
            file_name=file_name,
            sha256=digest,
            amounts=amounts,
            carried=carried,
            entries=len(entries),
            created_by=identity.user_id,
            created_at=iso_utc(now),
        )
    return {**_export_out(existing), "download_url": invoice_storage.download_url(existing.file_key)}


def get_export(directory: Directory, export_id: str) -> dict[str, Any]:
    month, system = _parse_export_id(export_id)
    item = store.export(directory.company_id, month, system)
    if item is None:
        raise NotFound(f"No payroll export {export_id}.")
    return {**_export_out(item), "download_url": invoice_storage.download_url(item.file_key)}


def list_exports(directory: Directory, year: str | None) -> dict[str, Any]:
    return {"exports": [_export_out(e) for e in store.exports(directory.company_id, year or "")]}


def mark_sent(identity: Identity, directory: Directory, export_id: str, now: datetime) -> dict[str, Any]:
    """F9: the export was sent to payroll: its month is closed and what it paid is recorded,
    so no later export pays it again."""
    month, system = _parse_export_id(export_id)
    item = store.export(directory.company_id, month, system)
    if item is None:
        raise NotFound(f"No payroll export {export_id}.")
    _require_unsent(directory.company_id, month)  # this one, or another system's file of the month
    store.mark_sent(item, identity.user_id, iso_utc(now))
    directory.commit(
        identity,
        audit=AuditEntry("payroll_export.sent", export_id, None, {"sha256": item.sha256, "amounts": item.amounts}),
        now=now,
    )
    return get_export(directory, export_id)
