"""Use cases of the routing administration API (A1-A6 configuration, E6 audit): the
company's routing plan, its preview at an instant, extensions, the calendar-sync switch."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from skysentral.domain import organisation
from skysentral.domain.errors import Conflict, InvalidInput, NotFound
from skysentral.domain.identity import Identity
from skysentral.domain.pbx.routing_plan import RoutingPlan
from skysentral.store.directory_repository import AuditEntry, Directory
from skysentral.store.models import CalendarSyncItem
from skysentral.store.routing_repository import RoutingRepository

EXTENSION = re.compile(r"^\d{2,6}$")  # A1: internal short numbers of 2-6 digits


def _view(stored) -> dict[str, Any]:
    if stored is None:
        return {"plan": None, "version": 0, "updated_at": None, "updated_by": None}
    return {
        "plan": stored.plan,
        "version": stored.version,
        "updated_at": stored.updated_at,
        "updated_by": stored.updated_by,
    }


def get_routing(directory: Directory) -> dict[str, Any]:
    """The plan and its version (0 and plan null before the first save)."""
    return _view(RoutingRepository(directory).get())


def load_plan(directory: Directory) -> RoutingPlan:
    stored = RoutingRepository(directory).get()
    if stored is None:
        raise NotFound("This company has no routing plan yet; PUT /admin/routing saves one.")
    return replace(RoutingPlan.from_dict(stored.plan), version=stored.version)


def save_routing(
    identity: Identity, directory: Directory, plan_json: dict[str, Any], version: int, now: datetime
) -> dict[str, Any]:
    """A1-A6: parse (shape errors name the field), validate against the company's employees
    (every problem listed), then save whole if `version` is still the stored one (else 409),
    registering the main and direct numbers (a number of another company: 409), audited."""
    from skysentral.domain.pbx.plan_validation import validate_plan  # type: ignore[import-not-found,unused-ignore]

    plan = RoutingPlan.from_dict(plan_json)
    validate_plan(plan, {e.employee_id: e for e in directory.employees()})
    repository = RoutingRepository(directory)
    before = repository.get()
    current = before.version if before else 0
    if version != current:
        # Checked again by the write's condition; this early answer spares a doomed transaction.
        from skysentral.store.routing_repository import StaleVersion

        raise StaleVersion(
            f"The routing plan was changed by someone else (version {current}, you sent {version}); "
            "reload it and apply your change again."
        )
    normalised = plan.to_dict()
    repository.save(identity, normalised, version, before, now)
    return get_routing(directory)


def preview(directory: Directory, at: datetime) -> dict[str, Any]:
    """A6: which entry destination applies at `at`, and why (open, closed, holiday:…, exception:…)."""
    from skysentral.domain.pbx.opening_hours import entry_destination  # type: ignore[import-not-found,unused-ignore]

    if at.tzinfo is None:
        raise InvalidInput("at must include a time zone (e.g. 2026-05-17T10:00:00+02:00 or …Z).", code="invalid_query")
    plan = load_plan(directory)
    destination, reason = entry_destination(plan, at.astimezone(UTC))
    return {
        "at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "destination": destination.to_dict(),
        "reason": reason,
        "version": plan.version,
    }


# ---------------------------------------------------------------- A1 extensions
def set_extension(identity: Identity, directory: Directory, employee_id: str, extension: str | None) -> dict:
    """A1: give an employee an extension (2-6 digits, unique in the company) or take it away."""
    before = directory.employee(employee_id)
    organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), before.department_id)
    if extension is not None and not EXTENSION.fullmatch(extension):
        raise InvalidInput("extension must be 2 to 6 digits.", code="invalid_extension")
    if extension == before.extension:
        return before.to_dict()
    after = replace(before, extension=extension)
    create = [directory.extension_item(extension, employee_id)] if extension else []
    delete = [directory.extension_item(before.extension, employee_id)] if before.extension else []
    try:
        directory.commit(
            identity,
            create=create,
            update=[after],
            delete=delete,
            audit=AuditEntry("employee.extension_changed", employee_id, before.to_dict(), after.to_dict()),
        )
    except Conflict:
        raise Conflict(f"Extension {extension} is already someone else's.", code="extension_taken") from None
    return after.to_dict()


# ---------------------------------------------------------------- A7 calendar sync switch
def set_calendar_sync(identity: Identity, directory: Directory, enabled: bool) -> dict:
    repository = RoutingRepository(directory)
    before = repository.calendar_sync()
    if before != enabled:
        directory.commit(
            identity,
            put=[CalendarSyncItem(directory.company_id, "CALENDAR_SYNC", enabled=enabled)],
            audit=AuditEntry("calendar_sync.changed", "CALENDAR_SYNC", {"enabled": before}, {"enabled": enabled}),
        )
    return {"enabled": enabled}


def get_calendar_sync(directory: Directory) -> dict:
    return {"enabled": RoutingRepository(directory).calendar_sync()}
