"""E2: the steps of the activation state machine (statemachines/activation.asl.json), one
function per step, for activations, terminations and SIM swaps; and the provisioning
provider's callback. A step records its outcome on the order (domain.activation) so that
GET /admin/activations/{id} shows it; a refusal is a named DomainError the state machine
matches by class name, anything else is retried and then compensated."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace

from skysentral import clock
from skysentral.adapters import provisioning, workflows
from skysentral.adapters.email import send_email
from skysentral.adapters.login import create_login
from skysentral.adapters.sms import send_sms
from skysentral.domain import activation as act
from skysentral.domain import organisation
from skysentral.domain.calendar import iso_utc
from skysentral.domain.errors import ActivationRefused, InvalidInput, NotFound, NumberUnavailable
from skysentral.store import activation_repository as repo
from skysentral.store.directory_repository import AuditEntry, Directory, new_id


def quarantine_days() -> int:
    return int(os.environ.get("NUMBER_QUARANTINE_DAYS", str(act.DEFAULT_QUARANTINE_DAYS)))


def _load(r: dict) -> act.Order:
    return repo.get(r["company_id"], r["order_id"])


def _save(order: act.Order) -> act.Order:
    repo.save(order)
    return order


def _started(r: dict, step: str, detail: str | None = None) -> act.Order:
    return _save(act.step_started(_load(r), step, clock.now(), detail))


def _done(order: act.Order, step: str, detail: str | None = None, **facts) -> act.Order:
    now = clock.now()
    return _save(act.with_facts(act.step_done(order, step, now, detail), now, **facts))


# ---------------------------------------------------------------- shared
def step_validate(r: dict) -> dict:
    """Check the order again as the workflow starts (the agreement or the subscription may
    have changed since it was taken); answers the choices the state machine branches on."""
    order = act.with_status(_started(r, "validate"), act.IN_PROGRESS, clock.now())
    directory = Directory(order.company_id)
    facts: dict = {}
    if order.kind == act.ACTIVATION:
        if order.request["plan_code"] not in {p.code for p in directory.price_plans()}:
            raise ActivationRefused(f"Price plan {order.request['plan_code']} is no longer in the company's agreement.")
    else:
        try:
            sub = directory.subscription(order.request["subscription_id"])
        except NotFound:
            raise ActivationRefused(f"Subscription {order.request['subscription_id']} no longer exists.") from None
        if sub.status != "active":
            raise ActivationRefused(f"Subscription {sub.msisdn} is {sub.status}, not active.")
        facts = {"msisdn": sub.msisdn, "old_iccid": repo.active_sim_of(order.company_id, sub.subscription_id)}
    _done(order, "validate", **facts)
    return {
        "kind": order.kind,
        "sim": (order.request.get("sim") or {}).get("kind", "none"),
        "port_in": bool(order.request.get("port_in")),
    }


def step_reserve_number(r: dict) -> dict:
    """E2: a conditional write per number: of two orders for one number exactly one gets it."""
    order = _started(r, "reserve_number")
    now = clock.now()
    port_in = order.request.get("port_in")
    if port_in:
        repo.reserve_number(port_in["number"], order.order_id, now, port_in=True)
        number = port_in["number"]
    elif order.request.get("number"):
        number = order.request["number"]
        repo.reserve_number(number, order.order_id, now)
    else:
        number = order.facts.get("msisdn") or _any_free_number(order.order_id)
    _done(order, "reserve_number", number, msisdn=number)
    return {"msisdn": number}


def _any_free_number(order_id: str) -> str:
    for number in repo.free_numbers(clock.now()):
        try:
            repo.reserve_number(number, order_id, clock.now())
            return number
        except NumberUnavailable:
            continue  # another order was quicker: try the next
    raise NumberUnavailable("The number pool has no free number.")


def step_take_from_stock(r: dict) -> dict:
    order = _started(r, "take_from_stock")
    iccid = order.request["sim"]["iccid"]
    repo.reserve_sim(order.company_id, iccid, order.order_id)
    _done(order, "take_from_stock", iccid, iccid=iccid)
    return {"iccid": iccid}


def step_issue_esim(r: dict) -> dict:
    """An eSIM profile: an ICCID and the activation code the phone scans (LPA string)."""
    order = _started(r, "issue_esim")
    iccid = order.facts.get("iccid") if order.facts.get("esim_code") else None  # a retried step
    if not iccid:
        iccid = "8947" + "".join(secrets.choice("0123456789") for _ in range(15))
        code = f"LPA:1$smdp.skysentral.no${secrets.token_hex(8).upper()}"
        repo.add_reserved_sim(order.company_id, iccid, order.order_id, "esim", clock.now())
        order = act.with_facts(order, clock.now(), iccid=iccid, esim_code=code)
    _done(order, "issue_esim", iccid, iccid=iccid)
    return {"iccid": iccid}


def step_order_shipment(r: dict) -> dict:
    order = _started(r, "order_shipment")
    if not order.facts.get("shipment_id"):
        shipment = provisioning.order_shipment(order.order_id, order.request["sim"]["address"])
        repo.add_reserved_sim(order.company_id, shipment["iccid"], order.order_id, "physical", clock.now())
        order = act.with_facts(order, clock.now(), shipment_id=shipment["shipment_id"], iccid=shipment["iccid"])
    _done(order, "order_shipment", f"shipment {order.facts['shipment_id']}")
    return {"shipment_id": order.facts["shipment_id"]}


def step_await_delivery(r: dict, token: str) -> None:
    """Wait (task token) until an administrator confirms the SIM arrived."""
    order = act.with_status(_started(r, "wait_for_delivery"), act.WAITING_FOR_DELIVERY, clock.now())
    _save(order)
    repo.set_waiting(order.company_id, order.order_id, "wait_for_delivery", token)


def step_schedule_port_in(r: dict) -> dict:
    """The Wait state that follows sleeps until `port_at` (06:00 Oslo on the requested day)."""
    order = _started(r, "wait_for_port_date", None)
    port_at = order.request["port_in"]["port_at"]
    order = act.step_started(order, "wait_for_port_date", clock.now(), f"until {port_at}")
    _save(act.with_status(order, act.WAITING_FOR_PORT_DATE, clock.now()))
    return {"port_at": port_at}


def step_port_in(r: dict) -> dict:
    order = _done(_load(r), "wait_for_port_date")
    order = act.with_status(order, act.IN_PROGRESS, clock.now())
    _done(order, "port_in", f"from {order.request['port_in']['donor_operator']}")
    return {}


def step_network(r: dict, token: str) -> None:
    """Ask the network; the provider's callback resumes the workflow (or its timeout)."""
    order = _load(r)
    if order.kind == act.TERMINATION:
        name, action = "deactivate_on_network", "deactivate"
        iccid = order.facts.get("old_iccid") or ""
    else:
        name = "activate_on_network"
        action = "swap" if order.kind == act.SIM_SWAP else ("port_in" if order.request.get("port_in") else "activate")
        iccid = order.facts["iccid"]
    order = _save(act.step_started(order, name, clock.now(), f"{action} requested"))
    repo.set_waiting(order.company_id, order.order_id, name, token)
    provisioning.request_change(action, token, order.facts["msisdn"], iccid)


