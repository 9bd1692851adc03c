"""F4: the invoice (and credit note) as EHF (PEPPOL BIS Billing 3.0 UBL). PLACEHOLDER of
the invoice run's branch: the invoice-documents part provides the real renderer under this
name; until it is merged the invoice run finalises invoices without documents."""

from __future__ import annotations

from typing import Any


def render_ehf(invoice: dict[str, Any]) -> bytes:
    raise NotImplementedError("the EHF renderer is built by the invoice-documents part")
