"""F6–F9 and C7 routes: invoice control. Company administrators keep the settings (policies,
working hours, payroll), see each employee's figures and the payroll summary, and export
payroll files; employees see their own month and mark lines private or work until the
deadline. Actions that change money (settings, exports) need a fresh login (step-up).
docs/invoice-control.md has the rules and the JSON."""

from skysentral import clock
from skysentral.api.http import Api
from skysentral.api.invoice_control_requests import (
    ExportOrder,
    InvoiceControlSettings,
    MonthQuery,
    ReportQuery,
    UseReportIn,
    YearQuery,
)
from skysentral.domain.identity import ADMINS, COMPANY_ADMIN, EVERYONE
from skysentral.services import invoice_control

api = Api("skysentral-invoice-control")
app = api.app
COMPANY_ADMINS = frozenset({COMPANY_ADMIN})


@api.route("/admin/invoice-control/settings", "GET", roles=COMPANY_ADMINS)
def get_settings(identity, directory):
    """The settings in force today, versions waiting for their date, and the history."""
    return invoice_control.settings_of(directory, clock.now())


@api.route(
    "/admin/invoice-control/settings",
    "PUT",
    roles=COMPANY_ADMINS,
    body=InvoiceControlSettings,
    errors=(400, 401, 409),
    step_up=True,
)
def put_settings(identity, directory, body):
    """A new version of the settings (policies, working hours, deadline, payroll), from `valid_from`."""
    return invoice_control.save_settings(identity, directory, body.model_dump(mode="json"), clock.now())


@api.route("/admin/invoice-control/employees/{employee_id}", "GET", roles=ADMINS, query=MonthQuery, errors=(400, 404))
def get_employee_figures(identity, directory, employee_id, query):
    """An employee's private and work totals, benefit and deduction: the month and the year to date."""
    return invoice_control.employee_figures(identity, directory, employee_id, query.month, clock.now())


@api.route("/admin/invoice-control/reports", "GET", roles=ADMINS, query=ReportQuery, errors=(400,))
def get_reports(identity, directory, query):
    """Every private/work report of the month (who, when, from, to, note)."""
    return invoice_control.report_history(identity, directory, query.month, query.employee_id)


@api.route("/admin/payroll/summary", "GET", roles=COMPANY_ADMINS, query=MonthQuery, errors=(400, 403))
def get_payroll_summary(identity, directory, query):
    """Per employee the month's and the year's figures, the totals and the month's exports."""
    return invoice_control.payroll_summary(identity, directory, query.month, clock.now())


@api.route("/admin/payroll/exports", "GET", roles=COMPANY_ADMINS, query=YearQuery)
def list_exports(identity, directory, query):
    """The payroll exports (of a year), with status and totals."""
    return invoice_control.list_exports(directory, query.year)


@api.route(
    "/admin/payroll/exports",
    "POST",
    roles=COMPANY_ADMINS,
    body=ExportOrder,
    status=201,
    errors=(400, 401, 409, 422),
    step_up=True,
)
def create_export(identity, directory, body):
    """The month's payroll file (Visma, Huldt & Lillevik or SAP): due this year minus what was sent."""
    return invoice_control.create_export(identity, directory, body.month, body.system, clock.now())


@api.route("/admin/payroll/exports/{export_id}", "GET", roles=COMPANY_ADMINS, errors=(404,))
def get_export(identity, directory, export_id):
    """An export with a download link to its file."""
    return invoice_control.get_export(directory, export_id)


@api.route(
    "/admin/payroll/exports/{export_id}/sent", "POST", roles=COMPANY_ADMINS, errors=(401, 404, 409), step_up=True
)
def mark_export_sent(identity, directory, export_id):
    """Mark the export sent to payroll: the month closes and nothing in it is paid again."""
    return invoice_control.mark_sent(identity, directory, export_id, clock.now())


@api.route("/me/invoice-control", "GET", roles=EVERYONE, query=MonthQuery, errors=(400,))
def my_month(identity, directory, query):
    """My lines of the month, private or work and why, my totals, benefit and deduction to date."""
    return invoice_control.my_month(identity, directory, query.month, clock.now())


@api.route(
    "/me/invoice-control/months/{month}/lines/{line_id}",
    "PUT",
    roles=EVERYONE,
    body=UseReportIn,
    errors=(400, 404, 409),
)
def report_line(identity, directory, month, line_id, body):
    """Mark one of my lines private or work (until the month's deadline; every change is kept)."""
    return invoice_control.report_use(identity, directory, month, line_id, body.use, body.note, clock.now())


@api.route("/me/invoice-control/reports", "GET", roles=EVERYONE, query=MonthQuery, errors=(400,))
def my_reports(identity, directory, query):
    """My reports of the month, every change."""
    return invoice_control.my_reports(identity, directory, query.month)
