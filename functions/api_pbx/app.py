"""The cloud PBX's administration and people API (A1-A7, A10-A13, C3, C4, C9): the routing
plan, extensions, agents' queue logins, availability, softphone, click-to-dial, meetings.
Thin: parse, authorise, call one service function."""

from skysentral import clock
from skysentral.api.http import Api
from skysentral.api.pbx_requests import (
    AgentLogin,
    AvailabilityChange,
    CalendarSync,
    Dial,
    ExtensionChange,
    NewMeeting,
    QueueChoice,
    RoutingPlanSave,
    RoutingPreview,
    SoftphoneRegistration,
)
from skysentral.domain.identity import ADMINS, COMPANY_ADMIN, EVERYONE, SWITCHBOARD_AGENT
from skysentral.services import agent_logins, availability, calls_placed, routing_admin

api = Api("skysentral-pbx")
app = api.app

ADMIN_ONLY = frozenset({COMPANY_ADMIN})
ADMINS_AND_SWITCHBOARD = ADMINS | {SWITCHBOARD_AGENT}


# ---------------------------------------------------------------- routing plan (A1-A6)
@api.route("/admin/routing", "GET", roles=ADMINS)
def get_routing(identity, directory):
    """The company's routing plan and its version (department admins read it)."""
    return routing_admin.get_routing(directory)


@api.route("/admin/routing", "PUT", roles=ADMIN_ONLY, body=RoutingPlanSave, errors=(400, 403, 409))
def put_routing(identity, directory, body):
    """Save the whole plan: validated, version-checked (stale → 409), numbers registered, audited."""
    return routing_admin.save_routing(identity, directory, body.plan, body.version, clock.now())


@api.route("/admin/routing/preview", "GET", roles=ADMINS, query=RoutingPreview, errors=(400, 404))
def preview_routing(identity, directory, query):
    """A6: which entry destination applies at `at`, and why (open, closed, holiday, exception)."""
    return routing_admin.preview(directory, query.at)


@api.route(
    "/admin/employees/{employee_id}/extension",
    "PUT",
    roles=ADMINS,
    body=ExtensionChange,
    errors=(400, 403, 404, 409),
)
def put_extension(identity, directory, body, employee_id):
    """A1: set or remove an employee's extension (2-6 digits, unique); audited."""
    return routing_admin.set_extension(identity, directory, employee_id, body.extension)


@api.route("/admin/calendar-sync", "GET", roles=ADMINS)
def get_calendar_sync(identity, directory):
    """A7: whether Microsoft 365 calendars steer availability."""
    return routing_admin.get_calendar_sync(directory)


@api.route("/admin/calendar-sync", "PUT", roles=ADMIN_ONLY, body=CalendarSync, errors=(400,))
def put_calendar_sync(identity, directory, body):
    """A7: switch the Microsoft 365 calendar sync on or off; audited."""
    return routing_admin.set_calendar_sync(identity, directory, body.enabled)


# ---------------------------------------------------------------- agents (A4, C4)
@api.route("/me/queues", "GET", roles=EVERYONE)
def get_my_queues(identity, directory):
    """C4: the queues I am a member of and whether I am logged in."""
    return agent_logins.my_queues(directory, identity.user_id)


@api.route("/me/queues", "PUT", roles=EVERYONE, body=QueueChoice, errors=(400, 403))
def put_my_queues(identity, directory, body):
    """C4: log in to exactly these queues and out of the others."""
    return agent_logins.set_my_queues(directory, identity.user_id, body.queue_ids, clock.now())


@api.route(
    "/admin/queues/{queue_id}/agents/{employee_id}",
    "PUT",
    roles=ADMINS_AND_SWITCHBOARD,
    body=AgentLogin,
    errors=(400, 403, 404),
)
def put_agent(identity, directory, body, queue_id, employee_id):
    """A4/B3: log a colleague in to or out of a queue."""
    return agent_logins.set_agent(directory, queue_id, employee_id, body.logged_in, clock.now())


# ---------------------------------------------------------------- availability (A7, C3), softphone (A13)
@api.route("/me/availability", "GET", roles=EVERYONE)
def get_my_availability(identity, directory):
    """A7: my effective availability, its source and my next calendar entry."""
    return availability.availability_of(directory, identity.user_id, clock.now())


@api.route("/me/availability", "PUT", roles=EVERYONE, body=AvailabilityChange, errors=(400,))
def put_my_availability(identity, directory, body):
    """C3: set my availability (optionally until a time); `available` clears it."""
    return availability.set_my_availability(directory, identity.user_id, body.state, body.until, body.note, clock.now())


@api.route("/admin/employees/{employee_id}/availability", "GET", roles=ADMINS_AND_SWITCHBOARD, errors=(403, 404))
def get_colleague_availability(identity, directory, employee_id):
    """A7/B4: a colleague's availability (administrators and the switchboard)."""
    return availability.colleague_availability(identity, directory, employee_id, clock.now())


@api.route("/me/softphone", "PUT", roles=EVERYONE, body=SoftphoneRegistration, errors=(400, 409))
def put_softphone(identity, directory, body):
    """A13: register my softphone's SIP user; calls to me ring it and my mobile (A10)."""
    return availability.set_softphone(directory, identity.user_id, body.sip_user)


@api.route("/me/softphone", "DELETE", roles=EVERYONE, status=204)
def delete_softphone(identity, directory):
    """A13: remove my softphone."""
    availability.set_softphone(directory, identity.user_id, None)
    return None


# ---------------------------------------------------------------- click-to-dial (A12), meetings (A11, C9)
@api.route("/me/calls/dial", "POST", roles=EVERYONE, body=Dial, status=202, errors=(400, 403, 404, 422))
def dial(identity, directory, body):
    """A12: ring me first, then the contact (barring A9 applies)."""
    return calls_placed.click_to_dial(directory, identity.user_id, body.contact)


@api.route("/me/meetings", "POST", roles=EVERYONE, body=NewMeeting, status=201, errors=(400, 422))
def create_meeting(identity, directory, body):
    """A11/C9: a phone meeting of up to 30 people; everyone but me is dialled out."""
    return calls_placed.create_meeting(directory, identity.user_id, body.title, body.participants, clock.now())


@api.route("/me/meetings/{meeting_id}", "GET", roles=EVERYONE, errors=(404,))
def get_meeting(identity, directory, meeting_id):
    """A11: a meeting of mine, its dial-in and its participants."""
    return calls_placed.get_meeting(directory, identity.user_id, meeting_id)


@api.route("/me/meetings/{meeting_id}", "DELETE", roles=EVERYONE, status=204, errors=(404,))
def end_meeting(identity, directory, meeting_id):
    """A11: end a meeting of mine for everyone."""
    calls_placed.end_meeting(directory, identity.user_id, meeting_id)
    return None
