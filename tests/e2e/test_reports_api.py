"""F2/F5 through the local cloud: reports as JSON and files, the drill-down, roles and
tenancy, and a large export queued, rendered to the ReportsBucket and downloaded."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from skysentral.domain.rating import RatedLine
from skysentral.store import rated_lines_repository as store

MONTH = "2025-03"  # a month no other test writes lines for
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fetch(client, path, method="GET", body=None, accept="*/*"):
    """(status, headers, bytes) of a call with the client's token."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(client.base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {client.token}")
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def demo_line(n, sub, kind, amount, quantity, zone="NO", **kw):
    return RatedLine(
        line_id=f"rep-{n}",
        line_type="usage",
        company_id="c-nordlys",
        month=MONTH,
        subscription_id=sub.subscription_id,
        msisdn=sub.msisdn,
        department_id=sub.department_id,
        employee_id=sub.employee_id,
        kind=kind,
        destination_class="NO_MOBILE" if zone == "NO" else "INTL_OTHER",
        zone=zone,
        quantity=quantity,
        unit={"voice": "s", "sms": "sms", "data": "bytes", "content": "purchase"}[kind],
        amount_ore=amount,
        mva_ore=(amount * 25 + 50) // 100,
        price_plan_id=sub.plan_code,
        price_plan_version=1,
        started_at=f"{MONTH}-{1 + n % 28:02d}T{8 + n % 10:02d}:00:00+00:00",
        **kw,
    )


@pytest.fixture(scope="module")
def month_lines(cloud, seeded):
    from skysentral.store.directory_repository import Directory

    subs = Directory("c-nordlys").subscriptions()
    lines = []
    for i, sub in enumerate(subs):
        lines.append(demo_line(4 * i, sub, "voice", 100 + 37 * i, 60 + i))
        lines.append(demo_line(4 * i + 1, sub, "sms", 99, 1))
        lines.append(demo_line(4 * i + 2, sub, "data", 1000 * (i % 3), 10_000_000, zone="EU" if i % 4 == 0 else "NO"))
        if i % 5 == 0:
            lines.append(demo_line(4 * i + 3, sub, "content", 4900, 1, merchant="Strex", category="parking"))
    store.save_lines(lines)
    return list(store.lines_of_month("c-nordlys", MONTH))


def expected_by_department(lines):
    out = defaultdict(int)
    for line in lines:
        out[line.department_id] += line.amount_ore
    return dict(out)


@pytest.mark.feature("F2")
def test_cost_by_department_as_json_matches_the_lines_and_drills_down_to_lines(kari, month_lines):
    status, body = kari.get(f"/admin/reports/cost-by-department?month={MONTH}")
    assert status == 200, body
    assert {r["department_id"]: r["amount_ore"] for r in body["rows"]} == expected_by_department(month_lines)
    assert body["total"]["amount_ore"] == sum(line.amount_ore for line in month_lines)
    salg = next(r for r in body["rows"] if r["department_id"] == "dep-salg")
    drill = salg["drill"]
    status, employees = kari.get(f"/admin/reports/{drill['report']}?month={MONTH}&department_id=dep-salg")
    assert status == 200 and sum(r["amount_ore"] for r in employees["rows"]) == salg["amount_ore"]
    first = employees["rows"][0]
    status, leaf = kari.get(f"/admin/reports/lines?month={MONTH}&employee_id={first['drill']['employee_id']}")
    assert status == 200 and leaf["total"]["amount_ore"] == first["amount_ore"]
    assert all(r["employee_id"] == first["employee_id"] for r in leaf["rows"])


@pytest.mark.feature("F2")
def test_the_pdf_xlsx_and_csv_carry_the_jsons_figures(kari, month_lines):
    _, report = kari.get(f"/admin/reports/cost-by-employee?month={MONTH}")
    status, headers, pdf = fetch(kari, f"/admin/reports/cost-by-employee?month={MONTH}&format=pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    top = report["rows"][0]
    assert f"{top['amount_ore'] // 100},{top['amount_ore'] % 100:02d}" in text and top["employee"] in text

    status, headers, xlsx = fetch(kari, f"/admin/reports/cost-by-employee?month={MONTH}&format=xlsx")
    assert status == 200 and headers["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(xlsx)).active
    header = [c.value for c in ws[1]]
    amount = ws.cell(2, header.index("Beløp eks. mva") + 1)
    assert amount.value == pytest.approx(top["amount_ore"] / 100) and amount.number_format == "# ##0.00"

    status, headers, data = fetch(kari, f"/admin/reports/cost-by-employee?month={MONTH}&format=csv&csv=comma")
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=","))
    assert rows[1][header.index("Beløp eks. mva")] == f"{top['amount_ore'] // 100}.{top['amount_ore'] % 100:02d}"


