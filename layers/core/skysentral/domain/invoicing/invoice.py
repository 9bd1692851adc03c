"""F4: the invoice (and credit note) as a plain dict (docs/portal.md, "The invoice"), built
from rated lines: lines, groups per kind, net/VAT/total, due date, payment status.

Amounts are integer øre excluding VAT per line; `net_ore` is the sum of the lines and
`vat_ore` is computed once on that total (`rating.invoice_vat_ore`, EHF BR-S-09), never as
the sum of rounded line VAT. A credit note carries positive amounts, `kind: credit_note`
and `corrects` (the number of the invoice it corrects)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from skysentral.domain.calendar import OSLO
from skysentral.domain.invoicing.kid import kid_of
from skysentral.domain.rating import CORRECTION, MVA_PERCENT, RatedLine, invoice_vat_ore

INVOICE, CREDIT_NOTE = "invoice", "credit_note"
DRAFT, FINAL = "draft", "final"
OPEN, PARTLY_PAID, PAID, OVERDUE = "open", "partly_paid", "paid", "overdue"
PAYMENT_DAYS = 14  # F4: due 14 days after the issue date (Europe/Oslo dates)
GROUP_ORDER = ("voice", "sms", "mms", "data", "content", "fee")


def invoice_id(company_id: str, period: str) -> str:
    return f"{company_id}#{period}"


def credit_note_id(company_id: str, period: str, corrected_period: str) -> str:
    """The credit note issued with `period`'s run for corrections of `corrected_period`."""
    return f"{company_id}#{period}#CN#{corrected_period}"


def issue_date_of(now: datetime) -> date:
    return now.astimezone(OSLO).date()


def due_date_of(issue_date: date) -> date:
    return issue_date + timedelta(days=PAYMENT_DAYS)


def _description(line: RatedLine) -> str:
    if line.line_type == CORRECTION:
        return f"Korreksjon av {line.corrects or line.record_id} ({line.month})"
    if line.kind == "fee":
        return f"Månedspris {line.price_plan_id}" if line.item in (None, "PLAN") else f"Tilleggstjeneste {line.item}"
    if line.kind == "voice":
        return f"Samtale til {line.destination or line.destination_class}"
    if line.kind in ("sms", "mms"):
        return f"{line.kind.upper()} til {line.destination or line.destination_class}"
    if line.kind == "content":
        return " ".join(p for p in (line.merchant, f"({line.category})" if line.category else None) if p) or "Innhold"
    if line.kind == "data":
        return f"Data ({line.zone})"
    return line.kind


def invoice_line(line: RatedLine, sign: int = 1) -> dict[str, Any]:
    """An invoice line: the rated line as the invoice shows it (a credit note negates)."""
    return {
        "line_id": line.line_id,
        "line_type": line.line_type,
        "kind": line.kind,
        "description": _description(line),
        "subscription_id": line.subscription_id,
        "msisdn": line.msisdn,
        "employee_id": line.employee_id,
        "department_id": line.department_id,
        "quantity": line.quantity,
        "unit": line.unit,
        "amount_ore": sign * line.amount_ore,
        "period": line.month,
    }


def groups_of(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for line in lines:
        g = found.setdefault(line["kind"], {"kind": line["kind"], "count": 0, "amount_ore": 0})
        g["count"] += 1
        g["amount_ore"] += line["amount_ore"]
    order = {k: n for n, k in enumerate(GROUP_ORDER)}
    return sorted(found.values(), key=lambda g: (order.get(g["kind"], len(order)), g["kind"]))


def totals_of(lines: Iterable[dict[str, Any]]) -> dict[str, int]:
    """F4: net = Σ lines (øre), VAT once on the total (EHF BR-S-09), total = net + VAT."""
    net = sum(line["amount_ore"] for line in lines)
    vat = invoice_vat_ore(net)
    return {"net_ore": net, "vat_ore": vat, "total_ore": net + vat, "vat_rate_percent": MVA_PERCENT}


def assemble(
    *,
    invoice_id: str,
    kind: str,
    company_id: str,
    period: str,
    issue_date: date,
    seller: dict[str, Any],
    buyer: dict[str, Any],
    lines: list[dict[str, Any]],
    corrects: int | None = None,
) -> dict[str, Any]:
    """A draft: everything but the number and KID (a draft has none)."""
    lines = sorted(lines, key=lambda line: (line["period"], line["subscription_id"], line["kind"], line["line_id"]))
    return {
        "invoice_id": invoice_id,
        "kind": kind,
        "company_id": company_id,
        "period": period,
        "status": DRAFT,
        "number": None,
        "issue_date": issue_date.isoformat(),
        "due_date": due_date_of(issue_date).isoformat() if kind == INVOICE else None,
        "kid": None,
        "seller": seller,
        "buyer": buyer,
        "lines": lines,
        "groups": groups_of(lines),
        **totals_of(lines),
        "corrects": corrects,
        "documents": {},
        "payment_status": OPEN if kind == INVOICE else None,
        "paid_ore": 0,
        "payments": [],
    }


def line_counts(invoice: dict[str, Any]) -> dict[str, int]:
    """How many lines of each period the invoice bills (late-line bookkeeping)."""
    counts: dict[str, int] = {}
    for line in invoice["lines"]:
        counts[line["period"]] = counts.get(line["period"], 0) + 1
    return counts


# ------------------------------------------------------------------ late lines and credit notes
def split_late_lines(late: Iterable[RatedLine]) -> tuple[list[RatedLine], dict[str, list[RatedLine]]]:
    """Late lines (of months whose invoice is final) go on the next invoice; but the
    re-rating corrections of one earlier month that together lower its price become a credit
    note for that month instead (a final invoice is never edited). Returns (for the invoice,
    {corrected month: lines for its credit note})."""
    to_invoice: list[RatedLine] = []
    corrections: dict[str, list[RatedLine]] = {}
    for line in late:
        if line.line_type == CORRECTION:
            corrections.setdefault(line.month, []).append(line)
        else:
            to_invoice.append(line)
    credit: dict[str, list[RatedLine]] = {}
    for month, lines in sorted(corrections.items()):
        if sum(line.amount_ore for line in lines) < 0:
            credit[month] = lines
        else:
            to_invoice.extend(lines)
    return to_invoice, credit


# ------------------------------------------------------------------ payments
def payment_status(kind: str, total_ore: int, paid_ore: int, due_date: str | None, today: date) -> str | None:
    """F4: open; partly_paid when 0 < paid < total; paid when paid ≥ total; overdue when not
    paid and today (Oslo) is after the due date. A credit note is not paid: None."""
    if kind != INVOICE:
        return None
    if paid_ore >= total_ore:
        return PAID
    if due_date and today > date.fromisoformat(due_date):
        return OVERDUE
    return PARTLY_PAID if paid_ore > 0 else OPEN


def with_payment_status(invoice: dict[str, Any], today: date) -> dict[str, Any]:
    paid = int(invoice.get("paid_ore") or 0)
    status = payment_status(invoice["kind"], invoice["total_ore"], paid, invoice.get("due_date"), today)
    return {**invoice, "paid_ore": paid, "payment_status": status, "overpaid_ore": max(0, paid - invoice["total_ore"])}


def finalised(draft: dict[str, Any], number: int) -> dict[str, Any]:
    """The final invoice: its number from the gap-free sequence and (an invoice) its KID."""
    return {**draft, "status": FINAL, "number": number, "kid": kid_of(number) if draft["kind"] == INVOICE else None}