def _network_done(order: act.Order, network: dict | None) -> act.Order:
    name = "deactivate_on_network" if order.kind == act.TERMINATION else "activate_on_network"
    ref = (network or {}).get("network_ref")
    order = _done(order, name, f"network ref {ref}" if ref else None, network_ref=ref)
    repo.clear_waiting(order.company_id, order.order_id)
    return order


# ---------------------------------------------------------------- activation
def step_create_subscription(r: dict, network: dict | None) -> dict:
    order = _network_done(_load(r), network)
    order = _started(r, "create_subscription")
    if order.facts.get("subscription_id"):
        return {"subscription_id": order.facts["subscription_id"]}
    directory = Directory(order.company_id)
    request = order.request
    create: list = []
    employee_id = request.get("employee_id")
    if employee_id is None:
        new = request["new_employee"]
        employee_id = new_id("emp")
        create.append(
            organisation.Employee(
                employee_id,
                new["name"],
                new["email"],
                "employee",
                request["department_id"],
                mobile=order.facts["msisdn"],
            )
        )
    sub = organisation.Subscription(
        new_id("sub"), order.facts["msisdn"], request["department_id"], request["plan_code"], employee_id=employee_id
    )
    create.append(sub)
    directory.commit(
        _actor(order),
        create=create,
        audit=AuditEntry(
            "subscription.activated", sub.subscription_id, None, {**sub.to_dict(), "order_id": order.order_id}
        ),
        now=clock.now(),
    )
    repo.activate_number(sub.msisdn, order.company_id)
    repo.activate_sim(order.company_id, order.facts["iccid"], sub.subscription_id)
    _done(
        order, "create_subscription", sub.subscription_id, subscription_id=sub.subscription_id, employee_id=employee_id
    )
    return {"subscription_id": sub.subscription_id}


def _actor(order: act.Order):
    from skysentral.domain.identity import Identity

    return Identity(order.created_by, order.company_id, order.created_by_role, email=order.created_by_email)


def step_publish_listing(r: dict) -> dict:
    """E4: the number's directory listing: the order's `listing` if it has one, otherwise the
    employee's name only (a business number is found by name; no address unless asked for).
    Delivered through the listing queue until the directory services acknowledge it."""
    from skysentral.services import directory_listing

    order = _started(r, "publish_listing")
    listing = order.request.get("listing") or {"mode": "name_only", "name": _employee_name(order)}
    view = directory_listing.publish(order.company_id, order.facts["subscription_id"], listing)
    _done(order, "publish_listing", f"{view.get('mode', listing['mode'])} sent to the directory services")
    return {"published": True}


