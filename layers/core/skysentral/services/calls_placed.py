"""Calls the product places for a user (A11, A12, C9): click-to-dial and phone meetings on
the personal conference bridge. The voice adapter (adapters.chime_voice: create_call,
create_meeting, create_attendee, delete_meeting) is a parameter; tests pass a recording fake.

Click-to-dial (A12): CreateSipMediaApplicationCall from the company's main number to the
user's mobile with {"op": "click_to_dial", …}; call control bridges to the contact when the
user answers (docs/pbx.md). Barring (A9) is checked here, before anything rings.

Meetings (A11, C9): a Chime SDK meeting, an attendee per participant (the owner included),
and a dial-out per participant except the owner. The owner's personal bridge is dial-in:
the company's main number, then the meeting's 6-digit PIN (the main menu's extension
dialling reads it), which call control resolves through the
`<company>#MEETINGPIN`/`<pin>` item written here (docs/routing-admin.md)."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from skysentral.domain import organisation
from skysentral.domain.errors import Forbidden, InvalidInput, NotFound, Unprocessable
from skysentral.store import call_repository
from skysentral.store.directory_repository import Directory, new_id
from skysentral.store.models import _Calls

MAX_MEETING_PEOPLE = 30  # A11: phone meetings of up to 30 participants, the owner included
MEETING_TTL = timedelta(days=2)


class Voice(Protocol):
    def create_call(self, from_number: str, to_number: str, arguments: dict[str, Any]) -> str: ...

    def create_meeting(self, external_id: str, media_region: str | None = None) -> dict[str, Any]: ...

    def create_attendee(self, meeting_id: str, external_user_id: str) -> dict[str, Any]: ...

    def delete_meeting(self, meeting_id: str) -> None: ...


def default_voice() -> Voice:
    from skysentral.adapters import chime_voice

    return chime_voice  # type: ignore[return-value,unused-ignore]


class CallBarred(Forbidden):
    code = "call_barred"


# ---------------------------------------------------------------- A12 click-to-dial
def _contact_number(directory: Directory, contact: str) -> str:
    """An E.164 number (national form accepted), a colleague's extension, or an employee id."""
    contact = contact.strip()
    employees = directory.employees()
    for e in employees:
        if contact in (e.employee_id, e.extension):
            if not e.mobile:
                raise Unprocessable(f"{e.name} has no phone number to call.", code="no_number")
            return e.mobile
    try:
        return organisation.to_e164(contact)
    except InvalidInput:
        raise InvalidInput(
            f"contact {contact!r} is neither a phone number, an extension nor an employee.", code="invalid_contact"
        ) from None


def click_to_dial(directory: Directory, employee_id: str, contact: str, voice: Voice | None = None) -> dict[str, Any]:
    """A12: ring me first (on my mobile, shown as the main number), then the contact."""
    voice = voice or default_voice()
    me = directory.employee(employee_id)
    if not me.mobile:
        raise Unprocessable("You have no mobile number to be rung first.", code="no_mobile")
    number = _contact_number(directory, contact)
    raw = call_repository.barring_settings(directory.company_id, employee_id)
    if raw:
        from skysentral.domain.pbx.barring import BarringSettings, barred_reason

        settings = BarringSettings(frozenset(raw.get("categories") or ()), tuple(raw.get("chosen_prefixes") or ()))
        reason = barred_reason(settings, number, False)
        if reason:
            raise CallBarred(f"Calls to {number} are barred on your subscription ({reason}).")
    main = directory.company().main_number
    txn = voice.create_call(
        main,
        me.mobile,
        {"op": "click_to_dial", "employee_id": employee_id, "contact": number, "company_id": directory.company_id},
    )
    return {"transaction_id": txn, "contact": number, "rings_first": me.mobile}


# ---------------------------------------------------------------- A11, C9 meetings
class MeetingItem(_Calls):
    """pk = <company>#MEETING, sk = <meeting id> (the Chime SDK MeetingId)."""

    owner = UnicodeAttribute()
    title = UnicodeAttribute()
    created_at = UnicodeAttribute()
    pin = UnicodeAttribute()
    status = UnicodeAttribute(default="active")
    participants = JSONAttribute(default=list)  # [{"number","attendee_id","transaction_id","state"}]


class MeetingPinItem(_Calls):
    """pk = <company>#MEETINGPIN, sk = <pin>: dial-in (main number, then the PIN) → the meeting."""

    meeting_id = UnicodeAttribute()
    join_token = UnicodeAttribute(null=True)  # the owner's attendee: call control joins them with it


