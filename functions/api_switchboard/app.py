"""The web switchboard's API (B1-B6, C1, C5): live queues, call handling, directory, SMS
centre, statistics. Thin: parse, authorise, call one service function."""

from chalice import Response

from skysentral import clock
from skysentral.api.http import Api, json_response
from skysentral.api.switchboard_requests import NewNote
from skysentral.domain.identity import ADMINS, SWITCHBOARD_AGENT
from skysentral.services import call_notes, switchboard_view

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
