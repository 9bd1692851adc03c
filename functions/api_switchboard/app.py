"""The web switchboard's API (B1-B6, C1, C5): live view, calls and notes, call handling,
directory and photos, SMS centre, statistics. Thin: parse, authorise, call one service function."""

from skysentral import clock
from skysentral.api.http import Api
from skysentral.api.switchboard_requests import SmsLogPage, SmsSend
from skysentral.domain.identity import ADMINS, SWITCHBOARD_AGENT
from skysentral.services import sms_centre

api = Api("skysentral-switchboard")
app = api.app

SWITCHBOARD = ADMINS | {SWITCHBOARD_AGENT}


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
