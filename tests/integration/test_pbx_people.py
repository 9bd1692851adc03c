"""The people features' services against the emulator's tables, with the voice adapter, the
agent store, the event bus and the dispatcher replaced by recording fakes (the Chime stand-in
and call control's agent repository come from other branches): A4, A11, A12, C4, C9."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


class FakeVoice:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.attendees: list[tuple[str, str]] = []
        self.meetings: list[str] = []
        self.deleted: list[str] = []

    def create_call(self, from_number, to_number, arguments):
        self.calls.append((from_number, to_number, dict(arguments)))
        return f"txn-{len(self.calls)}"

    def create_meeting(self, external_id, media_region=None):
        self.meetings.append(external_id)
        return {"MeetingId": f"m-{external_id}"}

    def create_attendee(self, meeting_id, external_user_id):
        n = len(self.attendees)
        self.attendees.append((meeting_id, external_user_id))
        return {"AttendeeId": f"a-{n}", "JoinToken": f"token-{n}"}

    def delete_meeting(self, meeting_id):
        self.deleted.append(meeting_id)


class FakeAgents:
    def __init__(self) -> None:
        self.logged_in: dict[str, set[str]] = {}

    def log_in(self, company_id, employee_id, queue_ids):
        self.logged_in.setdefault(employee_id, set()).update(queue_ids)

    def log_out(self, company_id, employee_id, queue_ids):
        self.logged_in.setdefault(employee_id, set()).difference_update(queue_ids)

    def agents(self, company_id):
        return [{"employee_id": e, "logged_in_queues": sorted(q)} for e, q in self.logged_in.items()]


def _numbers(n: int) -> list[str]:
    return [f"+479300{i:04d}" for i in range(n)]


@pytest.mark.feature("A11", "C9")
def test_a_30_person_meeting_creates_30_attendees_and_dials_29(cloud, company):
    from skysentral.services import calls_placed
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5"])
    voice = FakeVoice()
    meeting = calls_placed.create_meeting(Directory(cid), "e-0", "Styremøte", _numbers(29), NOW, voice=voice)

    assert len(voice.attendees) == 30
    assert len(voice.calls) == 29
    assert {c[2]["op"] for c in voice.calls} == {"meeting"}
    assert all(c[0] == "+4722000000" and c[2]["meeting_id"] == meeting["meeting_id"] for c in voice.calls)
    assert len({c[2]["attendee_token"] for c in voice.calls}) == 29  # each leg joins as its own attendee
    assert meeting["dial_in"]["number"] == "+4722000000" and len(meeting["dial_in"]["pin"]) == 6
    again = calls_placed.get_meeting(Directory(cid), "e-0", meeting["meeting_id"])
    assert len(again["participants"]) == 30 and again["status"] == "active"


@pytest.mark.feature("A11", "C9")
def test_a_31_person_meeting_is_refused_before_anything_is_created(cloud, company):
    from skysentral.domain.errors import Unprocessable
    from skysentral.services import calls_placed
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5"])
    voice = FakeVoice()
    with pytest.raises(Unprocessable, match="at most 30"):
        calls_placed.create_meeting(Directory(cid), "e-0", "For mange", _numbers(30), NOW, voice=voice)
    assert voice.meetings == [] and voice.calls == []


@pytest.mark.feature("A11")
def test_only_the_owner_sees_and_ends_a_meeting(cloud, company):
    from skysentral.domain.errors import NotFound
    from skysentral.services import calls_placed
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5", "BEDRIFT_5"])
    voice = FakeVoice()
    meeting = calls_placed.create_meeting(Directory(cid), "e-0", "Team", _numbers(2), NOW, voice=voice)
    with pytest.raises(NotFound):
        calls_placed.get_meeting(Directory(cid), "e-1", meeting["meeting_id"])
    with pytest.raises(NotFound):
        calls_placed.end_meeting(Directory(cid), "e-1", meeting["meeting_id"], voice=voice)
    calls_placed.end_meeting(Directory(cid), "e-0", meeting["meeting_id"], voice=voice)
    assert voice.deleted == [meeting["meeting_id"]]
    assert calls_placed.get_meeting(Directory(cid), "e-0", meeting["meeting_id"])["status"] == "ended"


@pytest.mark.feature("A12")
def test_click_to_dial_rings_the_user_first_from_the_main_number(cloud, company):
    from skysentral.services import calls_placed
    from skysentral.store.directory_repository import Directory

    cid, subs = company(["BEDRIFT_5"])
    voice = FakeVoice()
    placed = calls_placed.click_to_dial(Directory(cid), "e-0", "22 33 44 55", voice=voice)

    assert placed["transaction_id"] == "txn-1" and placed["contact"] == "+4722334455"
    assert voice.calls == [
        (
            "+4722000000",
            subs[0].msisdn,
            {"op": "click_to_dial", "employee_id": "e-0", "contact": "+4722334455", "company_id": cid},
        )
    ]


@pytest.mark.feature("A12")
def test_click_to_dial_to_a_colleague_by_id_calls_their_mobile(cloud, company):
    from skysentral.services import calls_placed
    from skysentral.store.directory_repository import Directory

    cid, subs = company(["BEDRIFT_5", "BEDRIFT_5"])
    voice = FakeVoice()
    calls_placed.click_to_dial(Directory(cid), "e-0", "e-1", voice=voice)
    assert voice.calls[0][2]["contact"] == subs[1].msisdn


@pytest.mark.feature("A12")
def test_click_to_dial_to_nonsense_is_refused_and_nothing_rings(cloud, company):
    from skysentral.domain.errors import InvalidInput
    from skysentral.services import calls_placed
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5"])
    voice = FakeVoice()
    with pytest.raises(InvalidInput, match="neither a phone number"):
        calls_placed.click_to_dial(Directory(cid), "e-0", "ring meg", voice=voice)
    assert voice.calls == []


def _save_plan(cid: str, queues: dict[str, list[str]]) -> None:
    from skysentral.store.models import RoutingPlanItem

    plan = {
        "main_number": "+4722000000",
        "queues": {
            q: {
                "name": q.title(),
                "strategy": "rrmemory",
                "members": [{"employee_id": e, "penalty": 0} for e in members],
            }
            for q, members in queues.items()
        },
    }
    RoutingPlanItem(cid, "ROUTING", plan=plan, version=1).save()


@pytest.mark.feature("A4", "C4")
def test_logging_in_to_exactly_some_queues_emits_events_and_asks_for_dispatch(cloud, company):
    from skysentral.services import agent_logins
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5", "BEDRIFT_5"])
    _save_plan(cid, {"support": ["e-0", "e-1"], "salg": ["e-0"], "lager": ["e-1"]})
    agents, events, dispatched = FakeAgents(), [], []
    kw = {"agents": agents, "publish": events.extend, "dispatch": lambda c, q, r: dispatched.append((c, q, r))}

    view = agent_logins.set_my_queues(Directory(cid), "e-0", ["support", "salg"], NOW, **kw)
    assert {i["queue_id"]: i["logged_in"] for i in view["items"]} == {"salg": True, "support": True}
    assert sorted((e.kind, e.queue_id) for e in events) == [("AGENTLOGIN", "salg"), ("AGENTLOGIN", "support")]
    assert sorted(q for _, q, _ in dispatched) == ["salg", "support"]

    events.clear()
    view = agent_logins.set_my_queues(Directory(cid), "e-0", ["salg"], NOW, **kw)
    assert {i["queue_id"]: i["logged_in"] for i in view["items"]} == {"salg": True, "support": False}
    assert [(e.kind, e.queue_id, e.employee_id) for e in events] == [("AGENTLOGOFF", "support", "e-0")]
    assert agents.logged_in["e-0"] == {"salg"}


@pytest.mark.feature("A4", "C4")
def test_an_employee_cannot_log_in_to_a_queue_they_are_not_a_member_of(cloud, company):
    from skysentral.domain.errors import Forbidden
    from skysentral.services import agent_logins
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5", "BEDRIFT_5"])
    _save_plan(cid, {"support": ["e-0"], "lager": ["e-1"]})
    agents, events = FakeAgents(), []
    with pytest.raises(Forbidden, match="lager"):
        agent_logins.set_my_queues(
            Directory(cid), "e-0", ["lager"], NOW, agents=agents, publish=events.extend, dispatch=lambda *a: None
        )
    assert agents.logged_in == {} and events == []


@pytest.mark.feature("A4")
def test_an_administrator_logs_a_colleague_out_of_one_queue_only(cloud, company):
    from skysentral.domain.errors import NotFound
    from skysentral.services import agent_logins
    from skysentral.store.directory_repository import Directory

    cid, _ = company(["BEDRIFT_5"])
    _save_plan(cid, {"support": ["e-0"], "salg": ["e-0"]})
    agents, events = FakeAgents(), []
    agents.logged_in["e-0"] = {"support", "salg"}
    result = agent_logins.set_agent(
        Directory(cid), "support", "e-0", False, NOW, agents=agents, publish=events.extend, dispatch=lambda *a: None
    )
    assert result == {"queue_id": "support", "employee_id": "e-0", "logged_in": False}
    assert agents.logged_in["e-0"] == {"salg"} and [e.kind for e in events] == ["AGENTLOGOFF"]
    with pytest.raises(NotFound):
        agent_logins.set_agent(Directory(cid), "nope", "e-0", True, NOW, agents=agents, publish=events.extend)
