"""F4 routes through the local API gateway: the archive, an invoice, document links, roles
and tenant isolation (another company's invoice is 404), the operator's run by hand and
the schedule at 03:00 Europe/Oslo on the 1st."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from skysentral.services import invoicing as run
from skysentral.store import invoice_repository as repo
from tests.helpers import Client

RUN_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def december_clock(monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-05T12:00:00Z")


def as_role(gateway, token, cid, role):
    return Client(gateway, token({"custom:company_id": cid, "custom:role": role}))


@pytest.fixture
def invoiced(cloud, company, send_usage):
    cid, subs = company(["BEDRIFT_10"])
    send_usage([{"record_id": "api-s1", "msisdn": subs[0].msisdn, "kind": "sms", "quantity": 1,
                 "started_at": "2026-11-04T12:00:00+01:00", "zone": "NO", "country": "NO",
                 "destination": "+4791234567"}])  # fmt: skip
    cloud.drain()
    result = run.invoice_company(cid, "2026-11", RUN_AT)
    return cid, result["numbers"][0]


@pytest.mark.feature("F4")
def test_a_company_admin_sees_the_archive_an_invoice_and_its_lines(gateway, token, invoiced):
    cid, number = invoiced
    admin = as_role(gateway, token, cid, "company_admin")
    status, archive = admin.get("/admin/invoices")
    assert status == 200, archive
    (listed,) = archive["invoices"]
    assert (listed["number"], listed["period"], listed["payment_status"]) == (number, "2026-11", "open")
    assert "lines" not in listed
    status, invoice = admin.get(f"/admin/invoices/{number}")
    assert status == 200
    assert "api-s1" in {line["line_id"] for line in invoice["lines"]}
    assert invoice["net_ore"] == sum(line["amount_ore"] for line in invoice["lines"])
    for which, starts in (("pdf", b"%PDF"), ("ehf", b"<?xml")):
        status, body = admin.get(f"/admin/invoices/{number}/{which}")
        assert status == 200, body  # a presigned link to the stored document
        assert requests.get(body["url"], timeout=10).content.startswith(starts)


@pytest.mark.feature("F4")
def test_another_companys_invoice_is_404_and_other_roles_are_403(gateway, token, invoiced):
    cid, number = invoiced
    stranger = as_role(gateway, token, "c-someone-else", "company_admin")
    assert stranger.get(f"/admin/invoices/{number}")[0] == 404
    assert stranger.get(f"/admin/invoices/{number}/ehf")[0] == 404
    assert number not in [i["number"] for i in stranger.get("/admin/invoices")[1]["invoices"]]
    assert as_role(gateway, token, cid, "employee").get("/admin/invoices")[0] == 403
    assert as_role(gateway, token, cid, "company_admin").get("/operator/payments/unmatched")[0] == 403
    assert as_role(gateway, token, cid, "company_admin").post("/operator/invoices/run", {"period": "2026-11"})[0] == 403
    admin = as_role(gateway, token, cid, "company_admin")
    assert admin.get("/admin/invoices/abc")[0] == 404
    status, body = admin.get("/admin/invoices?from=2023-11")  # more than 36 months back
    assert status == 400, body


@pytest.mark.feature("F4")
def test_the_operator_runs_a_month_by_hand_and_the_schedule_runs_the_month_before(cloud, gateway, token, company):
    cid, _ = company(["BEDRIFT_5"])
    operator = as_role(gateway, token, "operator", "operator")
    assert operator.post("/operator/invoices/run", {"period": "2020-13"})[0] == 400
    status, body = operator.post("/operator/invoices/run", {"period": "2099-01"})  # not ended: not invoiced
    assert (status, body["error"]) == (400, "period_not_ended"), body
    status, body = operator.post("/operator/invoices/run", {"period": "2020-01"})  # a month no other test uses
    assert status == 202 and body["companies"] >= 1, body
    cloud.drain(timeout_s=120)
    january = repo.run_state(cid, "2020-01")
    assert january is not None and january.status == "final"
    result = cloud.fire_schedule(f"{cloud.stack_name}-invoice-run", at=datetime(2020, 3, 1, 3, 0))
    assert result["result"]["period"] == "2020-02", result
    cloud.drain(timeout_s=120)
    assert repo.run_state(cid, "2020-02").status == "final"
    status, body = operator.get("/operator/payments/unmatched")
    assert status == 200 and isinstance(body["payments"], list)
