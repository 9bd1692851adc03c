"""F1 over HTTP (the local gateway): GET /admin/dashboard and GET /me/costs: roles,
department scoping (another department or its people: 404), tenant isolation, the 13
months with gaps as zeros. The figures are hand-computed in tests/dashboard_data.py."""

from __future__ import annotations

import pytest

from tests.dashboard_data import MONTHS, NOW, make_company, rate_usage
from tests.helpers import Client


@pytest.fixture(autouse=True)
def november(monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", NOW)


@pytest.fixture(scope="module")
def rated(cloud):
    with pytest.MonkeyPatch.context() as mp:
        cid, subs = make_company(cloud)
        rate_usage(cloud, subs, mp)
    return cid


@pytest.fixture(scope="module")
def as_(gateway, issuer, rated):
    def make(user: str, role: str, departments: str = "", company_id: str | None = None) -> Client:
        claims = {"sub": user, "email": f"{user}@dash.no", "custom:company_id": company_id or rated,
                  "custom:role": role, "custom:departments": departments}  # fmt: skip
        return Client(gateway, issuer.issue(claims))

    return make


def net(body, month="2026-11"):
    return next(r for r in body["trend"] if r["month"] == month)["net_ore"]


@pytest.mark.feature("F1")
def test_the_company_admin_gets_13_months_this_months_cost_with_mva_and_no_invoices_yet(as_):
    status, body = as_("e-9", "company_admin").get("/admin/dashboard")
    assert status == 200, body
    assert body["months"] == MONTHS and [r["month"] for r in body["trend"]] == MONTHS
    zeros = [r["month"] for r in body["trend"] if r["net_ore"] == 0]
    assert zeros == [m for m in MONTHS if m not in ("2026-09", "2026-11")]  # every gap is there, as zeros
    assert net(body, "2026-09") == 224
    assert body["this_month"]["net_ore"] == 8322 and body["this_month"]["vat_ore"] == 2081
    assert body["this_month"]["total_ore"] == 10403 and body["this_month"]["by_kind"]["content"] == 4900
    assert body["invoices"] == []


@pytest.mark.feature("F1", "E5")
def test_the_company_admin_picks_a_department_or_an_employee(as_):
    kari = as_("e-9", "company_admin")
    assert net(kari.get("/admin/dashboard?department_id=dep-a")[1]) == 5322  # with dep-a1 below it
    status, body = kari.get("/admin/dashboard?employee_id=e-3")
    assert status == 200 and net(body) == 3000 and body["data"]["amount_ore"] == 3000
    assert body["data_packages"]["count"] == 0
    assert kari.get("/admin/dashboard?department_id=dep-zz")[0] == 404
    assert kari.get("/admin/dashboard?month=2026-11")[0] == 400  # an unknown parameter


@pytest.mark.feature("F1", "E5")
def test_a_department_admin_sees_their_departments_and_people_only(as_):
    ola = as_("e-1", "department_admin", "dep-a")
    status, body = ola.get("/admin/dashboard")
    assert status == 200 and body["scope"]["level"] == "departments" and net(body) == 5322
    assert net(ola.get("/admin/dashboard?department_id=dep-a1")[1]) == 4900
    assert net(ola.get("/admin/dashboard?employee_id=e-2")[1]) == 4900
    for query in ("department_id=dep-b", "employee_id=e-3", "department_id=dep-b&employee_id=e-1"):
        status, body = ola.get(f"/admin/dashboard?{query}")
        assert status == 404 and body["error"], (query, body)


@pytest.mark.feature("F1")
def test_an_employee_sees_their_own_costs_and_not_the_admin_dashboard(as_):
    lars = as_("e-2", "employee")
    assert lars.get("/admin/dashboard")[0] == 403
    status, body = lars.get("/me/costs")
    assert status == 200 and body["scope"]["id"] == "e-2" and net(body) == 4900
    assert body["content"] == {"purchases": 1, "amount_ore": 4900, "by": "kind"}
    assert body["this_month"]["total_ore"] == 4900 + 1225
    assert Client(lars.base, None).get("/me/costs")[0] == 401


@pytest.mark.feature("F1")
def test_another_company_sees_none_of_these_figures(as_, cloud, seeded):
    other, _ = make_company(cloud)  # the same department and employee ids, no usage
    status, body = as_("e-9", "company_admin", company_id=other).get("/admin/dashboard?department_id=dep-a")
    assert status == 200 and all(r["net_ore"] == 0 for r in body["trend"])
    siri = as_("e-fjellvind-01", "company_admin", company_id="c-fjellvind")
    assert siri.get("/admin/dashboard?employee_id=e-1")[0] == 404
    assert siri.get("/admin/dashboard?department_id=dep-a")[0] == 404
