"""F4: invoices, their lines, the gap-free number counter, the run's progress, payments
(InvoicesTable, env INVOICES_TABLE).

Keys (docs/invoicing.md):
    CO#<company>                    INVOICE#<YYYY-MM>[#CN#<YYYY-MM>]   an invoice / credit note header
    LINES#<invoice id>#<version>    <chunk:04d>                        its lines (a draft version's)
    NUMBER#<number>                 -                                  number (and so KID) -> invoice
    COUNTER                         INVOICE_NUMBER                     the last number given
    RUN#<YYYY-MM>                   <company>                          the run's progress for a company
    PAYMENT#<reference>             -                                  a payment seen once
    UNMATCHED                       <paid_at>#<reference>              a payment no invoice matched

A draft is written as new line chunks under a fresh `draft_version` and then its header,
so a rewrite never touches the chunks a header points to. Finalising is one transaction:
the counter (conditional on the last number read), every header of the company's month
(conditional on its draft version), the NUMBER items and the run item. A final invoice's
lines and amounts are never written again; only `documents` and payments are added."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from skysentral.domain import invoicing
from skysentral.store.models import (
    InvoiceCounterItem,
    InvoiceHeaderItem,
    InvoiceLinesItem,
    InvoiceNumberItem,
    InvoiceRunItem,
    PaymentItem,
    UnmatchedPaymentItem,
)

FIRST_NUMBER = 100001
LINES_PER_CHUNK = 400  # ~100 kB a chunk: far below the 400 kB item limit
COUNTER_KEY = ("COUNTER", "INVOICE_NUMBER")


def company_partition(company_id: str) -> str:
    return f"CO#{company_id}"


def header_sk(period: str, corrected_period: str | None = None) -> str:
    return f"INVOICE#{period}" + (f"#CN#{corrected_period}" if corrected_period else "")


def _chunks_partition(invoice_id: str, version: str) -> str:
    return f"LINES#{invoice_id}#{version}"


@dataclass
class RunState:
    company_id: str
    period: str
    status: str
    draft_version: str
    issue_date: str
    documents: list[dict[str, Any]]
    billed: dict[str, int]

    @classmethod
    def of(cls, item: InvoiceRunItem) -> RunState:
        return cls(
            item.sk,
            item.pk.removeprefix("RUN#"),
            item.status,
            item.draft_version,
            item.issue_date,
            list(item.documents or []),
            dict(item.billed or {}),
        )


# ------------------------------------------------------------------ the run
def run_state(company_id: str, period: str) -> RunState | None:
    try:
        return RunState.of(InvoiceRunItem.get(f"RUN#{period}", company_id))
    except DoesNotExist:
        return None


def run_states(company_id: str, periods: list[str]) -> dict[str, RunState]:
    """The run items of several months of a company: one BatchGet."""
    keys = [(f"RUN#{p}", company_id) for p in periods]
    return {s.period: s for s in (RunState.of(i) for i in InvoiceRunItem.batch_get(keys))}


def save_draft(company_id: str, period: str, issue_date: str, drafts: list[tuple[str, dict[str, Any]]]) -> str:
    """Write the drafts [(header sk, invoice dict with lines)] of a company's month under a
    new draft version; headers of an earlier draft not in this one are removed. Returns the version."""
    version = uuid.uuid4().hex[:12]
    with InvoiceLinesItem.batch_write() as batch:
        for _, invoice in drafts:
            lines = invoice["lines"]
            for n in range(0, max(len(lines), 1), LINES_PER_CHUNK):
                batch.save(
                    InvoiceLinesItem(
                        _chunks_partition(invoice["invoice_id"], version),
                        f"{n // LINES_PER_CHUNK:04d}",
                        lines=lines[n : n + LINES_PER_CHUNK],
                    )
                )
    before = run_state(company_id, period)
    with InvoiceHeaderItem.batch_write() as batch:
        for sk, invoice in drafts:
            head = {k: v for k, v in invoice.items() if k not in ("lines", "payments")}
            chunks = max(1, -(-len(invoice["lines"]) // LINES_PER_CHUNK))
            batch.save(
                InvoiceHeaderItem(
                    company_partition(company_id),
                    sk,
                    status=invoicing.DRAFT,
                    draft_version=version,
                    chunks=chunks,
                    invoice=head,
                )
            )
        kept = {sk for sk, _ in drafts}
        for doc in before.documents if before and before.status == invoicing.DRAFT else []:
            if doc["sk"] not in kept:
                batch.delete(InvoiceHeaderItem(company_partition(company_id), doc["sk"]))
    documents = [
        {
            "invoice_id": inv["invoice_id"],
            "kind": inv["kind"],
            "sk": sk,
            "number": None,
            "line_counts": invoicing.line_counts(inv),
        }
        for sk, inv in drafts
    ]
    InvoiceRunItem(
        f"RUN#{period}",
        company_id,
        status=invoicing.DRAFT,
        draft_version=version,
        issue_date=issue_date,
        documents=documents,
        billed={},
    ).save(condition=InvoiceRunItem.status.does_not_exist() | (InvoiceRunItem.status == invoicing.DRAFT))
    return version


class FinaliseLost(Exception):
    """Another worker changed the draft or finalised the month first."""


def finalise(company_id: str, period: str, version: str, finalised_at: str, attempts: int = 25) -> RunState:
    """F4: draft -> final for every document of the company's month, numbered from the
    gap-free counter in the same transaction (retried when another run took the numbers)."""
    for _ in range(attempts):
        state = run_state(company_id, period)
        if state is None:
            raise FinaliseLost(f"no draft of {company_id} {period}")
        if state.status == invoicing.FINAL:
            return state
        if state.draft_version != version:
            raise FinaliseLost(f"the draft of {company_id} {period} was rewritten")
        try:
            last = int(InvoiceCounterItem.get(*COUNTER_KEY).last)
            counter_exists = True
        except DoesNotExist:
            last, counter_exists = FIRST_NUMBER - 1, False
        heads = {
            i.sk: i
            for i in InvoiceHeaderItem.batch_get([(company_partition(company_id), d["sk"]) for d in state.documents])
        }
        documents: list[dict[str, Any]] = []
        billed: dict[str, int] = {}
        for n, doc in enumerate(state.documents, start=1):
            documents.append({**doc, "number": last + n})
            for p, c in doc["line_counts"].items():
                billed[p] = billed.get(p, 0) + c
        try:
            with TransactWrite(connection=InvoiceHeaderItem._get_connection().connection) as tx:
                counter = InvoiceCounterItem(*COUNTER_KEY)
                tx.update(
                    counter,
                    actions=[InvoiceCounterItem.last.set(last + len(documents))],
                    condition=(InvoiceCounterItem.last == last)
                    if counter_exists
                    else InvoiceCounterItem.pk.does_not_exist(),
                )
                for doc in documents:
                    tx.update(
                        InvoiceHeaderItem(company_partition(company_id), doc["sk"]),
                        actions=[
                            InvoiceHeaderItem.status.set(invoicing.FINAL),
                            InvoiceHeaderItem.invoice.set(invoicing.finalised(heads[doc["sk"]].invoice, doc["number"])),
                        ],
                        condition=(InvoiceHeaderItem.status == invoicing.DRAFT)
                        & (InvoiceHeaderItem.draft_version == version),
                    )
                    tx.save(
                        InvoiceNumberItem(f"NUMBER#{doc['number']}", "-", company_id=company_id, header_sk=doc["sk"]),
                        condition=InvoiceNumberItem.pk.does_not_exist(),
                    )
                tx.update(
                    InvoiceRunItem(f"RUN#{period}", company_id),
                    actions=[
                        InvoiceRunItem.status.set(invoicing.FINAL),
                        InvoiceRunItem.documents.set(documents),
                        InvoiceRunItem.billed.set(billed),
                        InvoiceRunItem.finalised_at.set(finalised_at),
                    ],
                    condition=(InvoiceRunItem.status == invoicing.DRAFT) & (InvoiceRunItem.draft_version == version),
                )
        except TransactWriteError:
            continue  # the counter moved, or another worker won: read again
        return RunState(company_id, period, invoicing.FINAL, version, state.issue_date, documents, billed)
    raise RuntimeError(f"could not finalise {company_id} {period} after {attempts} attempts")


# ------------------------------------------------------------------ reading invoices
def _whole(item: InvoiceHeaderItem, with_lines: bool = True) -> dict[str, Any]:
    invoice = dict(item.invoice)
    invoice["status"] = item.status
    invoice["documents"] = dict(item.documents or {})
    invoice["paid_ore"] = int(item.paid_ore or 0)
    invoice["payments"] = [dict(p) for p in (item.payments or [])]
    if with_lines:
        invoice["lines"] = lines_of(invoice["invoice_id"], item.draft_version)
    return invoice


def lines_of(invoice_id: str, version: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for chunk in InvoiceLinesItem.query(_chunks_partition(invoice_id, version)):
        lines.extend(chunk.lines)
    return lines


def headers(company_id: str, first_period: str, last_period: str) -> list[dict[str, Any]]:
    """The company's invoices and credit notes of first..last (headers, newest first): one Query."""
    found = []
    for item in InvoiceHeaderItem.query(
        company_partition(company_id),
        InvoiceHeaderItem.sk.between(header_sk(first_period), header_sk(last_period) + "#~"),
        scan_index_forward=False,
    ):
        found.append(_whole(item, with_lines=False))
    return found


