"""The business portal's API (F1, F2, F5): reports with drill-down and their exports.
Thin: parse, authorise, call one service function.

Files (PDF, xlsx) go back base64-encoded through API Gateway (their types are in
`binary_types` here and in the template's BinaryMediaTypes; a client asks with a matching
Accept header, e.g. curl's `*/*`); CSV is text."""

from chalice import Response

from skysentral import clock
from skysentral.api.dashboard_requests import DashboardScope
from skysentral.api.http import Api, json_response
from skysentral.api.report_requests import CustomReport, ReportQuery
from skysentral.domain.identity import ADMINS, EVERYONE
from skysentral.services import cost_dashboard, reports

api = Api("skysentral-reports")
app = api.app
app.api.binary_types.extend([reports.CONTENT_TYPES["pdf"], reports.CONTENT_TYPES["xlsx"]])


def _answer(result):
    if isinstance(result, reports.Accepted):
        return json_response(202, result.body)
    if isinstance(result, reports.File):
        body = result.data.decode("utf-8") if result.content_type.startswith("text/") else result.data
        return Response(
            body=body,
            status_code=200,
            headers={
                "Content-Type": result.content_type,
                "Content-Disposition": f'attachment; filename="{result.filename}"',
            },
        )
    return result


# ---------------------------------------------------------------- reports (F2)
@api.route(
    "/admin/reports/{report}",
    "GET",
    roles=ADMINS,
    query=ReportQuery,
    errors=(202, 400, 403, 404),
    response=reports.REPORT_RESPONSE,
)
def standard_report(identity, directory, query, report):
    """A standard report (cost-by-department, cost-by-employee, roaming, content-services,
    top-users, data-packages, lines) as JSON, PDF, xlsx or CSV; 202 and an export when large."""
    raw = query.model_dump(include={"month", "department_id", "employee_id", "subscription_id"}, exclude_none=True)
    raw.update({"from": query.month_from, "to": query.month_to} if query.month_from else {})
    return _answer(reports.report(identity, directory, report, raw, query.format, query.csv, clock.now()))


@api.route(
    "/admin/reports",
    "POST",
    roles=ADMINS,
    body=CustomReport,
    errors=(202, 400, 403, 404),
    response=reports.REPORT_RESPONSE,
)
def custom_report(identity, directory, body):
    """A custom report: filters (months, department, employee, subscription, kinds, zones,
    destination classes, minimum amount) grouped by up to three keys."""
    raw = body.filters.model_dump(by_alias=True, exclude_none=True)
    return _answer(
        reports.report(identity, directory, "custom", raw, body.format, body.csv, clock.now(), list(body.group_by))
    )


@api.route("/admin/reports/exports/{export_id}", "GET", roles=ADMINS, errors=(404,))
def report_export(identity, directory, export_id):
    """An export's progress (queued, running x/y, done with a download link, failed with a reason)."""
    return reports.export_status(directory, export_id)


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
