"""E2: activation orders (a new subscription), and the orders of their own kinds that end one
(termination) or change its SIM (SIM swap). Pure: plain values in, plain values or
DomainErrors out; the workflow (statemachines/activation.asl.json) runs the steps and
services.activation_steps records each step's outcome here.

An order moves received → in_progress → (waiting_for_delivery | waiting_for_port_date)* →
completed, or ends failed (nothing needed undoing, or the undo itself broke) or compensated
(what was done was undone: number released, SIM back in stock, ...), always with a reason
an administrator can read."""

from __future__ import annotations

import contextlib
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from skysentral.domain.calendar import OSLO, iso_utc
from skysentral.domain.errors import InvalidInput, NotFound

ACTIVATION, TERMINATION, SIM_SWAP = "activation", "termination", "sim_swap"
KINDS = (ACTIVATION, TERMINATION, SIM_SWAP)

RECEIVED, IN_PROGRESS = "received", "in_progress"
WAITING_FOR_DELIVERY, WAITING_FOR_PORT_DATE = "waiting_for_delivery", "waiting_for_port_date"
COMPLETED, FAILED, COMPENSATED = "completed", "failed", "compensated"
STATUSES = (RECEIVED, IN_PROGRESS, WAITING_FOR_DELIVERY, WAITING_FOR_PORT_DATE, COMPLETED, FAILED, COMPENSATED)
FINAL = frozenset({COMPLETED, FAILED, COMPENSATED})

# step statuses
PENDING, RUNNING, DONE, STEP_FAILED, STEP_COMPENSATED = "pending", "running", "done", "failed", "compensated"

SIM_STOCK, SIM_SHIP, SIM_ESIM = "stock", "ship", "esim"
SIM_CHOICES = (SIM_STOCK, SIM_SHIP, SIM_ESIM)

# E2: a port-in happens at 06:00 Oslo time on the requested (working) day
PORT_IN_HOUR = 6
DEFAULT_QUARANTINE_DAYS = 90

_ICCID = re.compile(r"^89\d{16,20}$")  # ITU-T E.118: 89 (telecom) + country + issuer + serial
_POSTCODE = re.compile(r"^\d{4}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Step:
    name: str
    status: str = PENDING
    started_at: str | None = None
    ended_at: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Order:
    """One activation, termination or SIM swap. `facts` gathers what the steps learned
    (msisdn, iccid, shipment_id, esim_code, subscription_id, network_ref, login ...)."""

    order_id: str
    company_id: str
    kind: str
    created_at: str
    created_by: str  # the admin's user id
    created_by_email: str
    department_id: str
    request: dict  # the validated order as given (employee, plan, number, sim ...)
    created_by_role: str = "company_admin"
    status: str = RECEIVED
    reason: str | None = None
    steps: tuple[Step, ...] = ()
    facts: dict = field(default_factory=dict)
    updated_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["steps"] = [asdict(s) for s in self.steps]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Order:
        return cls(**{**d, "steps": tuple(Step(**s) for s in d.get("steps") or ())})

    def view(self) -> dict[str, Any]:
        """What GET /admin/activations/{id} shows: status, reason, each step, what was set up."""
        return {
            "activation_id": self.order_id,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "department_id": self.department_id,
            "request": self.request,
            "steps": [asdict(s) for s in self.steps],
            "result": {k: v for k, v in self.facts.items() if not k.startswith("_")},
            "updated_at": self.updated_at,
        }

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def done(self, name: str) -> bool:
        s = self.step(name)
        return s is not None and s.status == DONE


# ---------------------------------------------------------------- validation
def _text(data: dict, key: str, what: str, max_len: int = 120) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} is required.", code="validation_error")
    if len(value) > max_len:
        raise InvalidInput(f"{what} is at most {max_len} characters.", code="validation_error")
    return value.strip()


