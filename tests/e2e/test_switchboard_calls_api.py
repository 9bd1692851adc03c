"""The switchboard's call handling over HTTP (B3, B4): who may, whose calls, which states.
The live calls are call-control state items written straight into the emulator (a call in
a given state), so the answers before any call is poked are what is tested here; the pokes
themselves run in tests/integration/test_call_handling.py and the call simulator."""

from __future__ import annotations

import time
import uuid

import pytest

ROUTES = ("assign", "transfer", "hold", "pickup")
BODIES = {
    "assign": {"employee_id": "e-nordlys-05"},
    "transfer": {"to": {"kind": "queue", "target": "service"}},
    "hold": None,
    "pickup": {"employee_id": "e-nordlys-05"},
}


@pytest.fixture
def live_call(cloud, seeded):
    """live_call(node, **attrs) -> the id of a Nordlys call in that call-control state."""
    from skysentral.store import call_repository as repo

    def make(node: str, **attrs: str) -> str:
        txn = str(uuid.uuid4())
        state = {"a": "c-caller-01", "caller": "+4791234567", "company": "c-nordlys", "node": node, **attrs}
        repo.state_item(txn, 3, {}, state, "c-nordlys", int(time.time())).save()
        return txn

    return make


def ingrid(as_user):
    return as_user("switchboard_agent")


@pytest.mark.feature("B3", "B4")
@pytest.mark.parametrize("route", ROUTES)
def test_b3_b4_an_employee_may_not_handle_calls(as_user, live_call, route):
    txn = live_call("queue", queue="service", entry=f"0000000000001#{uuid.uuid4()}")
    status, body = as_user("employee (Lars").post(f"/switchboard/calls/{txn}/{route}", BODIES[route])
    assert status == 403, body


@pytest.mark.feature("B3", "B4")
@pytest.mark.parametrize("route", ROUTES)
def test_b3_b4_another_companys_call_does_not_exist(siri, live_call, route):
    txn = live_call("connected", agent="e-nordlys-04")
    status, body = siri.post(f"/switchboard/calls/{txn}/{route}", BODIES[route])
    assert status == 404 and body["error"] == "call_not_found", body


@pytest.mark.feature("B3", "B4")
@pytest.mark.parametrize("route", ROUTES)
def test_b3_b4_an_unknown_call_is_404(as_user, route):
    status, body = ingrid(as_user).post(f"/switchboard/calls/no-such-call/{route}", BODIES[route])
    assert status == 404, body


@pytest.mark.feature("B3")
def test_b3_assigning_a_call_already_answered_is_409_call_not_waiting(as_user, live_call):
    txn = live_call("connected", agent="e-nordlys-04")
    status, body = ingrid(as_user).post(f"/switchboard/calls/{txn}/assign", {"employee_id": "e-nordlys-05"})
    assert status == 409 and body["error"] == "call_not_waiting" and "answered" in body["message"], body


@pytest.mark.feature("B3")
def test_b3_holding_a_waiting_call_is_409_call_not_connected(kari, live_call):
    txn = live_call("queue", queue="service", entry=f"0000000000001#{uuid.uuid4()}")
    status, body = kari.post(f"/switchboard/calls/{txn}/hold")
    assert status == 409 and body["error"] == "call_not_connected" and "waiting" in body["message"], body


@pytest.mark.feature("B4")
def test_b4_picking_up_a_call_that_is_not_held_is_409(as_user, live_call):
    txn = live_call("connected", agent="e-nordlys-04")
    status, body = ingrid(as_user).post(f"/switchboard/calls/{txn}/pickup", {})
    assert status == 409 and body["error"] == "call_not_held", body


@pytest.mark.feature("B4")
@pytest.mark.parametrize(
    ("to", "code"),
    [
        ({"kind": "queue", "target": "no-such-queue"}, "unknown_queue"),
        ({"kind": "person", "target": "e-nobody"}, "unknown_person"),
        ({"kind": "person", "target": "e-fjellvind-01"}, "unknown_person"),  # another company's person
        ({"kind": "extension", "target": "9999"}, "unknown_extension"),
        ({"kind": "external", "target": "not a number"}, "invalid_number"),
    ],
)
def test_b4_a_transfer_target_that_cannot_take_calls_is_422(as_user, live_call, to, code):
    txn = live_call("connected", agent="e-nordlys-04")
    status, body = ingrid(as_user).post(f"/switchboard/calls/{txn}/transfer", {"to": to})
    assert status == 422 and body["error"] == code, body


@pytest.mark.feature("B3", "B4")
@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("assign", {}),
        ("assign", {"employee_id": ""}),
        ("transfer", {"to": {"kind": "moon", "target": "x"}}),
        ("transfer", {"to": "e-nordlys-05"}),
        ("pickup", {"employee_id": 5}),
    ],
)
def test_b3_b4_a_malformed_body_is_400(as_user, live_call, route, body):
    txn = live_call("queue", queue="service", entry=f"0000000000001#{uuid.uuid4()}")
    status, answer = ingrid(as_user).post(f"/switchboard/calls/{txn}/{route}", body)
    assert status == 400, answer
