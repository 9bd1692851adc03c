"""The PBX administration and people API over HTTP (A1, A2, A6, A7, A8, A11, A12, A13, C3, C9)."""

from __future__ import annotations

import pytest

NORDLYS_PLAN = {
    "main_number": "+4722123400",
    "direct_numbers": {"+4722123499": {"kind": "person", "target": "e-nordlys-05"}},
    "entry": {"open": {"kind": "menu", "target": "main"}, "closed": {"kind": "voicemail"}, "holiday": None},
    "opening_hours": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []},
    "holidays_closed": True,
    "exceptions": [],
    "menus": {
        "main": {
            "name": "Hovedmeny",
            "prompt": "Tast 1 for service",
            "options": {"1": {"kind": "queue", "target": "service"}},
            "timeout_s": 5,
            "max_attempts": 3,
            "on_timeout": {"kind": "queue", "target": "service"},
            "on_invalid": {"kind": "hangup"},
            "extension_dialling": True,
        }
    },
    "groups": {},
    "queues": {
        "service": {
            "name": "Service",
            "strategy": "leastrecent",
            "members": [{"employee_id": "e-nordlys-04", "penalty": 0}, {"employee_id": "e-nordlys-05", "penalty": 0}],
            "ring_timeout_s": 20,
            "wrapup_s": 10,
            "max_length": 20,
            "max_wait_s": 600,
            "overflow": {"kind": "voicemail"},
            "callback": None,
            "announce_position": True,
        }
    },
    "presence_routing": {},
    "switchboard": None,
}


# ---------------------------------------------------------------- A1 extensions
@pytest.mark.feature("A1")
def test_an_extension_is_set_unique_and_audited(kari):
    status, body = kari.put("/admin/employees/e-nordlys-10/extension", {"extension": "4410"})
    assert status == 200 and body["extension"] == "4410"
    status, body = kari.put("/admin/employees/e-nordlys-11/extension", {"extension": "4410"})
    assert status == 409 and "4410" in body["message"]
    _, audit = kari.get("/admin/audit?kind=employee.extension_changed")
    assert any(a["target"] == "e-nordlys-10" and a["after"]["extension"] == "4410" for a in audit["items"])
    assert kari.put("/admin/employees/e-nordlys-10/extension", {"extension": "210"})[0] == 200


@pytest.mark.feature("A1")
@pytest.mark.parametrize("extension", ["1", "1234567", "12a"])
def test_an_extension_not_of_2_to_6_digits_is_400(kari, extension):
    status, body = kari.put("/admin/employees/e-nordlys-10/extension", {"extension": extension})
    assert status == 400 and "2 to 6 digits" in body["message"]


@pytest.mark.feature("A1")
def test_another_companys_employee_extension_is_404(siri):
    assert siri.put("/admin/employees/e-nordlys-10/extension", {"extension": "77"})[0] == 404


# ---------------------------------------------------------------- routing plan (A1, A2, A6)
def test_a_company_without_a_plan_reads_version_0(siri):
    status, body = siri.get("/admin/routing")
    assert status == 200 and body["version"] == 0 and body["plan"] is None


def test_an_employee_cannot_read_the_routing_plan(lars):
    assert lars.get("/admin/routing")[0] == 403


@pytest.mark.feature("A1", "A2")
def test_a_plan_is_saved_versioned_audited_and_a_stale_version_is_409(kari, ola, siri):
    _, current = kari.get("/admin/routing")
    status, saved = kari.put("/admin/routing", {"version": current["version"], "plan": NORDLYS_PLAN})
    assert status == 200, saved
    assert saved["version"] == current["version"] + 1 and saved["plan"]["main_number"] == "+4722123400"

    status, body = kari.put("/admin/routing", {"version": current["version"], "plan": NORDLYS_PLAN})
    assert status == 409 and "reload" in body["message"]

    assert ola.get("/admin/routing")[1]["version"] == saved["version"]  # department admins read
    assert ola.put("/admin/routing", {"version": saved["version"], "plan": NORDLYS_PLAN})[0] == 403
    assert siri.get("/admin/routing")[1]["plan"] is None  # tenant isolation
    _, audit = kari.get("/admin/audit?kind=routing.changed")
    assert audit["items"][0]["after"]["version"] == saved["version"]


