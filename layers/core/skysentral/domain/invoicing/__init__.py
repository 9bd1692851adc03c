"""F4 invoicing rules, pure: the invoice dict (invoice.py), the KID (kid.py).

docs/portal.md fixes the invoice's shape; docs/invoicing.md the run, the store and payments."""

from skysentral.domain.invoicing.invoice import (
    CREDIT_NOTE,
    DRAFT,
    FINAL,
    INVOICE,
    OPEN,
    OVERDUE,
    PAID,
    PARTLY_PAID,
    assemble,
    credit_note_id,
    due_date_of,
    groups_of,
    invoice_id,
    invoice_line,
    issue_date_of,
    line_counts,
    payment_status,
    split_late_lines,
    totals_of,
    with_payment_status,
)
from skysentral.domain.invoicing.kid import is_valid_kid, kid_of, mod10_check_digit, number_of_kid

__all__ = [
    "CREDIT_NOTE",
    "DRAFT",
    "FINAL",
    "INVOICE",
    "OPEN",
    "OVERDUE",
    "PAID",
    "PARTLY_PAID",
    "assemble",
    "credit_note_id",
    "due_date_of",
    "groups_of",
    "invoice_id",
    "invoice_line",
    "is_valid_kid",
    "issue_date_of",
    "kid_of",
    "line_counts",
    "mod10_check_digit",
    "number_of_kid",
    "payment_status",
    "split_late_lines",
    "totals_of",
    "with_payment_status",
]
