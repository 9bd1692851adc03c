"""Use cases of the administration API (E1, E5, E6) and of the employee's profile
(C1, A10). Each takes the caller's identity and a tenant-bound `Directory`."""

from __future__ import annotations

from dataclasses import replace

from skysentral.domain import organisation
from skysentral.domain.errors import Forbidden, InvalidInput
from skysentral.domain.identity import Identity
from skysentral.store.directory_repository import AuditEntry, Directory, Page, new_id

MAX_PAGE = 200


def _page_out(page: Page) -> dict:
    return {"items": [i.to_dict() if hasattr(i, "to_dict") else i for i in page.items], "next_cursor": page.next_cursor}


# ---------------------------------------------------------------- departments (E1)
def list_departments(identity: Identity, directory: Directory) -> dict:
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    counts: dict[str, dict[str, int]] = {}
    for e in directory.employees():
        counts.setdefault(e.department_id, {"employees": 0, "subscriptions": 0})["employees"] += 1
    for s in directory.subscriptions():
        counts.setdefault(s.department_id, {"employees": 0, "subscriptions": 0})["subscriptions"] += 1
    items = []
    for dep in sorted(departments, key=lambda x: x.name):
        items.append(
            {
                **dep.to_dict(),
                **counts.get(dep.department_id, {"employees": 0, "subscriptions": 0}),
                "administered": scope is None or dep.department_id in scope,
            }
        )
    return {"items": items}


def create_department(identity: Identity, directory: Directory, name: str, parent_id: str | None) -> dict:
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    if scope is not None and parent_id is None:
        raise Forbidden("Only a company administrator can create a top-level department.")
    if parent_id is not None:
        organisation.require_in_scope(scope, parent_id)
    organisation.check_parent(departments, None, parent_id)
    dep = organisation.Department(new_id("dep"), name, parent_id)
    directory.commit(
        identity, create=[dep], audit=AuditEntry("department.created", dep.department_id, None, dep.to_dict())
    )
    return dep.to_dict()


def change_department(identity: Identity, directory: Directory, department_id: str, changes: dict) -> dict:
    """Rename (`name`) and/or move (`parent_id`; null = top level)."""
    departments = directory.departments()
    before = organisation.find(departments, "department_id", department_id, "department")
    scope = organisation.scope_of(identity, departments)
    organisation.require_in_scope(scope, department_id)
    after = before
    if "name" in changes:
        if changes["name"] is None:
            raise InvalidInput("name cannot be null.", code="validation_error")
        after = replace(after, name=changes["name"])
    if "parent_id" in changes:
        parent_id = changes["parent_id"]
        if parent_id is None and scope is not None:
            raise Forbidden("Only a company administrator can move a department to the top level.")
        if parent_id is not None:
            organisation.require_in_scope(scope, parent_id)
        organisation.check_parent(departments, department_id, parent_id)
        after = replace(after, parent_id=parent_id)
    if after == before:
        return after.to_dict()
    kind = "department.moved" if after.parent_id != before.parent_id else "department.renamed"
    directory.commit(identity, update=[after], audit=AuditEntry(kind, department_id, before.to_dict(), after.to_dict()))
    return after.to_dict()


def delete_department(identity: Identity, directory: Directory, department_id: str) -> None:
    departments = directory.departments()
    dep = organisation.find(departments, "department_id", department_id, "department")
    organisation.require_in_scope(organisation.scope_of(identity, departments), department_id)
    members = sum(1 for e in directory.employees() if e.department_id == department_id)
    members += sum(1 for s in directory.subscriptions() if s.department_id == department_id)
    organisation.check_deletable(dep, departments, members)
    directory.commit(identity, delete=[dep], audit=AuditEntry("department.deleted", department_id, dep.to_dict(), None))


# ---------------------------------------------------------------- people and subscriptions (E1, E5)
def _matches_text(q: str | None, *fields: str | None) -> bool:
    if not q:
        return True
    needle = q.lower()
    digits = "".join(c for c in q if c.isdigit())
    for f in fields:
        if not f:
            continue
        if needle in f.lower():
            return True
        if len(digits) >= 3 and digits in "".join(c for c in f if c.isdigit()):
            return True
    return False


def _department_filter(identity: Identity, directory: Directory, department_id: str | None) -> set[str] | None:
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    if department_id is None:
        return scope
    organisation.find(departments, "department_id", department_id, "department")
    wanted = organisation.subtree(departments, {department_id})
    return wanted if scope is None else wanted & scope


def list_employees(
    identity: Identity, directory: Directory, *, department_id=None, q=None, role=None, limit=50, cursor=None
) -> dict:
    allowed = _department_filter(identity, directory, department_id)

    def keep(e: organisation.Employee) -> bool:
        return (
            (allowed is None or e.department_id in allowed)
            and (role is None or e.role == role)
            and _matches_text(q, e.name, e.email, e.mobile, e.extension)
        )

    return _page_out(directory.page("EMP", keep, min(limit, MAX_PAGE), cursor))