@pytest.mark.feature("A2")
def test_an_invalid_plan_is_refused_with_a_message_naming_the_problem(kari):
    _, current = kari.get("/admin/routing")
    broken = {**NORDLYS_PLAN, "entry": {"open": {"kind": "menu", "target": "nope"}, "closed": {"kind": "voicemail"}}}
    status, body = kari.put("/admin/routing", {"version": current["version"], "plan": broken})
    assert status in (400, 422) and "nope" in body["message"]
    assert kari.get("/admin/routing")[1]["version"] == current["version"]


@pytest.mark.feature("A1")
def test_a_number_of_another_company_cannot_be_taken(kari, siri):
    _, current = kari.get("/admin/routing")
    if current["version"] == 0:
        current = kari.put("/admin/routing", {"version": 0, "plan": NORDLYS_PLAN})[1]
    theirs = {**NORDLYS_PLAN, "main_number": "+4722123400", "queues": {}, "direct_numbers": {}}
    theirs["menus"] = {}
    theirs["entry"] = {"open": {"kind": "voicemail"}, "closed": {"kind": "voicemail"}, "holiday": None}
    status, body = siri.put("/admin/routing", {"version": 0, "plan": theirs})
    assert status == 409 and "+4722123400" in body["message"], body


@pytest.mark.feature("A6")
def test_preview_on_17_may_says_holiday(kari):
    _, current = kari.get("/admin/routing")
    if current["version"] == 0:
        kari.put("/admin/routing", {"version": 0, "plan": NORDLYS_PLAN})
    status, body = kari.get("/admin/routing/preview?at=2027-05-17T10:00:00%2B02:00")
    assert status == 200 and body["reason"].startswith("holiday"), body
    status, body = kari.get("/admin/routing/preview?at=2027-05-18T10:00:00%2B02:00")
    assert body["reason"] == "open" and body["destination"] == {"kind": "menu", "target": "main"}


# ---------------------------------------------------------------- availability (A7, C3), softphone (A13)
@pytest.mark.feature("A7", "C3")
def test_availability_set_in_the_app_is_read_back_and_by_the_switchboard(lars, as_user, kari):
    status, body = lars.put("/me/availability", {"state": "busy", "note": "Kundemøte"})
    assert status == 200 and body["state"] == "busy" and body["source"] == "app"
    assert lars.get("/me/availability")[1]["state"] == "busy"
    switchboard = as_user("switchboard_agent")
    assert switchboard.get("/admin/employees/e-nordlys-04/availability")[1]["state"] == "busy"
    assert lars.put("/me/availability", {"state": "available"})[1]["state"] == "available"


@pytest.mark.feature("C3")
def test_an_unknown_availability_state_is_400(lars):
    status, body = lars.put("/me/availability", {"state": "sleeping"})
    assert status == 400 and "state" in body["message"]


@pytest.mark.feature("A7")
def test_a_colleague_of_another_company_is_404(siri):
    assert siri.get("/admin/employees/e-nordlys-04/availability")[0] == 404


@pytest.mark.feature("A13", "A10")
def test_a_softphone_is_registered_and_removed(lars, cloud):
    from skysentral.store.presence_repository import PresenceRepository

    status, body = lars.put("/me/softphone", {"sip_user": "lars.olsen"})
    assert status == 200 and body["softphone"] == "lars.olsen"
    assert PresenceRepository("c-nordlys").get("e-nordlys-04").softphone_uri == "lars.olsen"
    assert lars.delete("/me/softphone")[0] == 204
    assert PresenceRepository("c-nordlys").get("e-nordlys-04").softphone_uri is None
    assert lars.put("/me/softphone", {"sip_user": "sip:bad user"})[0] == 400


@pytest.mark.feature("A13")
def test_a_sip_user_registered_to_someone_else_is_409(lars, as_user):
    assert lars.put("/me/softphone", {"sip_user": "delt.telefon"})[0] == 200
    colleague = as_user("switchboard_agent")
    status, body = colleague.put("/me/softphone", {"sip_user": "delt.telefon"})
    assert status == 409 and body["error"] == "sip_user_taken"
    assert lars.delete("/me/softphone")[0] == 204
    assert colleague.put("/me/softphone", {"sip_user": "delt.telefon"})[0] == 200  # free once Lars let it go
    assert colleague.delete("/me/softphone")[0] == 204


