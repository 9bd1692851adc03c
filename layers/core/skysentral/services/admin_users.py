"""E5 administrator users: list, grant, change scope, revoke (rules in domain.admin_grants).

The role an API call acts with comes from the caller's token (`custom:role`,
`custom:departments`, Cognito attributes). These use cases change the directory (the
employee's `role` and `admin_departments`, audited); the token carries the new rights from
the user's next sign-in or token refresh. Locally, tokens are issued from the claims given
to the local issuer (infra/local/issuer.py), so a test or curl user gets a new token with
the new claims."""

from __future__ import annotations

from skysentral.domain import admin_grants, organisation
from skysentral.domain.errors import Conflict
from skysentral.domain.identity import Identity
from skysentral.store.directory_repository import AuditEntry, Directory


def _admin_view(e: organisation.Employee) -> dict:
    return {
        "employee_id": e.employee_id,
        "name": e.name,
        "email": e.email,
        "department_id": e.department_id,
        "role": e.role,
        "departments": list(e.admin_departments),
    }


def list_admins(identity: Identity, directory: Directory) -> dict:
    """The company's administrators; a department admin sees those of their departments."""
    scope = organisation.scope_of(identity, directory.departments())
    items = [
        _admin_view(e)
        for e in sorted(directory.employees(), key=lambda x: x.name)
        if admin_grants.is_admin(e) and (scope is None or e.department_id in scope)
    ]
    return {"items": items}


def _commit(identity: Identity, directory: Directory, before, after, kind: str) -> dict:
    if after != before:
        directory.commit(
            identity,
            update=[after],
            audit=AuditEntry(kind, after.employee_id, _admin_view(before), _admin_view(after)),
        )
    return _admin_view(after)


def grant_admin(identity: Identity, directory: Directory, employee_id: str, role: str, departments: list[str]) -> dict:
    """POST /admin/admins: make a (not yet admin) employee an administrator."""
    employees = directory.employees()
    before = organisation.find(employees, "employee_id", employee_id, "employee")
    if admin_grants.is_admin(before):
        raise Conflict(f"{before.name} is an administrator already; change the scope instead.", code="already_admin")
    after = admin_grants.grant(identity, directory.departments(), employees, before, role, departments)
    return _commit(identity, directory, before, after, "admin.granted")


def change_scope(
    identity: Identity, directory: Directory, employee_id: str, role: str | None, departments: list[str] | None
) -> dict:
    """PATCH /admin/admins/{employee_id}: whole company or chosen departments."""
    employees = directory.employees()
    before = organisation.find(employees, "employee_id", employee_id, "employee")
    if not admin_grants.is_admin(before):
        raise Conflict(f"{before.name} is not an administrator.", code="not_an_admin")
    new_role = role or before.role
    new_departments = list(before.admin_departments) if departments is None else departments
    if role == "company_admin" and departments is None:
        new_departments = []
    after = admin_grants.grant(identity, directory.departments(), employees, before, new_role, new_departments)
    return _commit(identity, directory, before, after, "admin.scope_changed")


def revoke_admin(identity: Identity, directory: Directory, employee_id: str) -> None:
    employees = directory.employees()
    before = organisation.find(employees, "employee_id", employee_id, "employee")
    after = admin_grants.revoke(identity, directory.departments(), employees, before)
    _commit(identity, directory, before, after, "admin.revoked")