def check_iccid(iccid: object) -> str:
    if not isinstance(iccid, str) or not _ICCID.match(iccid.replace(" ", "")):
        raise InvalidInput(f"{iccid!r} is not an ICCID (18-22 digits starting with 89).", code="invalid_iccid")
    return iccid.replace(" ", "")


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Norwegian public holiday."""
    return day.weekday() < 5 and day not in norwegian_holidays(day.year)


def norwegian_holidays(year: int) -> set[date]:
    easter = _easter(year)
    moving = [-3, -2, 0, 1, 39, 49, 50]  # Maundy Thu, Good Fri, Easter, Easter Mon, Ascension, Whitsun, Whit Mon
    fixed = [date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26)]
    return {easter + timedelta(days=d) for d in moving} | set(fixed)


def _easter(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


def port_in_at(requested: date, now: datetime) -> datetime:
    """E2: the moment a number moves over: 06:00 Oslo on the requested day, or at once if
    that moment has passed (a port-in ordered for today after 06:00)."""
    at = datetime.combine(requested, time(PORT_IN_HOUR), tzinfo=OSLO).astimezone(UTC)
    return max(at, now.astimezone(UTC).replace(microsecond=0))


def _port_in(data: object, now: datetime, e164) -> dict:
    if not isinstance(data, dict):
        raise InvalidInput(
            "port_in must be an object {number, donor_operator, requested_date}.", code="validation_error"
        )
    number = e164(_text(data, "number", "port_in.number", 20))
    donor = _text(data, "donor_operator", "port_in.donor_operator", 80)
    raw = _text(data, "requested_date", "port_in.requested_date", 10)
    try:
        requested = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"port_in.requested_date {raw!r} is not a date (YYYY-MM-DD).", code="invalid_date") from None
    today = now.astimezone(OSLO).date()
    if requested < today:
        raise InvalidInput(f"port_in.requested_date {raw} is in the past.", code="port_date_in_past")
    if not is_working_day(requested):
        raise InvalidInput(
            f"port_in.requested_date {raw} is not a working day (weekends and public holidays are not).",
            code="port_date_not_working_day",
        )
    return {
        "number": number,
        "donor_operator": donor,
        "requested_date": raw,
        "port_at": iso_utc(port_in_at(requested, now)),
    }


def check_sim(data: object, stock: set[str] | None = None) -> dict:
    """SIM choice: {"kind": "stock", "iccid"} (an unused SIM the company holds),
    {"kind": "ship", "address": {name, street, postcode, city}} or {"kind": "esim"}."""
    if not isinstance(data, dict) or data.get("kind") not in SIM_CHOICES:
        raise InvalidInput(f"sim.kind must be one of {', '.join(SIM_CHOICES)}.", code="validation_error")
    kind = data["kind"]
    if kind == SIM_STOCK:
        iccid = check_iccid(data.get("iccid"))
        if stock is not None and iccid not in stock:
            raise InvalidInput(f"SIM {iccid} is not an unused SIM in the company's stock.", code="sim_not_in_stock")
        return {"kind": kind, "iccid": iccid}
    if kind == SIM_SHIP:
        address = data.get("address")
        if not isinstance(address, dict):
            raise InvalidInput(
                "sim.address {name, street, postcode, city} is required to ship a SIM.", code="validation_error"
            )
        postcode = _text(address, "postcode", "sim.address.postcode", 4)
        if not _POSTCODE.match(postcode):
            raise InvalidInput(f"sim.address.postcode {postcode!r} must be 4 digits.", code="invalid_postcode")
        return {
            "kind": kind,
            "address": {
                "name": _text(address, "name", "sim.address.name", 80),
                "street": _text(address, "street", "sim.address.street", 120),
                "postcode": postcode,
                "city": _text(address, "city", "sim.address.city", 60),
            },
        }
    return {"kind": kind}


def validate_activation(
    data: dict,
    *,
    plan_codes: set[str],
    department_ids: set[str],
    employees: dict[str, str],  # employee id -> department id
    stock: set[str],
    now: datetime,
    e164,
) -> dict:
    """E2: the order as the workflow will run it, or InvalidInput naming what is wrong.
    `e164` parses a phone number (organisation.to_e164)."""
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", code="malformed_json")
    unknown = set(data) - {"department_id", "employee_id", "new_employee", "plan_code", "number", "port_in", "sim"}
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.", code="validation_error")
    department_id = _text(data, "department_id", "department_id", 60)
    if department_id not in department_ids:
        raise InvalidInput(f"Department {department_id} does not exist.", code="unknown_department")
    plan = _text(data, "plan_code", "plan_code", 40)
    if plan not in plan_codes:
        raise InvalidInput(
            f"Price plan {plan} is not in the company's agreement (it has {', '.join(sorted(plan_codes))}).",
            code="plan_not_in_agreement",
        )
    out: dict[str, Any] = {"department_id": department_id, "plan_code": plan}
    if ("employee_id" in data) == ("new_employee" in data):
        raise InvalidInput("Give either employee_id or new_employee {name, email, mobile}.", code="validation_error")
    if "employee_id" in data:
        employee_id = _text(data, "employee_id", "employee_id", 60)
        if employee_id not in employees:
            raise InvalidInput(f"No employee {employee_id}.", code="unknown_employee")
        out["employee_id"] = employee_id
    else:
        new = data["new_employee"]
        if not isinstance(new, dict):
            raise InvalidInput("new_employee must be an object {name, email, mobile}.", code="validation_error")
        email = _text(new, "email", "new_employee.email", 120)
        if not _EMAIL.match(email):
            raise InvalidInput(f"new_employee.email {email!r} is not an e-mail address.", code="invalid_email")
        mobile = new.get("mobile")
        out["new_employee"] = {
            "name": _text(new, "name", "new_employee.name", 80),
            "email": email,
            "mobile": e164(mobile) if mobile else None,
        }
    if data.get("number") is not None and data.get("port_in") is not None:
        raise InvalidInput("Give a pool number or a port_in, not both.", code="validation_error")
    if data.get("port_in") is not None:
        out["port_in"] = _port_in(data["port_in"], now, e164)
    else:
        out["number"] = e164(data["number"]) if data.get("number") else None  # None: any free pool number
    out["sim"] = check_sim(data.get("sim"), stock)
    return out


def validate_sim_swap(data: dict, stock: set[str]) -> dict:
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", code="malformed_json")
    sim = check_sim(data.get("sim"), stock)
    if sim["kind"] == SIM_SHIP:
        raise InvalidInput("A SIM swap takes a SIM from stock or an eSIM.", code="validation_error")
    return {"sim": sim}


def quarantine_until(now: datetime, days: int) -> datetime:
    """E2: a terminated number rests this long before the pool gives it out again."""
    return now + timedelta(days=days)


# ---------------------------------------------------------------- step outcomes
def _stamp(now: datetime) -> str:
    return iso_utc(now)


def _set_step(order: Order, name: str, now: datetime, **changes: Any) -> Order:
    steps = list(order.steps)
    for i, s in enumerate(steps):
        if s.name == name:
            steps[i] = replace(s, **changes)
            break
    else:
        steps.append(replace(Step(name), **changes))
    return replace(order, steps=tuple(steps), updated_at=_stamp(now))


def step_started(order: Order, name: str, now: datetime, detail: str | None = None) -> Order:
    current = order.step(name)
    if current is not None and current.status == RUNNING:
        return order  # a retried task: keep when it first started
    return _set_step(order, name, now, status=RUNNING, started_at=_stamp(now), ended_at=None, detail=detail)


def step_done(order: Order, name: str, now: datetime, detail: str | None = None) -> Order:
    current = order.step(name)
    started = current.started_at if current and current.started_at else _stamp(now)
    return _set_step(order, name, now, status=DONE, started_at=started, ended_at=_stamp(now), detail=detail)


def step_failed(order: Order, name: str, now: datetime, detail: str) -> Order:
    current = order.step(name)
    started = current.started_at if current and current.started_at else _stamp(now)
    return _set_step(order, name, now, status=STEP_FAILED, started_at=started, ended_at=_stamp(now), detail=detail)


def step_compensated(order: Order, name: str, now: datetime, detail: str) -> Order:
    return _set_step(order, name, now, status=STEP_COMPENSATED, ended_at=_stamp(now), detail=detail)


def running_step(order: Order) -> str | None:
    return next((s.name for s in reversed(order.steps) if s.status == RUNNING), None)


def with_status(order: Order, status: str, now: datetime, reason: str | None = None) -> Order:
    if order.status in FINAL:
        return order  # a final order never changes again
    if status not in STATUSES:
        raise ValueError(status)
    return replace(order, status=status, reason=reason or order.reason, updated_at=_stamp(now))


def with_facts(order: Order, now: datetime, **facts: Any) -> Order:
    return replace(order, facts={**order.facts, **facts}, updated_at=_stamp(now))


# E2: what a failed step means to an administrator (by the error the workflow caught)
_REASONS = {
    "NumberUnavailable": "The number could not be reserved: {cause}",
    "SimUnavailable": "The SIM could not be taken: {cause}",
    "ActivationRefused": "The order was refused: {cause}",
    "NetworkActivationFailed": "The mobile network refused the change: {cause}",
    "ProvisioningUnavailable": "The mobile network's provisioning service could not be reached: {cause}",
}
_TIMEOUTS = {
    "wait_for_delivery": "The SIM was not confirmed delivered in time; the shipment was cancelled.",
    "activate_on_network": "The mobile network did not confirm the activation in time.",
    "deactivate_on_network": "The mobile network did not confirm the deactivation in time.",
}


def reason_of(error: str | None, cause: str | None, failed_step: str | None) -> str:
    """A sentence for the administrator from the workflow's {Error, Cause}."""
    if error == "States.Timeout":
        return _TIMEOUTS.get(failed_step or "", f"Step {failed_step} did not finish in time.")
    message = cause or ""
    if message.startswith("{"):
        import json

        with contextlib.suppress(ValueError):
            message = json.loads(message).get("errorMessage", message)
    if error in _REASONS:
        return _REASONS[error].format(cause=message or "no detail given")
    where = f" in step {failed_step}" if failed_step else ""
    return f"An unexpected error{where} stopped the order ({error or 'unknown'}); what was done has been undone."


def find_order(orders: list[Order], order_id: str) -> Order:
    for o in orders:
        if o.order_id == order_id:
            return o
    raise NotFound(f"No activation {order_id}.")
