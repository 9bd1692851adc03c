"""A1-A7: the routing plan's JSON form; shape errors name the field, numbers become E.164."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skysentral.domain.errors import InvalidInput
from skysentral.domain.pbx.routing_plan import (
    DESTINATION_KINDS,
    RING_STRATEGIES,
    AnswerGroup,
    Callback,
    CallQueue,
    DatedException,
    Destination,
    Member,
    Menu,
    RoutingPlan,
)
from tests.unit.domain.pbx.plans import example_plan


@pytest.mark.feature("A1", "A2", "A3", "A4", "A5", "A6", "A7")
def test_example_plan_reads_into_values_and_writes_back_unchanged():
    plan = RoutingPlan.from_dict(example_plan())
    assert plan.menus["main"].options["2"] == Destination("queue", "support")
    assert plan.queues["support"].callback == Callback("1", 3, 60)
    assert plan.opening_hours["fri"] == (("08:00", "11:30"), ("12:00", "15:00"))
    assert plan.exceptions[0] == DatedException("2026-12-24", False, (("09:00", "12:00"),), None, "Christmas Eve")
    assert plan.to_dict() == example_plan()


@pytest.mark.feature("A1")
def test_national_numbers_are_stored_in_e164():
    d = example_plan()
    d["main_number"] = "22 00 00 00"
    d["direct_numbers"] = {"22 00 00 10": {"kind": "queue", "target": "support"}}
    d["menus"]["more"]["options"]["2"] = {"kind": "external", "target": "0047 912 34 567"}
    plan = RoutingPlan.from_dict(d)
    assert plan.main_number == "+4722000000"
    assert list(plan.direct_numbers) == ["+4722000010"]
    assert plan.menus["more"].options["2"] == Destination("external", "+4791234567")


@pytest.mark.feature("A1")
def test_the_same_direct_number_written_twice_is_rejected():
    d = example_plan()
    d["direct_numbers"]["22000010"] = {"kind": "group", "target": "sales"}
    with pytest.raises(InvalidInput, match=r"direct_numbers: '22000010' is the number \+4722000010 a second time"):
        RoutingPlan.from_dict(d)


@pytest.mark.feature("A1")
def test_optional_parts_take_their_defaults():
    plan = RoutingPlan.from_dict(
        {"main_number": "+4722000000", "entry": {"open": {"kind": "hangup"}, "closed": {"kind": "voicemail"}}}
    )
    assert plan.entry_holiday is None and plan.holidays_closed is True and plan.menus == {}
    assert plan.entry_closed == Destination("voicemail", "")


def _set(d, path, value):
    *parents, last = path
    for p in parents:
        d = d[p]
    d[last] = value


@pytest.mark.feature("A2", "A3", "A4", "A5", "A6")
@pytest.mark.parametrize(
    "path, value, message",
    [
        (("queues", "support", "wrapup_s"), "10", "queues.support.wrapup_s must be an integer"),
        (("queues", "support", "wrapup_s"), True, "queues.support.wrapup_s must be an integer"),
        (("queues", "support", "callback", "key"), 1, "queues.support.callback.key must be a string"),
        (("queues", "support", "members"), "e2", "queues.support.members must be a list"),
        (("groups", "sales", "members", 1), {"penalty": 1}, r"groups.sales.members\[1\].employee_id is required"),
        (("menus", "main", "options", "1"), {"kind": "fax"}, "menus.main.options.1.kind 'fax' is not one of"),
        (("menus", "main", "options", "1"), "sales", "menus.main.options.1 must be an object with a 'kind'"),
        (("menus", "main", "timout_s"), 5, "menus.main has unknown field"),
        (("opening_hours", "mon"), [["08:00"]], r"opening_hours.mon\[0\] must be a pair of times"),
        (("exceptions", 0, "closed"), "no", r"exceptions\[0\].closed must be true or false"),
        (("holidays_closed",), None, "holidays_closed must be true or false"),
        (("entry", "open"), None, "entry.open is required"),
        (("opening_hour",), {}, "routing plan has unknown field"),
        (("switchboard",), {"kind": "queue", "target": 5}, "switchboard.target must be a string"),
    ],
)
def test_shape_errors_name_the_json_path(path, value, message):
    d = example_plan()
    _set(d, path, value)
    with pytest.raises(InvalidInput, match=message):
        RoutingPlan.from_dict(d)


@pytest.mark.feature("A1")
@pytest.mark.parametrize("body", [None, [], "plan", {"entry": {}}])
def test_a_plan_that_is_not_an_object_with_its_required_parts_is_rejected(body):
    with pytest.raises(InvalidInput):
        RoutingPlan.from_dict(body)


# --- round trip ------------------------------------------------------------------------

ids = st.sampled_from(["a", "b", "support", "sales", "main", "e1", "e2"])
numbers = st.sampled_from(["+4722000000", "+4722000010", "+4791234567", "+46812345678"])


@st.composite
def destinations(draw):
    kind = draw(st.sampled_from(DESTINATION_KINDS))
    target = draw(numbers) if kind == "external" else draw(st.one_of(st.just(""), ids))
    return Destination(kind, target)


members = st.lists(st.builds(Member, ids, st.integers(0, 5)), max_size=3).map(tuple)
hours = st.lists(st.tuples(st.sampled_from(["08:00", "12:00"]), st.sampled_from(["16:00", "24:00"])), max_size=2).map(
    tuple
)
small = st.integers(-5, 700)
text = st.text(max_size=8)


@st.composite
def plans(draw):
    return RoutingPlan(
        main_number=draw(numbers),
        entry_open=draw(destinations()),
        entry_closed=draw(destinations()),
        entry_holiday=draw(st.none() | destinations()),
        opening_hours=draw(st.dictionaries(st.sampled_from(["mon", "sat", "sun"]), hours, max_size=3)),
        holidays_closed=draw(st.booleans()),
        exceptions=tuple(
            draw(
                st.lists(
                    st.builds(
                        DatedException, st.just("2026-05-17"), st.booleans(), hours, st.none() | destinations(), text
                    ),
                    max_size=2,
                )
            )
        ),
        direct_numbers=draw(st.dictionaries(numbers, destinations(), max_size=2)),
        menus={
            k: Menu(
                k,
                draw(text),
                draw(text),
                draw(st.dictionaries(st.sampled_from("12*#"), destinations(), max_size=3)),
                draw(small),
                draw(small),
                draw(destinations()),
                draw(destinations()),
                draw(st.booleans()),
            )
            for k in draw(st.lists(ids, max_size=2, unique=True))
        },
        groups={
            k: AnswerGroup(
                k, draw(text), draw(st.sampled_from(RING_STRATEGIES)), draw(members), draw(small), draw(destinations())
            )
            for k in draw(st.lists(ids, max_size=2, unique=True))
        },
        queues={
            k: CallQueue(
                k,
                draw(text),
                draw(st.sampled_from(RING_STRATEGIES)),
                draw(members),
                draw(small),
                draw(small),
                draw(small),
                draw(small),
                draw(destinations()),
                draw(st.none() | st.builds(Callback, st.sampled_from("1#"), small, small)),
                draw(st.booleans()),
            )
            for k in draw(st.lists(ids, max_size=2, unique=True))
        },
        presence_routing=draw(st.dictionaries(st.sampled_from(["busy", "away"]), destinations(), max_size=2)),
        switchboard=draw(st.none() | destinations()),
        version=draw(st.integers(0, 9)),
    )


@pytest.mark.feature("A1", "A2", "A3", "A4", "A6")
@settings(max_examples=150, deadline=None)
@given(plans())
def test_from_dict_of_to_dict_gives_the_same_plan(plan):
    assert RoutingPlan.from_dict(plan.to_dict()) == plan


@pytest.mark.feature("A1", "A2", "A3", "A4", "A5", "A6", "A7")
def test_the_documented_example_plan_is_the_tested_one():
    import json
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[4] / "docs" / "pbx-rules.md").read_text()
    (block,) = re.findall(r"```json\n(.*?)```", doc, re.S)
    assert json.loads(block) == example_plan()
