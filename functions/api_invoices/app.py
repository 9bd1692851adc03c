"""F4 routes: the company's invoice archive (36 months, payment status), an invoice with its
lines, links to its PDF and EHF; the operator starts a month's run by hand and lists
payments no KID matched. Company admins see their company's invoices only (another
company's number answers 404); operator routes are for the operator role."""

import os

from pydantic import Field

from skysentral import clock
from skysentral.adapters import queues
from skysentral.api.http import Api
from skysentral.api.requests import Body, Query
from skysentral.domain.identity import COMPANY_ADMIN, OPERATORS
from skysentral.services import invoicing

api = Api("skysentral-invoices")
app = api.app
COMPANY_ADMINS = frozenset({COMPANY_ADMIN})
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class ArchiveRange(Query):
    from_: str | None = Field(None, alias="from", pattern=MONTH, description="first month (YYYY-MM)")
    to: str | None = Field(None, pattern=MONTH, description="last month (YYYY-MM)")


class RunOrder(Body):
    period: str = Field(pattern=MONTH, description="the month to invoice (YYYY-MM)")


@api.route("/admin/invoices", "GET", roles=COMPANY_ADMINS, query=ArchiveRange, errors=(400, 403))
def list_invoices(identity, query):
    """The company's invoices and credit notes of the last 36 months, with payment status."""
    return invoicing.list_invoices(identity, query.from_, query.to, clock.now())


@api.route("/admin/invoices/{number}", "GET", roles=COMPANY_ADMINS, errors=(400, 403, 404))
def get_invoice(identity, number):
    """One invoice or credit note with its lines (404 for another company's)."""
    return invoicing.get_invoice(identity, _number(number), clock.now())


@api.route("/admin/invoices/{number}/pdf", "GET", roles=COMPANY_ADMINS, errors=(400, 403, 404))
def invoice_pdf(identity, number):
    """A short-lived download link of the invoice's PDF: {"url"}."""
    return invoicing.document_link(identity, _number(number), "pdf")


@api.route("/admin/invoices/{number}/ehf", "GET", roles=COMPANY_ADMINS, errors=(400, 403, 404))
def invoice_ehf(identity, number):
    """A short-lived download link of the invoice's EHF (PEPPOL BIS Billing 3.0 UBL): {"url"}."""
    return invoicing.document_link(identity, _number(number), "ehf")


@api.route("/operator/invoices/run", "POST", roles=OPERATORS, body=RunOrder, status=202, errors=(400, 403))
def run_invoices(identity, body):
    """Start a month's invoice run by hand (the schedule runs it on the 1st at 03:00 Oslo time)."""
    messages = invoicing.order_run(body.period, clock.now())
    queues.send(os.environ["INVOICE_QUEUE_URL"], messages)
    return {"period": body.period, "companies": len(messages)}


@api.route("/operator/payments/unmatched", "GET", roles=OPERATORS, errors=(403,))
def unmatched_payments(identity):
    """Payments whose KID matched no invoice, newest first."""
    return invoicing.unmatched_payments()


def _number(text: str) -> int:
    from skysentral.domain.errors import NotFound

    if not text.isdigit() or len(text) > 12:
        raise NotFound(f"No invoice {text}.")
    return int(text)
