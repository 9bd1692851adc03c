"""A1-A7: every invalid routing plan is rejected on save with a clear message naming the
field, and all of a plan's problems are reported at once."""

from __future__ import annotations

import re

import pytest

from skysentral.domain.errors import InvalidInput, InvalidRoutingPlan
from skysentral.domain.pbx.plan_validation import validate_plan
from skysentral.domain.pbx.routing_plan import RoutingPlan
from tests.unit.domain.pbx.plans import EMPLOYEES, example_plan


def problems_of(d):
    with pytest.raises(InvalidRoutingPlan) as caught:
        validate_plan(RoutingPlan.from_dict(d), EMPLOYEES)
    return caught.value


@pytest.mark.feature("A1", "A2", "A3", "A4", "A5", "A6", "A7")
def test_the_example_plan_is_valid():
    assert validate_plan(RoutingPlan.from_dict(example_plan()), EMPLOYEES) is None


def _set(d, path, value):
    *parents, last = path
    for p in parents:
        d = d[p]
    d[last] = value


DEST = ("menus", "main", "options", "1")
CASES = [
    # A2: destinations that do not exist
    ("A2", DEST, {"kind": "queue", "target": "nope"}, "menus.main.options.1", "There is no queue 'nope'"),
    ("A2", DEST, {"kind": "group", "target": "nope"}, "menus.main.options.1", "There is no answer group 'nope'"),
    ("A2", DEST, {"kind": "menu", "target": "nope"}, "menus.main.options.1", "There is no menu 'nope'"),
    ("A2", DEST, {"kind": "person", "target": "e9"}, "menus.main.options.1", "There is no employee 'e9'"),
    ("A2", DEST, {"kind": "person", "target": ""}, "menus.main.options.1", "A person destination needs an employee"),
    ("A2", DEST, {"kind": "voicemail", "target": "e9"}, "menus.main.options.1", "There is no employee 'e9'"),
    ("A2", DEST, {"kind": "external", "target": "123"}, "menus.main.options.1", "'123' is not a phone number in E.164"),
    ("A2", DEST, {"kind": "queue", "target": ""}, "menus.main.options.1", "A queue destination needs a target"),
    ("A6", ("entry", "closed"), {"kind": "group", "target": "x"}, "entry.closed", "There is no answer group 'x'"),
    ("A6", ("exceptions", 1, "destination"), {"kind": "menu", "target": "x"}, "exceptions[1].destination", "no menu"),
    ("A3", ("groups", "sales", "overflow"), {"kind": "queue", "target": "x"}, "groups.sales.overflow", "no queue"),
    ("A4", ("queues", "support", "overflow"), {"kind": "menu", "target": "x"}, "queues.support.overflow", "no menu"),
    (
        "A1",
        ("direct_numbers", "+4722000010"),
        {"kind": "person", "target": "x"},
        "direct_numbers.+4722000010",
        "no employee",
    ),
    ("A7", ("presence_routing", "busy"), {"kind": "person", "target": "x"}, "presence_routing.busy", "no employee"),
    # switchboard
    ("A2", ("switchboard",), {"kind": "switchboard", "target": ""}, "switchboard", "cannot be the switchboard itself"),
    ("A2", ("switchboard",), {"kind": "queue", "target": "x"}, "switchboard", "There is no queue 'x'"),
    # A2: keys and menu limits
    ("A2", ("menus", "main", "options", "A"), {"kind": "hangup"}, "menus.main.options.A", "'A' is not a phone key"),
    ("A2", ("menus", "main", "options", "10"), {"kind": "hangup"}, "menus.main.options.10", "'10' is not a phone key"),
    ("A2", ("menus", "main", "timeout_s"), 0, "menus.main.timeout_s", "at least 1 second"),
    ("A2", ("menus", "main", "max_attempts"), 0, "menus.main.max_attempts", "at least once"),
    # A6: opening hours
    ("A6", ("opening_hours", "mon"), [["8:00", "16:00"]], "opening_hours.mon[0]", "'8:00' is not a time of day"),
    ("A6", ("opening_hours", "mon"), [["08:00", "25:00"]], "opening_hours.mon[0]", "'25:00' is not a time of day"),
    ("A6", ("opening_hours", "mon"), [["24:00", "24:00"]], "opening_hours.mon[0]", "'24:00' is not a time of day"),
    (
        "A6",
        ("opening_hours", "mon"),
        [["16:00", "08:00"]],
        "opening_hours.mon[0]",
        "Opens at 16:00 but closes at 08:00",
    ),
    ("A6", ("opening_hours", "mon"), [["08:00", "08:00"]], "opening_hours.mon[0]", "the opening must come first"),
    (
        "A6",
        ("opening_hours", "mon"),
        [["12:00", "16:00"], ["08:00", "12:30"]],
        "opening_hours.mon[0]",
        r"Overlaps opening_hours.mon\[1\]",
    ),
    ("A6", ("opening_hours", "monday"), [], "opening_hours.monday", "'monday' is not a weekday"),
    ("A6", ("exceptions", 0, "date"), "2026-02-30", "exceptions[0].date", "'2026-02-30' is not a date"),
    ("A6", ("exceptions", 0, "date"), "24.12.2026", "exceptions[0].date", "'24.12.2026' is not a date"),
    (
        "A6",
        ("exceptions", 1, "date"),
        "2026-12-24",
        "exceptions[1].date",
        r"2026-12-24 already has an exception \(exceptions\[0\]\)",
    ),
    ("A6", ("exceptions", 0, "hours"), [["12:00", "09:00"]], "exceptions[0].hours[0]", "Opens at 12:00"),
    (
        "A6",
        ("exceptions", 1, "hours"),
        [["09:00", "12:00"]],
        "exceptions[1].hours",
        "A closed day has no opening hours",
    ),
    # A3/A4: strategies, limits, members
    (
        "A3",
        ("groups", "sales", "strategy"),
        "roundrobin",
        "groups.sales.strategy",
        "'roundrobin' is not a ring strategy",
    ),
    ("A4", ("queues", "support", "strategy"), "RINGALL", "queues.support.strategy", "is not a ring strategy"),
    ("A3", ("groups", "sales", "ring_timeout_s"), 0, "groups.sales.ring_timeout_s", "must be 1-120 seconds"),
    ("A4", ("queues", "support", "ring_timeout_s"), 121, "queues.support.ring_timeout_s", "must be 1-120 seconds"),
    ("A4", ("queues", "support", "wrapup_s"), -1, "queues.support.wrapup_s", "0 seconds or more"),
    ("A4", ("queues", "support", "max_length"), 0, "queues.support.max_length", "at least 1 caller"),
    ("A4", ("queues", "support", "max_wait_s"), 9, "queues.support.max_wait_s", "at least 10 seconds"),
    ("A5", ("queues", "support", "callback", "key"), "11", "queues.support.callback.key", "'11' is not a phone key"),
    (
        "A5",
        ("queues", "support", "callback", "max_attempts"),
        0,
        "queues.support.callback.max_attempts",
        "at least once",
    ),
    (
        "A5",
        ("queues", "support", "callback", "retry_delay_s"),
        -1,
        "queues.support.callback.retry_delay_s",
        "0 seconds",
    ),
    ("A3", ("groups", "sales", "members"), [], "groups.sales.members", "Add at least one member"),
    ("A4", ("queues", "support", "members"), [], "queues.support.members", "Add at least one member"),
    (
        "A3",
        ("groups", "sales", "members", 1),
        {"employee_id": "e9"},
        "groups.sales.members[1]",
        "There is no employee 'e9'",
    ),
    (
        "A3",
        ("groups", "sales", "members", 1),
        {"employee_id": "e1"},
        "groups.sales.members[1]",
        "'e1' is a member twice",
    ),
    (
        "A3",
        ("groups", "sales", "members", 1),
        {"employee_id": "e2", "penalty": -1},
        "groups.sales.members[1].penalty",
        "0 or more",
    ),
    # A1: numbers
    ("A1", ("main_number",), "12", "main_number", "'12' is not a phone number in E.164"),
    ("A1", ("direct_numbers", "+4722000000"), {"kind": "hangup"}, "direct_numbers.+4722000000", "is the main number"),
    ("A1", ("direct_numbers", "12"), {"kind": "hangup"}, "direct_numbers.12", "'12' is not a phone number"),
    # A7
    (
        "A7",
        ("presence_routing", "lunch"),
        {"kind": "hangup"},
        "presence_routing.lunch",
        "'lunch' is not an availability state",
    ),
]


