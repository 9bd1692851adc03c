"""The switchboard's call handling (B3, B4): assign a waiting call to a person, blind transfer,
hold (park) and pick up. docs/switchboard.md ("Call handling") is the contract;
docs/switchboard-calls.md tells how it runs.

Each function checks the call belongs to the caller's company (another company's call, or
none: NotFound) and that its state allows the action (Conflict `call_not_waiting` /
`call_not_connected`), checks the target (Unprocessable when it cannot take calls), then
pokes the live call with `adapters.chime_voice.update_call` (`op` assign, transfer, hold);
call control (domain.pbx.call_flow) carries it out on CALL_UPDATE_REQUESTED. The answer is
202: what happened shows in the live view and the call events.

The call's state is read from its `CALL#<txn>`/`STATE` item (node: `queue` waiting, `offer`
ringing someone, `connected`, `held`, …). Assigning a waiting call claims its queue entry
and the person in ONE transaction (AgentRepository.claim with anyone=True, the dispatcher's
own claim): an entry the dispatcher offers at the same moment goes to exactly one of them.
A held call is claimed the same way on its `<company>#HOLD` item (call_repository.claim_hold).

The adapter is a parameter (`voice`, adapters.chime_voice by default): tests pass a fake."""

from __future__ import annotations

from typing import Any

from skysentral import clock
from skysentral.domain import organisation
from skysentral.domain.errors import Conflict, InvalidInput, NotFound, Unprocessable
from skysentral.store import call_repository as repo
from skysentral.store.directory_repository import Directory

TRANSFER_KINDS = ("person", "queue", "group", "external", "extension")


class CallNotWaiting(Conflict):
    code = "call_not_waiting"


class CallNotConnected(Conflict):
    code = "call_not_connected"


class PersonBusy(Conflict):
    code = "person_busy"


class CannotTakeCalls(Unprocessable):
    code = "cannot_take_calls"


def _voice_default() -> Any:
    from skysentral.adapters import chime_voice

    return chime_voice


def _call(directory: Directory, call_id: str) -> dict[str, str]:
    """The live call's state (TransactionAttributes) when it is this company's and not over."""
    stored = repo.stored_call(call_id) if call_id else None
    if stored is None or stored.company_id != directory.company_id:
        raise NotFound(f"No call {call_id!r}.", code="call_not_found")
    attrs = dict(stored.attrs)
    if attrs.get("node") in ("ended", "ending", "callback_left") or attrs.get("op"):
        # over, or a call the product placed (click-to-dial, callback, ringall leg): not a caller's call
        if attrs.get("node") in ("ended", "ending", "callback_left"):
            raise NotFound(f"The call {call_id} has ended.", code="call_ended")
        raise CallNotConnected("Only a caller's call can be handled from the switchboard.")
    return attrs


def _person(directory: Directory, employee_id: str) -> tuple[organisation.Employee, str]:
    """The person and the uri to ring (softphone, else mobile); 422 when there is none."""
    employee = next((e for e in directory.employees() if e.employee_id == employee_id), None)
    if employee is None:
        raise CannotTakeCalls(f"There is no employee {employee_id!r} in your company.", code="unknown_person")
    presence = repo.presence(directory.company_id, employee_id)
    uri = (presence.softphone_uri if presence and presence.softphone_uri else None) or employee.mobile
    if not uri:
        raise CannotTakeCalls(f"{employee.name} has no phone number or softphone to ring.", code="no_number")
    return employee, uri


def _poke(voice: Any, call_id: str, args: dict[str, Any], undo: Any = None) -> None:
    from skysentral.adapters.chime_voice import CallGone

    try:
        voice.update_call(call_id, args)
    except CallGone:
        if undo:
            undo()
        raise NotFound(f"The call {call_id} has ended.", code="call_ended") from None
    except Exception:
        if undo:
            undo()
        raise


def _accepted(call_id: str, status: str, **more: Any) -> dict[str, Any]:
    return {"call_id": call_id, "status": status, **more}


# ---------------------------------------------------------------- assign and pick up


def assign(directory: Directory, call_id: str, employee_id: str, by: str, voice: Any = None) -> dict[str, Any]:
    """B3: offer this waiting (or held) call to that person now, queue member or not. Not
    answered within the queue's ring timeout: back to its place in the queue (or on hold)."""
    attrs = _call(directory, call_id)
    node = attrs.get("node", "")
    if node == "held":
        return pickup(directory, call_id, employee_id, by, voice)
    if node != "queue" or not attrs.get("entry"):
        raise CallNotWaiting(_not_waiting(call_id, node))
    _employee, uri = _person(directory, employee_id)
    cid, queue_id, entry_key = directory.company_id, attrs.get("queue", ""), attrs["entry"]
    entry = next((e for e in repo.entries(cid, queue_id) if e.sk == entry_key), None)
    if entry is None or entry.status != "waiting":
        raise CallNotWaiting(f"The call {call_id} is no longer waiting in the queue (it is being offered or has left).")
    now_ms = int(clock.now().timestamp() * 1000)
    if not repo.AgentRepository(cid).claim(employee_id, entry, queue_id, now_ms, callback=False, anyone=True):
        entry = next((e for e in repo.entries(cid, queue_id) if e.sk == entry_key), None)
        if entry is None or entry.status != "waiting":
            raise CallNotWaiting(f"The call {call_id} was just offered to someone else or has left the queue.")
        raise PersonBusy(f"{_employee.name} is on a call or being rung; try again when they are free.")
    from skysentral.services import queue_dispatch

    plan = repo.routing_plan(cid)
    extra = {"by": by, "entry": entry_key}
    outcome = queue_dispatch._offer(
        cid, queue_id, plan, entry, employee_id, uri, None, False, now_ms, voice or _voice_default(), "assign", extra
    )
    if outcome is None:
        raise NotFound(f"The call {call_id} has ended.", code="call_ended")
    return _accepted(call_id, "offered", employee_id=employee_id)


