"""Administration API ("Link", E1/E5/E6): departments, employees, subscriptions, audit log.
Thin: parse, authorise, call one service function."""

from skysentral import clock
from skysentral.api.activation_requests import ActivationFilter, ActivationOrder, SimFilter, SimStockAdd, SimSwap
from skysentral.api.http import Api
from skysentral.api.requests import (
    AddOnChange,
    AuditFilter,
    DepartmentChange,
    EmployeeFilter,
    NewDepartment,
    PurchasePolicy,
    SubscriptionFilter,
    SubscriptionMove,
)
from skysentral.domain.errors import InvalidInput
from skysentral.domain.identity import ADMINS, COMPANY_ADMIN
from skysentral.services import activation_orders, administration, order_taking, usage

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


# ---------------------------------------------------------------- activation (E2)
_IDEMPOTENCY_HEADER = {
    "Idempotency-Key": "1 to 255 characters: a repeated POST with the same key and body returns the same order"
}


def _idempotency_key() -> str | None:
    key = api.app.current_request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1 to 255 characters.", code="invalid_idempotency_key")
    return key


@api.route(
    "/admin/activations",
    "POST",
    roles=ADMINS,
    body=ActivationOrder,
    status=202,
    errors=(400, 403, 409, 422),
    headers=_IDEMPOTENCY_HEADER,
)
def order_activation(identity, directory, body):
    """E2: activate a new subscription (pool number or port-in; SIM from stock, shipped or eSIM)."""
    return activation_orders.order_activation(
        identity, directory, body.model_dump(exclude_none=True), _idempotency_key()
    )


@api.route("/admin/activations", "GET", roles=ADMINS, query=ActivationFilter, errors=(400,))
def list_activations(identity, directory, query):
    """E2: activations, terminations and SIM swaps, newest first (next_cursor)."""
    return activation_orders.list_orders(identity, directory, **query.model_dump())


@api.route("/admin/activations/{activation_id}", "GET", roles=ADMINS, errors=(403, 404))
def get_activation(identity, directory, activation_id):
    """E2: one order: its status, reason and each step with its time and outcome."""
    return activation_orders.get_order(identity, directory, activation_id)


@api.route("/admin/activations/{activation_id}/delivered", "POST", roles=ADMINS, errors=(403, 404, 409))
def confirm_delivery(identity, directory, activation_id):
    """E2: the shipped SIM arrived; the activation goes on."""
    return activation_orders.confirm_delivery(identity, directory, activation_id)


@api.route(
    "/admin/subscriptions/{subscription_id}/termination",
    "POST",
    roles=ADMINS,
    status=202,
    errors=(400, 403, 404, 409, 422),
    headers=_IDEMPOTENCY_HEADER,
)
def terminate_subscription(identity, directory, subscription_id):
    """E2: end a subscription; the number goes into quarantine."""
    return activation_orders.order_termination(identity, directory, subscription_id, _idempotency_key())


@api.route(
    "/admin/subscriptions/{subscription_id}/sim-swap",
    "POST",
    roles=ADMINS,
    body=SimSwap,
    status=202,
    errors=(400, 403, 404, 409, 422),
    headers=_IDEMPOTENCY_HEADER,
)
def swap_sim(identity, directory, body, subscription_id):
    """E2: a new SIM from stock or an eSIM; the old SIM is deactivated."""
    return activation_orders.order_sim_swap(
        identity, directory, subscription_id, body.model_dump(exclude_none=True), _idempotency_key()
    )


@api.route("/admin/sims", "POST", roles=frozenset({COMPANY_ADMIN}), body=SimStockAdd, errors=(400,))
def add_sims(identity, directory, body):
    """E2: add SIM cards (ICCIDs) to the company's stock; audited."""
    return activation_orders.add_sims(identity, directory, body.iccids)


@api.route("/admin/sims", "GET", roles=ADMINS, query=SimFilter)
def list_sims(identity, directory, query):
    """E2: the company's SIM cards and what each is used for."""
    return activation_orders.list_sims(identity, directory, query.status)
