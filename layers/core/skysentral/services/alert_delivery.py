"""D7: deliver a usage alert: render it in the user's language, send it by SMS, keep it
for the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skysentral import clock
from skysentral.adapters.sms import send_sms
from skysentral.domain.balances import Alert
from skysentral.domain.errors import NotFound
from skysentral.store import balance_repository
from skysentral.store.directory_repository import Directory
from skysentral.texts.alert_texts import render_alert

if TYPE_CHECKING:  # order_taking imports language_of: the purchase steps need no pydantic at all (cold start)
    from skysentral.events import AlertMessage


def language_of(company_id: str, employee_id: str | None) -> str:
    if not employee_id:
        return "nb"
    try:
        return Directory(company_id).employee(employee_id).language
    except NotFound:
        return "nb"


def deliver(message: AlertMessage) -> dict:
    directory = Directory(message.company_id)
    subscription = directory.subscription(message.subscription_id)
    language = language_of(message.company_id, subscription.employee_id)
    text = render_alert(Alert(message.key, message.kind, message.month, message.params), language)
    message_id = send_sms(message.msisdn, text)
    balance_repository.log_alert(
        message.company_id,
        message.subscription_id,
        message.month,
        message.key,
        message.kind,
        text,
        language,
        clock.now().isoformat(),
    )
    return {"sms_message_id": message_id, "language": language}