def _employee_name(order: act.Order) -> str:
    new = order.request.get("new_employee")
    if new:
        return new["name"]
    return Directory(order.company_id).employee(order.facts["employee_id"]).name


def step_create_login(r: dict) -> dict:
    order = _started(r, "create_login")
    new = order.request.get("new_employee")
    if not new:
        _done(order, "create_login", "existing employee: login kept")
        return {}
    login = create_login(new["email"], order.company_id, "employee")
    _done(order, "create_login", login.get("note") or f"user {login['username']} created", login=login["username"])
    return {}


# ---------------------------------------------------------------- termination and SIM swap
def step_finish_termination(r: dict, network: dict | None) -> dict:
    order = _network_done(_load(r), network)
    order = _started(r, "close_subscription")
    directory = Directory(order.company_id)
    now = clock.now()
    before = directory.subscription(order.request["subscription_id"])
    if before.status == "active":
        after = replace(before, status="terminated")
        directory.commit(
            _actor(order),
            update=[after],
            audit=AuditEntry("subscription.terminated", before.subscription_id, before.to_dict(), after.to_dict()),
            now=now,
        )
    until = act.quarantine_until(now, quarantine_days())
    repo.quarantine_number(before.msisdn, until)
    if order.facts.get("old_iccid"):
        repo.retire_sim(order.company_id, order.facts["old_iccid"])
    order = _done(order, "close_subscription", before.subscription_id, quarantine_until=iso_utc(until))
    _done(order, "release_number", f"{before.msisdn} in quarantine until {iso_utc(until)}")
    return {}


def step_finish_sim_swap(r: dict, network: dict | None) -> dict:
    order = _network_done(_load(r), network)
    order = _started(r, "switch_sim")
    sub_id = order.request["subscription_id"]
    repo.activate_sim(order.company_id, order.facts["iccid"], sub_id)
    old = order.facts.get("old_iccid")
    if old and old != order.facts["iccid"]:
        repo.retire_sim(order.company_id, old)
    Directory(order.company_id).commit(
        _actor(order),
        audit=AuditEntry("subscription.sim_swapped", sub_id, {"iccid": old}, {"iccid": order.facts["iccid"]}),
        now=clock.now(),
    )
    _done(order, "switch_sim", f"{old or 'no SIM'} retired, {order.facts['iccid']} active")
    return {}


# ---------------------------------------------------------------- end
def step_audit(r: dict) -> dict:
    order = _started(r, "audit")
    now = clock.now()
    Directory(order.company_id).commit(
        _actor(order),
        audit=AuditEntry(f"{order.kind}.completed", order.order_id, None, order.view()["result"]),
        now=now,
    )
    _save(act.step_done(order, "audit", now))
    return {}


def step_notify(r: dict) -> dict:
    """E-mail to the administrator who ordered, SMS to the employee's number. A message that
    cannot be sent does not undo the order: the step records it. On the success path the order
    is completed here, with every step done."""
    order = _started(r, "notify")
    succeeded = order.status not in act.FINAL  # a compensated or failed order is final already
    msisdn = order.facts.get("msisdn")
    sent, problems = [], []
    subject, text, sms = _texts(order, succeeded)
    if order.created_by_email:
        try:
            send_email(order.created_by_email, subject, text)
            sent.append(f"e-mail to {order.created_by_email}")
        except Exception as exc:  # noqa: BLE001 - recorded on the order instead
            problems.append(f"e-mail not sent: {exc}")
    if msisdn and sms:
        try:
            send_sms(msisdn, sms)
            sent.append(f"SMS to {msisdn}")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"SMS not sent: {exc}")
    order = act.step_done(_load(r), "notify", clock.now(), "; ".join(sent + problems) or "nobody to tell")
    _save(act.with_status(order, act.COMPLETED, clock.now()))
    return {"sent": sent, "problems": problems}


def _texts(order: act.Order, succeeded: bool) -> tuple[str, str, str | None]:
    what = {act.ACTIVATION: "Activation", act.TERMINATION: "Termination", act.SIM_SWAP: "SIM swap"}[order.kind]
    number = order.facts.get("msisdn") or order.request.get("msisdn") or ""
    if succeeded:
        subject = f"{what} of {number} completed"
        body = f"{what} {order.order_id} of {number} is completed."
        if order.facts.get("esim_code"):
            body += f"\neSIM activation code: {order.facts['esim_code']}"
        sms = {
            act.ACTIVATION: f"Velkommen til Skysentral! Nummeret ditt {number} er aktivt.",
            act.SIM_SWAP: f"Det nye SIM-kortet for {number} er aktivt; det gamle virker ikke lenger.",
            act.TERMINATION: None,
        }[order.kind]
        return subject, body, sms
    return f"{what} of {number} failed", f"{what} {order.order_id} failed: {order.reason}", None


