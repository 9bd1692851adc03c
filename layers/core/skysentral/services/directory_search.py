"""B4/C5: the switchboard's directory search (`GET /directory`): the company's employees and
external contacts by name, number or extension and department, each employee with their
availability, phone status (A8) and next calendar entry, and a thumbnail of their photo.

Reads, whatever the number of results: one Query of the company's directory partition
(store.contact_repository.directory_entries: departments, employees, contacts, photos),
then, for the page of results only, one batched read of the presence items (availability,
calendar) and one of the mobile status items. Matching and ordering are the domain's
(domain.directory_matching: word prefixes, case and accents folded but æ ø å kept;
Norwegian alphabetical order)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skysentral.adapters import photo_storage
from skysentral.domain import directory_matching as matching
from skysentral.domain import organisation
from skysentral.domain.errors import NotFound
from skysentral.services.availability import availability_many
from skysentral.store import contact_repository
from skysentral.store.call_log_repository import mobile_status
from skysentral.store.directory_repository import Directory

KINDS = ("employee", "contact")


def _employee_result(item: Any, departments: dict[str, tuple[str, str | None]]) -> dict[str, Any]:
    employee_id = item.sk.split("#", 1)[1]
    return {
        "kind": "employee",
        "employee_id": employee_id,
        "name": item.name,
        "department_id": item.department_id,
        "department": departments.get(item.department_id or "", (None, None))[0],
        "title": item.title,
        "numbers": {"mobile": item.mobile, "direct": None, "extension": item.extension},
        "email": item.email,
    }


def _matches(q: str, number: matching.NumberQuery | None, names: list[str | None], numbers: list, ext=None) -> bool:
    if not q.strip():
        return True
    if number is not None:
        return matching.number_matches(number, numbers, ext)
    return any(name and matching.name_matches(name, q) for name in names)


def search(
    directory: Directory,
    q: str | None,
    department_id: str | None,
    kind: str | None,
    limit: int,
    now: datetime,
) -> dict[str, Any]:
    """B4: the matching employees and contacts, in Norwegian alphabetical order, at most `limit`."""
    company_id = directory.company_id
    entries = contact_repository.directory_entries(company_id)
    query = q or ""
    number = matching.number_query(query)
    in_departments: set[str] | None = None
    if department_id:
        if department_id not in entries.departments:
            raise NotFound(f"No department {department_id}.")
        tree = [organisation.Department(d, name, parent) for d, (name, parent) in entries.departments.items()]
        in_departments = organisation.subtree(tree, {department_id})

    found: list[dict[str, Any]] = []
    if kind in (None, "employee"):
        for item in entries.employees:
            if in_departments is not None and item.department_id not in in_departments:
                continue
            if _matches(query, number, [item.name], [item.mobile], item.extension):
                found.append(_employee_result(item, entries.departments))
    if kind in (None, "contact") and in_departments is None:  # contacts belong to no department
        for contact in entries.contacts:
            if _matches(query, number, [contact.name, contact.organisation], list(contact.numbers.values())):
                found.append(contact.to_dict())
    found.sort(key=lambda r: matching.sort_key(r["name"]))
    page = found[:limit]
    _add_live_state(company_id, page, entries.photos, now)
    return {"results": page}


def _add_live_state(company_id: str, page: list[dict[str, Any]], photos: dict[str, dict], now: datetime) -> None:
    """Availability, phone status and photo of the page's employees: two batched reads."""
    ids = [r["employee_id"] for r in page if r["kind"] == "employee"]
    if not ids:
        return
    presence = availability_many(company_id, ids, now)
    phones = mobile_status(company_id, ids)
    for result in page:
        if result["kind"] != "employee":
            continue
        employee_id = result["employee_id"]
        state = presence[employee_id]
        result["availability"] = {"state": state["state"], "until": state["until"], "source": state["source"]}
        result["next_calendar_entry"] = state["next_calendar_entry"]
        result["phone"] = phones.get(employee_id, {}).get("state", "idle")
        photo = photos.get(employee_id)
        result["photo_url"] = photo_storage.download_url(photo["keys"]["64"]) if photo else None
