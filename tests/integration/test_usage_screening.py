"""Usage screening through the template's usage queue and the operator API (defects 8, 9
and 10): conflicting duplicates are listed and the first version kept; implausible
records are held until an operator releases (applied once) or rejects them; records
later than the D9 grace are late corrections of their month, never touching balances."""

from __future__ import annotations

import pytest

from skysentral.domain.balances import AddOns
from skysentral.domain.catalogue import GIB, MIB
from skysentral.services import usage
from skysentral.store import balance_repository
from skysentral.store.directory_repository import Directory
from tests.helpers import Client, data

TB = 1024**4


@pytest.fixture(autouse=True)
def arrival_clock(monkeypatch):
    """The handlers' clock: November 2026 records arrive in late November."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


@pytest.fixture
def operator(gateway, token):
    return Client(
        gateway, token(claims={"sub": "op-test", "custom:company_id": "op-skysentral", "custom:role": "operator"})
    )


def _admin(gateway, token, cid):
    return Client(gateway, token(claims={"sub": "e-0", "custom:company_id": cid, "custom:role": "company_admin"}))


def _used(cid, sub):
    state = balance_repository.load(cid, sub.subscription_id)
    return state.balance.package_used_bytes if state.balance else 0


def _rows(cid, sub, month="2026-11"):
    return {r["id"]: r for r in balance_repository.usage_rows(cid, sub.subscription_id, month)}


def _all(client, path):
    items, cursor = [], None
    while True:
        status, page = client.get(path + (f"{'&' if '?' in path else '?'}cursor={cursor}" if cursor else ""))
        assert status == 200, page
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


# ------------------------------------------------------------------ defect 8: conflicting duplicates
@pytest.mark.feature("D1")
def test_d1_same_record_id_with_other_content_keeps_the_first_and_lists_the_conflict(
    cloud, company, send_usage, operator
):
    cid, (sub,) = company(["BEDRIFT_10"])
    first = data("conf-1", sub.msisdn, 100 * MIB, "2026-11-03T08:00:00+01:00")
    send_usage([first])
    cloud.drain()
    send_usage([{**first, "quantity": 900 * MIB}])  # the same id, other content
    cloud.drain()

    assert _used(cid, sub) == 100 * MIB
    assert _rows(cid, sub)["conf-1"]["qty"] == 100 * MIB
    listed = [c for c in _all(operator, "/operator/usage/conflicts?limit=2") if c["company_id"] == cid]
    assert len(listed) == 1
    assert listed[0]["record_id"] == "conf-1"
    assert listed[0]["kept"]["qty"] == 100 * MIB and listed[0]["conflicting"]["quantity"] == 900 * MIB


@pytest.mark.feature("D1")
def test_d1_conflict_inside_one_batch_keeps_the_first_and_a_redelivery_is_listed_once(
    cloud, company, send_usage, operator
):
    cid, (sub,) = company(["BEDRIFT_10"])
    first = data("conf-2", sub.msisdn, 10 * MIB, "2026-11-04T08:00:00+01:00")
    other = {**first, "zone": "EU_EEA", "country": "DE"}
    send_usage([first, other])
    cloud.drain()
    send_usage([other])  # the conflicting version again
    cloud.drain()

    assert _used(cid, sub) == 10 * MIB and _rows(cid, sub)["conf-2"]["zone"] == "NO"
    listed = [c for c in _all(operator, "/operator/usage/conflicts") if c["company_id"] == cid]
    assert [c["conflicting"]["zone"] for c in listed] == ["EU_EEA"]


@pytest.mark.feature("D1")
def test_an_identical_repeat_is_not_a_conflict(cloud, company, send_usage, operator):
    cid, (sub,) = company(["BEDRIFT_10"])
    record = data("same-1", sub.msisdn, MIB, "2026-11-04T08:00:00+01:00")
    national = {**record, "msisdn": sub.msisdn.replace("+47", "")}
    send_usage([record, national])  # the same record, number written nationally
    cloud.drain()
    assert _used(cid, sub) == MIB
    assert not [c for c in _all(operator, "/operator/usage/conflicts") if c["company_id"] == cid]


# ------------------------------------------------------------------ defect 9: implausible records held
@pytest.mark.feature("D1")
def test_d1_a_one_terabyte_record_is_held_not_billed_and_listed_for_the_operator(cloud, company, send_usage, operator):
    cid, (sub,) = company(["BEDRIFT_10"])
    send_usage(
        [
            data("huge-1", sub.msisdn, TB, "2026-11-05T10:00:00+01:00"),
            data("normal-1", sub.msisdn, 5 * MIB, "2026-11-05T11:00:00+01:00"),
        ]
    )
    cloud.drain()

    assert _used(cid, sub) == 5 * MIB
    assert "huge-1" not in _rows(cid, sub)
    held = [h for h in _all(operator, "/operator/usage/held?status=held") if h["company_id"] == cid]
    assert [(h["record_id"], h["subscription_id"], h["status"]) for h in held] == [
        ("huge-1", sub.subscription_id, "held")
    ]
    assert "limit" in held[0]["reason"]


@pytest.mark.feature("D1")
def test_d1_more_bytes_than_the_session_duration_allows_is_held(cloud, company, send_usage, operator):
    cid, (sub,) = company(["BEDRIFT_20"])
    fast = {**data("fast-1", sub.msisdn, 10 * GIB, "2026-11-05T10:00:00+01:00"), "duration_s": 2}
    slow = {**data("slow-1", sub.msisdn, 10 * GIB, "2026-11-05T12:00:00+01:00"), "duration_s": 3600}
    send_usage([fast, slow])
    cloud.drain()
    assert _used(cid, sub) == 10 * GIB
    assert set(_rows(cid, sub)) == {"slow-1"}
    assert [h["record_id"] for h in _all(operator, "/operator/usage/held") if h["company_id"] == cid] == ["fast-1"]


@pytest.mark.feature("D1", "E6")
def test_d1_released_record_is_applied_exactly_once_and_audited(cloud, company, send_usage, operator, gateway, token):
    cid, (sub,) = company(["BEDRIFT_10"], [AddOns()])
    big = data("big-1", sub.msisdn, 120 * GIB, "2026-11-06T10:00:00+01:00")
    send_usage([big])
    cloud.drain()
    assert _used(cid, sub) == 0

    status, body = operator.post(f"/operator/usage/held/{cid}/big-1/release")
    assert status == 200 and body["status"] == "released" and body["decided_by"] == "op-test"
    assert operator.post(f"/operator/usage/held/{cid}/big-1/release")[0] == 200  # repeated: nothing more
    send_usage([big])  # and the network sends it again
    cloud.drain()

    assert _used(cid, sub) == 10 * GIB  # the whole package; the rest is overage
    assert list(_rows(cid, sub)) == ["big-1"]
    assert [h["status"] for h in _all(operator, "/operator/usage/held") if h["company_id"] == cid] == ["released"]
    status, audit = _admin(gateway, token, cid).get("/admin/audit?kind=usage.")
    assert status == 200
    assert [(e["kind"], e["target"], e["actor"], e["actor_role"]) for e in audit["items"]] == [
        ("usage.record_released", "big-1", "op-test", "operator")
    ]
    assert operator.post(f"/operator/usage/held/{cid}/big-1/reject")[0] == 409


@pytest.mark.feature("D1")
def test_d1_rejected_record_is_never_applied_and_stays_listed(cloud, company, send_usage, operator):
    cid, (sub,) = company(["BEDRIFT_10"])
    send_usage([data("bad-tb", sub.msisdn, TB, "2026-11-06T10:00:00+01:00")])
    cloud.drain()
    status, body = operator.post(f"/operator/usage/held/{cid}/bad-tb/reject")
    assert status == 200 and body["status"] == "rejected"
    send_usage([data("bad-tb", sub.msisdn, TB, "2026-11-06T10:00:00+01:00")])  # redelivered: stays rejected
    cloud.drain()

    assert _used(cid, sub) == 0 and not _rows(cid, sub)
    assert [h["status"] for h in _all(operator, "/operator/usage/held?status=rejected") if h["company_id"] == cid] == [
        "rejected"
    ]
    status, error = operator.post(f"/operator/usage/held/{cid}/bad-tb/release")
    assert status == 409 and error["error"] == "record_rejected"


def test_operator_routes_refuse_tenants_and_unknown_records(cloud, company, operator, gateway, token):
    cid, _ = company(["BEDRIFT_10"])
    assert _admin(gateway, token, cid).get("/operator/usage/held")[0] == 403
    assert Client(gateway, None).get("/operator/usage/conflicts")[0] == 401
    status, error = operator.post(f"/operator/usage/held/{cid}/no-such/release")
    assert status == 404 and error["error"] == "not_found"
    status, error = operator.get("/operator/usage/held?status=maybe")
    assert status == 400 and error["error"] == "invalid_query"
    assert operator.get("/me")[0] == 403  # the operator's staff are no company's employees


# ------------------------------------------------------------------ defect 10: later than the grace
@pytest.mark.feature("D2", "D9")
def test_d9_record_within_three_days_after_its_month_touches_balances(cloud, company, send_usage, monkeypatch):
    cid, (sub,) = company(["BEDRIFT_10"], [AddOns(rollover=True)])
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-03T22:59:00Z")  # 23:59 on 3 December, Oslo
    send_usage(
        [
            data("g-1", sub.msisdn, 4 * GIB, "2026-11-20T10:00:00+01:00"),
            data("g-2", sub.msisdn, GIB, "2026-12-02T10:00:00+01:00"),
        ]
    )
    cloud.drain()
    state = balance_repository.load(cid, sub.subscription_id)
    assert state.balance.month == "2026-12" and state.balance.rollover_bytes == 6 * GIB  # D2 from November's 4 GB
    assert not _rows(cid, sub)["g-1"].get("correction")


@pytest.mark.feature("C6", "D9")
def test_d9_record_later_than_the_grace_is_a_correction_of_its_month_only(cloud, company, send_usage, monkeypatch):
    cid, (sub,) = company(["BEDRIFT_10"], [AddOns(rollover=True)])
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-02T12:00:00Z")
    send_usage(
        [
            data("d-1", sub.msisdn, 4 * GIB, "2026-11-20T10:00:00+01:00"),
            data("d-2", sub.msisdn, GIB, "2026-12-02T10:00:00+01:00"),
        ]
    )
    cloud.drain()
    before = balance_repository.load(cid, sub.subscription_id)

    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-03T23:00:00Z")  # 00:00 on 4 December, Oslo: too late
    send_usage(
        [
            data("d-late", sub.msisdn, 5 * GIB, "2026-11-29T10:00:00+01:00"),
            data("d-late-roaming", sub.msisdn, 10 * MIB, "2026-11-29T11:00:00+01:00", zone="US", country="US"),
        ]
    )
    cloud.drain()

    after = balance_repository.load(cid, sub.subscription_id)
    assert after.balance == before.balance  # balances, rollover and alerts untouched
    november = _rows(cid, sub, "2026-11")
    assert november["d-late"]["correction"] is True and november["d-late"]["counted"] == 5 * GIB
    assert november["d-late-roaming"]["correction"] is True and november["d-late-roaming"]["cost_ore"] > 0
    summary = usage.usage_summary(usage.account_of(Directory(cid), sub), "2026-11")  # C6: in its month's overview
    assert summary["national"]["data_quantity"] == 9 * GIB
    assert summary["cost_ore"] == november["d-late-roaming"]["cost_ore"]
    send_usage([data("d-late", sub.msisdn, 5 * GIB, "2026-11-29T10:00:00+01:00")])  # redelivered: once
    cloud.drain()
    assert len(_rows(cid, sub, "2026-11")) == 3