def step_compensate(r: dict, error: dict | None) -> dict:
    """E2: undo what was done, newest first: network, subscription, shipment, SIM, number;
    then the order ends compensated (something was undone) or failed, with a reason."""
    order = _load(r)
    now = clock.now()
    error = error or {}
    failed_step = act.running_step(order)
    reason = act.reason_of(error.get("Error"), error.get("Cause"), failed_step)
    if failed_step:
        order = act.step_failed(order, failed_step, now, reason)
    undone: list[str] = []

    def undo(step: str, detail: str) -> None:
        nonlocal order
        order = act.step_compensated(order, step, clock.now(), detail)
        undone.append(step)

    network_step = "deactivate_on_network" if order.kind == act.TERMINATION else "activate_on_network"
    network = order.step(network_step)
    if (
        order.kind != act.TERMINATION
        and network
        and (network.status == act.DONE or (failed_step == network_step and error.get("Error") == "States.Timeout"))
    ):
        try:
            provisioning.request_change("deactivate", "compensation", order.facts["msisdn"], order.facts["iccid"])
            if network.status == act.DONE:
                undo(network_step, "deactivated on the network")
        except Exception as exc:  # noqa: BLE001 - best effort; the reason says so
            reason += f" Deactivating on the network failed ({exc}); the operator has been told."
    if order.done("create_subscription") and order.facts.get("subscription_id"):
        directory = Directory(order.company_id)
        sub = directory.subscription(order.facts["subscription_id"])
        directory.commit(
            _actor(order),
            delete=[sub],
            audit=AuditEntry("subscription.activation_undone", sub.subscription_id, sub.to_dict(), None),
            now=now,
        )
        undo("create_subscription", "subscription removed")
    if order.facts.get("shipment_id") and not order.done("wait_for_delivery"):
        try:
            provisioning.cancel_shipment(order.facts["shipment_id"])
        except Exception as exc:  # noqa: BLE001
            reason += f" Cancelling the shipment failed ({exc})."
        repo.return_sim(order.company_id, order.facts["iccid"], order.order_id, to_stock=False)
        undo("order_shipment", "shipment cancelled")
    elif order.facts.get("shipment_id"):
        repo.return_sim(order.company_id, order.facts["iccid"], order.order_id, to_stock=True)
        undo("order_shipment", "the delivered SIM is back in stock")
    if order.done("take_from_stock"):
        repo.return_sim(order.company_id, order.facts["iccid"], order.order_id, to_stock=True)
        undo("take_from_stock", f"SIM {order.facts['iccid']} back in stock")
    if order.done("issue_esim"):
        repo.return_sim(order.company_id, order.facts["iccid"], order.order_id, to_stock=False)
        undo("issue_esim", "eSIM profile withdrawn")
    if order.done("reserve_number") and order.facts.get("msisdn"):
        repo.release_number(order.facts["msisdn"], order.order_id)
        undo("reserve_number", f"{order.facts['msisdn']} released")
    status = act.COMPENSATED if undone else act.FAILED
    Directory(order.company_id).commit(
        _actor(order),
        audit=AuditEntry(f"{order.kind}.failed", order.order_id, None, {"reason": reason, "undone": undone}),
        now=clock.now(),
    )
    repo.clear_waiting(order.company_id, order.order_id)
    _save(act.with_status(order, status, clock.now(), reason))  # last: a final order is fully undone and audited
    return {"status": status, "reason": reason}


# ---------------------------------------------------------------- the provider's callback
def on_provisioning_callback(data: object) -> str:
    """Resume the workflow waiting on `callback_id` (its task token): `done` goes on,
    `failed` fails the step (NetworkActivationFailed with the provider's reason). A callback
    for a workflow that no longer waits (timed out, compensation requests) is acknowledged."""
    if not isinstance(data, dict) or not isinstance(data.get("callback_id"), str):
        raise InvalidInput("A callback is a JSON object with callback_id and status.", code="invalid_callback")
    status = data.get("status")
    if status not in ("done", "failed"):
        raise InvalidInput("status must be done or failed.", code="invalid_callback")
    token = data["callback_id"]
    if token == "compensation":
        return "acknowledged"
    if status == "done":
        resumed = workflows.resume(token, {"network_ref": data.get("network_ref")})
    else:
        resumed = workflows.resume(
            token, error="NetworkActivationFailed", cause=str(data.get("reason") or "no reason given")
        )
    return "resumed" if resumed else "not waiting"
