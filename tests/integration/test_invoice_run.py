"""F4: the monthly invoice run in the local cloud: a final invoice that reconciles with the
rated lines, gap-free numbers and KID; rerun and crash-resume change nothing; late records
after final go on the next month; a negative re-rating correction of a final month gives a
credit note; payments matched on the KID."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
from pypdf import PdfReader

from skysentral.adapters import invoice_storage
from skysentral.documents.ehf_rules import check_ehf
from skysentral.domain import invoicing
from skysentral.domain.rating import VoicePrice
from skysentral.services import invoicing as run
from skysentral.services import rating
from skysentral.store import invoice_repository as repo
from skysentral.store import rated_lines_repository as lines_store
from skysentral.store.models import InvoiceCounterItem

NOV, DEC = "2026-11", "2026-12"
RUN_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 03:00 in Oslo on the 1st
JAN_RUN_AT = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def november_clock(monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


def voice(record_id, msisdn, seconds, to="+4791234567", at="2026-11-03T10:00:00+01:00"):
    return {"record_id": record_id, "msisdn": msisdn, "kind": "voice", "quantity": seconds, "started_at": at,
            "zone": "NO", "country": "NO", "destination": to, "duration_s": seconds}  # fmt: skip


def sms(record_id, msisdn, at="2026-11-04T12:00:00+01:00"):
    return {"record_id": record_id, "msisdn": msisdn, "kind": "sms", "quantity": 1, "started_at": at,
            "zone": "NO", "country": "NO", "destination": "+4791234567"}  # fmt: skip


def counter() -> int:
    try:
        return int(InvoiceCounterItem.get(*repo.COUNTER_KEY).last)
    except InvoiceCounterItem.DoesNotExist:
        return repo.FIRST_NUMBER - 1


def invoice_of(cid, period, kind="invoice"):
    state = repo.run_state(cid, period)
    assert state is not None and state.status == "final"
    (doc,) = [d for d in state.documents if d["kind"] == kind]
    return repo.header_of(cid, doc["sk"])


@pytest.fixture
def november_company(cloud, company, send_usage):
    cid, subs = company(["BEDRIFT_10", "BEDRIFT_10"])
    send_usage([voice("n-v1", subs[0].msisdn, 95), sms("n-s1", subs[1].msisdn), voice("n-v2", subs[1].msisdn, 30)])
    cloud.drain()
    return cid, subs


@pytest.mark.feature("F4", "F3")
def test_the_run_gives_a_final_invoice_that_reconciles_with_the_rated_lines(november_company):
    cid, subs = november_company
    before = counter()
    result = run.invoice_company(cid, NOV, RUN_AT)
    invoice = invoice_of(cid, NOV)
    rated = {line.line_id: line for line in lines_store.lines_of_month(cid, NOV)}
    assert {line["line_id"] for line in invoice["lines"]} == set(rated)
    assert {"n-v1", "n-s1", "n-v2", f"fee#{subs[0].subscription_id}#{NOV}#PLAN"} <= set(rated)
    assert invoice["net_ore"] == sum(line.amount_ore for line in rated.values()) > 0
    assert invoice["vat_ore"] == (invoice["net_ore"] * 25 + 50) // 100
    assert invoice["total_ore"] == invoice["net_ore"] + invoice["vat_ore"]
    assert result["numbers"] == [invoice["number"]] and invoice["number"] > before
    assert counter() == before + 1
    assert invoicing.number_of_kid(invoice["kid"]) == invoice["number"] and len(invoice["kid"]) == 13
    assert (invoice["status"], invoice["issue_date"], invoice["due_date"]) == ("final", "2026-12-01", "2026-12-15")
    number = invoice["number"]
    assert invoice["documents"] == {
        "pdf": f"invoices/{cid}/{NOV}/{number}.pdf",
        "ehf": f"invoices/{cid}/{NOV}/{number}.xml",
    }
    ehf = requests.get(invoice_storage.download_url(invoice["documents"]["ehf"]), timeout=10).content
    assert check_ehf(ehf) == [] and f"<cbc:ID>{number}</cbc:ID>".encode() in ehf  # PEPPOL BIS 3.0, as stored
    pdf = requests.get(invoice_storage.download_url(invoice["documents"]["pdf"]), timeout=10).content
    assert invoice["kid"] in "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert repo.by_number(invoice["number"]) == (cid, repo.header_sk(NOV))


@pytest.mark.feature("F4")
def test_rerunning_a_final_month_changes_nothing(november_company):
    cid, _ = november_company
    run.invoice_company(cid, NOV, RUN_AT)
    first, after_first = invoice_of(cid, NOV), counter()
    again = run.invoice_company(cid, NOV, datetime(2026, 12, 2, tzinfo=UTC))
    assert invoice_of(cid, NOV) == first
    assert counter() == after_first
    assert again["numbers"] == [first["number"]]


@pytest.mark.feature("F4")
def test_a_run_that_crashed_after_its_draft_resumes_to_the_same_invoice(cloud, company, send_usage):
    cid, subs = company(["BEDRIFT_10"])
    send_usage([voice("c-v1", subs[0].msisdn, 61), sms("c-s1", subs[0].msisdn)])
    cloud.drain()
    before = counter()
    drafted = run.draft_company(cid, NOV, RUN_AT)  # ... and the worker dies here
    assert drafted is not None and repo.run_state(cid, NOV).status == "draft"
    assert counter() == before  # a draft has no number
    run.invoice_company(cid, NOV, datetime(2026, 12, 1, 2, 15, tzinfo=UTC))  # SQS delivers again
    invoice = invoice_of(cid, NOV)
    assert counter() == before + 1  # one number, no gap
    assert invoice["issue_date"] == "2026-12-01"
    assert {line["line_id"] for line in invoice["lines"]} == {
        line.line_id for line in lines_store.lines_of_month(cid, NOV)
    }
    run.invoice_company(cid, NOV, RUN_AT)
    assert invoice_of(cid, NOV) == invoice and counter() == before + 1


@pytest.mark.feature("F4", "D9")
def test_a_record_that_arrives_after_the_invoice_is_final_goes_on_the_next_invoice(
    cloud, november_company, send_usage, monkeypatch
):
    cid, subs = november_company
    run.invoice_company(cid, NOV, RUN_AT)
    november = invoice_of(cid, NOV)
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-02T09:00:00Z")
    send_usage([voice("late-1", subs[0].msisdn, 120, at="2026-11-30T22:00:00+01:00")])
    cloud.drain()
    assert "late-1" in {line.line_id for line in lines_store.lines_of_month(cid, NOV)}
    run.invoice_company(cid, NOV, RUN_AT)  # a rerun of November
    assert invoice_of(cid, NOV) == november  # a final invoice never changes
    run.invoice_company(cid, DEC, JAN_RUN_AT)
    december = invoice_of(cid, DEC)
    late = [line for line in december["lines"] if line["period"] == NOV]
    assert [line["line_id"] for line in late] == ["late-1"]
    assert december["net_ore"] == sum(line["amount_ore"] for line in december["lines"])
    run.invoice_company(cid, DEC, JAN_RUN_AT)
    assert invoice_of(cid, DEC) == december


@pytest.mark.feature("F4", "F3")
def test_a_cheaper_rerating_of_a_final_month_gives_a_credit_note(cloud, company, send_usage):
    plan = "BEDRIFT_20"
    cid, subs = company([plan])
    # calls to shared-cost 810 numbers: a destination class no other test prices
    send_usage([voice("cn-1", subs[0].msisdn, 600, to="+4781012345"), sms("cn-s", subs[0].msisdn)])
    cloud.drain()
    run.invoice_company(cid, NOV, RUN_AT)
    november = invoice_of(cid, NOV)
    newest = max(lines_store.tariff_versions(plan), key=lambda t: t.version)
    price = newest.voice["NO_SHARED_COST"].ore_per_min
    cheaper = replace(
        newest,
        version=newest.version + 1,
        voice={**newest.voice, "NO_SHARED_COST": VoicePrice(ore_per_min=max(0, price - 10))},
    )
    rating.publish_tariff(cheaper.to_dict())
    rating.rerate(plan, NOV, datetime(2026, 12, 5, tzinfo=UTC))
    corrections = [line for line in lines_store.lines_of_month(cid, NOV) if line.line_type == "correction"]
    assert corrections and sum(line.amount_ore for line in corrections) < 0
    run.invoice_company(cid, DEC, JAN_RUN_AT)
    note = invoice_of(cid, DEC, kind="credit_note")
    assert note["corrects"] == november["number"]
    assert note["net_ore"] == -sum(line.amount_ore for line in corrections) > 0
    assert note["total_ore"] == note["net_ore"] + note["vat_ore"] and note["kid"] is None
    december = invoice_of(cid, DEC)
    assert not [line for line in december["lines"] if line["line_type"] == "correction"]
    assert note["number"] == december["number"] + 1  # one sequence for invoices and credit notes
    assert invoice_of(cid, NOV) == november


@pytest.mark.feature("F4")
def test_payments_are_matched_on_the_kid(cloud, november_company, monkeypatch):
    cid, _ = november_company
    run.invoice_company(cid, NOV, RUN_AT)
    invoice = invoice_of(cid, NOV)
    total = invoice["total_ore"]
    sqs, url = cloud.client("sqs"), cloud.queue_url("PaymentsQueue")

    def pay(reference, amount, kid=invoice["kid"]):
        body = {"kid": kid, "amount_ore": amount, "paid_at": "2026-12-10T10:00:00+01:00", "reference": reference}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
        cloud.drain()

    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-12T12:00:00Z")
    admin = _admin(cid)
    number = invoice["number"]
    pay(f"{cid}-1", 100)
    assert run.get_invoice(admin, number, RUN_AT)["payment_status"] == "partly_paid"
    pay(f"{cid}-1", 100)  # the same bank reference again: ignored
    assert run.get_invoice(admin, number, RUN_AT)["paid_ore"] == 100
    pay(f"{cid}-2", total - 100)
    shown = run.get_invoice(admin, number, RUN_AT)
    assert (shown["payment_status"], shown["paid_ore"]) == ("paid", total)
    pay(f"{cid}-3", 500)
    shown = run.get_invoice(admin, number, RUN_AT)
    assert (shown["payment_status"], shown["overpaid_ore"]) == ("paid", 500)
    assert [p["reference"] for p in shown["payments"]] == [f"{cid}-1", f"{cid}-2", f"{cid}-3"]
    unknown = invoicing.kid_of(999_999_999)
    pay(f"{cid}-x", 4200, kid=unknown)
    pay(f"{cid}-y", 4200, kid="12345678")  # a wrong check digit
    kept = {p["reference"]: p for p in run.unmatched_payments()["payments"]}
    assert kept[f"{cid}-x"]["kid"] == unknown and f"{cid}-y" in kept


@pytest.mark.feature("F4")
def test_an_unpaid_invoice_is_overdue_after_its_due_date(november_company):
    cid, _ = november_company
    run.invoice_company(cid, NOV, RUN_AT)
    number = invoice_of(cid, NOV)["number"]
    admin = _admin(cid)
    assert run.get_invoice(admin, number, datetime(2026, 12, 15, 12, tzinfo=UTC))["payment_status"] == "open"
    assert run.get_invoice(admin, number, datetime(2026, 12, 16, 12, tzinfo=UTC))["payment_status"] == "overdue"


@pytest.mark.feature("F4")
def test_the_planner_fans_out_one_message_per_company_and_the_schedule_invoices_the_month_before(november_company):
    cid, _ = november_company
    assert run.period_of_schedule({"scheduled_time": "2026-12-01T02:00:00Z"}) == NOV
    assert {"period": NOV, "company_id": cid} in run.plan_run(NOV)


def _admin(cid):
    from skysentral.domain.identity import Identity

    return Identity("u-admin", cid, "company_admin")
