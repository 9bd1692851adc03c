"""F4: the invoice (and credit note) as PDF. PLACEHOLDER of the invoice run's branch: the
invoice-documents part provides the real renderer under this name; until it is merged the
invoice run finalises invoices without documents (services/invoicing.py logs it)."""

from __future__ import annotations

from typing import Any


def render_invoice_pdf(invoice: dict[str, Any]) -> bytes:
    raise NotImplementedError("the PDF renderer is built by the invoice-documents part")