def pickup(directory: Directory, call_id: str, employee_id: str, by: str, voice: Any = None) -> dict[str, Any]:
    """B4: a held call is offered to that person (the caller of the route by default)."""
    attrs = _call(directory, call_id)
    if attrs.get("node") != "held":
        raise CallNotConnected(f"The call {call_id} is not on hold.", code="call_not_held")
    employee, uri = _person(directory, employee_id)
    cid = directory.company_id
    hold = repo.hold_of(cid, call_id)
    if hold is None:
        raise CallNotConnected(f"The call {call_id} is not on hold.", code="call_not_held")
    now_ms = int(clock.now().timestamp() * 1000)
    if not repo.claim_hold(cid, hold.sk, call_id, employee_id, now_ms):
        hold = repo.hold_of(cid, call_id)
        if hold is None or hold.offered_to:
            raise CallNotConnected(f"The held call {call_id} is being picked up by someone else.", code="call_not_held")
        raise PersonBusy(f"{employee.name} is on a call or being rung; try again when they are free.")

    def undo() -> None:
        repo.release_hold(cid, hold.sk)
        repo.AgentRepository(cid).release(employee_id, "", 0, False, now_ms)

    args = {"op": "assign", "employee_id": employee_id, "uri": uri, "by": by, "hold": hold.sk}
    _poke(voice or _voice_default(), call_id, args, undo)
    return _accepted(call_id, "offered", employee_id=employee_id)


# ---------------------------------------------------------------- hold


def hold(directory: Directory, call_id: str, by: str, voice: Any = None) -> dict[str, Any]:
    """B3: park a connected call: the caller hears the hold loop, the agent's leg ends."""
    attrs = _call(directory, call_id)
    if attrs.get("node") != "connected":
        raise CallNotConnected(_not_connected(call_id, attrs.get("node", "")))
    if attrs.get("fork_meeting"):
        raise CallNotConnected("A call answered through a ring-all group cannot be parked.")
    _poke(voice or _voice_default(), call_id, {"op": "hold", "by": by})
    return _accepted(call_id, "holding")


# ---------------------------------------------------------------- transfer


def transfer(directory: Directory, call_id: str, to: dict[str, str], by: str, voice: Any = None) -> dict[str, Any]:
    """B4: blind transfer of a waiting, held or connected call to a person, queue, group,
    extension or external number (call control routes it as any destination)."""
    attrs = _call(directory, call_id)
    node = attrs.get("node", "")
    if node == "offer":
        raise CallNotWaiting(f"The call {call_id} is ringing someone right now; try again in a moment.")
    if node not in ("queue", "held", "connected"):
        raise CallNotConnected(_not_connected(call_id, node))
    if node == "connected" and attrs.get("fork_meeting"):
        raise CallNotConnected("A call answered through a ring-all group cannot be transferred.")
    kind, target = _target(directory, to.get("kind", ""), str(to.get("target", "")))
    if node == "queue" and attrs.get("entry"):
        entry = next(
            (e for e in repo.entries(directory.company_id, attrs.get("queue", "")) if e.sk == attrs["entry"]), None
        )
        if entry is not None and entry.status != "waiting":
            raise CallNotWaiting(f"The call {call_id} is being offered to an agent right now; try again in a moment.")
    _poke(voice or _voice_default(), call_id, {"op": "transfer", "kind": kind, "target": target, "by": by})
    return _accepted(call_id, "transferring", to={"kind": kind, "target": target})


def _target(directory: Directory, kind: str, target: str) -> tuple[str, str]:
    """The destination checked (422 when it cannot take calls); external numbers in E.164."""
    target = target.strip()
    if kind not in TRANSFER_KINDS:
        raise InvalidInput(f"to.kind must be one of {', '.join(TRANSFER_KINDS)}.", code="invalid_target")
    if kind in ("queue", "group"):
        plan = repo.routing_plan(directory.company_id)
        places = (plan.queues if kind == "queue" else plan.groups) if plan is not None else {}
        if target not in places:
            raise CannotTakeCalls(f"There is no {kind} {target!r} in your routing plan.", code=f"unknown_{kind}")
        return kind, target
    if kind == "person":
        _person(directory, target)
        return kind, target
    if kind == "extension":
        employee = next((e for e in directory.employees() if e.extension and e.extension == target), None)
        if employee is None:
            raise CannotTakeCalls(f"Nobody has the extension {target!r}.", code="unknown_extension")
        return kind, target
    try:
        return kind, organisation.to_e164(target)
    except InvalidInput:
        raise CannotTakeCalls(f"{target!r} is not a phone number that can be called.", code="invalid_number") from None


def _not_waiting(call_id: str, node: str) -> str:
    what = {"held": "on hold", "connected": "answered already", "offer": "ringing someone right now"}
    return f"The call {call_id} is not waiting in a queue ({what.get(node, node or 'not waiting')})."


def _not_connected(call_id: str, node: str) -> str:
    what = {"queue": "waiting in a queue", "held": "on hold", "offer": "ringing someone", "holding": "being parked"}
    return f"The call {call_id} is not in a conversation ({what.get(node, node or 'not connected')})."
