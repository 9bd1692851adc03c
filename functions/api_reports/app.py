"""The business portal's API (F1, F2, F4, F5): the cost dashboard, reports and exports.

Each part keeps its routes in its own section below."""

from skysentral import clock
from skysentral.api.dashboard_requests import DashboardScope
from skysentral.api.http import Api
from skysentral.domain.identity import ADMINS, EVERYONE
from skysentral.services import cost_dashboard

api = Api("skysentral-reports")
app = api.app


# ---------------------------------------------------------------- dashboard (F1)
@api.route("/admin/dashboard", "GET", roles=ADMINS, query=DashboardScope, errors=(400, 403, 404))
def get_dashboard(identity, directory, query):
    """F1: the 13-month cost trend by kind, this month's accrued cost with MVA, data and
    content use, the latest invoices; of the company, a department or an employee."""
    return cost_dashboard.admin_dashboard(identity, directory, query.department_id, query.employee_id, clock.now())


@api.route("/me/costs", "GET", roles=EVERYONE, errors=(404,))
def get_my_costs(identity, directory):
    """F1: my own costs: the 13-month trend, this month's accrued cost, my data packages."""
    return cost_dashboard.my_costs(identity, directory, clock.now())
