"""F4 the monthly invoice run and payments (docs/portal.md, docs/invoicing.md).

The run of month M (03:00 Europe/Oslo on the 1st of M+1, or by hand): `plan_run` lists
the companies, one message each; `invoice_company` builds a company's documents:

1. the month's fee lines (`rating.write_fee_lines`, idempotent);
2. the month's rated lines (one Query) and the late lines: lines of the 12 months before
   whose run is final but which no final document bills yet (the totals say how many lines
   a month has, so a month with none late costs no read of its lines);
3. late re-rating corrections of a month that together lower its price -> a credit note;
4. the drafts (lines stored with them), then draft -> final in one transaction with the
   gap-free number counter; 5. the PDF and EHF documents to S3 (if the renderers exist).

A run whose month is final changes nothing; a run that crashed after its draft rewrites
the draft and finalises it, so rerunning and resuming give the same invoices."""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from skysentral.domain import invoicing
from skysentral.domain.calendar import OSLO, month_of, prev_month
from skysentral.domain.catalogue import PricePlan
from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.domain.rating import RatedLine
from skysentral.services import rating
from skysentral.store import invoice_repository as repo
from skysentral.store import rated_lines_repository as lines_store
from skysentral.store.directory_repository import Directory, all_subscriptions

logger = Logger(child=True)
LATE_MONTHS = 12  # how far back late lines and corrections are looked for
ARCHIVE_MONTHS = 36  # F4: the archive of the last 36 months

SELLER = {
    "name": os.environ.get("INVOICE_SELLER_NAME", "Skysentral AS"),
    "org_number": os.environ.get("INVOICE_SELLER_ORG_NUMBER", "923609016"),
    "vat_number": "NO" + os.environ.get("INVOICE_SELLER_ORG_NUMBER", "923609016") + "MVA",
    "address": {"street": "Fornebuveien 1", "postal_code": "1366", "city": "Lysaker", "country": "NO"},
    "bank_account": os.environ.get("INVOICE_SELLER_BANK_ACCOUNT", "15032080119"),
}


def months_back(month: str, n: int) -> list[str]:
    """The n months before `month`, oldest first."""
    out = []
    for _ in range(n):
        month = prev_month(month)
        out.append(month)
    return out[::-1]


def check_period(period: str) -> str:
    try:
        prev_month(period)
    except (ValueError, TypeError):
        raise InvalidInput(f"{period!r} is not a month (YYYY-MM).", code="invalid_period") from None
    return period


# ------------------------------------------------------------------ planning
def period_of_schedule(event: dict) -> str:
    """The month to invoice: {"period"} as given, or the month before the scheduled time's."""
    if event.get("period"):
        return check_period(event["period"])
    scheduled = event.get("scheduled_time") or event.get("time")
    if not scheduled:
        raise InvalidInput("The invoice run needs scheduled_time or period.", code="invalid_period")
    return prev_month(month_of(datetime.fromisoformat(scheduled.replace("Z", "+00:00"))))


def companies() -> list[str]:
    """Every company with subscriptions (a scan of the directory, as the month close does)."""
    return sorted({company_id for company_id, _ in all_subscriptions()})


def order_run(period: str, now: datetime) -> list[dict[str, str]]:
    """F4: the operator's run by hand: only a month that has ended (Europe/Oslo) is invoiced,
    as the schedule does on the 1st; a month still running would miss its last days."""
    if check_period(period) >= month_of(now):
        raise InvalidInput(f"{period} has not ended yet: it can be invoiced from the 1st.", code="period_not_ended")
    return plan_run(period)


def plan_run(period: str) -> list[dict[str, str]]:
    """One message per company: {"period", "company_id"} (the worker's input)."""
    return [{"period": check_period(period), "company_id": c} for c in companies()]


# ------------------------------------------------------------------ one company's month
class _PricedDirectory(Directory):
    """The directory with the price plans and agreement prices read once per run of a
    company (write_fee_lines asks for them per subscription)."""

    @cache  # noqa: B019 (one instance per company run)
    def price_plan(self, code: str) -> PricePlan:
        return super().price_plan(code)

    @cache  # noqa: B019
    def add_on_prices(self) -> dict[str, int]:
        return super().add_on_prices()


