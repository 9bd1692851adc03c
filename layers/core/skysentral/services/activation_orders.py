"""E2 for administrators: order an activation, a termination or a SIM swap, watch them, confirm
a shipped SIM arrived; the company's SIM stock. Each order is then run by the activation state
machine (services.activation_steps has its steps). Department administrators act only within
their departments (E5); every mutation is audited (E6)."""

from __future__ import annotations

import os
import uuid

from skysentral import clock
from skysentral.adapters import workflows
from skysentral.domain import activation as act
from skysentral.domain import organisation
from skysentral.domain.errors import Conflict, InvalidInput
from skysentral.domain.identity import Identity
from skysentral.services.order_taking import request_fingerprint
from skysentral.store import activation_repository as repo
from skysentral.store.directory_repository import AuditEntry, Directory

STATE_MACHINE = "ACTIVATION_STATE_MACHINE_ARN"
MAX_PAGE = 200


def timeouts() -> dict[str, int]:
    """How long the workflow waits for a delivery and for the network (template parameters)."""
    return {
        "delivery_s": int(os.environ.get("SHIPMENT_TIMEOUT_SECONDS", str(14 * 24 * 3600))),
        "network_s": int(os.environ.get("PROVISIONING_TIMEOUT_SECONDS", "3600")),
    }


def new_order_id() -> str:
    return f"act-{clock.now().strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"


def _start(identity: Identity, directory: Directory, order: act.Order, key: str | None, fingerprint: str) -> dict:
    stored = repo.create(order, key, fingerprint)
    if stored.order_id == order.order_id:
        directory.commit(
            identity, audit=AuditEntry(f"{order.kind}.ordered", order.order_id, None, order.request), now=clock.now()
        )
        ref = {"company_id": order.company_id, "order_id": order.order_id}
        workflows.start(STATE_MACHINE, order.order_id, {"ref": ref, "kind": order.kind, "timeouts": timeouts()})
    return stored.view()


def _order(identity: Identity, directory: Directory, kind: str, department_id: str, request: dict) -> act.Order:
    return act.Order(
        order_id=new_order_id(),
        company_id=directory.company_id,
        kind=kind,
        created_at=act.iso_utc(clock.now()),
        created_by=identity.user_id,
        created_by_email=identity.email,
        created_by_role=identity.role,
        department_id=department_id,
        request=request,
    )


def order_activation(identity: Identity, directory: Directory, body: dict, idempotency_key: str | None) -> dict:
    """E2: validate and start; 202 with the order. The same Idempotency-Key with the same body
    returns the first order."""
    departments = directory.departments()
    scope = organisation.scope_of(identity, departments)
    request = act.validate_activation(
        body,
        plan_codes={p.code for p in directory.price_plans()},
        department_ids={d.department_id for d in departments},
        employees={e.employee_id: e.department_id for e in directory.employees()},
        stock=repo.in_stock(directory.company_id),
        now=clock.now(),
        e164=organisation.to_e164,
    )
    organisation.require_in_scope(scope, request["department_id"])
    if request.get("number"):
        item = repo.pool_number(request["number"])
        if item is None:
            raise InvalidInput(f"{request['number']} is not a number of the operator's pool.", code="not_a_pool_number")
    order = _order(identity, directory, act.ACTIVATION, request["department_id"], request)
    return _start(identity, directory, order, idempotency_key, request_fingerprint(kind="activation", body=str(body)))


def order_termination(
    identity: Identity, directory: Directory, subscription_id: str, idempotency_key: str | None
) -> dict:
    """E2: end a subscription; its number rests NUMBER_QUARANTINE_DAYS in quarantine."""
    sub = _subscription_in_scope(identity, directory, subscription_id)
    request = {"subscription_id": sub.subscription_id, "msisdn": sub.msisdn}
    order = _order(identity, directory, act.TERMINATION, sub.department_id, request)
    return _start(
        identity, directory, order, idempotency_key, request_fingerprint(kind="termination", sub=subscription_id)
    )


