"""Administration API ("Link", E1/E5/E6): departments, employees, subscriptions, audit log.
Thin: parse, authorise, call one service function."""

from skysentral import clock
from skysentral.api.http import Api
from skysentral.api.requests import (
    AddOnChange,
    AuditFilter,
    CallFilter,
    DepartmentChange,
    EmployeeFilter,
    NewDepartment,
    PurchasePolicy,
    SubscriptionFilter,
    SubscriptionMove,
)
from skysentral.domain.identity import ADMINS, COMPANY_ADMIN
from skysentral.services import administration, call_logging, order_taking, usage

api = Api("skysentral-admin")
app = api.app


@api.route("/admin/departments", "GET", roles=ADMINS)
def list_departments(identity, directory):
    """The department tree with member counts."""
    return administration.list_departments(identity, directory)


@api.route("/admin/departments", "POST", roles=ADMINS, body=NewDepartment, status=201, errors=(400, 403, 409))
def create_department(identity, directory, body):
    """Create a department (below parent_id, or at the top level)."""
    return administration.create_department(identity, directory, body.name, body.parent_id)


@api.route(
    "/admin/departments/{department_id}", "PATCH", roles=ADMINS, body=DepartmentChange, errors=(400, 403, 404, 409)
)
def change_department(identity, directory, body, department_id):
    """Rename and/or move a department (parent_id null = top level)."""
    return administration.change_department(
        identity, directory, department_id, body.model_dump(include=body.model_fields_set)
    )


@api.route("/admin/departments/{department_id}", "DELETE", roles=ADMINS, status=204, errors=(403, 404, 409))
def delete_department(identity, directory, department_id):
    """Delete a department that has no sub-departments, employees or subscriptions."""
    administration.delete_department(identity, directory, department_id)
    return None


@api.route("/admin/employees", "GET", roles=ADMINS, query=EmployeeFilter, errors=(404,))
def list_employees(identity, directory, query):
    """Employees, filtered and paginated (next_cursor)."""
    return administration.list_employees(identity, directory, **query.model_dump())


@api.route("/admin/employees/{employee_id}", "GET", roles=ADMINS, errors=(403, 404))
def get_employee(identity, directory, employee_id):
    """One employee."""
    return administration.get_employee(identity, directory, employee_id)


@api.route("/admin/subscriptions", "GET", roles=ADMINS, query=SubscriptionFilter, errors=(404,))
def list_subscriptions(identity, directory, query):
    """Subscriptions, filtered and paginated (next_cursor)."""
    return administration.list_subscriptions(identity, directory, **query.model_dump())


@api.route("/admin/subscriptions/{subscription_id}", "GET", roles=ADMINS, errors=(403, 404))
def get_subscription(identity, directory, subscription_id):
    """One subscription."""
    return administration.get_subscription(identity, directory, subscription_id).to_dict()


@api.route(
    "/admin/subscriptions/{subscription_id}/department",
    "PUT",
    roles=ADMINS,
    body=SubscriptionMove,
    errors=(400, 403, 404),
)
def move_subscription(identity, directory, body, subscription_id):
    """Move a subscription to another department (E1)."""
    return administration.move_subscription(identity, directory, subscription_id, body.department_id)


@api.route("/admin/price-plans", "GET", roles=ADMINS)
def list_price_plans(identity, directory):
    """The company's price plans."""
    return {"items": [p.to_dict() for p in directory.price_plans()]}


@api.route("/admin/audit", "GET", roles=frozenset({COMPANY_ADMIN}), query=AuditFilter)
def audit_log(identity, directory, query):
    """E6: who changed what, when, before and after (newest first)."""
    return administration.audit_log(identity, directory, **query.model_dump())


@api.route("/admin/subscriptions/{subscription_id}/balances", "GET", roles=ADMINS, errors=(403, 404))
def get_balances(identity, directory, subscription_id):
    """A subscription's data balances and roaming spend this month (D1-D6)."""
    return usage.subscription_balances(identity, directory, subscription_id, clock.now())


@api.route(
    "/admin/subscriptions/{subscription_id}/add-ons",
    "PATCH",
    roles=ADMINS,
    body=AddOnChange,
    errors=(400, 403, 404, 422),
)
def change_add_ons(identity, directory, body, subscription_id):
    """Set Data Rollover, Datakontroll and the automatic top-up (E3); audited."""
    return usage.change_add_ons(
        identity, directory, subscription_id, body.model_dump(include=body.model_fields_set)
    ).to_dict()


@api.route("/admin/subscriptions/{subscription_id}/roaming-block/lift", "POST", roles=ADMINS, errors=(403, 404))
def lift_roaming_block(identity, directory, subscription_id):
    """D5: lift the 50 EUR roaming block for the rest of the month; audited."""
    return usage.lift_roaming_block(identity, directory, subscription_id, clock.now())


@api.route("/admin/purchase-policy", "GET", roles=ADMINS)
def get_purchase_policy(identity, directory):
    """D8: who pays for each data package product."""
    return order_taking.policy_of(directory)


@api.route("/admin/purchase-policy", "PUT", roles=frozenset({COMPANY_ADMIN}), body=PurchasePolicy, errors=(400,))
def put_purchase_policy(identity, directory, body):
    """D8: set who pays (company or employee) per product; audited."""
    return order_taking.set_policy(identity, directory, body.model_dump(exclude_none=True))


@api.route("/admin/calls", "GET", roles=ADMINS, query=CallFilter, errors=(400,))
def list_calls(identity, directory, query):
    """A14: the company's call log, newest first, filtered and paginated (next_cursor);
    a department admin sees the calls of their departments' employees."""
    return call_logging.list_calls(identity, directory, **query.model_dump())


@api.route("/admin/calls/{call_id}", "GET", roles=ADMINS, errors=(404,))
def get_call(identity, directory, call_id):
    """A14: one call with its path through the company."""
    return call_logging.get_call(identity, directory, call_id)
