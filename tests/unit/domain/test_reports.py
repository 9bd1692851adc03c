"""F2: each report over a small set of rated lines whose figures are worked out by hand."""

from __future__ import annotations

import pytest

from skysentral.domain import reports
from skysentral.domain.errors import InvalidInput, NotFound
from skysentral.domain.rating import RatedLine

NAMES = reports.Names(
    departments={"dep-a": "Salg", "dep-b": "Drift"},
    employees={"e-1": "Åse Ødegård", "e-2": "Per", "e-3": "Kari"},
)


def line(line_id, sub, emp, dep, kind, amount, month="2026-10", zone="NO", **kw):
    unit = {"voice": "s", "sms": "sms", "data": "bytes", "content": "purchase", "fee": "month"}.get(kind, "sms")
    return RatedLine(
        line_id=line_id,
        line_type=kw.pop("line_type", "fee" if kind == "fee" else "usage"),
        company_id="c-1",
        month=month,
        subscription_id=sub,
        msisdn={"s-1": "+4791000001", "s-2": "+4791000002", "s-3": "+4791000003"}[sub],
        department_id=dep,
        employee_id=emp,
        kind=kind,
        destination_class=kw.pop("destination_class", "NO_MOBILE"),
        zone=zone,
        quantity=kw.pop("quantity", 1),
        unit=unit,
        amount_ore=amount,
        mva_ore=round(amount / 4),
        price_plan_id="BEDRIFT_10",
        price_plan_version=1,
        started_at=kw.pop("started_at", f"{month}-05T10:00:00+00:00"),
        **kw,
    )


# s-1 Åse (Salg), s-2 Per (Salg), s-3 Kari (Drift)
LINES = [
    line("v1", "s-1", "e-1", "dep-a", "voice", 1000, quantity=120),
    line("v2", "s-1", "e-1", "dep-a", "voice", 500, zone="SE", quantity=60, destination_class="INTL_NORDIC"),
    line("d1", "s-1", "e-1", "dep-a", "data", 3000, zone="US", quantity=3_000_000),
    line("c1", "s-2", "e-2", "dep-a", "content", 4900, merchant="Strex", category="parking"),
    line("c2", "s-2", "e-2", "dep-a", "content", 100, merchant="Strex", category="parking"),
    line("c3", "s-3", "e-3", "dep-b", "content", 2500, merchant="Spotify", category="music"),
    line("f1", "s-3", "e-3", "dep-b", "fee", 29900, item="PLAN"),
    line("f2", "s-3", "e-3", "dep-b", "fee", 9900, item="DATA_10GB"),
    line("d2", "s-3", "e-3", "dep-b", "data", 0, quantity=5_000_000),
    line("x1", "s-2", "e-2", "dep-a", "sms", 99, month="2026-11"),
]
OCT = reports.Filters("2026-10", "2026-10")


def by(rows, key):
    return {r[key]: r for r in rows}


@pytest.mark.feature("F2")
def test_cost_by_department_sums_each_department_and_drills_to_its_employees():
    report = reports.standard("cost-by-department", LINES, OCT, NAMES)
    rows = by(report.rows, "department_id")
    assert rows["dep-a"]["amount_ore"] == 1000 + 500 + 3000 + 4900 + 100  # 9500
    assert rows["dep-b"]["amount_ore"] == 2500 + 29900 + 9900 + 0  # 42300
    assert [r["department"] for r in report.rows] == ["Drift", "Salg"]  # largest first
    assert report.total == {"lines": 9, "amount_ore": 51800, "mva_ore": sum(x.mva_ore for x in LINES[:9])}
    assert rows["dep-a"]["drill"] == {
        "report": "cost-by-employee",
        "from": "2026-10",
        "to": "2026-10",
        "department_id": "dep-a",
    }


@pytest.mark.feature("F2")
def test_drill_down_from_department_to_employee_to_lines():
    salg = reports.Filters("2026-10", "2026-10", department_ids=frozenset({"dep-a"}))
    employees = reports.standard("cost-by-employee", LINES, salg, NAMES)
    assert [(r["employee"], r["amount_ore"]) for r in employees.rows] == [("Per", 5000), ("Åse Ødegård", 4500)]
    drill = employees.rows[1]["drill"]
    assert drill["report"] == "lines" and drill["employee_id"] == "e-1"
    leaf = reports.standard("lines", LINES, reports.Filters("2026-10", "2026-10", employee_id="e-1"), NAMES)
    assert [r["line_id"] for r in leaf.rows] == ["d1", "v1", "v2"]
    assert leaf.total["amount_ore"] == 4500 == employees.rows[1]["amount_ore"]


