"""B4/C5: the switchboard's external contacts and the employees' profile photos (C1), in the
DirectoryTable next to the company's employees, and the one Query the directory search reads.

Keys (pk = company id, as every directory item):
- `CONTACT#<contact id>`: an external contact (name, organisation, numbers, e-mail, note);
- `EMPPHOTO#<employee id>`: an employee's profile photo (the S3 keys of its thumbnails).

Why the DirectoryTable and these names: the contacts are directory data of the company (the
admin API's tenant rules and audit apply), and the sort keys `CONTACT#…`, `DEPT#…`, `EMP#…`
and `EMPPHOTO#…` lie next to each other ("CONTACT#" < "DEPT#" < "EMP#" < "EMPPHOTO#"), so
one Query of the company's partition with `sk BETWEEN "CONTACT#" AND "EMPPHOTO#~"` reads
everything the directory search shows, and nothing else (subscriptions, plans and the
number plan sort outside the range). The photo is an item of its own, not an attribute of
the employee: the admin API writes employees whole (PutItem) and would erase it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from skysentral.store.models import _Directory

CONTACT = "CONTACT#"
PHOTO = "EMPPHOTO#"


class DirectoryEntryItem(_Directory):
    """Any item of the search's key range; each kind fills its own attributes."""

    name = UnicodeAttribute(null=True)  # contact, department, employee
    email = UnicodeAttribute(null=True)
    department_id = UnicodeAttribute(null=True)
    parent_id = UnicodeAttribute(null=True)  # department
    extension = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    organisation = UnicodeAttribute(null=True)  # contact
    numbers = JSONAttribute(null=True)  # contact: {"mobile": e164, "work": e164}
    note = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    photo = JSONAttribute(null=True)  # EMPPHOTO#: {"keys": {"256": s3 key, "64": s3 key}, "at": ISO}


class ContactItem(_Directory):
    """sk = CONTACT#<contact id>"""

    name = UnicodeAttribute()
    organisation = UnicodeAttribute(null=True)
    numbers = JSONAttribute(default=dict)
    email = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)


class PhotoItem(_Directory):
    """sk = EMPPHOTO#<employee id>"""

    photo = JSONAttribute()


@dataclass(frozen=True)
class Contact:
    contact_id: str
    name: str
    organisation: str | None = None
    numbers: dict[str, str] = field(default_factory=dict)  # kind (mobile, work, other) -> E.164
    email: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "contact", **asdict(self)}


@dataclass(frozen=True)
class DirectoryEntries:
    """What the search reads: departments by id, employees and contacts as storage items, and
    each employee's photo keys."""

    departments: dict[str, tuple[str, str | None]]  # id -> (name, parent id)
    employees: list[DirectoryEntryItem]
    contacts: list[Contact]
    photos: dict[str, dict[str, Any]]  # employee id -> photo


def contact_of(item: Any) -> Contact:
    return Contact(
        contact_id=item.sk[len(CONTACT) :],
        name=item.name,
        organisation=item.organisation,
        numbers=dict(item.numbers or {}),
        email=item.email,
        note=item.note,
    )


def contact_item(company_id: str, contact: Contact) -> ContactItem:
    return ContactItem(
        company_id,
        f"{CONTACT}{contact.contact_id}",
        name=contact.name,
        organisation=contact.organisation,
        numbers=dict(contact.numbers),
        email=contact.email,
        note=contact.note,
    )


def photo_item(company_id: str, employee_id: str, photo: dict[str, Any]) -> PhotoItem:
    return PhotoItem(company_id, f"{PHOTO}{employee_id}", photo=photo)


def directory_entries(company_id: str) -> DirectoryEntries:
    """B4: the company's departments, employees, contacts and photos with one Query."""
    departments: dict[str, tuple[str, str | None]] = {}
    employees: list[DirectoryEntryItem] = []
    contacts: list[Contact] = []
    photos: dict[str, dict[str, Any]] = {}
    for item in DirectoryEntryItem.query(company_id, DirectoryEntryItem.sk.between(CONTACT, f"{PHOTO}~")):
        kind, _, ident = item.sk.partition("#")
        if kind == "CONTACT":
            contacts.append(contact_of(item))
        elif kind == "DEPT":
            departments[ident] = (item.name or ident, item.parent_id)
        elif kind == "EMP":
            employees.append(item)
        elif kind == "EMPPHOTO" and item.photo:
            photos[ident] = item.photo
    return DirectoryEntries(departments, employees, contacts, photos)


def contacts(company_id: str) -> list[Contact]:
    return [contact_of(i) for i in ContactItem.query(company_id, ContactItem.sk.startswith(CONTACT))]


def contact(company_id: str, contact_id: str) -> Contact | None:
    from pynamodb.exceptions import DoesNotExist

    try:
        return contact_of(ContactItem.get(company_id, f"{CONTACT}{contact_id}"))
    except DoesNotExist:
        return None


def photo(company_id: str, employee_id: str) -> dict[str, Any] | None:
    from pynamodb.exceptions import DoesNotExist

    try:
        return dict(PhotoItem.get(company_id, f"{PHOTO}{employee_id}").photo)
    except DoesNotExist:
        return None