@pytest.mark.feature("A8")
def test_availability_shows_whether_the_person_is_in_a_call_now(lars, cloud):
    from datetime import UTC, datetime, timedelta

    from skysentral.adapters import call_event_bus
    from skysentral.domain.pbx.call_events import CallEvent

    assert lars.get("/me/availability")[1]["mobile_status"]["state"] == "idle"
    # GIVEN a call to Lars was answered just now (call control publishes the events). The
    # times are the present: a change older than the last one seen is ignored (A8), and
    # other tests' simulated calls to Lars happen at the real time of the run.
    now = datetime.now(UTC)

    def at(seconds: int) -> str:
        return (now + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    common = {"company_id": "c-nordlys", "call_id": "txn-a8", "caller": "+4798000001", "called": "+4791200004"}
    call_event_bus.publish(
        [
            CallEvent("txn-a8#1#0", "INCOMING", at=at(0), **common),
            CallEvent("txn-a8#2#0", "ANSWERED", at=at(1), employee_id="e-nordlys-04", **common),
        ]
    )
    cloud.drain()
    # THEN his availability says he is in a call, until it ends
    assert lars.get("/me/availability")[1]["mobile_status"]["state"] == "in_call"
    call_event_bus.publish([CallEvent("txn-a8#3#0", "HANGUP", at=at(2), employee_id="e-nordlys-04", **common)])
    cloud.drain()
    assert lars.get("/me/availability")[1]["mobile_status"]["state"] == "idle"


@pytest.mark.feature("A7")
def test_a_calendar_entry_from_graph_reaches_presence_and_makes_the_person_in_meeting(kari, lars, cloud, gateway):
    """The stand-in serves Lars's calendar; the scheduled sync (the real adapter, token and
    calendarView) stores it; GET /me/availability says in_meeting."""
    import json
    import urllib.request
    from datetime import UTC, datetime, timedelta

    from skysentral.store.presence_repository import PresenceRepository

    now = datetime.now(UTC).replace(microsecond=0)
    entry = {
        "subject": "Budsjettmøte",
        "start": (now - timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
        "end": (now + timedelta(minutes=50)).isoformat().replace("+00:00", "Z"),
        "showAs": "busy",
    }
    request = urllib.request.Request(
        f"{gateway}/_local/calendar/lars.olsen@nordlys.no", data=json.dumps([entry]).encode(), method="POST"
    )
    assert urllib.request.urlopen(request, timeout=10).status == 200
    assert kari.put("/admin/calendar-sync", {"enabled": True})[1] == {"enabled": True}

    result = cloud.invoke("CalendarSyncFunction", {"scheduled_time": now.isoformat()})
    assert result["calendars"] >= 1, result
    stored = PresenceRepository("c-nordlys").get("e-nordlys-04").calendar
    assert [e["subject"] for e in stored] == ["Budsjettmøte"] and stored[0]["show_as"] == "busy"
    assert lars.get("/me/availability")[1]["state"] == "in_meeting"


# ---------------------------------------------------------------- click-to-dial (A12), meetings (A11, C9)
@pytest.mark.feature("A12")
def test_click_to_dial_to_something_that_is_no_number_is_400(lars):
    status, body = lars.post("/me/calls/dial", {"contact": "ring meg"})
    assert status == 400 and "contact" in body["message"]


@pytest.mark.feature("A11", "C9")
def test_a_meeting_of_31_people_is_422(lars):
    numbers = [f"+479300{i:04d}" for i in range(30)]
    status, body = lars.post("/me/meetings", {"title": "For mange", "participants": numbers})
    assert status == 422 and "30" in body["message"]


@pytest.mark.feature("A11")
def test_someone_elses_meeting_is_404(lars):
    assert lars.get("/me/meetings/m-does-not-exist")[0] == 404


@pytest.mark.feature("A9", "A12")
def test_click_to_dial_to_a_barred_destination_is_403_and_nothing_rings(kari, lars, cloud):
    from infra.local import telephony

    calls_before = len(telephony.standin().txns)
    assert kari.put("/admin/subscriptions/s-nordlys-04/barring", {"categories": ["international"]})[0] == 200
    try:
        status, body = lars.post("/me/calls/dial", {"contact": "+4420 7946 0000"})
        assert status == 403 and body["error"] == "call_barred" and "international" in body["message"]
        assert len(telephony.standin().txns) == calls_before
    finally:
        kari.put("/admin/subscriptions/s-nordlys-04/barring", {"categories": []})
