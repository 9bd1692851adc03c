"""B6: a small morning of queue events, every counter and figure worked out by hand.

Queue `support` (T = 20 s, wrap-up 10 s), Wednesday 2026-11-25, Oslo = UTC+1:
- A enters 08:00:00Z, e-1 answers after 15 s, the caller hangs up after 300 s of talk;
- B enters 08:10:00Z, e-2 does not answer, e-1 answers after 40 s, ends after 360 s;
- C and D enter 08:20 and 08:25 and give up after 5 s and 8 s;
- E enters 08:30 and presses the callback key after 12 s;
- F enters 08:40 and is sent on at the queue's max wait, 08:50.
e-1 is logged in 07:50-08:50Z (3600 s), e-2 08:00-08:30Z (1800 s).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from skysentral.domain.pbx import call_stats
from skysentral.domain.pbx.call_events import CallEvent
from skysentral.domain.pbx.call_stats import QueueSettings

SETTINGS = {"support": QueueSettings(service_level_s=20, wrapup_s=10)}
_n = iter(range(10_000))


def ev(kind: str, at: str, call: str = "x", employee: str | None = None, queue: str = "support", **data) -> CallEvent:
    return CallEvent(
        event_id=f"{call}#{next(_n)}#0",
        kind=kind,
        company_id="c-1",
        call_id=call,
        at=f"2026-11-25T{at}.000Z",
        queue_id=queue,
        employee_id=employee,
        data=data,
    )


def morning() -> list[CallEvent]:
    return [
        ev("AGENTLOGIN", "07:50:00", "login-1", "e-1"),
        ev("AGENTLOGIN", "08:00:00", "login-2", "e-2"),
        ev("INCOMING", "07:59:58", "A", queue=""),  # not a queue event: counts nothing
        ev("ENTERQUEUE", "08:00:00", "A", position=1),
        ev("CONNECT", "08:00:15", "A", "e-1", holdtime_s=15, ringtime_s=3),
        ev("COMPLETECALLER", "08:05:15", "A", "e-1", holdtime_s=15, talk_s=300),
        ev("ENTERQUEUE", "08:10:00", "B", position=1),
        ev("RINGNOANSWER", "08:10:20", "B", "e-2", ring_s=20),
        ev("CONNECT", "08:10:40", "B", "e-1", holdtime_s=40, ringtime_s=5),
        ev("COMPLETEAGENT", "08:16:40", "B", "e-1", holdtime_s=40, talk_s=360),
        ev("ENTERQUEUE", "08:20:00", "C", position=1),
        ev("ABANDON", "08:20:05", "C", wait_s=5, position=1, original_position=1),
        ev("ENTERQUEUE", "08:25:00", "D", position=1),
        ev("ABANDON", "08:25:08", "D", wait_s=8),
        ev("ENTERQUEUE", "08:30:00", "E", position=1),
        ev("EXITWITHKEY", "08:30:12", "E", key="1", wait_s=12),
        ev("CALLBACK_REQUESTED", "08:30:12", "E", number="+4791234567", position=1),
        ev("AGENTLOGOFF", "08:30:00", "logoff-2", "e-2"),
        ev("ENTERQUEUE", "08:40:00", "F", position=1),
        ev("EXITWITHTIMEOUT", "08:50:00", "F", wait_s=600),
        ev("AGENTLOGOFF", "08:50:00", "logoff-1", "e-1"),
    ]


QUEUE_DAY = {
    "offered": 6,
    "answered": 2,
    "answered_within_t": 1,  # A (15 s); B waited 40 s
    "wait_answered_s": 55,
    "abandoned": 2,
    "abandoned_within_t": 2,  # 5 s and 8 s
    "wait_abandoned_s": 13,
    "callbacks_requested": 1,
    "callbacks_within_t": 1,  # E left with the key after 12 s
    "overflowed": 1,
    "ring_no_answer": 1,
    "handled": 2,
    "talk_s": 660,
    "wrapup_s": 20,
}


@pytest.mark.feature("B6")
def test_a_mornings_events_give_the_hand_counted_queue_day() -> None:
    got = call_stats.counters_of(morning(), SETTINGS)
    assert got[("Q#support", "day", "2026-11-25")] == QUEUE_DAY


@pytest.mark.feature("B6")
def test_each_event_counts_in_its_own_quarter_hour() -> None:
    got = call_stats.counters_of(morning(), SETTINGS)
    q = {k[2]: v for k, v in got.items() if k[0] == "Q#support" and k[1] == "15m"}
    assert q == {
        "2026-11-25T08:00:00Z": {
            "offered": 2,
            "answered": 2,
            "answered_within_t": 1,
            "wait_answered_s": 55,
            "ring_no_answer": 1,
            "handled": 1,
            "talk_s": 300,
            "wrapup_s": 10,
        },
        "2026-11-25T08:15:00Z": {
            "handled": 1,
            "talk_s": 360,
            "wrapup_s": 10,
            "offered": 2,
            "abandoned": 2,
            "abandoned_within_t": 2,
            "wait_abandoned_s": 13,
        },
        "2026-11-25T08:30:00Z": {"offered": 2, "callbacks_requested": 1, "callbacks_within_t": 1},
        "2026-11-25T08:45:00Z": {"overflowed": 1},
    }


@pytest.mark.feature("B6")
def test_the_figures_of_the_day_follow_the_reference_definitions() -> None:
    figures = call_stats.queue_figures(QUEUE_DAY, "asterisk")
    assert figures["service_levels"] == {
        "asterisk": 0.5,  # 1 answered within T of 2 answered
        "asterisk_sl2": 0.75,  # (1 + 2) of (2 + 2)
        "amazon_connect": 0.6667,  # (1 + 2 + 1) of 6 queued
    }
    assert figures["service_level"] == 0.5
    assert figures["service_level_definition"] == "asterisk"
    assert figures["asa_s"] == 27.5  # 55 s ÷ 2
    assert figures["aht_s"] == 340.0  # (660 + 20) ÷ 2
    assert figures["abandonment_rate"] == 0.3333  # 2 of 6; the callback is not an abandon


@pytest.mark.feature("B6")
def test_agents_counters_logged_in_time_and_occupancy() -> None:
    got = call_stats.counters_of(morning(), SETTINGS)
    e1 = got[("A#e-1", "day", "2026-11-25")]
    assert e1 == {"offered": 2, "answered": 2, "handled": 2, "talk_s": 660, "wrapup_s": 20, "logged_in_s": 3600}
    assert got[("A#e-2", "day", "2026-11-25")] == {"offered": 1, "missed": 1, "logged_in_s": 1800}
    quarters = {k[2]: v.get("logged_in_s") for k, v in got.items() if k[0] == "A#e-1" and k[1] == "15m"}
    assert quarters == {
        "2026-11-25T07:45:00Z": 600,
        "2026-11-25T08:00:00Z": 900,
        "2026-11-25T08:15:00Z": 900,
        "2026-11-25T08:30:00Z": 900,
        "2026-11-25T08:45:00Z": 300,
    }
    assert call_stats.agent_figures(e1)["occupancy"] == 0.1889  # (660 + 20) ÷ 3600
    assert call_stats.agent_figures(e1)["answer_rate"] == 1.0


@pytest.mark.feature("B6")
def test_a_callback_answered_later_is_not_a_second_answer_of_the_queue() -> None:
    cb = ev("CONNECT", "09:00:00", "E", "e-1", callback=True)
    (q, a) = call_stats.increments(cb, SETTINGS["support"])
    assert q.counters == {"callbacks_answered": 1}
    assert a.counters == {"offered": 1, "answered": 1}


@pytest.mark.feature("B6")
def test_a_late_logoff_splits_a_span_counted_before() -> None:
    login1 = call_stats.Mark("2026-11-25T08:00:00.000000Z", "a", "AGENTLOGIN", "support")
    logoff2 = call_stats.Mark("2026-11-25T10:00:00.000000Z", "d", "AGENTLOGOFF", "support")
    logoff1 = call_stats.Mark("2026-11-25T08:30:00.000000Z", "b", "AGENTLOGOFF", "support")
    login2 = call_stats.Mark("2026-11-25T09:30:00.000000Z", "c", "AGENTLOGIN", "support")
    seen = [login1, logoff2]
    day = ("day", "2026-11-25")
    assert call_stats.logged_in_seconds(seen)[day] == 7200
    change = call_stats.logged_in_change(seen, [*seen, logoff1])
    assert change[day] == 1800 - 7200  # the span now ends at 08:30
    change2 = call_stats.logged_in_change([*seen, logoff1], [*seen, logoff1, login2])
    assert change2[day] == 1800  # 09:30-10:00 comes back


@pytest.mark.feature("B6")
def test_two_queues_at_once_are_one_logged_in_time() -> None:
    marks = [
        call_stats.Mark("2026-11-25T08:00:00.000000Z", "a", "AGENTLOGIN", "support"),
        call_stats.Mark("2026-11-25T08:10:00.000000Z", "b", "AGENTLOGIN", "sales"),
        call_stats.Mark("2026-11-25T08:20:00.000000Z", "c", "AGENTLOGOFF", "support"),
        call_stats.Mark("2026-11-25T08:40:00.000000Z", "d", "AGENTLOGOFF", "sales"),
    ]
    assert call_stats.logged_in_seconds(marks, ("day",)) == {("day", "2026-11-25"): 2400}


@pytest.mark.feature("B6")
@pytest.mark.parametrize(
    ("at", "grain", "key"),
    [
        ("2026-11-25T08:14:59Z", "15m", "2026-11-25T08:00:00Z"),
        ("2026-11-25T23:30:00Z", "day", "2026-11-26"),  # 00:30 in Oslo
        ("2026-06-30T22:30:00Z", "month", "2026-07"),  # summer time: 00:30 on 1 July
        ("2026-12-31T23:30:00Z", "week", "2026-W53"),  # Friday 1 January 2027 is in ISO week 53 of 2026
        ("2026-03-29T01:00:00Z", "15m", "2026-03-29T01:00:00Z"),  # 03:00 CEST, just after the change
    ],
)
def test_intervals_are_oslo_days_iso_weeks_and_months(at: str, grain: str, key: str) -> None:
    assert call_stats.interval_key(datetime.fromisoformat(at.replace("Z", "+00:00")), grain) == key


@pytest.mark.feature("B6")
def test_a_daylight_saving_day_has_92_quarter_hours_and_23_hours() -> None:
    keys = call_stats.periods(date(2026, 3, 29), date(2026, 3, 29), "15m")
    assert len(keys) == 92
    start, end = call_stats.interval_bounds("2026-03-29", "day")
    assert end - start == timedelta(hours=23)
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


@pytest.mark.feature("B6")
def test_a_span_across_midnight_is_split_between_the_oslo_days() -> None:
    s = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Oslo
    e = datetime(2026, 11, 25, 23, 45, tzinfo=UTC)  # 00:45 on the 26th
    assert call_stats.split_seconds(s, e, "day") == {"2026-11-25": 1800, "2026-11-26": 2700}


@pytest.mark.feature("B6")
def test_a_queue_without_service_level_in_the_plan_uses_20_seconds() -> None:
    class OldQueue:  # a plan saved before service_level_s existed
        wrapup_s = 5

    assert QueueSettings.of(OldQueue()) == QueueSettings(20, 5)