def order_sim_swap(
    identity: Identity, directory: Directory, subscription_id: str, body: dict, idempotency_key: str | None
) -> dict:
    """E2: a new SIM (from stock, or an eSIM) for a subscription; the old SIM is deactivated."""
    sub = _subscription_in_scope(identity, directory, subscription_id)
    request = {
        "subscription_id": sub.subscription_id,
        "msisdn": sub.msisdn,
        **act.validate_sim_swap(body, repo.in_stock(directory.company_id)),
    }
    order = _order(identity, directory, act.SIM_SWAP, sub.department_id, request)
    return _start(identity, directory, order, idempotency_key, request_fingerprint(kind="sim_swap", body=str(body)))


def _subscription_in_scope(identity: Identity, directory: Directory, subscription_id: str) -> organisation.Subscription:
    sub = directory.subscription(subscription_id)
    organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), sub.department_id)
    if sub.status != "active":
        raise Conflict(f"Subscription {sub.msisdn} is {sub.status}, not active.", code="subscription_not_active")
    return sub


def get_order(identity: Identity, directory: Directory, order_id: str) -> dict:
    order = repo.get(directory.company_id, order_id)
    organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), order.department_id)
    return order.view()


def list_orders(
    identity: Identity,
    directory: Directory,
    *,
    status: str | None = None,
    kind: str | None = None,
    department_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict:
    """Newest first, filtered; only the caller's departments for a department administrator."""
    if cursor is not None and not cursor.startswith("act-"):
        raise InvalidInput("cursor is not one this API gave out.", code="invalid_cursor")
    scope = organisation.scope_of(identity, directory.departments())
    limit = max(1, min(limit, MAX_PAGE))
    items: list[dict] = []
    next_cursor = cursor
    while True:
        orders, next_cursor = repo.page(directory.company_id, limit, next_cursor)
        for o in orders:
            if scope is not None and o.department_id not in scope:
                continue
            if (status and o.status != status) or (kind and o.kind != kind):
                continue
            if department_id and o.department_id != department_id:
                continue
            items.append(o.view())
            if len(items) == limit:
                return {"items": items, "next_cursor": o.order_id}
        if next_cursor is None:
            return {"items": items, "next_cursor": None}


def confirm_delivery(identity: Identity, directory: Directory, order_id: str) -> dict:
    """E2: the administrator confirms the shipped SIM arrived; the waiting workflow goes on."""
    order = repo.get(directory.company_id, order_id)
    organisation.require_in_scope(organisation.scope_of(identity, directory.departments()), order.department_id)
    step, token = repo.waiting(directory.company_id, order_id)
    if step != "wait_for_delivery" or not token:
        raise Conflict(f"Activation {order_id} is not waiting for a SIM delivery.", code="not_waiting_for_delivery")
    now = clock.now()
    order = act.with_status(act.step_done(order, "wait_for_delivery", now, "delivery confirmed"), act.IN_PROGRESS, now)
    repo.save(order)
    repo.clear_waiting(directory.company_id, order_id)
    directory.commit(
        identity,
        audit=AuditEntry("activation.delivery_confirmed", order_id, None, {"iccid": order.facts.get("iccid")}),
        now=now,
    )
    if not workflows.resume(token, {"delivered": True}):
        raise Conflict(f"Activation {order_id} no longer waits for the delivery.", code="not_waiting_for_delivery")
    return order.view()


# ---------------------------------------------------------------- SIM stock
def add_sims(identity: Identity, directory: Directory, iccids: list[str]) -> dict:
    if not isinstance(iccids, list) or not iccids or len(iccids) > 500:
        raise InvalidInput("iccids must be a list of 1 to 500 ICCIDs.", code="validation_error")
    checked = list(dict.fromkeys(act.check_iccid(i) for i in iccids))
    added, known = repo.add_sims(directory.company_id, checked, clock.now())
    if added:
        directory.commit(identity, audit=AuditEntry("sims.added", directory.company_id, None, {"iccids": added}))
    return {"added": added, "already_known": known}


def list_sims(identity: Identity, directory: Directory, status: str | None = None) -> dict:
    items = [
        {
            "iccid": s.sk,
            "status": s.sim_status,
            "form": s.form,
            "order_id": s.order_id,
            "subscription_id": s.subscription_id,
            "added_at": s.added_at,
        }
        for s in repo.sims(directory.company_id)
        if status is None or s.sim_status == status
    ]
    return {"items": items}