def draft_company(company_id: str, period: str, now: datetime) -> repo.RunState | None:
    """Steps 1-4a: write the month's drafts; None when the month is final already."""
    state = repo.run_state(company_id, period)
    if state and state.status == invoicing.FINAL:
        return None
    directory = _PricedDirectory(company_id)
    for sub in directory.subscriptions():
        if sub.status != "active":
            continue
        rating.write_fee_lines(company_id, sub, period, now, directory=directory)
    month_lines = list(lines_store.lines_of_month(company_id, period))
    late, earlier = _late_lines(company_id, period)
    to_invoice, credit = invoicing.split_late_lines(late)

    issue_date = date.fromisoformat(state.issue_date) if state else invoicing.issue_date_of(now)
    buyer = _buyer(directory) if month_lines or late else {}
    drafts: list[tuple[str, dict[str, Any]]] = []
    lines = [invoicing.invoice_line(line) for line in [*month_lines, *to_invoice]]
    if lines:
        drafts.append(
            (
                repo.header_sk(period),
                invoicing.assemble(
                    invoice_id=invoicing.invoice_id(company_id, period),
                    kind=invoicing.INVOICE,
                    company_id=company_id,
                    period=period,
                    issue_date=issue_date,
                    seller=SELLER,
                    buyer=buyer,
                    lines=lines,
                ),
            )
        )
    for corrected, corrections in credit.items():
        corrects = next(
            (d["number"] for d in earlier[corrected].documents if d["kind"] == invoicing.INVOICE),
            None,
        )
        drafts.append(
            (
                repo.header_sk(period, corrected),
                invoicing.assemble(
                    invoice_id=invoicing.credit_note_id(company_id, period, corrected),
                    kind=invoicing.CREDIT_NOTE,
                    company_id=company_id,
                    period=period,
                    issue_date=issue_date,
                    seller=SELLER,
                    buyer=buyer,
                    lines=[invoicing.invoice_line(line, sign=-1) for line in corrections],
                    corrects=corrects,
                ),
            )
        )
    version = repo.save_draft(company_id, period, issue_date.isoformat(), drafts)
    return repo.RunState(company_id, period, invoicing.DRAFT, version, issue_date.isoformat(), [], {})


def _buyer(directory: Directory) -> dict[str, Any]:
    company = directory.company()
    return {"name": company.name, "org_number": company.org_number, "address": {}}


def _late_lines(company_id: str, period: str) -> tuple[list[RatedLine], dict[str, repo.RunState]]:
    """Lines of the months before whose run is final, not billed by any final document."""
    window = months_back(period, LATE_MONTHS)
    final = {p: s for p, s in repo.run_states(company_id, window).items() if s.status == invoicing.FINAL}
    if not final:
        return [], final
    counted: dict[str, int] = {}
    for t in lines_store.totals(company_id, "company", "-", min(final), max(final)):
        counted[t["month"]] = counted.get(t["month"], 0) + t["lines"]
    late: list[RatedLine] = []
    for month in sorted(final):
        billing = [s for p, s in final.items() if p >= month]
        billed = sum(s.billed.get(month, 0) for s in billing)
        if counted.get(month, 0) <= billed:
            continue  # every line of the month is on a final document
        ids = repo.billed_line_ids(billing, month)
        late += [line for line in lines_store.lines_of_month(company_id, month) if (month, line.line_id) not in ids]
    return late, final


def invoice_company(company_id: str, period: str, now: datetime) -> dict[str, Any]:
    """F4: a company's invoice (and credit notes) of `period`: draft, final, documents.
    Rerunning a final month, or resuming one that crashed, changes nothing."""
    check_period(period)
    drafted = draft_company(company_id, period, now)
    if drafted is not None:
        try:
            repo.finalise(company_id, period, drafted.draft_version, now.isoformat())
        except repo.FinaliseLost:
            logger.info("another run finalised or rewrote the draft", extra={"company_id": company_id})
    state = repo.run_state(company_id, period)
    assert state is not None
    if state.status == invoicing.FINAL:
        _store_documents(company_id, state)
    return {
        "company_id": company_id,
        "period": period,
        "status": state.status,
        "numbers": [d["number"] for d in state.documents],
    }


