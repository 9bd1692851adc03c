"""The demo month of usage (`python -m infra.local usage`): valid records of every kind the
feed carries, the same ids whenever it is sent, nothing from the future."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from infra.local import demo_usage
from skysentral.events import UsageRecordIn

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.feature("F3")
def test_a_demo_month_is_valid_usage_of_every_kind_for_every_subscription():
    found = demo_usage.records("c-nordlys", "2026-10", now=datetime(2026, 11, 26, tzinfo=OSLO))
    for record in found:
        UsageRecordIn.model_validate(record)  # the queue's contract
    assert {r["kind"] for r in found} == {"data", "voice", "sms", "mms", "content"}
    assert len({r["msisdn"] for r in found}) == 25
    assert {r["zone"] for r in found} >= {"NO", "NORDIC", "US"}  # a trip abroad
    assert len({r["record_id"] for r in found}) == len(found)


@pytest.mark.feature("F3")
def test_the_current_month_stops_now_and_keeps_its_ids():
    earlier = demo_usage.records("c-nordlys", "2026-11", now=datetime(2026, 11, 10, 12, tzinfo=OSLO))
    later = demo_usage.records("c-nordlys", "2026-11", now=datetime(2026, 11, 26, 12, tzinfo=OSLO))
    assert max(datetime.fromisoformat(r["started_at"]) for r in earlier) <= datetime(2026, 11, 10, 12, tzinfo=OSLO)
    assert earlier and earlier == [r for r in later if r["record_id"] in {e["record_id"] for e in earlier}]
