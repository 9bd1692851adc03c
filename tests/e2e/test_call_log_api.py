"""A14, C10: the call log through the gateway: GET /me/calls, GET /admin/calls (filters,
paging, department scope) and GET /admin/calls/{call_id}, with tenant isolation.

The calls are recorded in the demo company (Nordlys) through the consumer's own service,
each test on days of its own so that the others' calls do not show."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from skysentral.domain.pbx.call_events import CallEvent
from skysentral.services import call_logging

LARS, SIGRID = "e-nordlys-04", "e-nordlys-05"  # Salg, Service
MAIN = "+4722123400"


def record_call(start: datetime, answerer: str | None, caller: str = "+4798765432", company: str = "c-nordlys") -> str:
    txn = f"t-{uuid.uuid4().hex[:12]}"

    def ev(n: int, kind: str, second: int, **kw) -> CallEvent:
        at = (start + timedelta(seconds=second)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return CallEvent(f"{txn}#{n}#0", kind, company, txn, at, caller, MAIN, **kw)

    events = [ev(1, "INCOMING", 0), ev(2, "ENTERQUEUE", 1, queue_id="q-kundeservice")]
    if answerer:
        events += [ev(3, "CONNECT", 8, queue_id="q-kundeservice", employee_id=answerer, data={"holdtime_s": 7})]
    else:
        events += [ev(3, "RINGNOANSWER", 20, queue_id="q-kundeservice", employee_id=SIGRID, data={"ring_s": 15})]
        events += [ev(4, "ABANDON", 30, queue_id="q-kundeservice", data={"wait_s": 29})]
    events += [ev(9, "HANGUP", 60, data={"by": "caller"})]
    call_logging.record_events(events)
    return txn


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.feature("C10", "A14")
def test_employee_sees_own_calls_and_admin_sees_the_company_s_with_the_path(cloud, kari, lars):
    lars_call = record_call(utc("2026-10-05T08:00:00+00:00"), LARS)
    missed = record_call(utc("2026-10-05T09:00:00+00:00"), None)
    status, mine = lars.get("/me/calls?from=2026-10-05&to=2026-10-05")
    assert status == 200, mine
    assert [c["call_id"] for c in mine["items"]] == [lars_call] and mine["next_cursor"] is None
    assert mine["items"][0]["caller_name"] == "Rørlegger Hansen AS" and "path" not in mine["items"][0]

    status, log = kari.get("/admin/calls?from=2026-10-05&to=2026-10-05")
    assert status == 200 and [c["call_id"] for c in log["items"]] == [missed, lars_call]  # newest first
    status, unanswered = kari.get("/admin/calls?from=2026-10-05&to=2026-10-05&answered=false")
    assert [(c["call_id"], c["outcome"]) for c in unanswered["items"]] == [(missed, "abandoned")]
    status, by_lars = kari.get(f"/admin/calls?from=2026-10-05&to=2026-10-05&employee_id={LARS}&kind=queue")
    assert [c["call_id"] for c in by_lars["items"]] == [lars_call]
    status, by_number = kari.get("/admin/calls?from=2026-10-05&to=2026-10-05&number=98765432")
    assert len(by_number["items"]) == 2  # a national number means its E.164 form
    status, outbound = kari.get("/admin/calls?from=2026-10-05&to=2026-10-05&number=98765432&direction=outbound")
    assert outbound["items"] == []

    status, call = kari.get(f"/admin/calls/{missed}")
    assert status == 200
    assert [s["kind"] for s in call["path"]] == ["INCOMING", "ENTERQUEUE", "RINGNOANSWER", "ABANDON", "HANGUP"]
    assert call["wait_s"] == 29 and call["participants"] == [SIGRID]


@pytest.mark.feature("A14")
def test_department_admin_sees_only_calls_of_their_departments(cloud, ola):
    salg = record_call(utc("2026-10-06T08:00:00+00:00"), LARS)
    service = record_call(utc("2026-10-06T09:00:00+00:00"), SIGRID)
    status, log = ola.get("/admin/calls?from=2026-10-06&to=2026-10-06")
    assert status == 200 and [c["call_id"] for c in log["items"]] == [salg]
    assert ola.get(f"/admin/calls/{salg}")[0] == 200
    assert ola.get(f"/admin/calls/{service}")[0] == 404


@pytest.mark.feature("A14", "C10")
def test_another_company_s_call_is_404_and_not_listed(cloud, siri, lars):
    theirs = record_call(utc("2026-10-07T08:00:00+00:00"), LARS)
    status, body = siri.get(f"/admin/calls/{theirs}")
    assert status == 404 and body["error"] == "not_found"
    assert siri.get("/admin/calls?from=2026-10-07&to=2026-10-07")[1]["items"] == []
    assert lars.get(f"/admin/calls/{theirs}")[0] == 403  # an employee reads only their own log


@pytest.mark.feature("A14")
def test_paging_walks_every_call_once_and_days_are_oslo_days(cloud, kari):
    # 2026-03-29 in Oslo runs from 2026-03-28T23:00Z to 2026-03-29T22:00Z (DST starts that night)
    before = record_call(utc("2026-03-28T22:59:00+00:00"), LARS)
    calls = [record_call(utc("2026-03-28T23:00:00+00:00") + timedelta(hours=4 * n), LARS) for n in range(5)]
    after = record_call(utc("2026-03-29T22:00:00+00:00"), LARS)
    seen, cursor, pages = [], None, 0
    while True:
        path = "/admin/calls?from=2026-03-29&to=2026-03-29&limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = kari.get(path)
        assert status == 200, page
        seen += [c["call_id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(calls)) and pages == 3
    assert before not in seen and after not in seen


@pytest.mark.feature("A14", "C10")
@pytest.mark.parametrize(
    "query",
    [
        "answered=maybe",
        "from=2026-13-01",
        "from=2026-10-08&to=2026-10-01",
        "cursor=not-ours",
        "limit=0",
        "sort=x",
        "number=abc",
    ],
)
def test_bad_filters_are_400_with_a_message(cloud, kari, lars, query):
    for client, path in ((kari, "/admin/calls"), (lars, "/me/calls")):
        status, body = client.get(f"{path}?{query}")
        assert status == 400, (path, query, body)
        assert body["message"]
