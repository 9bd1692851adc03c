"""D9 month close through the template's schedule, fan-out queue and workers."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest

from skysentral.domain.balances import AddOns
from skysentral.domain.catalogue import GIB
from skysentral.services import month_close
from skysentral.store import balance_repository
from tests.helpers import data


@pytest.fixture(autouse=True)
def november(monkeypatch):
    """The records below arrive in late November 2026 (the handlers' clock), whatever the
    real date: after the 3 days' grace they would be late corrections instead (D9)."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


def _states(cid, subs):
    return {s.subscription_id: balance_repository.load(cid, s.subscription_id) for s in subs}


@pytest.mark.feature("D2", "D9")
def test_close_runs_on_every_subscription_and_running_it_twice_changes_nothing(cloud, company, send_usage):
    cid, subs = company(
        ["BEDRIFT_6", "BEDRIFT_10", "BEDRIFT_5"], [AddOns(rollover=True), AddOns(rollover=True), AddOns()]
    )
    send_usage([data("mc-1", subs[0].msisdn, 2 * GIB, "2026-11-10T10:00:00+01:00")])  # subs 1, 2: no usage at all
    cloud.drain()
    result = cloud.fire_schedule("MonthlyClose", at=datetime(2026, 12, 1, 0, 0))
    assert result["result"]["to_month"] == "2026-12"
    cloud.drain()
    first = _states(cid, subs)
    assert {s.balance.month for s in first.values()} == {"2026-12"}
    assert first["s-0"].balance.rollover_bytes == 4 * GIB
    assert first["s-1"].balance.rollover_bytes == 10 * GIB  # unused all month: a full package rolls over
    assert first["s-2"].balance.rollover_bytes == 0  # no Data Rollover

    cloud.fire_schedule("MonthlyClose", at=datetime(2026, 12, 1, 0, 0))
    cloud.drain()
    assert {k: (v.balance, v.version) for k, v in _states(cid, subs).items()} == {
        k: (v.balance, v.version) for k, v in first.items()
    }


@pytest.mark.feature("D2", "D9")
def test_a_close_that_crashed_part_way_is_finished_by_a_rerun(cloud, company, monkeypatch):
    cid, subs = company(["BEDRIFT_10"] * 4, [AddOns(rollover=True)] * 4)
    calls = {"n": 0}
    real = balance_repository.update_balance

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("injected crash part-way through a page")
        return real(*args, **kwargs)

    monkeypatch.setattr(balance_repository, "update_balance", crash_on_third)
    request = next(r for r in month_close.plan("2027-01") if any(i.company_id == cid for i in r.items))
    mine = request.model_copy(update={"items": [i for i in request.items if i.company_id == cid]})
    with contextlib.suppress(ConnectionError):
        month_close.close_page(mine)
    assert [s.balance.month if s.balance else "not closed" for s in _states(cid, subs).values()] == [
        "2027-01",
        "2027-01",
        "not closed",
        "not closed",
    ]
    monkeypatch.setattr(balance_repository, "update_balance", real)
    assert month_close.close_page(mine) == 2  # only the two that were not closed yet
    assert {s.balance.month for s in _states(cid, subs).values()} == {"2027-01"}
    assert {s.balance.rollover_bytes for s in _states(cid, subs).values()} == {10 * GIB}
