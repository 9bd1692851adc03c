"""F6–F9, C7 over HTTP (the local gateway): a company sets its policies, October's usage is
classified as it is rated, employees report lines until the deadline, the tax figures come
out per employee, the payroll files are exported, sent once, and a late line is paid in the
next month's export, never twice.

The company (tests/dashboard_data.make_company): e-1 (dep-a, department admin), e-2 (dep-a1
below dep-a), e-3 (dep-b), each one BEDRIFT_10 subscription. Prices (docs/rating.md): a
90-s call to Sweden 224 øre + 56 MVA = 280; 3 MiB in the US 3000 + 750 = 3750."""

from __future__ import annotations

import urllib.request

import pytest

from tests.dashboard_data import make_company, send, voice
from tests.helpers import Client, data

pytestmark = pytest.mark.feature("F6", "F7", "F8", "F9", "C7")

OCTOBER, NOVEMBER, DECEMBER = "2026-10-20T12:00:00Z", "2026-11-10T12:00:00Z", "2026-12-02T12:00:00Z"
WAGE_TYPES = {"benefit_flat": "5210", "benefit_content": "5211", "deduction": "7100"}


def settings(valid_from: str = "2026-10-20", numbers: bool = True) -> dict:
    employees = {f"e-{n}": {"payroll_number": f"100{n}"} for n in (1, 2, 3)} if numbers else {}
    return {
        "valid_from": valid_from,
        "working_hours": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "report_deadline_day": 5,
        "payroll": {"system": "visma", "client_number": "0042", "run_number": 7, "wage_types": WAGE_TYPES},
        "policies": {
            "standard": {
                "treatment": "benefit",
                "covers_content": True,
                "rules": {"extra_packages_private": True, "content_private_above_ore": 20_000},
            },
            "trekk": {
                "treatment": "deduction",
                "covers_content": False,
                "rules": {"abroad_private": True, "outside_hours_private": True},
            },
        },
        "default_policy": "standard",
        "departments": {"dep-b": "trekk"},
        "employees": employees,
    }


def content(record_id: str, msisdn: str, amount_ore: int, at: str) -> dict:
    return {"record_id": record_id, "msisdn": msisdn, "kind": "content", "quantity": 1, "amount_ore": amount_ore,
            "merchant": "Strex", "category": "games", "started_at": at, "zone": "NO", "country": "NO"}  # fmt: skip


