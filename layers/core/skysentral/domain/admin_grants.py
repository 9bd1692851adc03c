"""E5 administrator users: who may make whom an administrator of what.

- A company administrator may grant company_admin or department_admin of any departments.
- A department administrator can never grant more than they hold: only department_admin,
  only of departments in their scope (their departments and the sub-departments below
  them), only to employees in their scope, and never change or revoke an administrator
  who holds something outside their scope (a company admin, or other departments).
- The company always keeps a company administrator: the last one cannot be revoked or
  narrowed to departments (not even by themselves).
"""

from __future__ import annotations

from dataclasses import replace

from skysentral.domain import organisation
from skysentral.domain.errors import Conflict, Forbidden, InvalidInput
from skysentral.domain.identity import ADMINS, COMPANY_ADMIN, DEPARTMENT_ADMIN, EMPLOYEE, Identity

GRANTABLE = (COMPANY_ADMIN, DEPARTMENT_ADMIN)


def is_admin(employee: organisation.Employee) -> bool:
    return employee.role in ADMINS


def _require_may_touch(actor: Identity, scope: set[str] | None, employee: organisation.Employee) -> None:
    """A department admin acts only on employees of their scope whose rights they hold."""
    if scope is None:
        return
    organisation.require_in_scope(scope, employee.department_id)
    if employee.role == COMPANY_ADMIN:
        raise Forbidden("Only a company administrator can change a company administrator.")
    if employee.role == DEPARTMENT_ADMIN and not set(employee.admin_departments) <= scope:
        raise Forbidden("This administrator holds departments you do not administer.")


def grant(
    actor: Identity,
    departments: list[organisation.Department],
    employees: list[organisation.Employee],
    employee: organisation.Employee,
    role: str,
    admin_departments: list[str],
) -> organisation.Employee:
    """E5: the employee after being made (or re-scoped as) `role` of `admin_departments`."""
    scope = organisation.scope_of(actor, departments)
    _require_may_touch(actor, scope, employee)
    if role not in GRANTABLE:
        raise InvalidInput(f"role must be one of {', '.join(GRANTABLE)}.", code="invalid_admin_role")
    if role == COMPANY_ADMIN:
        if scope is not None:
            raise Forbidden("A department administrator cannot grant company administrator rights.")
        if admin_departments:
            raise InvalidInput(
                "A company administrator has the whole company: no departments.", code="validation_error"
            )
        return replace(employee, role=COMPANY_ADMIN, admin_departments=())
    wanted = list(dict.fromkeys(admin_departments))
    if not wanted:
        raise InvalidInput("A department administrator needs one or more departments.", code="departments_required")
    known = {d.department_id for d in departments}
    unknown = [d for d in wanted if d not in known]
    if unknown:
        raise InvalidInput(f"Departments {unknown} do not exist.", code="unknown_department")
    for department_id in wanted:
        organisation.require_in_scope(scope, department_id)
    _keep_a_company_admin(employees, employee)
    return replace(employee, role=DEPARTMENT_ADMIN, admin_departments=tuple(sorted(wanted)))


def revoke(
    actor: Identity,
    departments: list[organisation.Department],
    employees: list[organisation.Employee],
    employee: organisation.Employee,
) -> organisation.Employee:
    """E5: the employee without administrator rights (role employee)."""
    scope = organisation.scope_of(actor, departments)
    _require_may_touch(actor, scope, employee)
    if not is_admin(employee):
        raise Conflict(f"{employee.name} is not an administrator.", code="not_an_admin")
    _keep_a_company_admin(employees, employee)
    return replace(employee, role=EMPLOYEE, admin_departments=())


def _keep_a_company_admin(employees: list[organisation.Employee], losing: organisation.Employee) -> None:
    if losing.role != COMPANY_ADMIN:
        return
    others = [e for e in employees if e.role == COMPANY_ADMIN and e.employee_id != losing.employee_id]
    if not others:
        raise Conflict(
            "The company must keep a company administrator: grant another one first.", code="last_company_admin"
        )
