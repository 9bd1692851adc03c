"""D-area through the public interfaces only: usage in through the local queue endpoint,
the month close through the schedule endpoint, balances out through the API (C2, C6, E3)."""

from __future__ import annotations

import pytest

from skysentral.domain.catalogue import GIB, MIB
from tests.helpers import nordlys_employee, wait_for_order


@pytest.fixture
def november(monkeypatch):
    """The local cloud's clock (SKYSENTRAL_NOW) set to late November 2026."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-20T12:00:00Z")


def _usage(kari, records):
    status, _ = kari.post("/_local/queues/UsageQueue/messages", records)
    assert status in (200, 202)
    assert kari.post("/_local/drain")[0] == 200


@pytest.mark.feature("C2", "C6", "D1", "F3")
def test_dashboard_shows_package_use_roaming_and_costs(november, kari, lars):
    _usage(
        kari,
        [
            {
                "record_id": "e2e-lars-1",
                "msisdn": "912 00 004",
                "kind": "data",
                "quantity": 3 * GIB,
                "started_at": "2026-11-10T09:00:00+01:00",
                "zone": "NO",
                "country": "NO",
            },
            {
                "record_id": "e2e-lars-2",
                "msisdn": "+4791200004",
                "kind": "data",
                "quantity": 10 * MIB,
                "started_at": "2026-11-11T09:00:00+01:00",
                "zone": "US",
                "country": "US",
            },
        ],
    )
    status, view = lars.get("/me/dashboard")
    assert status == 200 and view["period"] == "2026-11" and view["plan"] == "BEDRIFT_20"
    assert view["data"]["package_bytes"] == 20 * GIB and view["data"]["package_used_bytes"] == 3 * GIB
    assert view["data"]["remaining_bytes"] == 17 * GIB and view["data"]["blocked"] is False
    assert view["costs_ore"] == 10 * 1000  # 10 MB in the US at 10,00 kr per MB
    assert view["roaming"]["limit_eur_cents"] is None  # no Datakontroll on this subscription

    status, usage = lars.get("/me/usage?month=2026-11")
    assert status == 200
    assert usage["national"]["data_quantity"] == 3 * GIB and usage["international"]["data_quantity"] == 10 * MIB
    assert lars.get("/me/usage?month=2026-13")[0] == 400


@pytest.mark.feature("E1")
def test_admin_sees_the_same_balances_and_other_company_cannot(november, kari, siri):
    status, view = kari.get("/admin/subscriptions/s-nordlys-04/balances")
    assert status == 200 and view["subscription_id"] == "s-nordlys-04"
    assert siri.get("/admin/subscriptions/s-nordlys-04/balances")[0] == 404


@pytest.mark.feature("D2", "E3")
def test_rollover_is_refused_below_six_gb_with_a_clear_message(kari):
    status, body = kari.patch("/admin/subscriptions/s-nordlys-01/add-ons", {"rollover": True})  # BEDRIFT_5
    assert status == 422 and body["error"] == "rollover_not_allowed" and "6 GB" in body["message"]
    assert kari.get("/admin/subscriptions/s-nordlys-01")[1]["add_ons"]["rollover"] is False


@pytest.mark.feature("D4", "D5", "E3", "E6")
def test_add_ons_change_and_are_audited(november, kari):
    status, sub = kari.patch(
        "/admin/subscriptions/s-nordlys-08/add-ons", {"datakontroll": True, "topup_product": "EXTRA_5GB"}
    )
    assert status == 200 and sub["add_ons"]["datakontroll"] is True and sub["add_ons"]["topup_product"] == "EXTRA_5GB"
    assert kari.get("/admin/subscriptions/s-nordlys-08/balances")[1]["roaming"]["limit_eur_cents"] == 5000
    assert kari.patch("/admin/subscriptions/s-nordlys-08/add-ons", {"topup_product": "EXTRA_2GB"})[0] == 400
    _, log = kari.get("/admin/audit?kind=subscription.add_ons_changed")
    assert any(e["target"] == "s-nordlys-08" and e["after"]["add_ons"]["datakontroll"] for e in log["items"])


@pytest.mark.feature("D5", "E3", "E6")
def test_roaming_block_at_50_eur_is_lifted_by_the_company(november, kari, as_user):
    # s-nordlys-09: Datakontroll on in the demo data (every third subscription).
    assert kari.get("/admin/subscriptions/s-nordlys-09")[1]["add_ons"]["datakontroll"] is True
    _usage(
        kari,
        [
            {
                "record_id": "e2e-roam-1",
                "msisdn": "+4791200009",
                "kind": "data",
                "quantity": 60 * MIB,
                "started_at": "2026-11-12T09:00:00+01:00",
                "zone": "US",
                "country": "US",
            }
        ],
    )  # 600 kr > 585 kr
    status, view = kari.get("/admin/subscriptions/s-nordlys-09/balances")
    assert view["roaming"]["blocked"] is True and view["roaming"]["spent_eur_cents"] >= 5000
    status, view = kari.post("/admin/subscriptions/s-nordlys-09/roaming-block/lift")
    assert status == 200 and view["roaming"]["blocked"] is False
    _, log = kari.get("/admin/audit?kind=subscription.roaming_block_lifted")
    assert any(e["target"] == "s-nordlys-09" for e in log["items"])


@pytest.mark.feature("C6", "C8", "D8")
def test_c6_d8_usage_overview_shows_bought_packages_as_lines_of_their_own(november, kari, gateway, issuer, seeded):
    """Defect 1 (issue 7): GET /me/usage answered 500 once a data package was bought that month."""
    # GIVEN an employee (s-nordlys-03) with some usage, who buys extra data (the company pays,
    # the default policy) and a surf package with their own card (D8)
    me = nordlys_employee(gateway, issuer, 3)
    _usage(
        kari,
        [
            {
                "record_id": "e2e-c6-1",
                "msisdn": "+4791200003",
                "kind": "data",
                "quantity": 2 * MIB,
                "started_at": "2026-11-10T09:00:00+01:00",
                "zone": "US",
                "country": "US",
            }
        ],
    )
    status, extra = me.post("/me/data-packages", {"product": "EXTRA_1GB"}, headers={"Idempotency-Key": "c6-extra"})
    assert status == 202, extra
    status, surf = me.post(
        "/me/data-packages",
        {"product": "SURF_EU_600MB", "payment_method": "pm_card_visa"},
        headers={"Idempotency-Key": "c6-surf"},
    )
    assert status == 202, surf
    for order in (extra, surf):
        done = wait_for_order(me, order["order_id"])
        assert done["status"] == "completed", done

    # WHEN the employee reads the month's usage overview
    status, usage = me.get("/me/usage?month=2026-11")

    # THEN usage and purchases are separate lines, and the company's cost leaves out the card purchase
    assert status == 200, usage
    assert [(i["kind"], i["zone"], i["quantity"], i["cost_ore"]) for i in usage["items"]] == [
        ("data", "US", 2 * MIB, 2000)
    ]
    lines = {p["order_id"]: p for p in usage["purchases"]}
    assert lines[extra["order_id"]] | {"at": None} == {
        "order_id": extra["order_id"],
        "product": "EXTRA_1GB",
        "price_ore": 9900,
        "paid_by": "company",
        "card_amount_ore": None,
        "at": None,
    }
    assert lines[surf["order_id"]] | {"at": None} == {
        "order_id": surf["order_id"],
        "product": "SURF_EU_600MB",
        "price_ore": 9900,
        "paid_by": "employee",
        "card_amount_ore": 12375,
        "at": None,
    }  # 99,00 kr + 25 % MVA
    assert all(p["at"].startswith("2026-11-20") for p in usage["purchases"])
    assert (usage["usage_cost_ore"], usage["company_purchases_ore"], usage["employee_card_payments_ore"]) == (
        2000,
        9900,
        12375,
    )
    assert usage["cost_ore"] == 2000 + 9900
    assert "package_quantity" not in usage["national"]  # purchases are not usage