@pytest.fixture(scope="module")
def company(cloud, gateway, issuer):
    """October: the settings from 20 October, then usage rated under them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKYSENTRAL_NOW", OCTOBER)
        cid, subs = make_company(cloud)
        admin = Client(gateway, issuer.issue(claims("e-9", "company_admin", cid)))
        status, body = admin.put("/admin/invoice-control/settings", settings())
        assert status == 200, body
        send(
            cloud,
            [
                voice("oct-work", subs["e-1"].msisdn, "2026-10-20T10:00:00+02:00"),  # Tuesday 10:00: work
                voice("oct-sat", subs["e-1"].msisdn, "2026-10-24T11:00:00+02:00"),  # Saturday, no hours rule: work
                content("oct-game", subs["e-2"].msisdn, 150_000, "2026-10-21T12:00:00+02:00"),  # above 200 kr: private
                content("oct-app", subs["e-2"].msisdn, 4_900, "2026-10-22T12:00:00+02:00"),  # below: work
                data(
                    "oct-us", subs["e-3"].msisdn, 3 * 1024 * 1024, "2026-10-21T08:00:00+02:00", zone="US", country="US"
                ),
                voice("oct-late", subs["e-3"].msisdn, "2026-10-21T20:00:00+02:00"),  # 20:00: private (trekk)
            ],
        )
    return cid, subs


def claims(user: str, role: str, cid: str, departments: str = "") -> dict:
    return {"sub": user, "email": f"{user}@ic.no", "custom:company_id": cid, "custom:role": role,
            "custom:departments": departments}  # fmt: skip


@pytest.fixture(scope="module")
def as_(gateway, issuer, company):
    def make(user: str, role: str = "employee", departments: str = "") -> Client:
        return Client(gateway, issuer.issue(claims(user, role, company[0], departments)))

    return make


def figures(body: dict) -> dict:
    return {k: body[k] for k in ("benefit_flat_ore", "benefit_content_ore", "deduction_ore", "private_ore", "work_ore")}


def test_lines_are_classified_as_they_are_rated_with_the_rule_that_decided(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    status, e3 = as_("e-3").get("/me/invoice-control?month=2026-10")
    assert status == 200, e3
    decided = {line["line_id"]: (line["use"], line["use_rule"], line["policy_version"]) for line in e3["lines"]}
    assert decided == {"oct-us": ("private", "abroad", 1), "oct-late": ("private", "outside_hours", 1)}
    _, e2 = as_("e-2").get("/me/invoice-control?month=2026-10")
    assert {x["line_id"]: x["use_rule"] for x in e2["lines"]} == {
        "oct-game": "content_above_limit",
        "oct-app": "default_work",
    }
    assert e3["policy"] == {"name": "trekk", "treatment": "deduction", "covers_content": False, "version": 1}
    assert e2["policy"]["name"] == "standard"  # dep-a1 has no policy of its own, nor has dep-a: the default
    assert e3["reporting"] == "open" and e3["deadline"] == "2026-11-05T23:59:59+01:00"


def test_an_employee_reports_a_line_private_every_change_is_kept_and_the_figures_follow(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    ola = as_("e-1", "department_admin", "dep-a")
    assert ola.put("/me/invoice-control/months/2026-10/lines/oct-sat", {"use": "work"})[0] == 200
    status, body = ola.put("/me/invoice-control/months/2026-10/lines/oct-sat", {"use": "private", "note": "hytta"})
    assert status == 200 and body["previous"] == "work" and body["effective_use"] == "private", body
    _, mine = ola.get("/me/invoice-control?month=2026-10")
    sat = next(x for x in mine["lines"] if x["line_id"] == "oct-sat")
    assert (sat["use"], sat["effective_use"], sat["decided_by"]) == ("work", "private", "employee_report")
    # benefit-taxed: a private call is covered by the flat benefit, nothing is deducted
    assert figures(mine["month_figures"]) == {"benefit_flat_ore": 36_600, "benefit_content_ore": 0,
                                              "deduction_ore": 0, "private_ore": 280, "work_ore": 280}  # fmt: skip
    _, history = ola.get("/me/invoice-control/reports?month=2026-10")
    assert [(r["line_id"], r["previous"], r["use"]) for r in history["reports"]] == [
        ("oct-sat", "work", "work"),
        ("oct-sat", "work", "private"),
    ]
    assert history["reports"][1]["note"] == "hytta"


def test_an_employee_reports_only_their_own_lines_and_never_a_fee(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    lars = as_("e-2")
    assert lars.put("/me/invoice-control/months/2026-10/lines/oct-us", {"use": "work"})[0] == 404  # e-3's line
    assert lars.put("/me/invoice-control/months/2026-10/lines/oct-game", {"use": "maybe"})[0] == 400
    assert lars.put("/me/invoice-control/months/2026-13/lines/oct-game", {"use": "work"})[0] == 400
    assert lars.get("/me/invoice-control?month=2026-12")[0] == 400  # not begun


def test_the_tax_figures_per_employee_follow_the_norwegian_rules(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    kari = as_("e-9", "company_admin")
    # e-2: a covered private purchase of 1 500 kr + MVA = 1 875 kr: 1 000 tax free, 875 a benefit
    _, e2 = kari.get("/admin/invoice-control/employees/e-2?month=2026-10")
    assert figures(e2["year_to_date"]) == {"benefit_flat_ore": 36_600, "benefit_content_ore": 87_500,
                                           "deduction_ore": 0, "private_ore": 187_500, "work_ore": 6_125}  # fmt: skip
    assert e2["year_to_date"]["tax_free_content_ore"] == 100_000
    # e-3 (trekk): no flat benefit, abroad and after-hours use deducted: 3 750 + 280
    _, e3 = kari.get("/admin/invoice-control/employees/e-3?month=2026-10")
    assert figures(e3["year_to_date"]) == {"benefit_flat_ore": 0, "benefit_content_ore": 0,
                                           "deduction_ore": 4_030, "private_ore": 4_030, "work_ore": 0}  # fmt: skip
    # months before the company's first rated month are not counted: October is the first
    assert [m["month"] for m in e3["months"] if m["benefit_flat_ore"] or m["private_ore"]] == ["2026-10"]


def test_a_department_admin_sees_their_departments_people_only_and_no_payroll(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    ola = as_("e-1", "department_admin", "dep-a")
    assert ola.get("/admin/invoice-control/employees/e-2?month=2026-10")[0] == 200  # dep-a1 is below dep-a
    assert ola.get("/admin/invoice-control/employees/e-3?month=2026-10")[0] == 404
    assert ola.get("/admin/payroll/summary?month=2026-10")[0] == 403
    assert as_("e-2").get("/admin/invoice-control/settings")[0] == 403


def test_a_policy_change_applies_from_a_date_and_never_to_the_past(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    kari = as_("e-9", "company_admin")
    status, body = kari.put("/admin/invoice-control/settings", settings(valid_from="2026-10-01"))
    assert status == 400 and body["error"] == "invalid_policy"
    assert [p["path"] for p in body["problems"]] == ["valid_from"]
    bad = settings(valid_from="2026-12-01")
    bad["departments"] = {"dep-zz": "trekk"}
    status, body = kari.put("/admin/invoice-control/settings", bad)
    assert status == 400 and body["problems"][0]["path"] == "departments.dep-zz"
    _, current = kari.get("/admin/invoice-control/settings")
    assert current["current"]["version"] == 1 and current["upcoming"] == []


def test_reporting_closes_at_the_deadline(as_, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-05T22:59:59Z")  # 23:59:59 in Oslo: still open
    lars = as_("e-2")
    assert lars.put("/me/invoice-control/months/2026-10/lines/oct-app", {"use": "work"})[0] == 200
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-05T23:00:00Z")
    status, body = lars.put("/me/invoice-control/months/2026-10/lines/oct-app", {"use": "private"})
    assert status == 409 and body["error"] == "reporting_closed", body
    assert lars.get("/me/invoice-control?month=2026-10")[1]["reporting"] == "closed"


def test_exports_and_settings_need_a_recent_sign_in(gateway, issuer, company, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", NOVEMBER)
    stale = Client(gateway, issuer.issue(claims("e-9", "company_admin", company[0]), auth_age_s=3600))
    for call in (
        lambda: stale.post("/admin/payroll/exports", {"month": "2026-10"}),
        lambda: stale.put("/admin/invoice-control/settings", settings(valid_from="2026-12-01")),
    ):
        status, body = call()
        assert status == 401 and body["error"] == "step_up_required", body
    assert stale.get("/admin/payroll/summary?month=2026-10")[0] == 200  # reading needs no step-up
    mfa = Client(gateway, issuer.issue(claims("e-9", "company_admin", company[0]), auth_age_s=3600, mfa=True))
    assert mfa.get("/admin/payroll/exports")[0] == 200


def test_payroll_exports_are_reproducible_sent_once_and_a_late_line_is_paid_next_month(
    cloud, as_, company, monkeypatch
):
    cid, subs = company
    monkeypatch.setenv("SKYSENTRAL_NOW", NOVEMBER)
    kari = as_("e-9", "company_admin")
    assert kari.post("/admin/payroll/exports", {"month": "2026-11"})[0] == 400  # not ended
    status, first = kari.post("/admin/payroll/exports", {"month": "2026-10"})
    assert status == 201, first
    assert first["file_name"] == f"visma-{cid}-2026-10.csv" and first["status"] == "created"
    assert first["totals"] == {"benefit_flat": 2 * 36_600, "benefit_content": 87_500, "deduction": 4_030}
    again = kari.post("/admin/payroll/exports", {"month": "2026-10"})[1]
    assert again["sha256"] == first["sha256"]
    with urllib.request.urlopen(first["download_url"]) as response:  # the link a browser gets
        visma = response.read()
    assert visma.decode("cp1252").splitlines() == [
        "2026;7;1001;5210;;1;366.00;366.00;;;dep-a;;;;;;0;Elektronisk kommunikasjon 2026-10",
        "2026;7;1002;5210;;1;366.00;366.00;;;dep-a1;;;;;;0;Elektronisk kommunikasjon 2026-10",
        "2026;7;1002;5211;;1;875.00;875.00;;;dep-a1;;;;;;0;Innholdstjenester over 1000 kr 2026-10",
        "2026;7;1003;7100;;1;40.30;40.30;;;dep-b;;;;;;0;Trekk privat bruk mobil 2026-10",
    ]
    for system, name in (("huldt_lillevik", "IT0042TRS.HLW"), ("sap", f"IT0015-{cid}-2026-10.txt")):
        status, body = kari.post("/admin/payroll/exports", {"month": "2026-10", "system": system})
        assert status == 201 and body["file_name"] == name and body["entries"] == 4

    status, sent = kari.post("/admin/payroll/exports/2026-10-visma/sent")
    assert status == 200 and sent["status"] == "sent" and sent["sent_by"] == "e-9"
    assert kari.post("/admin/payroll/exports/2026-10-visma/sent")[0] == 409
    assert kari.post("/admin/payroll/exports/2026-10-sap/sent")[1]["error"] == "already_sent"
    assert kari.post("/admin/payroll/exports", {"month": "2026-10"})[1]["error"] == "already_sent"

    # a call of 30 October that reaches us on 10 November, after October was paid
    send(cloud, [voice("oct-late-2", subs["e-3"].msisdn, "2026-10-30T21:00:00+01:00")])
    monkeypatch.setenv("SKYSENTRAL_NOW", DECEMBER)
    kari = as_("e-9", "company_admin")  # a sign-in of today: exports need a recent one (F10)
    status, november = kari.post("/admin/payroll/exports", {"month": "2026-11"})
    assert status == 201, november
    assert november["amounts"]["e-3"] == {"deduction": 280}  # the late call, once
    assert november["amounts"]["e-1"] == {"benefit_flat": 36_600}
    assert "benefit_content" not in november["amounts"].get("e-2", {})  # paid in October already
    _, summary = kari.get("/admin/payroll/summary?month=2026-11")
    assert [e["employee_id"] for e in summary["employees"]] == ["e-1", "e-2", "e-3"]
    assert summary["employees"][2]["year_to_date"]["deduction_ore"] == 4_310
    assert [x["export_id"] for x in summary["exports"]] == ["2026-11-visma"]


def test_an_export_names_the_employees_without_a_payroll_number(cloud, gateway, issuer, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", OCTOBER)
    cid, subs = make_company(cloud)
    admin = Client(gateway, issuer.issue(claims("e-9", "company_admin", cid)))
    assert admin.put("/admin/invoice-control/settings", settings(numbers=False))[0] == 200
    send(cloud, [voice("x-1", subs["e-3"].msisdn, "2026-10-21T20:00:00+02:00")])
    monkeypatch.setenv("SKYSENTRAL_NOW", NOVEMBER)
    admin = Client(gateway, issuer.issue(claims("e-9", "company_admin", cid)))
    status, body = admin.post("/admin/payroll/exports", {"month": "2026-10"})
    assert status == 422 and body["error"] == "payroll_number_missing"
    assert [p["path"] for p in body["problems"]] == [f"employees.e-{n}.payroll_number" for n in (1, 2, 3)]


def test_at_the_turn_of_the_year_a_late_december_line_and_a_late_report_are_carried_into_january(
    cloud, gateway, issuer, monkeypatch
):
    """December is exported and sent on 2 January, before the reporting deadline (5 January).
    e-3 then reports a purchase private, and a call of 30 December arrives on 10 January:
    both are December's (the year 2026), and January's export pays them, once."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-20T09:00:00Z")
    cid, subs = make_company(cloud)

    def admin() -> Client:  # a sign-in at the clock's present (exports need a recent one)
        return Client(gateway, issuer.issue(claims("e-9", "company_admin", cid)))

    assert admin().put("/admin/invoice-control/settings", settings(valid_from="2026-12-20"))[0] == 200
    msisdn = subs["e-3"].msisdn
    send(
        cloud,
        [
            voice("dec-late", msisdn, "2026-12-21T20:00:00+01:00"),
            content("dec-app", msisdn, 4_900, "2026-12-21T12:00:00+01:00"),
        ],
    )

    monkeypatch.setenv("SKYSENTRAL_NOW", "2027-01-02T09:00:00Z")
    status, december = admin().post("/admin/payroll/exports", {"month": "2026-12"})
    assert status == 201 and december["amounts"]["e-3"] == {"deduction": 280}, december
    assert admin().post("/admin/payroll/exports/2026-12-visma/sent")[0] == 200
    e3 = Client(gateway, issuer.issue(claims("e-3", "employee", cid)))
    status, body = e3.put("/me/invoice-control/months/2026-12/lines/dec-app", {"use": "private"})
    assert status == 200, body  # before the deadline, though December was sent

    monkeypatch.setenv("SKYSENTRAL_NOW", "2027-01-10T09:00:00Z")
    send(cloud, [voice("dec-30", msisdn, "2026-12-30T21:00:00+01:00")])

    monkeypatch.setenv("SKYSENTRAL_NOW", "2027-02-02T09:00:00Z")
    status, january = admin().post("/admin/payroll/exports", {"month": "2027-01"})
    assert status == 201, january
    assert january["carried_from_previous_year"] == {"e-3": {"deduction": 6_125 + 280}}
    assert january["amounts"] == {"e-1": {"benefit_flat": 36_600}, "e-2": {"benefit_flat": 36_600}}
    assert admin().post("/admin/payroll/exports/2027-01-visma/sent")[0] == 200
    status, again = admin().post("/admin/payroll/exports", {"month": "2027-01"})
    assert status == 409 and again["error"] == "already_sent"
    monkeypatch.setenv("SKYSENTRAL_NOW", "2027-03-02T09:00:00Z")
    status, february = admin().post("/admin/payroll/exports", {"month": "2027-02"})
    assert status == 201 and february["carried_from_previous_year"] == {}  # paid in January, not again
