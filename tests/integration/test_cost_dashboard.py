"""F1: the cost dashboard's figures, from usage rated through the usage queue, against
hand-computed totals (tests/dashboard_data.py): 13 months with the gaps as zeros, this
month's accrued cost with MVA on the total, departments with their sub-departments,
an employee's data packages, scoping of a department administrator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skysentral.domain.errors import NotFound
from skysentral.domain.identity import Identity
from skysentral.services import cost_dashboard
from skysentral.store.directory_repository import Directory
from tests.dashboard_data import MONTHS, make_company, rate_usage

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def rated(cloud):
    with pytest.MonkeyPatch.context() as mp:
        cid, subs = make_company(cloud)
        rate_usage(cloud, subs, mp)
    return cid, subs


def admin(cid, role="company_admin", departments=()):
    return Identity("e-1", cid, role, frozenset(departments))


def amounts(view, month):
    (row,) = [r for r in view["trend"] if r["month"] == month]
    return {k: v["amount_ore"] for k, v in row["by_kind"].items() if v["amount_ore"]}


@pytest.mark.feature("F1", "F3")
def test_the_company_sees_13_months_with_gaps_as_zeros_and_this_month_with_mva(rated):
    cid, _ = rated
    view = cost_dashboard.admin_dashboard(admin(cid), Directory(cid), None, None, NOW)
    assert view["months"] == MONTHS and [r["month"] for r in view["trend"]] == MONTHS  # 2025-11 .. 2026-11
    assert amounts(view, "2026-09") == {"voice": 224}
    october = next(r for r in view["trend"] if r["month"] == "2026-10")
    assert october["net_ore"] == 0
    assert set(october["by_kind"]) == {"voice", "sms", "mms", "data", "content", "package", "fee"}
    assert amounts(view, "2026-11") == {"voice": 224, "sms": 198, "content": 4900, "data": 3000}
    # 8 322 øre excl. MVA; the MVA on the total (as the invoice does): 2 080,5 -> 2 081
    assert {k: view["this_month"][k] for k in ("net_ore", "vat_ore", "total_ore")} == {
        "net_ore": 8322, "vat_ore": 2081, "total_ore": 10403,
    }  # fmt: skip
    nov = next(r for r in view["trend"] if r["month"] == "2026-11")
    assert nov["by_kind"]["sms"]["quantity"] == 2 and nov["by_kind"]["voice"]["quantity"] == 90
    assert view["data"] == {"bytes": 3 * 1024 * 1024, "amount_ore": 3000, "sessions": 1}
    assert view["content"]["purchases"] == 1 and view["content"]["amount_ore"] == 4900
    assert view["scope"] == {"level": "company", "id": None, "name": "Dashbord AS"}
    assert view["invoices"] == []


@pytest.mark.feature("F1", "E5")
def test_a_department_includes_its_sub_departments_and_an_employee_only_their_own(rated):
    cid, _ = rated
    directory = Directory(cid)
    dep_a = cost_dashboard.admin_dashboard(admin(cid), directory, "dep-a", None, NOW)
    assert dep_a["this_month"]["net_ore"] == 224 + 198 + 4900
    assert dep_a["this_month"]["vat_ore"] == 1331  # 1 330,5 rounded half away from zero
    sub = cost_dashboard.admin_dashboard(admin(cid), directory, "dep-a1", None, NOW)
    assert amounts(sub, "2026-11") == {"content": 4900}
    e1 = cost_dashboard.admin_dashboard(admin(cid), directory, None, "e-1", NOW)
    assert amounts(e1, "2026-09") == {"voice": 224} and amounts(e1, "2026-11") == {"voice": 224, "sms": 198}
    assert e1["data_packages"] == {
        "month": "2026-11", "count": 0, "company_paid_ore": 0, "employee_card_ore": 0, "items": []
    }  # fmt: skip


@pytest.mark.feature("F1", "E5")
def test_a_department_admin_sees_their_departments_and_nothing_else(rated):
    cid, _ = rated
    directory = Directory(cid)
    ola = admin(cid, "department_admin", {"dep-a"})
    mine = cost_dashboard.admin_dashboard(ola, directory, None, None, NOW)
    assert mine["scope"]["level"] == "departments" and mine["this_month"]["net_ore"] == 5322
    assert mine["invoices"] == []
    assert cost_dashboard.admin_dashboard(ola, directory, None, "e-2", NOW)["this_month"]["net_ore"] == 4900
    for department_id, employee_id in (("dep-b", None), (None, "e-3"), ("nope", None), (None, "nobody")):
        with pytest.raises(NotFound):
            cost_dashboard.admin_dashboard(ola, directory, department_id, employee_id, NOW)
    with pytest.raises(NotFound):  # an employee asked for within another department
        cost_dashboard.admin_dashboard(admin(cid), directory, "dep-b", "e-1", NOW)


@pytest.mark.feature("F1")
def test_an_employee_sees_their_own_costs(rated):
    cid, _ = rated
    view = cost_dashboard.my_costs(Identity("e-3", cid, "employee"), Directory(cid), NOW)
    assert view["scope"]["id"] == "e-3" and amounts(view, "2026-11") == {"data": 3000}
    assert view["this_month"] == {
        "month": "2026-11", "net_ore": 3000, "vat_ore": 750, "total_ore": 3750, "vat_rate_percent": 25,
        "by_kind": {"voice": 0, "sms": 0, "mms": 0, "data": 3000, "content": 0, "package": 0, "fee": 0},
    }  # fmt: skip


@pytest.mark.feature("F1", "D3", "D8")
def test_an_employees_data_packages_bought_this_month_are_listed_with_who_paid(rated):
    from skysentral.store import balance_repository

    cid, subs = rated
    sid = subs["e-2"].subscription_id

    def bought(order_id, product, payer, cost, card, month="2026-11"):  # a purchase row as purchase_steps writes it
        return {"sk": balance_repository.usage_sk(month, f"order-{order_id}"), "id": f"order-{order_id}",
                "month": month, "kind": "package", "zone": "NO", "country": "NO", "at": f"{month}-20T10:00:00+00:00",
                "qty": 1, "counted": 1, "refused": 0, "product": product, "payer": payer, "cost_ore": cost,
                "card_ore": card, "status": "applied", "late": False, "drawn": []}  # fmt: skip

    balance_repository.write_rows(
        cid,
        sid,
        [
            bought("o-1", "EXTRA_1GB", "company", 9900, 0),
            bought("o-2", "EXTRA_5GB", "employee", 0, 24875),
            bought("o-0", "EXTRA_1GB", "company", 9900, 0, month="2026-10"),  # last month: not this one's
        ],
    )
    view = cost_dashboard.my_costs(Identity("e-2", cid, "employee"), Directory(cid), NOW)
    packages = view["data_packages"]
    assert (packages["count"], packages["company_paid_ore"], packages["employee_card_ore"]) == (2, 9900, 24875)
    assert [(p["product"], p["paid_by"], p["subscription_id"]) for p in packages["items"]] == [
        ("EXTRA_1GB", "company", sid),
        ("EXTRA_5GB", "employee", sid),
    ]
    company = cost_dashboard.admin_dashboard(admin(cid), Directory(cid), None, None, NOW)
    # the company's view counts the package lines written when an order is activated (F3);
    # these ledger rows were written straight, with no order and so no line
    assert company["data_packages"] == {"month": "2026-11", "count": 0, "company_paid_ore": 0}
    assert company["this_month"]["net_ore"] == 8322