def header_of(company_id: str, sk: str, with_lines: bool = True) -> dict[str, Any] | None:
    try:
        return _whole(InvoiceHeaderItem.get(company_partition(company_id), sk), with_lines=with_lines)
    except DoesNotExist:
        return None


def by_number(number: int) -> tuple[str, str] | None:
    """(company id, header sk) of invoice `number` (the KID lookup too)."""
    try:
        item = InvoiceNumberItem.get(f"NUMBER#{number}", "-")
    except DoesNotExist:
        return None
    return item.company_id, item.header_sk


def set_documents(company_id: str, sk: str, documents: dict[str, str]) -> None:
    InvoiceHeaderItem(company_partition(company_id), sk).update(actions=[InvoiceHeaderItem.documents.set(documents)])


def billed_line_ids(states: list[RunState], period: str) -> set[tuple[str, str]]:
    """(period, line id) of the lines of `period` on the final documents of these runs."""
    ids: set[tuple[str, str]] = set()
    for state in states:
        for doc in state.documents:
            if doc["line_counts"].get(period):
                for line in lines_of(doc["invoice_id"], state.draft_version):
                    if line["period"] == period:
                        ids.add((period, line["line_id"]))
    return ids


# ------------------------------------------------------------------ payments
def record_payment(payment: dict[str, Any], number: int | None, target: tuple[str, str] | None) -> bool:
    """Store a payment once per bank reference: matched (`target` = by_number(number)), added
    to its invoice's paid amount in the same transaction; else kept as unmatched. False when
    the reference was seen before."""
    try:
        with TransactWrite(connection=PaymentItem._get_connection().connection) as tx:
            tx.save(
                PaymentItem(
                    f"PAYMENT#{payment['reference']}",
                    "-",
                    payment=payment,
                    invoice_number=number if target else None,
                ),
                condition=PaymentItem.pk.does_not_exist(),
            )
            if target:
                company_id, sk = target
                tx.update(
                    InvoiceHeaderItem(company_partition(company_id), sk),
                    actions=[
                        InvoiceHeaderItem.paid_ore.add(payment["amount_ore"]),
                        InvoiceHeaderItem.payments.set(InvoiceHeaderItem.payments.append([payment])),
                    ],
                    condition=InvoiceHeaderItem.status == invoicing.FINAL,
                )
            else:
                tx.save(
                    UnmatchedPaymentItem("UNMATCHED", f"{payment['paid_at']}#{payment['reference']}", payment=payment)
                )
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in str(exc) or any(
            r is not None and r.code == "ConditionalCheckFailed"
            for r in (getattr(exc, "cancellation_reasons", None) or [])
        ):
            return False
        raise
    return True


def unmatched_payments(limit: int = 200) -> list[dict[str, Any]]:
    return [dict(i.payment) for i in UnmatchedPaymentItem.query("UNMATCHED", scan_index_forward=False, limit=limit)]
