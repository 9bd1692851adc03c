"""The web switchboard's API (B1-B6, C1, C5): live queues, call handling, notes, the directory,
SMS, e-mail, statistics, profile photos. Thin: parse, authorise, call one service function."""

from chalice import Response

from skysentral import clock
from skysentral.api.http import Api, json_response
from skysentral.api.switchboard_requests import (
    AgentStatsQuery,
    ContactSave,
    DirectorySearch,
    EmailSend,
    NewNote,
    PhotoUploaded,
    QueueStatsQuery,
    SmsLogPage,
    SmsSend,
    StaffingQuery,
)
from skysentral.domain.calendar import OSLO
from skysentral.domain.identity import ADMINS, EVERYONE, SWITCHBOARD_AGENT
from skysentral.services import (
    call_notes,
    call_statistics,
    directory_search,
    external_contacts,
    profile_photos,
    sms_centre,
    switchboard_email,
    switchboard_view,
)

api = Api("skysentral-switchboard")
app = api.app

SWITCHBOARD = ADMINS | {SWITCHBOARD_AGENT}


# ---------------------------------------------------------------- live view, call path and notes (B1, B2, B3)
@api.route(
    "/switchboard/live",
    "GET",
    roles=SWITCHBOARD,
    errors=(403,),
    headers={"If-None-Match": "the ETag of the view the page has: 304 while it is still current"},
)
def get_live(identity, directory):
    """B1/B3: queues with waiting calls (wait, colour), calls on hold, agents, alerts; ETag."""
    status, view, tag = switchboard_view.live(
        directory.company_id, clock.now(), api.app.current_request.headers.get("if-none-match")
    )
    if status == 304:
        return Response(body="", status_code=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
    return json_response(200, view, {"ETag": tag, "Cache-Control": "no-cache"})


@api.route("/switchboard/calls/{call_id}", "GET", roles=SWITCHBOARD, errors=(403, 404))
def get_switchboard_call(identity, directory, call_id):
    """B2: a call's path, where it is now, the caller, earlier calls with the number and notes."""
    return call_notes.call_view(directory, call_id, clock.now())


@api.route(
    "/switchboard/calls/{call_id}/notes", "POST", roles=SWITCHBOARD, body=NewNote, status=201, errors=(400, 403, 404)
)
def post_switchboard_note(identity, directory, body, call_id):
    """B2: add a note to a call (kept with the caller's number for their next calls)."""
    return call_notes.add_note(identity, directory, call_id, body.text, clock.now())


# ---------------------------------------------------------------- directory (B4, C5, C1)
@api.route("/directory", "GET", roles=EVERYONE, query=DirectorySearch, errors=(400, 404))
def get_directory(identity, directory, query):
    """B4/C5: employees and external contacts by name, number, extension or department."""
    return directory_search.search(directory, query.q, query.department_id, query.kind, query.limit, clock.now())


@api.route("/switchboard/contacts", "GET", roles=SWITCHBOARD)
def list_contacts(identity, directory):
    """B4: the company's external contacts, in alphabetical order."""
    return external_contacts.list_contacts(directory)


@api.route("/switchboard/contacts", "POST", roles=SWITCHBOARD, body=ContactSave, status=201, errors=(400, 403, 409))
def create_contact(identity, directory, body):
    """B4: add an external contact (numbers in E.164); audited."""
    return external_contacts.create_contact(
        identity, directory, body.name, body.organisation, dict(body.numbers), body.email, body.note
    )


@api.route(
    "/switchboard/contacts/{contact_id}", "PUT", roles=SWITCHBOARD, body=ContactSave, errors=(400, 403, 404, 409)
)
def put_contact(identity, directory, body, contact_id):
    """B4: replace an external contact; audited."""
    return external_contacts.change_contact(
        identity, directory, contact_id, body.name, body.organisation, dict(body.numbers), body.email, body.note
    )


@api.route("/switchboard/contacts/{contact_id}", "DELETE", roles=SWITCHBOARD, status=204, errors=(403, 404, 409))
def delete_contact(identity, directory, contact_id):
    """B4: remove an external contact; audited."""
    external_contacts.delete_contact(identity, directory, contact_id)
    return None


@api.route("/switchboard/email", "POST", roles=SWITCHBOARD, body=EmailSend, status=202, errors=(400, 403, 404, 422))
def send_email(identity, directory, body):
    """B4: e-mail an employee, an external contact or an address (SES)."""
    to = body.to
    return switchboard_email.send(
        identity, directory, to.employee_id, to.contact_id, to.address, body.subject, body.text
    )


@api.route("/me/photo/upload", "POST", roles=EVERYONE, errors=(404,))
def start_photo_upload(identity, directory):
    """C1: a presigned S3 POST for my new photo (at most 10 MB)."""
    return profile_photos.start_upload(identity, directory)


@api.route("/me/photo", "GET", roles=EVERYONE, errors=(404,))
def get_photo(identity, directory):
    """C1: my photo's URLs (256 px and 64 px)."""
    return profile_photos.my_photo(identity, directory)


@api.route("/me/photo", "POST", roles=EVERYONE, body=PhotoUploaded, errors=(400, 404, 409, 422))
def finish_photo_upload(identity, directory, body):
    """C1: check the uploaded file and make it my photo; 422 invalid_photo with the reason."""
    return profile_photos.finish_upload(identity, directory, body.upload_id, clock.now())


@api.route("/me/photo", "DELETE", roles=EVERYONE, status=204, errors=(409,))
def delete_photo(identity, directory):
    """C1: remove my photo."""
    profile_photos.delete_photo(identity, directory, clock.now())
    return None


# ---------------------------------------------------------------- SMS centre (B5)
@api.route(
    "/switchboard/sms",
    "POST",
    roles=SWITCHBOARD,
    body=SmsSend,
    status=202,
    errors=(400, 403, 404, 429),
)
def send_sms(identity, directory, body):
    """B5: an SMS to numbers, employees, contacts and departments (each number once); rate-limited per company."""
    recipients = [r.model_dump(exclude_none=True) for r in body.recipients]
    return sms_centre.send(identity, directory, recipients, body.text, clock.now())


@api.route("/switchboard/sms", "GET", roles=SWITCHBOARD, query=SmsLogPage, errors=(400, 403))
def list_sms(identity, directory, query):
    """B5: the company's SMS log, newest first (cursor paging)."""
    return sms_centre.log(directory, query.limit, query.cursor)


@api.route("/switchboard/sms/{batch_id}", "GET", roles=SWITCHBOARD, errors=(403, 404))
def get_sms(identity, directory, batch_id):
    """B5: one SMS batch: who sent what, and each recipient's status (queued, sent, delivered, failed)."""
    return sms_centre.batch(directory, batch_id)


# ---------------------------------------------------------------- statistics (B6)
def _days(query):
    first = query.date_from or clock.now().astimezone(OSLO).date()
    return first, query.date_to or first


@api.route("/switchboard/stats/queues", "GET", roles=SWITCHBOARD, query=QueueStatsQuery, errors=(400, 403, 404))
def get_queue_stats(identity, query):
    """B6: per queue and interval: offered, answered, abandoned, callbacks, service level, ASA, AHT."""
    first, last = _days(query)
    return call_statistics.queue_stats(identity.company_id, first, last, query.grain, query.queue_id, query.definition)


@api.route("/switchboard/stats/agents", "GET", roles=SWITCHBOARD, query=AgentStatsQuery, errors=(400, 403, 404))
def get_agent_stats(identity, query):
    """B6: per agent and interval: offered, answered, missed, talk and logged-in time, occupancy."""
    first, last = _days(query)
    return call_statistics.agent_stats(identity.company_id, first, last, query.grain, query.employee_id, clock.now())


@api.route("/switchboard/stats/realtime", "GET", roles=SWITCHBOARD, errors=(403,))
def get_realtime_stats(identity):
    """B6: per queue now: waiting, oldest wait, agents online/available/on call/wrap-up, today's figures."""
    return call_statistics.realtime(identity.company_id, clock.now())


@api.route("/switchboard/staffing", "GET", roles=SWITCHBOARD, query=StaffingQuery, errors=(400, 403, 404))
def get_staffing(identity, query):
    """B6: Erlang C agents and staff per opening-hours interval, from the last 4 weeks' counters."""
    day = query.day or clock.now().astimezone(OSLO).date()
    return call_statistics.staffing(
        identity.company_id,
        query.queue_id,
        day,
        query.target,
        query.target_s,
        query.shrinkage,
        query.interval_minutes,
    )
