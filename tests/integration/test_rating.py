"""F3: usage records through the usage queue become rated lines once each; re-rating after
a tariff correction writes correction lines once; totals equal the sum of the lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from skysentral.domain import rating as rules
from skysentral.domain.catalogue import MIB
from skysentral.domain.rating import VoicePrice
from skysentral.services import rating
from skysentral.store import rated_lines_repository as store
from tests.helpers import data

MONTH = "2026-11"


@pytest.fixture(autouse=True)
def arrival_clock(monkeypatch):
    monkeypatch.setenv("SKYSENTRAL_NOW", "2026-11-26T12:00:00Z")


def voice(record_id, msisdn, seconds, to, at="2026-11-03T10:00:00+01:00", zone="NO"):
    return {"record_id": record_id, "msisdn": msisdn, "kind": "voice", "quantity": seconds, "started_at": at,
            "zone": zone, "country": "NO", "destination": to, "duration_s": seconds}  # fmt: skip


def sms(record_id, msisdn, to, n=1):
    return {"record_id": record_id, "msisdn": msisdn, "kind": "sms", "quantity": n,
            "started_at": "2026-11-04T12:00:00+01:00", "zone": "NO", "country": "NO", "destination": to}  # fmt: skip


def lines(cid):
    return {line.line_id: line for line in store.lines_of_month(cid, MONTH)}


@pytest.mark.feature("F3", "D1")
def test_a_voice_and_an_sms_record_become_one_line_each_and_a_repeat_none(cloud, company, send_usage):
    cid, (sub,) = company(["BEDRIFT_10"])
    call, text = voice("v-1", sub.msisdn, 90, "+46701234567"), sms("s-1", sub.msisdn, "+4930123456", 2)
    send_usage([call, text])
    cloud.drain()
    send_usage([call, text])
    cloud.drain()
    found = lines(cid)
    assert set(found) == {"v-1", "s-1"}
    v = found["v-1"]
    assert (v.amount_ore, v.mva_ore, v.destination_class, v.unit, v.quantity) == (224, 56, "INTL_NORDIC", "s", 90)
    assert (v.subscription_id, v.employee_id, v.department_id) == (sub.subscription_id, "e-0", "dep-1")
    assert (v.price_plan_id, v.price_plan_version, v.month) == ("BEDRIFT_10", 1, MONTH)
    assert found["s-1"].amount_ore == 2 * 99
    (voice_total,) = [t for t in store.totals(cid, "company", "-", MONTH, MONTH) if t["kind"] == "voice"]
    assert (voice_total["amount_ore"], voice_total["lines"]) == (224, 1)


@pytest.mark.feature("F3", "D1", "D5")
def test_old_format_records_still_ingest_and_data_keeps_the_balance_price(cloud, company, send_usage):
    cid, (sub,) = company(["BEDRIFT_10"])
    content = {"record_id": "c-1", "msisdn": sub.msisdn, "kind": "content", "quantity": 1, "amount_ore": 4900,
               "started_at": "2026-11-05T12:00:00+01:00", "zone": "NO", "country": "NO",
               "merchant": "Spotify", "category": "music"}  # fmt: skip
    send_usage([data("d-1", sub.msisdn, 3 * MIB, "2026-11-03T08:00:00+01:00", zone="US", country="US"), content])
    cloud.drain()
    found = lines(cid)
    assert found["d-1"].amount_ore == 3000  # 3 started MB at 10,00 kr in the US (data_pricing)
    assert (found["c-1"].amount_ore, found["c-1"].merchant, found["c-1"].category) == (4900, "Spotify", "music")


@pytest.mark.feature("F3")
def test_rerating_after_a_correction_writes_correction_lines_once(cloud, company, send_usage):
    plan = "BEDRIFT_20"
    cid, (sub,) = company([plan])
    send_usage([voice("rr-1", sub.msisdn, 60, "+46701234567"), voice("rr-2", sub.msisdn, 60, "+4791234567")])
    cloud.drain()
    newest = max(store.tariff_versions(plan), key=lambda t: t.version)
    corrected = replace(
        newest, version=newest.version + 1, voice={**newest.voice, "INTL_NORDIC": VoicePrice(ore_per_min=99)}
    )
    rating.publish_tariff(corrected.to_dict())
    now = datetime(2026, 11, 27, tzinfo=UTC)
    first = rating.rerate(plan, MONTH, now)
    second = rating.rerate(plan, MONTH, now)
    found = lines(cid)
    corr = found[f"corr#rr-1#v{corrected.version}"]
    assert (corr.amount_ore, corr.corrects, corr.line_type) == (99 - 149, "rr-1", rules.CORRECTION)
    assert found["rr-1"].amount_ore == 149  # never edited
    assert not any(k.startswith("corr#rr-2") for k in found)  # no change, no line
    assert first["corrections"] >= 1 and second["corrections"] == 0
    assert len(lines(cid)) == len(found)
    (voice_total,) = [t for t in store.totals(cid, "company", "-", MONTH, MONTH) if t["kind"] == "voice"]
    assert voice_total["amount_ore"] == 99


@pytest.mark.feature("F3", "F1")
def test_totals_equal_the_sum_of_lines_per_company_department_and_employee(cloud, company, send_usage):
    cid, subs = company(["BEDRIFT_10", "BEDRIFT_5"])
    records = []
    for n, sub in enumerate(subs):
        records += [
            voice(f"t-{n}-v", sub.msisdn, 30 + n * 50, "+4930123456"),
            sms(f"t-{n}-s", sub.msisdn, "+12025550123"),
        ]
    send_usage(records)
    cloud.drain()
    rating.write_fee_lines(cid, subs[0], MONTH, datetime(2026, 12, 1, tzinfo=UTC))
    rating.write_fee_lines(cid, subs[0], MONTH, datetime(2026, 12, 1, tzinfo=UTC))  # again: nothing more
    all_lines = list(store.lines_of_month(cid, MONTH))
    expected = defaultdict(int)
    for line in all_lines:
        expected[("company", "-", line.kind)] += line.amount_ore
        expected[("department", line.department_id, line.kind)] += line.amount_ore
        expected[("employee", line.employee_id, line.kind)] += line.amount_ore
    for scope, scope_id, kind in list(expected):
        got = {t["kind"]: t["amount_ore"] for t in store.totals(cid, scope, scope_id, MONTH, MONTH)}
        assert got[kind] == expected[(scope, scope_id, kind)]
    assert sum(1 for line in all_lines if line.kind == "fee") == 1


@pytest.mark.feature("F3")
def test_admin_lists_a_subscriptions_lines_page_by_page(cloud, company, send_usage):
    from skysentral.domain.identity import Identity
    from skysentral.store.directory_repository import Directory

    cid, subs = company(["BEDRIFT_10", "BEDRIFT_10"])
    send_usage([sms(f"p-{i}", subs[i % 2].msisdn, "+4930123456") for i in range(5)])
    cloud.drain()
    admin = Identity("u1", cid, "company_admin")
    seen, cursor = [], None
    while True:
        page = rating.list_lines(admin, Directory(cid), MONTH, subs[0].subscription_id, 2, cursor)
        seen += [line["line_id"] for line in page["lines"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["p-0", "p-2", "p-4"]
