"""The web switchboard's API (B1-B6, C1, C5): live view, call handling, directory, SMS, statistics.
Thin: parse, authorise, call one service function."""

from skysentral.api.http import Api
from skysentral.api.switchboard_requests import CallAssignment, CallPickup, CallTransfer
from skysentral.domain.identity import ADMINS, SWITCHBOARD_AGENT
from skysentral.services import call_handling

api = Api("skysentral-switchboard")
app = api.app

SWITCHBOARD = ADMINS | {SWITCHBOARD_AGENT}


# ---------------------------------------------------------------- call handling (B3, B4)
@api.route(
    "/switchboard/calls/{call_id}/assign",
    "POST",
    roles=SWITCHBOARD,
    body=CallAssignment,
    status=202,
    errors=(400, 403, 404, 409, 422),
)
def assign_call(identity, directory, body, call_id):
    """B3: offer a waiting (or held) call to a person now, queue member or not."""
    return call_handling.assign(directory, call_id, body.employee_id, identity.user_id)


@api.route(
    "/switchboard/calls/{call_id}/transfer",
    "POST",
    roles=SWITCHBOARD,
    body=CallTransfer,
    status=202,
    errors=(400, 403, 404, 409, 422),
)
def transfer_call(identity, directory, body, call_id):
    """B4: blind transfer of a waiting, held or connected call to a person, queue, group, extension or number."""
    return call_handling.transfer(directory, call_id, body.to.model_dump(), identity.user_id)


@api.route("/switchboard/calls/{call_id}/hold", "POST", roles=SWITCHBOARD, status=202, errors=(403, 404, 409))
def hold_call(identity, directory, call_id):
    """B3: park a connected call: the caller hears the hold loop, the agent is freed."""
    return call_handling.hold(directory, call_id, identity.user_id)


@api.route(
    "/switchboard/calls/{call_id}/pickup",
    "POST",
    roles=SWITCHBOARD,
    body=CallPickup,
    status=202,
    errors=(400, 403, 404, 409, 422),
)
def pickup_call(identity, directory, body, call_id):
    """B4: offer a held call to a person (default: me)."""
    return call_handling.pickup(directory, call_id, body.employee_id or identity.user_id, identity.user_id)
