"""F5 equipment: devices seen on the network update their subscription's device; the
overview lists phones and tablets (and equipment added by hand) by department."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from skysentral.domain import equipment, organisation
from skysentral.domain.calendar import iso_utc
from skysentral.domain.errors import InvalidInput
from skysentral.domain.identity import Identity
from skysentral.store.directory_repository import AuditEntry, Directory, find_subscription_by_msisdn, new_id
from skysentral.store.models import EquipmentItem, SubscriptionItem


def device_seen(msisdn: str, imei: str, seen_at) -> str:
    """F5: a sighting {msisdn, imei, seen_at}: "updated", "older" (an out-of-order sighting
    older than the stored one changes nothing), "same" or "unknown_number"."""
    seen = iso_utc(seen_at)
    device = equipment.device_seen(imei, seen)
    found = find_subscription_by_msisdn(msisdn)
    if found is None:
        return "unknown_number"
    company_id, sub = found
    if not equipment.newer((sub.device or {}).get("seen_at"), seen):
        return "older"
    if sub.device and sub.device.get("imei") == device.imei:
        kind_of_change = "same"
    else:
        kind_of_change = "updated"
    directory = Directory(company_id)
    item = SubscriptionItem(company_id, f"SUB#{sub.subscription_id}")
    try:
        with TransactWrite(connection=Connection()) as tx:
            tx.update(
                item,
                actions=[SubscriptionItem.device.set(device.to_dict()), SubscriptionItem.device_seen_at.set(seen)],
                condition=SubscriptionItem.sk.exists()
                & (SubscriptionItem.device_seen_at.does_not_exist() | (SubscriptionItem.device_seen_at < seen)),
            )
            if kind_of_change == "updated":  # E6: a new device is a change; the same one seen again is not
                entry = AuditEntry("subscription.device_seen", sub.subscription_id, sub.device, device.to_dict())
                tx.save(directory._audit_item(None, entry, None))
    except TransactWriteError:
        return "older"  # a newer sighting was stored meanwhile
    return kind_of_change


def list_equipment(identity: Identity, directory: Directory, department_id: str | None, kind: str | None) -> dict:
    """F5: devices seen on the network (phones and tablets) and equipment added by hand, in
    the caller's departments (a department filter includes its sub-departments)."""
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    allowed = scope
    if department_id is not None:
        organisation.find(departments, "department_id", department_id, "department")
        wanted = organisation.subtree(departments, {department_id})
        allowed = wanted if scope is None else wanted & scope
    items = []
    for sub in directory.subscriptions():
        if sub.device is None or sub.device.get("kind") not in equipment.LISTED_KINDS:
            continue
        items.append(
            {
                "source": "network",
                "subscription_id": sub.subscription_id,
                "msisdn": sub.msisdn,
                "employee_id": sub.employee_id,
                "department_id": sub.department_id,
                **sub.device,
            }
        )
    for item in directory.equipment():
        items.append(
            {
                "source": "manual",
                "equipment_id": item.sk.split("#", 1)[1],
                "kind": item.kind,
                "model": item.model,
                "department_id": item.department_id,
                "employee_id": item.employee_id,
                "serial": item.serial,
                "note": item.note,
            }
        )
    items = [
        i for i in items if (allowed is None or i["department_id"] in allowed) and (kind is None or i["kind"] == kind)
    ]
    items.sort(key=lambda i: (i["department_id"], i["kind"], i.get("model") or ""))
    return {"items": items}


def add_equipment(identity: Identity, directory: Directory, fields: dict) -> dict:
    """F5: equipment added by hand (a router, a computer, a phone without our SIM...)."""
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    department_id = fields["department_id"]
    if department_id not in {d.department_id for d in departments}:
        raise InvalidInput(f"Department {department_id} does not exist.", code="unknown_department")
    organisation.require_in_scope(scope, department_id)
    if fields.get("employee_id"):
        directory.employee(fields["employee_id"])  # 404 when unknown
    equipment_id = new_id("eq")
    value = {
        "equipment_id": equipment_id,
        "kind": equipment.check_kind(fields["kind"]),
        "model": fields["model"],
        "department_id": department_id,
        "employee_id": fields.get("employee_id"),
        "serial": fields.get("serial"),
        "note": fields.get("note"),
    }
    attributes = {k: v for k, v in value.items() if k != "equipment_id"}
    item = EquipmentItem(directory.company_id, f"EQUIP#{equipment_id}", **attributes)
    directory.commit(identity, create=[item], audit=AuditEntry("equipment.added", equipment_id, None, value))
    return {"source": "manual", **value}