def _store_documents(company_id: str, state: repo.RunState) -> None:
    """PDF and EHF of each final document that has none yet (a rerun after a crash adds
    the missing ones). The EHF is checked against the BIS rules that apply to it first: a
    violation is logged as an error for the operator (the invoice stays final: it is the
    document of record either way)."""
    from skysentral.adapters import invoice_storage
    from skysentral.documents.ehf import render_ehf
    from skysentral.documents.ehf_rules import check_ehf
    from skysentral.documents.invoice_pdf import render_invoice_pdf

    for doc in state.documents:
        invoice = repo.header_of(company_id, doc["sk"], with_lines=False)
        if invoice is None or invoice["documents"]:
            continue
        invoice = repo.header_of(company_id, doc["sk"]) or invoice
        base = f"invoices/{company_id}/{state.period}/{doc['number']}"
        pdf, ehf = render_invoice_pdf(invoice), render_ehf(invoice)
        violations = check_ehf(ehf)
        if violations:
            logger.error(
                "EHF breaks BIS Billing 3.0 rules",
                extra={"number": doc["number"], "violations": [f"{v.rule}: {v.message}" for v in violations]},
            )
        invoice_storage.put(base + ".pdf", pdf, "application/pdf")
        invoice_storage.put(base + ".xml", ehf, "application/xml")
        repo.set_documents(company_id, doc["sk"], {"pdf": base + ".pdf", "ehf": base + ".xml"})


# ------------------------------------------------------------------ the archive (admin routes)
def today(now: datetime) -> date:
    return now.astimezone(OSLO).date()


def list_invoices(identity: Identity, first: str | None, last: str | None, now: datetime) -> dict[str, Any]:
    """F4: the company's invoices and credit notes of the last 36 months, with payment status."""
    current = month_of(now)
    oldest = months_back(current, ARCHIVE_MONTHS - 1)[0]
    first = check_period(first) if first else oldest
    last = check_period(last) if last else current
    if first < oldest:
        raise InvalidInput(f"The archive goes back 36 months, to {oldest}.", code="invalid_period")
    if first > last:
        raise InvalidInput("'from' is after 'to'.", code="invalid_period")
    found = [
        invoicing.with_payment_status(i, today(now))
        for i in repo.headers(identity.company_id, first, last)
        if i["status"] == invoicing.FINAL
    ]
    return {"from": first, "to": last, "invoices": found}


def latest_invoices(company_id: str, now: datetime, count: int = 6) -> list[dict[str, Any]]:
    """F1: the dashboard's invoice status: the latest final invoices and credit notes of the
    last 13 months, newest first (one Query), each with its payment status today."""
    current = month_of(now)
    keep = ("number", "period", "kind", "status", "payment_status", "total_ore", "paid_ore", "due_date")
    found = [
        invoicing.with_payment_status(i, today(now))
        for i in repo.headers(company_id, months_back(current, 12)[0], current)
        if i["status"] == invoicing.FINAL
    ]
    return [{k: i.get(k) for k in keep} for i in found[:count]]


def _own(identity: Identity, number: int) -> tuple[str, str]:
    found = repo.by_number(number)
    if found is None or found[0] != identity.company_id:  # another company's: not there for the caller
        raise NotFound(f"No invoice {number}.")
    return found


def get_invoice(identity: Identity, number: int, now: datetime) -> dict[str, Any]:
    company_id, sk = _own(identity, number)
    invoice = repo.header_of(company_id, sk)
    if invoice is None:
        raise NotFound(f"No invoice {number}.")
    return invoicing.with_payment_status(invoice, today(now))


def document_link(identity: Identity, number: int, which: str) -> dict[str, str]:
    company_id, sk = _own(identity, number)
    invoice = repo.header_of(company_id, sk, with_lines=False)
    key = (invoice or {}).get("documents", {}).get(which)
    if not key:
        raise NotFound(f"Invoice {number} has no {which.upper()} document yet.", code="document_not_ready")
    from skysentral.adapters import invoice_storage

    return {"url": invoice_storage.download_url(key)}


# ------------------------------------------------------------------ payments
def receive_payment(payment: dict[str, Any]) -> str:
    """F4: a PaymentReceived {kid, amount_ore, paid_at, reference} matched on the KID:
    'matched', 'unmatched' (kept for the operator) or 'duplicate' (reference seen)."""
    number = invoicing.number_of_kid(payment["kid"])
    target = repo.by_number(number) if number is not None else None
    stored = repo.record_payment(payment, number if target else None, target)
    outcome = "duplicate" if not stored else ("matched" if target else "unmatched")
    logger.info("payment", extra={"reference": payment["reference"], "outcome": outcome})
    return outcome


def unmatched_payments() -> dict[str, Any]:
    return {"payments": repo.unmatched_payments()}