@pytest.mark.feature("F2")
def test_a_custom_report_groups_by_kind_and_zone(kari, month_lines):
    body = {"filters": {"from": MONTH, "kinds": ["data", "voice"], "min_amount_ore": 1}, "group_by": ["kind", "zone"]}
    status, report = kari.post("/admin/reports", body)
    assert status == 200, report
    expected = defaultdict(int)
    for line in month_lines:
        if line.kind in ("data", "voice") and line.amount_ore >= 1:
            expected[(line.kind, line.zone)] += line.amount_ore
    assert {(r["kind"], r["zone"]): r["amount_ore"] for r in report["rows"]} == dict(expected)
    status, err = kari.post("/admin/reports", {"filters": {"from": MONTH}, "group_by": ["colour"]})
    assert status == 400 and err["error"] == "validation_error" and "group_by" in err["message"]


@pytest.mark.feature("F2", "E5")
def test_a_department_admin_sees_only_their_departments(ola, month_lines):
    status, body = ola.get(f"/admin/reports/cost-by-department?month={MONTH}")
    assert status == 200
    assert {r["department_id"] for r in body["rows"]} == {"dep-salg"}
    assert body["total"]["amount_ore"] == expected_by_department(month_lines)["dep-salg"]
    status, _ = ola.get(f"/admin/reports/cost-by-employee?month={MONTH}&department_id=dep-service")
    assert status == 403
    other = next(line for line in month_lines if line.department_id != "dep-salg" and line.employee_id)
    status, _ = ola.get(f"/admin/reports/lines?month={MONTH}&employee_id={other.employee_id}")
    assert status == 403


@pytest.mark.feature("F2", "E5")
def test_another_companys_ids_do_not_exist_and_employees_may_not_see_reports(siri, lars, month_lines):
    line = month_lines[0]
    queries = (f"employee_id={line.employee_id}", "department_id=dep-salg", f"subscription_id={line.subscription_id}")
    for query in queries:
        status, body = siri.get(f"/admin/reports/lines?month={MONTH}&{query}")
        assert status == 404, (query, body)
    status, body = siri.get(f"/admin/reports/cost-by-department?month={MONTH}")
    assert status == 200 and body["rows"] == []
    assert lars.get(f"/admin/reports/cost-by-department?month={MONTH}")[0] == 403
    assert siri.get("/admin/reports/salaries")[0] == 404
    assert siri.get("/admin/reports/lines?month=2025-13")[0] == 400


@pytest.fixture
def small_sync_limit(cloud):
    spec = cloud.runtime.functions["ApiReportsFunction"]
    before = spec.environment.get("REPORT_SYNC_MAX_LINES")
    spec.environment["REPORT_SYNC_MAX_LINES"] = "10"
    yield
    spec.environment["REPORT_SYNC_MAX_LINES"] = before


@pytest.mark.feature("F2")
@pytest.mark.usefixtures("small_sync_limit")
def test_a_large_export_is_queued_rendered_to_the_bucket_and_downloaded(cloud, kari, siri, month_lines):
    status, _, raw = fetch(kari, f"/admin/reports/lines?month={MONTH}&format=xlsx")
    assert status == 202, raw
    accepted = json.loads(raw)
    assert accepted["status"] == "queued"
    export = f"/admin/reports/exports/{accepted['export_id']}"
    assert siri.get(export)[0] == 404  # another company's export does not exist
    cloud.drain()
    status, done = kari.get(export)
    assert status == 200 and done["status"] == "done", done
    assert done["progress"] == {"done": 1, "of": 1}
    with urllib.request.urlopen(done["url"], timeout=30) as response:
        ws = load_workbook(io.BytesIO(response.read())).active
    assert ws.max_row == 1 + len(month_lines) + 1  # header, the lines, the total
    status, json_lines = kari.get(f"/admin/reports/lines?month={MONTH}")
    assert status == 200 and json_lines["truncated"] and len(json_lines["rows"]) == 10


@pytest.mark.feature("F5")
def test_the_equipment_list_as_csv_and_xlsx(kari):
    _, listing = kari.get("/admin/equipment")
    status, headers, data = fetch(kari, "/admin/equipment?format=csv")
    assert status == 200 and data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:4] == ["Avdeling", "Kilde", "Type", "Modell"] and len(rows) == 1 + len(listing["items"])
    status, headers, xlsx = fetch(kari, "/admin/equipment?format=xlsx")
    assert status == 200 and headers["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(xlsx)).active.max_row == 1 + len(listing["items"])


@pytest.mark.feature("F2")
def test_report_export_worker_marks_an_unknown_report_failed(cloud, month_lines):
    from skysentral.services import reports
    from skysentral.store import report_exports_repository as exports

    now = datetime(2026, 11, 26, tzinfo=UTC)
    request = {"report": "custom", "filters": {"from": MONTH}, "group_by": ["colour"], "format": "csv",
               "csv": "comma", "identity": {"user_id": "u", "role": "company_admin", "department_ids": []}}  # fmt: skip
    exports.create("c-nordlys", "rx-broken", request, now)
    assert reports.run_export("c-nordlys", "rx-broken", now) == "failed"
    item = exports.get("c-nordlys", "rx-broken")
    assert item.status == "failed" and "colour" in item.reason
