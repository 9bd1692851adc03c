"""B1, B3, B6: the queue's wait thresholds, service level time and supervisors in the
routing plan, and the colour of a wait at the thresholds' boundaries."""

from __future__ import annotations

import re

import pytest

from skysentral.domain.errors import InvalidInput, InvalidRoutingPlan
from skysentral.domain.pbx.plan_validation import validate_plan
from skysentral.domain.pbx.routing_plan import RoutingPlan, Supervisor
from skysentral.domain.pbx.wait_colours import wait_colour, wait_seconds
from tests.unit.domain.pbx.plans import EMPLOYEES, example_plan


@pytest.mark.feature("B1")
@pytest.mark.parametrize(
    "wait_s, colour",
    [(0, "green"), (29, "green"), (30, "yellow"), (89, "yellow"), (90, "red"), (3600, "red")],
)
def test_b1_a_wait_turns_yellow_at_the_warning_and_red_at_the_alert_threshold(wait_s, colour):
    assert wait_colour(wait_s, wait_warning_s=30, wait_alert_s=90) == colour


@pytest.mark.feature("B1")
def test_b1_wait_is_whole_seconds_and_never_negative():
    assert wait_seconds(entered_ms=1_000, now_ms=30_999) == 29
    assert wait_seconds(entered_ms=5_000, now_ms=4_000) == 0


@pytest.mark.feature("B1", "B3")
def test_b1_an_old_plan_without_the_new_fields_gets_the_defaults():
    d = example_plan()
    for field in ("wait_warning_s", "wait_alert_s", "service_level_s", "supervisors"):
        del d["queues"]["support"][field]
    queue = RoutingPlan.from_dict(d).queues["support"]
    assert (queue.wait_warning_s, queue.wait_alert_s, queue.service_level_s, queue.supervisors) == (30, 90, 20, ())
    assert validate_plan(RoutingPlan.from_dict(d), EMPLOYEES) is None


@pytest.mark.feature("B3")
def test_b3_supervisors_are_read_and_written_back():
    plan = RoutingPlan.from_dict(example_plan())
    assert plan.queues["support"].supervisors == (Supervisor("e1", ("sms", "email")),)
    assert plan.to_dict()["queues"]["support"]["supervisors"] == [{"employee_id": "e1", "channels": ["sms", "email"]}]


Q = "queues.support"
CASES = [
    ("B1", {"wait_warning_s": 0}, f"{Q}.wait_warning_s", "must be 1-3600 seconds"),
    ("B1", {"wait_alert_s": 3601}, f"{Q}.wait_alert_s", "must be 1-3600 seconds"),
    ("B1", {"wait_warning_s": 90}, f"{Q}.wait_warning_s", r"warning \(90 s\) must come before the alert"),
    ("B6", {"service_level_s": 0}, f"{Q}.service_level_s", "must be 1-600 seconds"),
    ("B6", {"service_level_s": 601}, f"{Q}.service_level_s", "must be 1-600 seconds"),
    ("B3", {"supervisors": [{"employee_id": "e9"}]}, f"{Q}.supervisors[0].employee_id", "no employee 'e9'"),
    (
        "B3",
        {"supervisors": [{"employee_id": "e1"}, {"employee_id": "e1", "channels": ["email"]}]},
        f"{Q}.supervisors[1].employee_id",
        "'e1' is a supervisor twice",
    ),
    ("B3", {"supervisors": [{"employee_id": "e1", "channels": []}]}, f"{Q}.supervisors[0].channels", "at least one"),
    (
        "B3",
        {"supervisors": [{"employee_id": "e1", "channels": ["pager"]}]},
        f"{Q}.supervisors[0].channels[0]",
        "'pager' is not a channel",
    ),
]


@pytest.mark.parametrize(
    "change, where, message",
    [pytest.param(*c[1:], marks=pytest.mark.feature(c[0]), id=f"{c[2]}:{c[3][:20]}") for c in CASES],
)
def test_each_bad_threshold_or_supervisor_is_rejected_naming_the_field(change, where, message):
    d = example_plan()
    d["queues"]["support"].update(change)
    with pytest.raises(InvalidRoutingPlan) as caught:
        validate_plan(RoutingPlan.from_dict(d), EMPLOYEES)
    problems = caught.value.problems
    assert [p["path"] for p in problems] == [where], problems
    assert re.search(message, problems[0]["message"]), problems[0]["message"]


@pytest.mark.feature("B3")
@pytest.mark.parametrize(
    "supervisors, message",
    [
        ("e1", "queues.support.supervisors must be a list"),
        ([{"channels": ["sms"]}], r"queues.support.supervisors\[0\].employee_id is required"),
        ([{"employee_id": "e1", "phone": "x"}], r"supervisors\[0\] has unknown field\(s\) phone"),
        ([{"employee_id": "e1", "channels": [1]}], r"supervisors\[0\].channels\[0\] must be a string"),
    ],
)
def test_b3_badly_shaped_supervisors_are_refused_by_the_format(supervisors, message):
    d = example_plan()
    d["queues"]["support"]["supervisors"] = supervisors
    with pytest.raises(InvalidInput, match=message):
        RoutingPlan.from_dict(d)
