"""Administration API ("Link", E1/E3/E4/E5/E6, A9, F5): departments, employees, subscriptions, audit log.
Thin: parse, authorise, call one service function."""

from chalice import Response

from skysentral import clock
from skysentral.api.activation_requests import ActivationFilter, ActivationOrder, SimFilter, SimStockAdd, SimSwap
from skysentral.api.http import Api
from skysentral.api.rating_requests import RatedLineFilter
from skysentral.api.report_requests import EquipmentExport
from skysentral.api.requests import (
    AddOnChange,
    AdminGrant,
    AdminScopeChange,
    AuditExport,
    AuditFilter,
    BarringChange,
    CallFilter,
    ContentLimitChange,
    DepartmentChange,
    EmployeeFilter,
    ListingChange,
    NewDepartment,
    NewEquipment,
    PlanChangeOrder,
    PurchasePolicy,
    SubscriptionFilter,
    SubscriptionMove,
    TwinSimOrder,
)
from skysentral.domain.errors import InvalidInput
from skysentral.domain.identity import ADMINS, COMPANY_ADMIN
from skysentral.services import (
    activation_orders,
    admin_users,
    administration,
    call_logging,
    directory_listing,
    equipment,
    order_taking,
    rating,
    subscription_add_ons,
    usage,
)

