"""F6 policies on lines around their boundaries: working hours on both sides of the DST
changes, a public holiday, abroad, extra packages, the content limit, which policy an
employee has (own, department, parent department, default) and which version applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from skysentral.domain.invoice_control import policies
from skysentral.domain.invoice_control.policies import PolicySet
from skysentral.domain.rating import RatedLine

WEEKDAY_HOURS = {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def settings(**changes) -> PolicySet:
    data = {
        "version": 1,
        "valid_from": "2026-01-01",
        "working_hours": WEEKDAY_HOURS,
        "payroll": {
            "system": "visma",
            "wage_types": {"benefit_flat": "5210", "benefit_content": "5211", "deduction": "7100"},
        },
        "policies": {
            "strict": {
                "treatment": "deduction",
                "covers_content": False,
                "rules": {
                    "abroad_private": True,
                    "outside_hours_private": True,
                    "extra_packages_private": True,
                    "content_private_above_ore": 20_000,
                },
            },
            "lenient": {"treatment": "benefit", "covers_content": True, "rules": {}},
        },
        "default_policy": "strict",
        "departments": {"dep-salg": "lenient"},
        "employees": {"e-own": {"policy": "lenient", "payroll_number": "1001"}},
        **changes,
    }
    return PolicySet.from_dict(data)


def line(kind: str = "voice", at: str = "2026-11-03T09:00:00+00:00", **fields) -> RatedLine:
    base = RatedLine(
        line_id="r1",
        line_type="usage",
        company_id="c",
        month=at[:7],
        subscription_id="s",
        msisdn="+4791234567",
        department_id="dep-adm",
        employee_id="e-1",
        kind=kind,
        destination_class="MOBILE",
        zone="NO",
        quantity=60,
        unit="s",
        amount_ore=100,
        mva_ore=25,
        price_plan_id="BEDRIFT_10",
        price_plan_version=1,
        started_at=datetime.fromisoformat(at).astimezone(UTC).isoformat(),
    )
    return replace(base, **fields)


STRICT = settings()
CHAIN = ["dep-adm"]


@pytest.mark.feature("F6")
@pytest.mark.parametrize(
    ("local", "use"),
    [
        # the week before summer time (UTC+1) and the week after (UTC+2): 08:00–16:00 local both times
        ("2026-03-23T07:59:59+01:00", "private"),
        ("2026-03-23T08:00:00+01:00", "work"),
        ("2026-03-23T15:59:59+01:00", "work"),
        ("2026-03-23T16:00:00+01:00", "private"),
        ("2026-03-30T07:59:59+02:00", "private"),
        ("2026-03-30T08:00:00+02:00", "work"),
        ("2026-03-30T16:00:00+02:00", "private"),
        # the Monday after winter time returns (25 October 2026)
        ("2026-10-26T07:59:00+01:00", "private"),
        ("2026-10-26T08:00:00+01:00", "work"),
        ("2026-10-24T10:00:00+02:00", "private"),  # a Saturday
    ],
)
def test_outside_working_hours_is_oslo_wall_clock_on_both_sides_of_daylight_saving(local, use):
    decision = STRICT.decide(line("voice", local), CHAIN)
    assert decision.use == use
    assert decision.rule == ("outside_hours" if use == "private" else "default_work")


@pytest.mark.feature("F6")
@pytest.mark.parametrize("day", ["2026-05-01", "2026-05-14", "2026-12-25"])  # 1 May, Ascension, Christmas Day
def test_a_public_holiday_on_a_weekday_is_outside_working_hours_all_day(day):
    assert STRICT.decide(line("sms", f"{day}T10:00:00+02:00"), CHAIN) == policies.Decision("private", "outside_hours")
    assert STRICT.decide(line("sms", "2026-05-13T10:00:00+02:00"), CHAIN).use == "work"  # the day before Ascension


@pytest.mark.feature("F6")
def test_data_is_not_split_by_the_hour_and_fees_are_always_work():
    assert STRICT.decide(line("data", "2026-11-07T23:00:00+01:00"), CHAIN).use == "work"
    fee = line("fee", line_type="fee", started_at=None)
    assert STRICT.decide(fee, CHAIN) == policies.Decision("work", "subscription_fee")


@pytest.mark.feature("F6")
def test_usage_abroad_is_private_before_the_hour_is_looked_at():
    assert STRICT.decide(line("data", zone="EU"), CHAIN) == policies.Decision("private", "abroad")
    assert STRICT.decide(line("voice", "2026-11-03T10:00:00+01:00", zone="EU"), CHAIN).rule == "abroad"


@pytest.mark.feature("F6")
def test_an_extra_data_package_is_private_under_the_rule_and_work_without_it():
    package = line("package", line_type="purchase")
    assert STRICT.decide(package, CHAIN) == policies.Decision("private", "extra_package")
    assert STRICT.decide(replace(package, department_id="dep-salg"), ["dep-salg"]).use == "work"


@pytest.mark.feature("F6")
@pytest.mark.parametrize(("amount", "use"), [(19_999, "work"), (20_000, "work"), (20_001, "private")])
def test_content_above_the_limit_is_private_and_at_the_limit_is_work(amount, use):
    assert STRICT.decide(line("content", amount_ore=amount), CHAIN).use == use


@pytest.mark.feature("F6")
def test_a_limit_of_zero_makes_every_content_purchase_private_and_none_makes_none():
    zero = settings(
        policies={"p": {"treatment": "benefit", "rules": {"content_private_above_ore": 0}}}, default_policy="p"
    )
    assert zero.decide(line("content", amount_ore=1), CHAIN).use == "private"
    assert settings().decide(line("content", amount_ore=10**7, employee_id="e-own"), CHAIN).use == "work"


@pytest.mark.feature("F6")
def test_the_employees_own_policy_wins_then_the_nearest_department_then_the_default():
    s = STRICT
    assert s.policy_name_for("e-own", ["dep-adm"]) == "lenient"
    assert s.policy_name_for("e-1", ["dep-salg-nord", "dep-salg"]) == "lenient"  # inherited from the parent
    assert s.policy_name_for("e-1", ["dep-adm"]) == "strict"


@pytest.mark.feature("F6")
def test_a_line_without_an_employee_is_work():
    assert STRICT.decide(line("voice", "2026-11-07T23:00:00+01:00", employee_id=None), CHAIN).rule == "no_employee"


@pytest.mark.feature("F6")
def test_the_version_in_force_is_the_newest_that_started_on_or_before_the_day():
    v1, v2 = settings(version=1, valid_from="2026-01-01"), settings(version=2, valid_from="2026-12-01")
    assert policies.in_force([v1, v2], date(2026, 11, 30)) is v1
    assert policies.in_force([v1, v2], date(2026, 12, 1)) is v2
    assert policies.in_force([v2], date(2026, 11, 30)) is None
    # 1 December 00:30 in Oslo is still 30 November in UTC: the Oslo date decides
    assert policies.at_instant([v1, v2], datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) is v2


@pytest.mark.feature("F6")
def test_a_change_may_not_start_before_today_and_every_problem_is_listed_at_once():
    bad = settings(
        valid_from="2026-11-25",
        default_policy="nope",
        departments={"dep-x": "strict"},
        employees={"e-1": {"payroll_number": "12a"}},
        working_hours={"mon": [["16:00", "08:00"]]},
    )
    paths = {p["path"] for p in bad.problems({"dep-adm"}, {"e-1"}, today=date(2026, 11, 26))}
    assert paths == {
        "valid_from",
        "default_policy",
        "departments.dep-x",
        "employees.e-1.payroll_number",
        "working_hours.mon.0",
    }
    assert STRICT.problems({"dep-adm", "dep-salg"}, {"e-own", "e-1"}, today=date(2026, 1, 1)) == []


@pytest.mark.feature("F6")
def test_a_version_survives_its_json_unchanged():
    assert PolicySet.from_dict(STRICT.to_dict()) == STRICT
