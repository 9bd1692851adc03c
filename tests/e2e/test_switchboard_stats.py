"""B6 through the local cloud: simulated calls go through call control, their events through
the bus and CallStatsQueue into the counters, and the statistics routes read them back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skysentral import clock
from skysentral.domain.calendar import OSLO
from tests.helpers import sample_event


def today() -> str:
    return clock.now().astimezone(OSLO).date().isoformat()


def support_day(company_id: str = "c-nordlys") -> dict[str, int]:
    from skysentral.store.call_stats_repository import CallStats

    return CallStats(company_id).counters("Q#support", "day", today(), today()).get(today(), {})


@pytest.mark.feature("B6")
def test_simulated_queue_calls_show_in_the_queue_statistics(cloud: Any, gateway: str, issuer: Any, as_user) -> None:
    """GIVEN the queue scenario (ten callers, two agents: one caller asks for a callback, one
    hangs up while waiting) WHEN it has run THEN today's row of the queue has grown by what
    happened: 10 offered, 1 abandoned, 1 callback requested, 8 answered in the queue."""
    from infra.local import scenarios, seed
    from infra.local.gateway import _demo_tokens

    seed.seed_demo(cloud)
    before = support_day()
    report = scenarios.run(cloud.telephony, scenarios.load("queue-two-agents"), gateway, _demo_tokens(issuer))
    assert report["ok"], report["failures"]
    cloud.drain()

    ingrid = as_user("switchboard_agent")
    status, body = ingrid.get(f"/switchboard/stats/queues?grain=day&from={today()}&queue_id=support")
    assert status == 200, body
    (row,) = body["rows"]
    grown = {k: row[k] - before.get(k, 0) for k in ("offered", "abandoned", "callbacks_requested", "answered")}
    assert grown == {"offered": 10, "abandoned": 1, "callbacks_requested": 1, "answered": 8}
    assert row["handled"] >= before.get("handled", 0) + 8
    assert body["service_level_definition"] == "asterisk_sl2" and 0 <= row["service_level"] <= 1
    assert row["asa_s"] is not None and row["aht_s"] is not None

    status, quarters = ingrid.get(f"/switchboard/stats/queues?grain=15m&from={today()}&queue_id=support")
    assert status == 200 and len(quarters["rows"]) in (92, 96, 100)
    assert sum(r["offered"] for r in quarters["rows"]) == row["offered"]

    status, agents = ingrid.get(f"/switchboard/stats/agents?grain=day&from={today()}&employee_id=e-nordlys-03")
    assert status == 200, agents
    assert agents["rows"][0]["answered"] >= 1 and agents["rows"][0]["talk_s"] > 0

    status, now = ingrid.get("/switchboard/stats/realtime")
    assert status == 200, now
    support = next(q for q in now["queues"] if q["queue_id"] == "support")
    assert support["today"]["offered"] == row["offered"]
    assert support["waiting"] == 0 and support["agents_online"] >= 1

    status, staffing = ingrid.get(f"/switchboard/staffing?queue_id=support&date={today()}")
    assert status == 200, staffing
    assert staffing["model"] == "Erlang C" and staffing["intervals"], staffing


@pytest.mark.feature("B6")
@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("grain=hour", "grain"),
        ("from=2026-11-25&to=2026-11-24", "after"),
        ("grain=15m&from=2026-11-01&to=2026-11-30", "at most 7 days"),
        ("grain=day&from=2025-01-01&to=2026-01-01", "at most 93 days"),
        ("from=yesterday", "from"),
    ],
)
def test_bad_ranges_are_400_with_a_message(kari, query: str, says: str) -> None:
    status, body = kari.get(f"/switchboard/stats/queues?{query}")
    assert status == 400, body
    assert says in body["message"]


@pytest.mark.feature("B6")
def test_staffing_refuses_bad_targets(kari) -> None:
    for query in ("queue_id=support&target=1.2", "queue_id=support&shrinkage=1", "target=0.8"):
        status, body = kari.get(f"/switchboard/staffing?{query}")
        assert status == 400, (query, body)


@pytest.mark.feature("B6")
def test_an_employee_may_not_read_the_statistics(lars) -> None:
    for path in ("/switchboard/stats/queues", "/switchboard/stats/agents", "/switchboard/stats/realtime"):
        status, body = lars.get(path)
        assert status == 403, (path, body)
    assert lars.get("/switchboard/staffing?queue_id=sentralbord")[0] == 403


@pytest.mark.feature("B6")
def test_another_companys_queues_and_agents_are_not_found(siri, seeded) -> None:
    status, body = siri.get("/switchboard/stats/queues?queue_id=sentralbord")
    assert status == 404, body
    assert siri.get("/switchboard/stats/agents?employee_id=e-nordlys-03")[0] == 404
    assert siri.get("/switchboard/staffing?queue_id=sentralbord")[0] == 404
    status, now = siri.get("/switchboard/stats/realtime")
    assert status == 200 and all(q["queue_id"] not in ("sentralbord", "support") for q in now["queues"])


@pytest.mark.feature("B6")
def test_the_consumer_sample_counts_once_and_drops_what_is_not_a_call_event(cloud, seeded) -> None:
    """The sample (a queue call answered by Ingrid) is counted once, though delivered twice; a
    message that is not a call event is acknowledged (a retry cannot mend it)."""
    from tests.e2e.test_handler_samples import logical_id_for

    event = sample_event("call_stats_sqs.json")
    company = f"c-sample-{id(event)}"  # its own company: other tests' calls do not mix in
    for r in event["Records"]:
        body = json.loads(r["body"])
        body["detail"]["company_id"] = company
        r["body"] = json.dumps(body)
    broken = json.loads(json.dumps(event["Records"][0]))
    broken["messageId"] = "broken-1"
    broken["body"] = json.dumps({"source": "skysentral.pbx", "detail": {"kind": "RINGING"}})
    event["Records"].append(broken)
    function = logical_id_for("call_stats_sqs.json")
    assert cloud.invoke(function, event) == {"batchItemFailures": []}
    assert cloud.invoke(function, event) == {"batchItemFailures": []}

    from skysentral.store.call_stats_repository import CallStats

    day = CallStats(company).counters("Q#sentralbord", "day", "2026-11-25", "2026-11-25")["2026-11-25"]
    assert {k: v for k, v in day.items() if v} == {
        "offered": 1,
        "answered": 1,
        "answered_within_t": 1,
        "wait_answered_s": 12,
        "handled": 1,
        "talk_s": 185,  # no wrapup_s: a company without a routing plan has no wrap-up time
    }