@pytest.mark.parametrize(
    "path, value, where, message",
    [pytest.param(*c[1:], marks=pytest.mark.feature(c[0]), id=f"{c[3]}:{c[4][:30]}") for c in CASES],
)
def test_each_invalid_setting_is_rejected_naming_the_field(path, value, where, message):
    d = example_plan()
    _set(d, path, value)
    error = problems_of(d)
    assert [p["path"] for p in error.problems] == [where], error.problems
    assert re.search(message, error.problems[0]["message"]), error.problems[0]["message"]
    assert isinstance(error, InvalidInput) and error.code == "invalid_routing_plan"
    assert where in error.message


@pytest.mark.feature("A2")
def test_switchboard_destination_needs_a_switchboard():
    d = example_plan()
    d["switchboard"] = None
    error = problems_of(d)
    assert {p["path"] for p in error.problems} == {
        "menus.main.options.0",
        "menus.main.on_timeout",
        "presence_routing.in_meeting",
    }
    assert all("The plan has no switchboard" in p["message"] for p in error.problems)


@pytest.mark.feature("A2")
def test_menus_that_only_lead_to_each_other_are_a_loop_without_exit():
    d = example_plan()
    d["menus"]["a"] = {
        "options": {"1": {"kind": "menu", "target": "b"}},
        "on_timeout": {"kind": "menu", "target": "a"},
        "on_invalid": {"kind": "menu", "target": "b"},
    }
    d["menus"]["b"] = {
        "options": {"1": {"kind": "menu", "target": "a"}, "2": {"kind": "menu", "target": "b"}},
        "on_timeout": {"kind": "menu", "target": "a"},
        "on_invalid": {"kind": "menu", "target": "a"},
    }
    d["menus"]["main"]["options"]["5"] = {"kind": "menu", "target": "a"}
    error = problems_of(d)
    assert [p["path"] for p in error.problems] == ["menus"]
    assert "Menus a, b lead only to each other" in error.message