def meeting_by_pin(company_id: str, pin: str) -> tuple[str, str] | None:
    """(meeting id, the owner's JoinToken) of the company's meeting with this dial-in PIN."""
    try:
        item = MeetingPinItem.get(f"{company_id}#MEETINGPIN", pin)
    except DoesNotExist:
        return None
    return (item.meeting_id, item.join_token) if item.join_token else None


@dataclass(frozen=True)
class _Participant:
    number: str
    is_owner: bool


def _participants(directory: Directory, owner_mobile: str | None, numbers: list[str]) -> list[_Participant]:
    people = [_Participant(owner_mobile or "", True)]
    seen = {owner_mobile}
    for raw in numbers:
        number = organisation.to_e164(raw)
        if number in seen:
            continue
        seen.add(number)
        people.append(_Participant(number, False))
    if len(people) > MAX_MEETING_PEOPLE:
        raise Unprocessable(
            f"A phone meeting has at most {MAX_MEETING_PEOPLE} participants including you; this one has {len(people)}.",
            code="too_many_participants",
        )
    return people


def _meeting_view(item: MeetingItem) -> dict[str, Any]:
    return {
        "meeting_id": item.sk,
        "title": item.title,
        "owner": item.owner,
        "created_at": item.created_at,
        "status": item.status,
        "dial_in": {"pin": item.pin},
        "participants": item.participants,
    }


def create_meeting(
    directory: Directory, employee_id: str, title: str, numbers: list[str], now: datetime, voice: Voice | None = None
) -> dict[str, Any]:
    """A11/C9: set up a phone meeting and dial every participant out; the owner dials in
    (main number + PIN) or is rung by the app."""
    voice = voice or default_voice()
    me = directory.employee(employee_id)
    people = _participants(directory, me.mobile, numbers)
    company = directory.company()
    meeting = voice.create_meeting(new_id("mtg"))
    meeting_id = meeting["MeetingId"]
    pin = f"{secrets.randbelow(10**6):06d}"
    participants: list[dict[str, Any]] = []
    owner_token: str | None = None
    for person in people:
        attendee = voice.create_attendee(meeting_id, employee_id if person.is_owner else person.number)
        if person.is_owner:
            owner_token = attendee["JoinToken"]
        entry = {
            "number": person.number,
            "owner": person.is_owner,
            "attendee_id": attendee["AttendeeId"],
            "transaction_id": None,
            "state": "dial_in" if person.is_owner else "dialling",
        }
        if not person.is_owner:
            entry["transaction_id"] = voice.create_call(
                company.main_number,
                person.number,
                {
                    "op": "meeting",
                    "meeting_id": meeting_id,
                    "attendee_token": attendee["JoinToken"],
                    "company_id": directory.company_id,
                },
            )
        participants.append(entry)
    expires = int((now + MEETING_TTL).timestamp())
    item = MeetingItem(
        f"{directory.company_id}#MEETING",
        meeting_id,
        owner=employee_id,
        title=title,
        created_at=now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        pin=pin,
        participants=participants,
        expires_at=expires,
    )
    item.save()
    MeetingPinItem(
        f"{directory.company_id}#MEETINGPIN", pin, meeting_id=meeting_id, join_token=owner_token, expires_at=expires
    ).save()
    return {**_meeting_view(item), "dial_in": {"number": company.main_number, "pin": pin}}


def _my_meeting(directory: Directory, employee_id: str, meeting_id: str) -> MeetingItem:
    try:
        item = MeetingItem.get(f"{directory.company_id}#MEETING", meeting_id)
    except DoesNotExist:
        raise NotFound(f"No meeting {meeting_id}.") from None
    if item.owner != employee_id:
        raise NotFound(f"No meeting {meeting_id}.")
    return item


def get_meeting(directory: Directory, employee_id: str, meeting_id: str) -> dict[str, Any]:
    item = _my_meeting(directory, employee_id, meeting_id)
    return {**_meeting_view(item), "dial_in": {"number": directory.company().main_number, "pin": item.pin}}


def end_meeting(directory: Directory, employee_id: str, meeting_id: str, voice: Voice | None = None) -> None:
    """Ends the meeting for everyone (DeleteMeeting drops every leg joined to it)."""
    voice = voice or default_voice()
    item = _my_meeting(directory, employee_id, meeting_id)
    voice.delete_meeting(meeting_id)
    item.update(actions=[MeetingItem.status.set("ended")])
    with contextlib.suppress(DoesNotExist):
        MeetingPinItem.get(f"{directory.company_id}#MEETINGPIN", item.pin).delete()
