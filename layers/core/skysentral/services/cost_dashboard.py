"""F1: the cost dashboard, for the company, a department or an employee, and an employee's own.

Read from the rated lines' totals (docs/rating.md: `AGG#<company>` items kept as lines are
rated), never from the lines themselves: a 13-month trend of one scope is one Query
(`rated_lines_repository.totals`). A department is the department and its sub-departments:
one Query per department in that subtree (usually one). docs/cost-dashboard.md has the JSON.

- trend: the 13 Europe/Oslo months up to this one, every month and every kind present
  (a month without lines is zeros);
- this_month: the accrued cost excluding MVA (`net_ore`), the MVA the invoice would add
  (`rating.invoice_vat_ore` on the total, as the invoice computes it) and the sum;
- data: this month's data lines (bytes, cost beyond the packages) and, for an employee,
  the data packages bought this month (the ledger rows of services.usage.usage_summary);
- content: content-service purchases by kind (the totals keep no merchant/category;
  the content-services report breaks them down from the lines);
- invoices: the latest invoices' status (`services.invoicing.latest_invoices`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skysentral.domain import organisation
from skysentral.domain import rating as rules
from skysentral.domain.calendar import month_of, prev_month
from skysentral.domain.errors import NotFound
from skysentral.domain.identity import Identity
from skysentral.services import invoicing, usage
from skysentral.store import rated_lines_repository as store
from skysentral.store.directory_repository import Directory

TREND_MONTHS = 13
KINDS = ("voice", "sms", "mms", "data", "content", "package", "fee")
UNITS = {
    "voice": "s",
    "sms": "sms",
    "mms": "mms",
    "data": "bytes",
    "content": "purchase",
    "package": "package",
    "fee": "item",
}
LATEST_INVOICES = 3


def months_back(last: str, n: int = TREND_MONTHS) -> list[str]:
    """The `n` months ending with `last`, oldest first."""
    months = [last]
    while len(months) < n:
        months.append(prev_month(months[-1]))
    return months[::-1]


def _zero() -> dict[str, int]:
    return {"amount_ore": 0, "mva_ore": 0, "quantity": 0, "lines": 0}


def trend(rows: list[dict[str, Any]], months: list[str]) -> list[dict[str, Any]]:
    """Totals rows (month, kind, amount_ore, mva_ore, quantity, lines), of one or several
    scopes, summed per month and kind; every month of `months` and every kind of KINDS
    present, zeros where nothing was rated. A kind not in KINDS is kept too."""
    by_month: dict[str, dict[str, dict[str, int]]] = {m: {k: _zero() for k in KINDS} for m in months}
    for row in rows:
        if row["month"] not in by_month:
            continue
        cell = by_month[row["month"]].setdefault(row["kind"], _zero())
        for key in cell:
            cell[key] += int(row[key])
    return [
        {"month": m, "net_ore": sum(c["amount_ore"] for c in kinds.values()), "by_kind": kinds}
        for m, kinds in by_month.items()
    ]


def accrued(month_row: dict[str, Any]) -> dict[str, Any]:
    """This month so far: net (ex. MVA), the MVA the invoice would add on that net, total."""
    net = month_row["net_ore"]
    vat = rules.invoice_vat_ore(net)
    return {
        "month": month_row["month"],
        "net_ore": net,
        "vat_ore": vat,
        "total_ore": net + vat,
        "vat_rate_percent": rules.MVA_PERCENT,
        "by_kind": {k: v["amount_ore"] for k, v in month_row["by_kind"].items()},
    }


# ------------------------------------------------------------------ invoices (F4, wired by the lead)
# ------------------------------------------------------------------ scopes
def _scope(identity: Identity, directory: Directory, department_id: str | None, employee_id: str | None):
    """(level, id, name, [(store scope, id)]) the administrator may see; NotFound (404)
    for a department or employee outside their scope, as for one of another company."""
    departments = directory.departments()
    allowed = organisation.scope_of(identity, departments)
    names = {d.department_id: d.name for d in departments}
    if employee_id is not None:
        try:
            employee = directory.employee(employee_id)
        except NotFound:
            raise NotFound(f"No employee {employee_id}.") from None
        inside = organisation.subtree(departments, {department_id}) if department_id else None
        if (allowed is not None and employee.department_id not in allowed) or (
            inside is not None and employee.department_id not in inside
        ):
            raise NotFound(f"No employee {employee_id}.")
        return "employee", employee_id, employee.name, [("employee", employee_id)]
    if department_id is not None:
        if department_id not in names or (allowed is not None and department_id not in allowed):
            raise NotFound(f"No department {department_id}.")
        ids = sorted(organisation.subtree(departments, {department_id}))
        return "department", department_id, names[department_id], [("department", d) for d in ids]
    if allowed is None:
        return "company", None, directory.company().name, [("company", "-")]
    # A department administrator without a choice: the departments they administer.
    ids = sorted(allowed)
    roots = sorted(identity.department_ids & set(names))
    name = ", ".join(names[d] for d in roots)
    return "departments", ",".join(roots), name, [("department", d) for d in ids]


def _build(
    company_id: str, level: str, scope_id: str | None, name: str, stores: list[tuple[str, str]], now: datetime
) -> dict[str, Any]:
    months = months_back(month_of(now))
    rows: list[dict[str, Any]] = []
    for scope, sid in stores:
        rows += store.totals(company_id, scope, sid, months[0], months[-1])
    series = trend(rows, months)
    current = series[-1]
    data, content, packages = (current["by_kind"][k] for k in ("data", "content", "package"))
    return {
        "scope": {"level": level, "id": scope_id, "name": name},
        "months": months,
        "kinds": list(KINDS),
        "units": UNITS,
        "trend": series,
        "this_month": accrued(current),
        "data": {"bytes": data["quantity"], "amount_ore": data["amount_ore"], "sessions": data["lines"]},
        # D3/D6 bought this month and paid by the company (rated lines of kind package);
        # an employee's view adds the packages they paid by card (_packages)
        "data_packages": {
            "month": months[-1],
            "count": packages["lines"],
            "company_paid_ore": packages["amount_ore"],
        },
        "content": {"purchases": content["quantity"], "amount_ore": content["amount_ore"], "by": "kind"},
        # F4: the company's invoices (a department's view shows the company's: one invoice per company)
        "invoices": invoicing.latest_invoices(company_id, now)
        if level in ("company", "departments", "department")
        else [],
    }


def _packages(directory: Directory, employee_id: str, month: str) -> dict[str, Any]:
    """The data packages an employee bought this month, from their subscriptions' ledgers
    (services.usage.usage_summary: one Query per subscription, usually one)."""
    bought: list[dict[str, Any]] = []
    for sub in directory.subscriptions_of_employee(employee_id):
        summary = usage.usage_summary(usage.account_of(directory, sub), month)
        bought += [{**p, "subscription_id": sub.subscription_id} for p in summary["purchases"]]
    return {
        "month": month,
        "count": len(bought),
        "company_paid_ore": sum(p["price_ore"] for p in bought if p["paid_by"] == "company"),
        "employee_card_ore": sum(p["card_amount_ore"] or 0 for p in bought if p["paid_by"] == "employee"),
        "items": bought,
    }


# ------------------------------------------------------------------ use cases
def admin_dashboard(
    identity: Identity, directory: Directory, department_id: str | None, employee_id: str | None, now: datetime
) -> dict[str, Any]:
    """F1: GET /admin/dashboard: the company (company admin), a department or an employee."""
    level, scope_id, name, stores = _scope(identity, directory, department_id, employee_id)
    view = _build(directory.company_id, level, scope_id, name, stores, now)
    if level == "employee" and employee_id is not None:
        view["data_packages"] = _packages(directory, employee_id, month_of(now))
    return view


def my_costs(identity: Identity, directory: Directory, now: datetime) -> dict[str, Any]:
    """F1: GET /me/costs: the employee's own costs (what their lines cost the company)."""
    employee = directory.employee(identity.user_id)
    view = _build(
        directory.company_id, "employee", employee.employee_id, employee.name, [("employee", employee.employee_id)], now
    )
    view["data_packages"] = _packages(directory, employee.employee_id, month_of(now))
    return view