@pytest.mark.feature("A2")
def test_a_menu_that_only_repeats_itself_is_a_loop_but_main_and_more_are_not():
    d = example_plan()
    d["menus"]["main"]["options"] = {"9": {"kind": "menu", "target": "more"}}
    d["menus"]["main"]["on_timeout"] = {"kind": "menu", "target": "main"}
    d["menus"]["more"]["options"] = {"*": {"kind": "menu", "target": "main"}}
    error = problems_of(d)
    assert "Menus main, more lead only to each other" in error.message
    # one way out (a hang-up on timeout) is enough
    d["menus"]["more"]["on_timeout"] = {"kind": "hangup", "target": ""}
    validate_plan(RoutingPlan.from_dict(d), EMPLOYEES)


@pytest.mark.feature("A2", "A3", "A6")
def test_all_problems_are_reported_at_once():
    d = example_plan()
    d["groups"]["sales"]["strategy"] = "bogus"
    d["queues"]["support"]["wrapup_s"] = -5
    d["opening_hours"]["tue"] = [["17:00", "09:00"]]
    error = problems_of(d)
    assert [p["path"] for p in error.problems] == [
        "opening_hours.tue[0]",
        "groups.sales.strategy",
        "queues.support.wrapup_s",
    ]
    assert error.message.startswith("The routing plan has 3 problems: ")


@pytest.mark.feature("A6")
def test_every_interval_inside_a_longer_one_overlaps_it():
    d = example_plan()
    d["opening_hours"]["mon"] = [["08:00", "18:00"], ["09:00", "10:00"], ["11:00", "12:00"], ["18:00", "20:00"]]
    error = problems_of(d)
    assert error.problems == [
        {"path": "opening_hours.mon[1]", "message": "Overlaps opening_hours.mon[0] (open until 18:00)."},
        {"path": "opening_hours.mon[2]", "message": "Overlaps opening_hours.mon[0] (open until 18:00)."},
    ]
