"""B4/C5: e-mail from the switchboard to an employee, an external contact or any address,
through SES (adapters.email; the sender NOTIFY_SENDER is a verified identity). The
recipient's id is looked up in the caller's own company only: another company's id is 404."""

from __future__ import annotations

from typing import Any

from skysentral.adapters import email
from skysentral.domain.errors import Unprocessable
from skysentral.domain.identity import Identity
from skysentral.services.external_contacts import get_contact
from skysentral.store.directory_repository import Directory


def send(
    identity: Identity,
    directory: Directory,
    employee_id: str | None,
    contact_id: str | None,
    address: str | None,
    subject: str,
    text: str,
) -> dict[str, Any]:
    if employee_id:
        to = directory.employee(employee_id).email
    elif contact_id:
        to = get_contact(directory, contact_id).email or ""
    else:
        to = address or ""
    if not to:
        raise Unprocessable("The recipient has no e-mail address.", code="no_email_address")
    message_id = email.send_email(to, subject, text)
    return {"to": to, "message_id": message_id, "sent_by": identity.user_id}