@pytest.mark.feature("F2")
def test_roaming_counts_only_lines_abroad_by_zone_and_kind():
    report = reports.standard("roaming", LINES, OCT, NAMES)
    got = {(r["zone"], r["kind"]): (r["quantity"], r["amount_ore"]) for r in report.rows}
    assert got == {("SE", "voice"): (60, 500), ("US", "data"): (3_000_000, 3000)}
    assert report.total["amount_ore"] == 3500


@pytest.mark.feature("F2")
def test_content_services_per_merchant():
    report = reports.standard("content-services", LINES, OCT, NAMES)
    assert [(r["merchant"], r["category"], r["lines"], r["amount_ore"]) for r in report.rows] == [
        ("Strex", "parking", 2, 5000),
        ("Spotify", "music", 1, 2500),
    ]


@pytest.mark.feature("F2")
def test_top_users_orders_employees_by_cost_and_keeps_ten():
    many = [line(f"m{i}", "s-1", f"e-{i}", "dep-a", "sms", 100 + i) for i in range(15)]
    report = reports.standard("top-users", many, OCT, NAMES)
    assert len(report.rows) == 10
    assert [r["amount_ore"] for r in report.rows] == [114 - i for i in range(10)]


@pytest.mark.feature("F2", "D2")
def test_data_packages_per_subscription_data_use_and_package_fees():
    report = reports.standard("data-packages", LINES, OCT, NAMES)
    rows = by(report.rows, "subscription_id")
    assert (rows["s-3"]["data_bytes"], rows["s-3"]["packages_ore"], rows["s-3"]["packages"]) == (
        5_000_000,
        9900,
        "DATA_10GB",
    )
    assert (rows["s-1"]["data_bytes"], rows["s-1"]["data_ore"], rows["s-1"]["packages_ore"]) == (3_000_000, 3000, 0)
    assert "s-2" not in rows  # no data, no package
    assert report.total == {"data_bytes": 8_000_000, "data_ore": 3000, "packages_ore": 9900, "amount_ore": 12900}


@pytest.mark.feature("F2")
def test_custom_report_filters_and_groups_by_month_and_kind():
    filters = reports.Filters(
        "2026-10", "2026-11", department_ids=frozenset({"dep-a"}), kinds=frozenset({"voice", "sms"}), min_amount_ore=99
    )
    report = reports.custom(LINES, filters, ["month", "kind"], NAMES)
    got = {(r["month"], r["kind"]): (r["lines"], r["amount_ore"]) for r in report.rows}
    assert got == {("2026-10", "voice"): (2, 1500), ("2026-11", "sms"): (1, 99)}
    assert report.lines_read == len(LINES)
    by_zone = reports.custom(LINES, reports.Filters("2026-10", "2026-10", zones=frozenset({"SE"})), ["zone"], NAMES)
    assert [(r["zone"], r["amount_ore"]) for r in by_zone.rows] == [("SE", 500)]


@pytest.mark.feature("F2")
def test_the_department_totals_give_the_same_report_as_the_lines():
    keys = ("department_id", "month", "kind", "amount_ore", "mva_ore")
    totals = [{**{k: getattr(x, k) for k in keys}, "lines": 1} for x in LINES]
    from_totals = reports.from_department_totals(totals, OCT, NAMES)
    from_lines = reports.standard("cost-by-department", LINES, OCT, NAMES)
    assert from_totals.rows == from_lines.rows and from_totals.total == from_lines.total


@pytest.mark.feature("F2")
@pytest.mark.parametrize(
    ("first", "last"), [("2026-13", "2026-13"), ("2026-11", "2026-10"), ("2020-01", "2026-01"), ("nov", "nov")]
)
def test_bad_month_ranges_are_refused(first, last):
    with pytest.raises(InvalidInput):
        reports.month_range(first, last)


@pytest.mark.feature("F2")
def test_unknown_reports_and_group_keys_are_refused():
    with pytest.raises(NotFound):
        reports.check_report("salaries")
    for bad in ([], ["colour"], ["kind", "kind"], ["kind", "zone", "month", "employee"]):
        with pytest.raises(InvalidInput):
            reports.check_group_by(bad)


@pytest.mark.feature("F2", "F3")
def test_data_packages_counts_the_packages_the_company_bought():
    bought = line("order#o-1", "s-2", "e-2", "dep-a", "package", 19900, line_type="purchase", item="EXTRA_5GB")
    report = reports.standard("data-packages", [*LINES, bought], OCT, NAMES)
    rows = by(report.rows, "subscription_id")
    assert (rows["s-2"]["packages_ore"], rows["s-2"]["packages"], rows["s-2"]["data_bytes"]) == (19900, "EXTRA_5GB", 0)
    assert report.total["packages_ore"] == 9900 + 19900
