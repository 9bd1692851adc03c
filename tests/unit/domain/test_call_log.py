"""A14, C10, A8: a call's events folded into its call log record, whatever their order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_log import IDLE, IN_CALL, final_mobile_changes, fold, mobile_changes

CALLER = "+4798765432"
MAIN = "+4722000000"
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def ev(n: int, kind: str, second: int, **kw) -> CallEvent:
    return CallEvent(
        event_id=f"txn-1#{n}#0",
        kind=kind,
        company_id="c-1",
        call_id="txn-1",
        at=(T0 + timedelta(seconds=second)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        caller=kw.pop("caller", CALLER),
        called=kw.pop("called", MAIN),
        **kw,
    )


def queue_call_answered_after_one_miss() -> list[CallEvent]:
    return [
        ev(1, "INCOMING", 0),
        ev(2, "MENU", 1, data={"menu_id": "main"}),
        ev(3, "KEYPRESS", 5, data={"digits": "1"}),
        ev(4, "ENTERQUEUE", 5, queue_id="q-support"),
        ev(5, "RINGNOANSWER", 20, queue_id="q-support", employee_id="e-2", data={"ring_s": 15}),
        ev(6, "CONNECT", 30, queue_id="q-support", employee_id="e-3", data={"holdtime_s": 25, "ringtime_s": 5}),
        ev(7, "COMPLETECALLER", 50, queue_id="q-support", employee_id="e-3", data={"holdtime_s": 25, "talk_s": 20}),
        ev(8, "HANGUP", 50, data={"by": "caller", "duration_s": 50}),
    ]


@pytest.mark.feature("A14", "C10")
def test_queue_call_answered_after_a_missed_offer_shows_its_whole_path():
    record = fold(queue_call_answered_after_one_miss(), names={CALLER: "Ola Kunde"})
    assert record.direction == "inbound" and record.kind == "queue"
    assert record.answered and record.answered_by == "e-3" and record.outcome == "answered"
    assert (record.wait_s, record.talk_s, record.duration_s) == (25, 20, 50)
    assert record.ended_by == "caller" and record.caller_name == "Ola Kunde" and record.called_name is None
    assert record.started_at == "2026-11-26T09:00:00.000Z" and record.queue_ids == ["q-support"]
    assert record.participants == ["e-2", "e-3"]
    assert [s["kind"] for s in record.path] == [
        "INCOMING",
        "MENU",
        "KEYPRESS",
        "ENTERQUEUE",
        "RINGNOANSWER",
        "CONNECT",
        "COMPLETECALLER",
        "HANGUP",
    ]
    assert record.path[4] == {
        "at": "2026-11-26T09:00:20.000Z",
        "kind": "RINGNOANSWER",
        "queue_id": "q-support",
        "employee_id": "e-2",
        "data": {"ring_s": 15},
    }


@pytest.mark.feature("A14")
def test_caller_hanging_up_in_the_queue_is_abandoned_with_the_wait():
    record = fold(
        [
            ev(1, "INCOMING", 0),
            ev(2, "ENTERQUEUE", 1, queue_id="q"),
            ev(3, "ABANDON", 41, queue_id="q", data={"position": 2, "original_position": 3, "wait_s": 40}),
            ev(4, "HANGUP", 41, data={"by": "caller"}),
        ]
    )
    assert record.outcome == "abandoned" and not record.answered and record.answered_by is None
    assert record.wait_s == 40 and record.talk_s is None and record.duration_s == 41


@pytest.mark.feature("A14")
@pytest.mark.parametrize(
    ("extra", "outcome"),
    [
        ("CALLBACK_REQUESTED", "callback_requested"),
        ("VOICEMAIL", "voicemail"),
        ("EXITWITHTIMEOUT", "overflowed"),
        ("NOANSWER", "no_answer"),
    ],
)
def test_unanswered_outcomes(extra, outcome):
    record = fold([ev(1, "INCOMING", 0), ev(2, "ENTERQUEUE", 1, queue_id="q"), ev(3, extra, 9), ev(4, "HANGUP", 10)])
    assert record.outcome == outcome and not record.answered


@pytest.mark.feature("A14")
def test_direct_call_answered_and_transferred_names_both_people():
    record = fold(
        [
            ev(1, "INCOMING", 0, called="+4791200004"),
            ev(2, "ROUTED", 0, data={"destination": "person", "target": "e-4"}),
            ev(3, "ANSWERED", 6, employee_id="e-4"),
            ev(4, "TRANSFER", 30, employee_id="e-4", data={"to": "e-5"}),
            ev(5, "ANSWERED", 35, employee_id="e-5"),
            ev(6, "HANGUP", 90, data={"by": "e-5"}),
        ]
    )
    assert record.kind == "direct" and record.answered_by == "e-4" and record.wait_s == 6
    assert record.talk_s == 84 and record.duration_s == 90 and record.ended_by == "e-5"
    assert record.participants == ["e-4", "e-5"]


@pytest.mark.feature("A14", "C10")
def test_outbound_and_internal_directions():
    out = fold(
        [
            ev(1, "OUTBOUND", 0, caller="+4791200004", called=CALLER, employee_id="e-4", data={"op": "click_to_dial"}),
            ev(2, "OUTBOUND", 4, caller="+4791200004", called=CALLER, employee_id="e-4", data={"answered": True}),
            ev(3, "HANGUP", 64, data={"by": "e-4"}),
        ]
    )
    assert out.direction == "outbound" and out.answered and out.answered_by == "e-4" and out.talk_s == 60
    internal = fold([ev(1, "INCOMING", 0, caller="204", called="205"), ev(2, "HANGUP", 3, data={"by": "caller"})])
    assert internal.direction == "internal" and internal.outcome == "abandoned"
    barred = fold([ev(1, "OUTBOUND", 0, called="+88212345678", employee_id="e-4"), ev(2, "BARRED", 0)])
    assert barred.outcome == "barred"


@pytest.mark.feature("A14")
def test_a_call_without_its_start_has_no_start_time_yet_and_is_in_progress():
    record = fold([ev(6, "CONNECT", 30, queue_id="q", employee_id="e-3")])
    assert record.started_at is None and record.outcome == "answered"
    assert fold([ev(1, "INCOMING", 0)]).outcome == "in_progress"


@pytest.mark.feature("A14", "C10")
@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(st.integers(0, 7), max_size=8))
def test_shuffled_and_duplicated_events_fold_to_the_same_record(rnd: random.Random, duplicates: list[int]):
    events = queue_call_answered_after_one_miss()
    expected = fold(events)
    mixed = events + [events[i] for i in duplicates]
    rnd.shuffle(mixed)
    assert fold(mixed) == expected


@pytest.mark.feature("A8")
def test_mobile_status_follows_answer_and_end():
    events = queue_call_answered_after_one_miss()
    record = fold(events)
    assert [(c.employee_id, c.state) for c in mobile_changes(events[5], record)] == [("e-3", IN_CALL)]
    assert [(c.employee_id, c.state) for c in mobile_changes(events[7], record)] == [("e-2", IDLE), ("e-3", IDLE)]
    assert mobile_changes(events[3], record) == []


@pytest.mark.feature("A8")
def test_a_call_that_ended_leaves_nobody_in_it_whatever_the_order():
    events = queue_call_answered_after_one_miss()
    for order in (events, list(reversed(events))):
        changes = final_mobile_changes(order, fold(order))
        assert {(c.employee_id, c.state) for c in changes} == {("e-2", IDLE), ("e-3", IDLE)}
    live = events[:6]
    assert [(c.employee_id, c.state) for c in final_mobile_changes(live, fold(live))] == [("e-3", IN_CALL)]


# ---------------------------------------------------------------- the switchboard's steps (B3, B4)


@pytest.mark.feature("B3", "B4")
def test_the_path_names_who_assigned_held_picked_up_and_transferred_the_call():
    events = [
        ev(1, "INCOMING", 0),
        ev(2, "ENTERQUEUE", 1, queue_id="q-support"),
        ev(3, "ASSIGNED", 10, queue_id="q-support", employee_id="e-5", data={"by": "e-op"}),
        ev(4, "CONNECT", 15, queue_id="q-support", employee_id="e-5", data={"holdtime_s": 14}),
        ev(5, "HOLD", 40, employee_id="e-5", data={"by": "e-5", "talk_s": 25}),
        ev(6, "UNHOLD", 60, employee_id="e-6", data={"hold_s": 20}),
        ev(7, "ANSWERED", 60, employee_id="e-6", data={"via": "pickup"}),
        ev(8, "BLINDTRANSFER", 90, employee_id="e-6", data={"to": {"kind": "queue", "target": "sales"}, "by": "e-op"}),
        ev(9, "HANGUP", 120, data={"by": "LEG-A", "duration_s": 120}),
    ]
    record = fold(events)
    steps = {s["kind"]: s for s in record.path}
    assert steps["ASSIGNED"]["assigned_to"] == "e-5" and steps["ASSIGNED"]["by"] == "e-op"
    assert steps["HOLD"]["held_by"] == "e-5"
    assert steps["UNHOLD"]["picked_up_by"] == "e-6"
    assert steps["BLINDTRANSFER"]["transferred_to"] == "queue:sales" and steps["BLINDTRANSFER"]["by"] == "e-op"
    assert record.answered_by == "e-5" and record.outcome == "answered"
    assert set(record.participants) == {"e-5", "e-6"}
    # the agent whose leg ended on hold is free again (A8), whoever picks up later
    assert [(c.employee_id, c.state) for c in mobile_changes(events[4], record)] == [("e-5", IDLE)]
