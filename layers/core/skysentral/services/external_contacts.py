"""B4/C5: the switchboard's external contacts (suppliers, customers, the plumber's wholesaler):
listed, added, changed and removed by the switchboard and administrators, numbers in E.164,
every change audited (E6) in the same transaction (Directory.commit)."""

from __future__ import annotations

from typing import Any

from skysentral.domain import directory_matching, organisation
from skysentral.domain.errors import NotFound
from skysentral.domain.identity import Identity
from skysentral.store import contact_repository
from skysentral.store.contact_repository import Contact
from skysentral.store.directory_repository import AuditEntry, Directory, new_id


def _contact(
    contact_id: str,
    name: str,
    organisation_name: str | None,
    numbers: dict[str, str],
    email: str | None,
    note: str | None,
) -> Contact:
    """Numbers in any format become E.164 (a bad one is a 400 naming it)."""
    return Contact(
        contact_id=contact_id,
        name=name,
        organisation=organisation_name or None,
        numbers={kind: organisation.to_e164(number) for kind, number in numbers.items() if number},
        email=email or None,
        note=note or None,
    )


def list_contacts(directory: Directory) -> dict[str, Any]:
    items = sorted(contact_repository.contacts(directory.company_id), key=lambda c: directory_matching.sort_key(c.name))
    return {"items": [c.to_dict() for c in items]}


def get_contact(directory: Directory, contact_id: str) -> Contact:
    found = contact_repository.contact(directory.company_id, contact_id)
    if found is None:
        raise NotFound(f"No contact {contact_id}.")
    return found


def create_contact(
    identity: Identity,
    directory: Directory,
    name: str,
    organisation_name: str | None,
    numbers: dict[str, str],
    email: str | None,
    note: str | None,
) -> dict[str, Any]:
    contact = _contact(new_id("k"), name, organisation_name, numbers, email, note)
    directory.commit(
        identity,
        create=[contact_repository.contact_item(directory.company_id, contact)],
        audit=AuditEntry("contact.created", contact.contact_id, None, contact.to_dict()),
    )
    return contact.to_dict()


def change_contact(
    identity: Identity,
    directory: Directory,
    contact_id: str,
    name: str,
    organisation_name: str | None,
    numbers: dict[str, str],
    email: str | None,
    note: str | None,
) -> dict[str, Any]:
    """PUT: the contact as sent replaces the stored one."""
    before = get_contact(directory, contact_id)
    after = _contact(contact_id, name, organisation_name, numbers, email, note)
    directory.commit(
        identity,
        put=[contact_repository.contact_item(directory.company_id, after)],
        audit=AuditEntry("contact.changed", contact_id, before.to_dict(), after.to_dict()),
    )
    return after.to_dict()


def delete_contact(identity: Identity, directory: Directory, contact_id: str) -> None:
    before = get_contact(directory, contact_id)
    directory.commit(
        identity,
        delete=[contact_repository.contact_item(directory.company_id, before)],
        audit=AuditEntry("contact.deleted", contact_id, before.to_dict(), None),
    )
