"""The call simulator's shipped scenarios (infra/local/scenarios/) end as a caller would expect,
played against the real call-control function through the telephony stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local import scenarios

SHIPPED = sorted(p.stem for p in scenarios.SCENARIOS.glob("*.json"))


@pytest.mark.feature("A2", "A3", "A4", "A5", "A6", "A7", "A11", "A12")
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_ends_as_expected(cloud: Any, gateway: str, issuer: Any, name: str) -> None:
    from infra.local.gateway import _demo_tokens

    assert cloud.telephony and cloud.telephony.rules, "the template's SIP media application and SIP rules"
    from infra.local import seed

    seed.seed_demo(cloud)
    report = scenarios.run(cloud.telephony, scenarios.load(name), gateway, _demo_tokens(issuer))
    assert report["ok"], report["failures"]
    scenario = scenarios.load(name)
    for who in scenario.get("calls", []):  # every caller's fate is told in a sentence
        assert report["callers"][who["name"]]["summary"]
    if scenario.get("expect_call_log"):  # the call log (GET /admin/calls) was read, not skipped
        assert set(report["call_log"]) == set(scenario["expect_call_log"])


@pytest.mark.feature("A4", "A5", "A14")
def test_the_queue_scenario_checks_each_callers_path_in_the_call_log() -> None:
    scenario = scenarios.load("queue-two-agents")
    assert {c["name"] for c in scenario["calls"]} == set(scenario["expect_call_log"])
