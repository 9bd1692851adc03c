"""Invoice dicts of docs/portal.md for the document tests: a seller with a valid
organisation number (MOD11) and VAT id, a buyer, lines of every kind."""

from __future__ import annotations

from typing import Any

from skysentral.domain.rating import invoice_vat_ore

SELLER = {
    "name": "Skysentral Mobil AS",
    "org_number": "974760673",
    "vat_number": "NO974760673MVA",
    "address": {"street": "Kongens gate 1", "postal_code": "0153", "city": "Oslo", "country": "NO"},
    "bank_account": "12345678903",
}
BUYER = {
    "name": "Nordlys Rørlegger AS",
    "org_number": "987654325",
    "address": {"street": "Æbeltoftveien 5", "postal_code": "7010", "city": "Trondheim", "country": "NO"},
}

KINDS = (
    ("fee", "Bedrift 10 GB, månedspris", 1, "day", 34900),
    ("voice", "Samtale til +46701234567 (Sverige)", 95, "s", 236),
    ("sms", "SMS til +4930123456", 1, "sms", 99),
    ("data", "Data i Norge", 734003200, "bytes", 0),
    ("content", "Strex: parkering på Ørlandet", 1, "purchase", 4900),
)


def lines_for(amounts: list[int], subscriptions: int = 3, period: str = "2026-11") -> list[dict[str, Any]]:
    """One line per amount, cycling through the kinds and subscriptions."""
    out = []
    for i, amount in enumerate(amounts):
        kind, description, quantity, unit, _ = KINDS[i % len(KINDS)]
        sub = i % subscriptions
        out.append(
            {
                "line_id": f"r-{i}",
                "kind": kind,
                "description": description,
                "subscription_id": f"s-nordlys-{sub:02d}",
                "msisdn": f"+47912000{sub:02d}",
                "employee_id": f"e-nordlys-{sub:02d}",
                "department_id": "dep-salg",
                "quantity": quantity,
                "unit": unit,
                "amount_ore": amount,
                "period": period,
            }
        )
    return out


def make_invoice(
    lines: list[dict[str, Any]] | None = None, *, kind: str = "invoice", number: int | None = 100023
) -> dict:
    """A final invoice (or credit note) whose totals follow docs/portal.md."""
    if lines is None:
        lines = lines_for([k[4] for k in KINDS] * 2)
    groups: dict[str, list[int]] = {}
    for line in lines:
        g = groups.setdefault(line["kind"], [0, 0])
        g[0] += 1
        g[1] += line["amount_ore"]
    net = sum(line["amount_ore"] for line in lines)
    vat = invoice_vat_ore(net)
    return {
        "invoice_id": "c-nordlys#2026-11",
        "kind": kind,
        "company_id": "c-nordlys",
        "period": "2026-11",
        "status": "final" if number is not None else "draft",
        "number": number,
        "issue_date": "2026-12-01",
        "due_date": "2026-12-15",
        "kid": "1000230000019" if number is not None else None,
        "seller": SELLER,
        "buyer": BUYER,
        "lines": lines,
        "groups": [{"kind": k, "count": c, "amount_ore": a} for k, (c, a) in groups.items()],
        "net_ore": net,
        "vat_ore": vat,
        "total_ore": net + vat,
        "vat_rate_percent": 25,
        "corrects": 100011 if kind == "credit_note" else None,
        "documents": {},
        "payment_status": "open",
        "paid_ore": 0,
        "payments": [],
    }
