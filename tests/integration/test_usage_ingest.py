"""Usage records through the template's SQS queue into balances (D1, D2, D7, D9), exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skysentral.domain.balances import AddOns
from skysentral.domain.catalogue import GIB, MIB
from skysentral.services import usage
from skysentral.store import balance_repository
from skysentral.store.directory_repository import Directory
from tests.helpers import data, sms_sent_to


@pytest.fixture(autouse=True)
def arrival_clock(monkeypatch):
    """The handlers' clock: records of November 2026 arrive in late November (D9 grace)."""
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


def _account(cid, sub):
    return usage.account_of(Directory(cid), sub)


def _dlq_bodies(cloud):
    sqs = cloud.client("sqs")
    url = cloud.queue_url("UsageDLQ")
    found = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return found
        for m in msgs:
            found.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.mark.feature("D2", "D9")
def test_six_gb_plan_using_two_gb_in_january_has_four_gb_rollover_in_february(cloud, company, send_usage, monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-01-25T12:00:00Z")  # the records arrive in January
    cid, (sub,) = company(["BEDRIFT_6"], [AddOns(rollover=True)])
    send_usage(
        [
            data("jan-1", sub.msisdn, GIB, "2026-01-10T12:00:00+01:00"),
            data("jan-2", sub.msisdn, GIB, "2026-01-20T12:00:00+01:00"),
        ]
    )
    cloud.drain()
    cloud.fire_schedule("MonthlyClose", at=datetime(2026, 2, 1, 0, 0))  # 00:00 Oslo, 1 February
    cloud.drain()
    view = usage.dashboard(_account(cid, sub), datetime(2026, 2, 2, tzinfo=UTC))
    assert view["period"] == "2026-02"
    assert view["data"]["rollover_bytes"] == 4 * GIB  # D2
    assert view["data"]["rollover_expires_at"] == "2026-02-28T23:00:00Z"  # end of February, Oslo
    assert view["data"]["remaining_bytes"] == 10 * GIB


@pytest.mark.feature("D1")
def test_a_repeated_record_id_changes_nothing(cloud, company, send_usage):
    cid, (sub,) = company(["BEDRIFT_10"])
    record = data("dup-1", sub.msisdn, 100 * MIB, "2026-11-03T08:00:00+01:00")
    send_usage([record, record])
    cloud.drain()
    send_usage([record])
    cloud.drain()
    state = balance_repository.load(cid, sub.subscription_id)
    assert state.balance.package_used_bytes == 100 * MIB
    assert len(balance_repository.usage_rows(cid, sub.subscription_id, "2026-11")) == 1


@pytest.mark.feature("D1")
def test_invalid_and_unknown_records_are_dead_lettered_alone(cloud, company, send_usage):
    cid, (sub,) = company(["BEDRIFT_10"])
    _dlq_bodies(cloud)
    good = data("ok-1", sub.msisdn, 5 * MIB, "2026-11-03T08:00:00+01:00")
    bad = {**data("bad-1", sub.msisdn, 1, "2026-11-03T08:00:00+01:00"), "quantity": 1.5, "zone": "MARS"}
    unknown = data("unknown-1", "+4799999999", 1, "2026-11-03T08:00:00+01:00")
    send_usage([good, bad, unknown])
    cloud.drain(timeout_s=60)
    assert balance_repository.load(cid, sub.subscription_id).balance.package_used_bytes == 5 * MIB
    dead = _dlq_bodies(cloud)
    assert sorted(b for b in dead if "bad-1" in b or "unknown-1" in b) == sorted(dead) and len(dead) == 2


@pytest.mark.feature("D9")
def test_record_at_2330_utc_on_31_october_is_november_usage(cloud, company, send_usage):
    cid, (sub,) = company(["BEDRIFT_10"])
    send_usage([data("oslo-1", sub.msisdn, MIB, "2026-10-31T23:30:00Z")])
    cloud.drain()
    assert [r["id"] for r in balance_repository.usage_rows(cid, sub.subscription_id, "2026-11")] == ["oslo-1"]


@pytest.mark.feature("D7")
def test_crossing_80_percent_sends_one_sms_in_the_users_language(cloud, company, send_usage):
    cid, (sub,) = company(["BEDRIFT_5"], language="en")
    records = [data(f"a-{i}", sub.msisdn, GIB, f"2026-11-0{i + 1}T10:00:00+01:00") for i in range(4)]
    send_usage(records)
    cloud.drain()
    send_usage(records)  # replayed: no second alert
    cloud.drain()
    sms = sms_sent_to(cloud, sub.msisdn)
    assert len(sms) == 1 and "80" in sms[0] and "data" in sms[0].lower()
    logged = balance_repository.alerts(cid, sub.subscription_id, "2026-11")
    assert [a["kind"] for a in logged] == ["package_80"] and logged[0]["language"] == "en"


@pytest.mark.feature("D2", "D9")
def test_late_record_after_close_reduces_the_rollover_its_month_produced(cloud, company, send_usage, monkeypatch):
    cid, (sub,) = company(["BEDRIFT_10"], [AddOns(rollover=True)])
    send_usage([data("n-1", sub.msisdn, 4 * GIB, "2026-11-10T10:00:00+01:00")])
    cloud.drain()
    cloud.fire_schedule("MonthlyClose", at=datetime(2026, 12, 1, 0, 0))
    cloud.drain()
    assert balance_repository.load(cid, sub.subscription_id).balance.rollover_bytes == 6 * GIB
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-02T08:00:00Z")  # within the 3 days' grace
    send_usage([data("n-late", sub.msisdn, GIB, "2026-11-30T23:50:00+01:00")])  # D9: November usage
    cloud.drain()
    state = balance_repository.load(cid, sub.subscription_id)
    assert state.balance.month == "2026-12" and state.balance.rollover_bytes == 5 * GIB
    assert state.balance.package_used_bytes == 0
    assert {r["id"] for r in balance_repository.usage_rows(cid, sub.subscription_id, "2026-11")} == {"n-1", "n-late"}


@pytest.mark.feature("D7")
def test_two_companies_with_the_same_subscription_id_each_get_their_alert(cloud, company, send_usage):
    """Alert keys are unique across companies: subscription ids are only unique within one."""
    _first_cid, (first,) = company(["BEDRIFT_5"])
    _second_cid, (second,) = company(["BEDRIFT_5"])
    assert first.subscription_id == second.subscription_id
    for sub in (first, second):
        send_usage([data(f"{sub.msisdn}-{i}", sub.msisdn, GIB, f"2026-11-0{i + 1}T10:00:00+01:00") for i in range(4)])
        cloud.drain()
    assert sms_sent_to(cloud, first.msisdn) and sms_sent_to(cloud, second.msisdn)


@pytest.mark.feature("D2", "D9")
def test_d9_record_whose_ledger_write_failed_before_the_close_lands_in_its_own_month(
    cloud, company, send_usage, monkeypatch
):
    """A crash between the state write and the ledger write, then the month close (which
    writes a newer state version and month), then the record again: its row is November's,
    with the state version that applied it, and it is counted once."""
    cid, (sub,) = company(["BEDRIFT_10"], [AddOns(rollover=True)])
    real_ledger = balance_repository.write_ledger
    ledger_down = {"on": True}

    def failing_ledger(rows):
        if ledger_down["on"]:
            raise ConnectionError("injected: ledger write failed")
        return real_ledger(rows)

    monkeypatch.setattr(balance_repository, "write_ledger", failing_ledger)
    record = data("pre-close", sub.msisdn, 2 * GIB, "2026-11-29T10:00:00+01:00")
    send_usage([record])
    cloud.drain(timeout_s=60)  # retried until dead-lettered: applied to the state, no row yet
    applied_by = balance_repository.load(cid, sub.subscription_id).version
    assert balance_repository.usage_rows(cid, sub.subscription_id, "2026-11") == []
    cloud.fire_schedule("MonthlyClose", at=datetime(2026, 12, 1, 0, 0))
    cloud.drain()
    _dlq_bodies(cloud)

    ledger_down["on"] = False
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-12-01T08:00:00Z")
    send_usage([record])  # the operator redrives it from the dead-letter queue
    cloud.drain()

    rows = balance_repository.usage_rows(cid, sub.subscription_id, "2026-11")
    assert [(r["id"], r["v"], r["counted"]) for r in rows] == [("pre-close", applied_by, 2 * GIB)]
    assert balance_repository.usage_rows(cid, sub.subscription_id, "2026-12") == []
    state = balance_repository.load(cid, sub.subscription_id)
    assert state.balance.month == "2026-12" and state.balance.rollover_bytes == 8 * GIB  # counted once