def get_employee(identity: Identity, directory: Directory, employee_id: str) -> dict:
    employee = directory.employee(employee_id)
    organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), employee.department_id)
    return employee.to_dict()


def list_subscriptions(
    identity: Identity,
    directory: Directory,
    *,
    department_id=None,
    q=None,
    plan_code=None,
    employee_id=None,
    limit=50,
    cursor=None,
) -> dict:
    allowed = _department_filter(identity, directory, department_id)
    names = {e.employee_id: e.name for e in directory.employees()} if q else {}

    def keep(s: organisation.Subscription) -> bool:
        return (
            (allowed is None or s.department_id in allowed)
            and (plan_code is None or s.plan_code == plan_code)
            and (employee_id is None or s.employee_id == employee_id)
            and _matches_text(q, s.msisdn, names.get(s.employee_id or ""))
        )

    return _page_out(directory.page("SUB", keep, min(limit, MAX_PAGE), cursor))


def get_subscription(identity: Identity, directory: Directory, subscription_id: str) -> organisation.Subscription:
    sub = directory.subscription(subscription_id)
    organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), sub.department_id)
    return sub


def move_subscription(identity: Identity, directory: Directory, subscription_id: str, department_id: str) -> dict:
    """E1: move a subscription to another department; both ends must be in the admin's scope."""
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    before = directory.subscription(subscription_id)
    organisation.require_in_scope(scope, before.department_id)
    if department_id not in {x.department_id for x in departments}:
        raise InvalidInput(f"Department {department_id} does not exist.", code="unknown_department")
    organisation.require_in_scope(scope, department_id)
    if before.department_id == department_id:
        return before.to_dict()
    after = replace(before, department_id=department_id)
    directory.commit(
        identity,
        update=[after],
        audit=AuditEntry("subscription.moved", subscription_id, before.to_dict(), after.to_dict()),
    )
    return after.to_dict()


# ---------------------------------------------------------------- my profile (C1, A10)
def me(identity: Identity, directory: Directory) -> dict:
    employee = directory.employee(identity.user_id)
    company = directory.company()
    subs = directory.subscriptions_of_employee(identity.user_id)
    shown = company.main_number if employee.display_number == "main" else (employee.mobile or company.main_number)
    return {
        **employee.to_dict(),
        "company": {"company_id": company.company_id, "name": company.name, "main_number": company.main_number},
        "shown_number": shown,
        "subscriptions": [
            {"subscription_id": s.subscription_id, "msisdn": s.msisdn, "plan_code": s.plan_code} for s in subs
        ],
    }


def update_me(identity: Identity, directory: Directory, changes: dict) -> dict:
    before = directory.employee(identity.user_id)
    after = before
    if "language" in changes:
        after = replace(after, language=organisation.check_language(changes["language"]))
    if "display_number" in changes:
        if changes["display_number"] not in organisation.DISPLAY_NUMBERS:
            raise InvalidInput("display_number must be personal or main.", code="invalid_display_number")
        after = replace(after, display_number=changes["display_number"])
    if after != before:
        directory.commit(
            identity,
            update=[after],
            audit=AuditEntry("profile.updated", identity.user_id, before.to_dict(), after.to_dict()),
        )
    return me(identity, directory)


def audit_log(identity: Identity, directory: Directory, **filters) -> dict:
    return _page_out(directory.audit_log(**filters))


# ---------------------------------------------------------------- audit export (E6, issue 11)
AUDIT_CSV_COLUMNS = ("at", "actor", "actor_role", "kind", "target", "before", "after", "id")
AUDIT_CSV_MAX_ROWS = 10_000


def audit_csv(identity: Identity, directory: Directory, **filters) -> str:
    """E6 export: the filtered audit log as CSV for Excel: UTF-8 with a BOM, comma-separated,
    CRLF line ends, a header row, one row per entry (newest first), `before` and `after` as
    JSON. At most AUDIT_CSV_MAX_ROWS rows (narrow the period for more)."""
    import csv
    import io
    import json

    filters = {**filters, "limit": MAX_PAGE, "cursor": None}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    rows = 0
    while rows < AUDIT_CSV_MAX_ROWS:
        page = directory.audit_log(**filters)
        for entry in page.items:
            writer.writerow(
                [
                    json.dumps(entry[c], ensure_ascii=False, sort_keys=True) if c in ("before", "after") else entry[c]
                    for c in AUDIT_CSV_COLUMNS
                ]
            )
        rows += len(page.items)
        if page.next_cursor is None:
            break
        filters["cursor"] = page.next_cursor
    return "\ufeff" + out.getvalue()