api = Api("skysentral-admin")
app = api.app
app.api.binary_types.append("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # F5 export


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


@api.route(
    "/admin/purchase-policy", "PUT", roles=frozenset({COMPANY_ADMIN}), body=PurchasePolicy, errors=(400,), step_up=True
)
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


# ---------------------------------------------------------------- issue 11: E3, A9, E4, E5, F5, E6
@api.route("/admin/subscriptions/{subscription_id}/add-ons", "GET", roles=ADMINS, errors=(403, 404))
def get_add_ons(identity, directory, subscription_id):
    """E3: the add-on catalogue at the company's agreed prices, and what the subscription has."""
    return subscription_add_ons.add_ons(identity, directory, subscription_id)


@api.route(
    "/admin/subscriptions/{subscription_id}/plan",
    "PUT",
    roles=ADMINS,
    body=PlanChangeOrder,
    errors=(400, 403, 404, 409),
)
def change_plan(identity, directory, body, subscription_id):
    """E3: change the price plan now (prorated) or from the next month (scheduled); audited."""
    return subscription_add_ons.change_plan(
        identity, directory, subscription_id, body.plan_code, body.effective, clock.now()
    )


@api.route("/admin/subscriptions/{subscription_id}/plan/scheduled", "DELETE", roles=ADMINS, errors=(403, 404, 409))
def cancel_scheduled_plan(identity, directory, subscription_id):
    """E3: cancel a plan change scheduled for the next month; audited."""
    return subscription_add_ons.cancel_scheduled_plan(identity, directory, subscription_id)


@api.route(
    "/admin/subscriptions/{subscription_id}/barring",
    "PUT",
    roles=ADMINS,
    body=BarringChange,
    errors=(400, 403, 404),
)
def set_barring(identity, directory, body, subscription_id):
    """A9: bar premium-rate, international, roaming, content services or chosen destinations; audited."""
    return subscription_add_ons.set_barring(identity, directory, subscription_id, body.categories, body.chosen_prefixes)


@api.route(
    "/admin/subscriptions/{subscription_id}/content-limit",
    "PUT",
    roles=ADMINS,
    body=ContentLimitChange,
    errors=(400, 403, 404),
)
def set_content_limit(identity, directory, body, subscription_id):
    """E3: the content-service spending limit (øre per month, null = none); audited."""
    return subscription_add_ons.set_content_limit(identity, directory, subscription_id, body.limit_ore)


@api.route(
    "/admin/subscriptions/{subscription_id}/twin-sim",
    "POST",
    roles=ADMINS,
    body=TwinSimOrder,
    status=201,
    errors=(400, 403, 404, 409),
)
def add_twin_sim(identity, directory, body, subscription_id):
    """E3: a twin SIM (second SIM, same number); audited."""
    return subscription_add_ons.add_twin_sim(identity, directory, subscription_id, body.iccid)


@api.route("/admin/subscriptions/{subscription_id}/twin-sim", "DELETE", roles=ADMINS, errors=(403, 404))
def remove_twin_sim(identity, directory, subscription_id):
    """E3: remove the twin SIM; audited."""
    return subscription_add_ons.remove_twin_sim(identity, directory, subscription_id)


@api.route("/admin/subscriptions/{subscription_id}/listing", "GET", roles=ADMINS, errors=(403, 404))
def get_listing(identity, directory, subscription_id):
    """E4: what the directory services publish of the number, and whether they acknowledged it."""
    return directory_listing.get_listing(identity, directory, subscription_id)


@api.route(
    "/admin/subscriptions/{subscription_id}/listing",
    "PUT",
    roles=ADMINS,
    body=ListingChange,
    errors=(400, 403, 404),
)
def set_listing(identity, directory, body, subscription_id):
    """E4: listed, unlisted, name only or with address; sent until acknowledged; audited."""
    address = body.address.model_dump() if body.address else None
    return directory_listing.set_listing(identity, directory, subscription_id, body.mode, body.name, address)


@api.route("/admin/admins", "GET", roles=ADMINS)
def list_admins(identity, directory):
    """E5: the administrators (a department admin sees those of their departments)."""
    return admin_users.list_admins(identity, directory)


@api.route(
    "/admin/admins", "POST", roles=ADMINS, body=AdminGrant, status=201, errors=(400, 403, 404, 409), step_up=True
)
def grant_admin(identity, directory, body):
    """E5: make an employee company or department administrator; never more than you hold; audited."""
    return admin_users.grant_admin(identity, directory, body.employee_id, body.role, body.departments)


@api.route(
    "/admin/admins/{employee_id}",
    "PATCH",
    roles=ADMINS,
    body=AdminScopeChange,
    errors=(400, 403, 404, 409),
    step_up=True,
)
def change_admin_scope(identity, directory, body, employee_id):
    """E5: change an administrator's scope (whole company or chosen departments); audited."""
    return admin_users.change_scope(identity, directory, employee_id, body.role, body.departments)


@api.route("/admin/admins/{employee_id}", "DELETE", roles=ADMINS, status=204, errors=(403, 404, 409), step_up=True)
def revoke_admin(identity, directory, employee_id):
    """E5: revoke administrator rights (the employee stays); the last company admin stays; audited."""
    admin_users.revoke_admin(identity, directory, employee_id)
    return None


@api.route(
    "/admin/equipment",
    "GET",
    roles=ADMINS,
    query=EquipmentExport,
    errors=(404,),
    response="application/json|application/vnd.openxmlformats-officedocument.spreadsheetml.sheet|text/csv",
)
def list_equipment(identity, directory, query):
    """F5: phones and tablets seen on the network, and equipment added by hand, by department
    (format=csv|xlsx: the same list as a file, services.reports.equipment_file)."""
    listing = equipment.list_equipment(identity, directory, query.department_id, query.kind)
    if query.format == "json":
        return listing
    from skysentral.services import reports

    file = reports.equipment_file(listing, directory, query.format, query.csv, clock.now())
    body = file.data.decode("utf-8") if file.content_type.startswith("text/") else file.data
    return Response(
        body=body,
        status_code=200,
        headers={"Content-Type": file.content_type, "Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@api.route("/admin/equipment", "POST", roles=ADMINS, body=NewEquipment, status=201, errors=(400, 403, 404))
def add_equipment(identity, directory, body):
    """F5: add equipment by hand; audited."""
    return equipment.add_equipment(identity, directory, body.model_dump())


@api.route("/admin/audit.csv", "GET", roles=frozenset({COMPANY_ADMIN}), query=AuditExport, response="text/csv")
def audit_export(identity, directory, query):
    """E6: the audit log as CSV (UTF-8 with BOM, comma-separated; before/after as JSON)."""
    text = administration.audit_csv(identity, directory, **query.model_dump(exclude={"limit", "cursor"}))
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="audit.csv"',
        },
    )


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


# ---------------------------------------------------------------- issue 12: rating (F3)
@api.route("/admin/rated-lines", "GET", roles=ADMINS, query=RatedLineFilter, errors=(400, 403, 404))
def list_rated_lines(identity, directory, query):
    """A month's rated lines (invoice lines), optionally of one subscription, paged (next_cursor)."""
    return rating.list_lines(identity, directory, query.month, query.subscription_id, query.limit, query.cursor)
