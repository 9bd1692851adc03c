"""C6, D8: the usage overview keeps usage and purchases apart (defect 1 of issue 7)."""

from __future__ import annotations

import pytest

from skysentral.domain.usage_overview import usage_overview


def usage_row(record_id, kind, zone, counted, cost_ore):
    return {"id": record_id, "kind": kind, "zone": zone, "counted": counted, "cost_ore": cost_ore, "status": "applied"}


def purchase_row(order_id, product, payer, cost_ore, card_ore, at):
    """As services.purchase_steps writes a purchase into the ledger."""
    return {
        "id": f"order-{order_id}",
        "kind": "package",
        "zone": "NO",
        "counted": 1,
        "qty": 1,
        "product": product,
        "payer": payer,
        "cost_ore": cost_ore,
        "card_ore": card_ore,
        "at": at,
        "status": "applied",
    }


ROWS = [
    usage_row("r1", "data", "NO", 3 * 1024**3, 0),
    usage_row("r2", "data", "US", 1024**2, 1000),
    usage_row("r3", "voice", "US", 61, 1000),
    purchase_row("o-2", "SURF_EU_600MB", "employee", 0, 12375, "2026-11-12T10:00:00+00:00"),
    purchase_row("o-1", "EXTRA_5GB", "company", 19900, 0, "2026-11-11T10:00:00+00:00"),
]


@pytest.mark.feature("C6")
def test_c6_purchases_are_lines_of_their_own_in_the_order_they_were_made():
    overview = usage_overview("2026-11", "s-1", ROWS)
    assert overview["purchases"] == [
        {
            "order_id": "o-1",
            "product": "EXTRA_5GB",
            "price_ore": 19900,
            "paid_by": "company",
            "card_amount_ore": None,
            "at": "2026-11-11T10:00:00+00:00",
        },
        {
            "order_id": "o-2",
            "product": "SURF_EU_600MB",
            "price_ore": 9900,
            "paid_by": "employee",
            "card_amount_ore": 12375,
            "at": "2026-11-12T10:00:00+00:00",
        },
    ]


@pytest.mark.feature("C6")
def test_c6_usage_items_and_totals_leave_purchases_out():
    overview = usage_overview("2026-11", "s-1", ROWS)
    assert [(i["kind"], i["zone"], i["quantity"], i["unit"]) for i in overview["items"]] == [
        ("data", "NO", 3 * 1024**3, "bytes"),
        ("data", "US", 1024**2, "bytes"),
        ("voice", "US", 61, "seconds"),
    ]
    assert overview["national"] == {"data_quantity": 3 * 1024**3, "cost_ore": 0}
    assert overview["international"] == {"data_quantity": 1024**2, "voice_quantity": 61, "cost_ore": 2000}


@pytest.mark.feature("C6", "D8")
def test_d8_the_company_cost_counts_packages_it_paid_but_not_the_employees_card_purchases():
    overview = usage_overview("2026-11", "s-1", ROWS)
    assert overview["usage_cost_ore"] == 2000
    assert overview["company_purchases_ore"] == 19900
    assert overview["employee_card_payments_ore"] == 12375
    assert overview["cost_ore"] == 2000 + 19900


@pytest.mark.feature("C6")
def test_c6_a_month_without_anything_is_empty_not_an_error():
    overview = usage_overview("2026-10", "s-1", [])
    assert (overview["items"], overview["purchases"], overview["cost_ore"]) == ([], [], 0)
