"""C6, D8, F3: the usage overview of one subscription's month, from its ledger rows.

A ledger row is either applied usage (kind data / voice / sms / content) or a data package
bought that month (kind "package", written when the package is activated). The overview
shows:

- `items`: usage by kind and zone (records, counted quantity, cost), and `national` (NO)
  and `international` totals of usage;
- `purchases`: every package bought, as a line of its own: product, price (excl. MVA),
  who paid, and for a package the employee paid by card the amount charged to the card
  (incl. 25 % MVA);
- money, all integer øre: `usage_cost_ore` (priced usage, automatic top-ups included),
  `company_purchases_ore` (packages the company paid), and `cost_ore`, the month's cost to
  the company for this subscription beyond its monthly fee = usage + company-paid packages,
  excl. MVA like every business price. D8: packages paid with the employee's own card are
  not the company's cost; they are shown in `purchases` and summed in
  `employee_card_payments_ore` (incl. MVA, what the card was charged).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from skysentral.domain.catalogue import PRODUCTS

PURCHASE_KIND = "package"
UNITS = {"data": "bytes", "voice": "seconds", "sms": "count", "content": "count"}
COMPANY, EMPLOYEE = "company", "employee"


def _purchase_line(row: dict[str, Any]) -> dict[str, Any]:
    paid_by = row.get("payer", COMPANY)
    product = row.get("product")
    # The row keeps the company's price as its cost; a card purchase keeps the card amount.
    if row.get("price_ore") is not None:
        price_ore = int(row["price_ore"])
    elif paid_by == COMPANY:
        price_ore = int(row.get("cost_ore", 0))
    else:
        price_ore = PRODUCTS[product].price_ore if product in PRODUCTS else 0
    return {
        "order_id": row["id"].removeprefix("order-"),
        "product": product,
        "price_ore": price_ore,
        "paid_by": paid_by,
        "card_amount_ore": int(row.get("card_ore", 0)) if paid_by == EMPLOYEE else None,
        "at": row.get("at"),
    }


def usage_overview(month: str, subscription_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """C6: the month's usage by kind and zone, national and international, and its purchases."""
    by_kind_zone: dict[tuple[str, str], dict[str, Any]] = {}
    totals: dict[str, dict[str, int]] = {"national": defaultdict(int), "international": defaultdict(int)}
    purchases = []
    for row in rows:
        if row["kind"] == PURCHASE_KIND:
            purchases.append(_purchase_line(row))
            continue
        kind, zone = row["kind"], row["zone"]
        entry = by_kind_zone.setdefault(
            (kind, zone),
            {"kind": kind, "zone": zone, "records": 0, "quantity": 0, "cost_ore": 0, "unit": UNITS.get(kind, "count")},
        )
        entry["records"] += 1
        entry["quantity"] += int(row["counted"])
        entry["cost_ore"] += int(row["cost_ore"])
        side = totals["national" if zone == "NO" else "international"]
        side[f"{kind}_quantity"] += int(row["counted"])
        side["cost_ore"] += int(row["cost_ore"])
    purchases.sort(key=lambda p: (p["at"] or "", p["order_id"]))
    usage_cost_ore = sum(v["cost_ore"] for v in by_kind_zone.values())
    company_purchases_ore = sum(p["price_ore"] for p in purchases if p["paid_by"] == COMPANY)
    return {
        "month": month,
        "subscription_id": subscription_id,
        "items": [v for _, v in sorted(by_kind_zone.items())],
        "national": dict(totals["national"]),
        "international": dict(totals["international"]),
        "purchases": purchases,
        "usage_cost_ore": usage_cost_ore,
        "company_purchases_ore": company_purchases_ore,
        "employee_card_payments_ore": sum(p["card_amount_ore"] for p in purchases if p["paid_by"] == EMPLOYEE),
        "cost_ore": usage_cost_ore + company_purchases_ore,
    }
