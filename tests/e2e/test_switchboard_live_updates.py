"""B3/B8: the switchboard page stays live through the WebSocket API (docs/switchboard.md,
"Live updates"), played locally by infra/local/websocket_standin.py: a switchboard agent's
page connects with its token, a simulated call's events arrive within 2 s of the event, and
another company's page hears nothing of it. Employees and bad tokens are refused."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.local import websocket_standin
from tests.helpers import nordlys_employee_claims

AGENT = {  # Ingrid Johansen, the demo company's switchboard agent
    "sub": "e-nordlys-03",
    "email": "ingrid.johansen@nordlys.no",
    "custom:company_id": "c-nordlys",
    "custom:role": "switchboard_agent",
    "custom:departments": "",
}
OTHER_ADMIN = {  # Siri Fjell, company admin of Fjellvind
    "sub": "e-fjellvind-01",
    "email": "siri@fjellvind.no",
    "custom:company_id": "c-fjellvind",
    "custom:role": "company_admin",
    "custom:departments": "",
}
NORDLYS_MAIN = "+4722123400"


@pytest.fixture(scope="module")
def socket_url(cloud: Any, gateway: str, seeded: Any) -> str:
    standin = websocket_standin.of(cloud)
    assert standin is not None, "the gateway starts the WebSocket stand-in"
    # the main number's SIP rule to this stack again (another stack stopped in this process
    # takes the rules it registered with it)
    cloud.telephony.register(cloud)
    return standin.url


def _open(url: str, token: str | None) -> ClientConnection:
    query = f"/?token={token}" if token is not None else "/"
    return connect(url + query, open_timeout=10)


def _frames(ws: ClientConnection, until: float) -> list[dict]:
    """Every frame received until the monotonic time ``until``."""
    out: list[dict] = []
    while (left := until - time.monotonic()) > 0:
        try:
            out.append(json.loads(ws.recv(timeout=left)))
        except TimeoutError:
            break
    return out


def _place_call(gateway: str, caller: str, to: str) -> str:
    body = json.dumps({"from": caller, "to": to, "hangup_after": 1}).encode()
    request = urllib.request.Request(f"{gateway}/_local/calls", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["transaction_id"]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.feature("B3", "B8")
@pytest.mark.parametrize(
    ("who", "status"),
    [("employee", 403), ("bad signature", 401), ("expired", 401), ("no token", 401)],
)
def test_a_page_without_a_switchboard_role_or_a_valid_token_is_refused(socket_url, token, who, status):
    tokens = {
        "employee": token(nordlys_employee_claims(4)),
        "bad signature": token(AGENT)[:-8] + "AAAAAAAA",
        "expired": token(AGENT, ttl_s=-60),
        "no token": None,
    }
    with pytest.raises(InvalidStatus) as refused:
        _open(socket_url, tokens[who]).close()
    assert refused.value.response.status_code == status


@pytest.mark.feature("B3", "B8")
def test_ping_is_answered_pong(socket_url, token):
    with _open(socket_url, token(AGENT)) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
        ws.send("not json")
        assert json.loads(ws.recv(timeout=5))["error"] == "unknown_action"


@pytest.mark.feature("B3", "B8")
def test_a_call_reaches_the_agents_page_within_2_s_and_no_other_companys(socket_url, gateway, token):
    with _open(socket_url, token(AGENT)) as agent, _open(socket_url, token(OTHER_ADMIN)) as other:
        # a first call warms the path (the push function's cold start and its API client are
        # not what the 2 s are about); the second one is measured
        _place_call(gateway, "+4798711000", NORDLYS_MAIN)
        _frames(agent, time.monotonic() + 3)
        call_id = _place_call(gateway, "+4798711001", NORDLYS_MAIN)
        deadline, got, delays = time.monotonic() + 10, [], []
        while time.monotonic() < deadline and not got:
            for frame in _frames(agent, min(deadline, time.monotonic() + 0.5)):
                received = datetime.now(UTC)
                assert frame["type"] == "call_events", frame
                for event in frame["events"]:
                    assert set(event) == {"kind", "call_id", "queue_id", "employee_id", "at"}
                    if event["call_id"] == call_id:
                        got.append(event)
                        delays.append((received - _at(event["at"])).total_seconds())
        assert got, "the call's events never reached the agent's page"
        assert got[0]["kind"] == "INCOMING"
        assert min(delays) < 2.0, delays
        leaked = [f for f in _frames(other, time.monotonic() + 1.0) if call_id in json.dumps(f)]
        assert leaked == [], "Fjellvind's page heard of Nordlys' call"


@pytest.mark.feature("B3", "B8")
def test_a_wait_alert_on_the_bus_reaches_the_company_page(socket_url, cloud, token):
    alert = {
        "company_id": "c-nordlys",
        "queue_id": "sentralbord",
        "call_id": "alert-test-1",
        "caller": "+4798711002",
        "wait_s": 90,
        "threshold_s": 90,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    with _open(socket_url, token(AGENT)) as agent:
        cloud.client("events").put_events(
            Entries=[
                {
                    "Source": "skysentral.switchboard",
                    "DetailType": "WaitAlert",
                    "Detail": json.dumps(alert),
                    "EventBusName": cloud.function_environment()["CALL_EVENTS_BUS"],
                }
            ]
        )
        frames = [f for f in _frames(agent, time.monotonic() + 5) if f["type"] == "alert"]
        assert [f["alert"] for f in frames if f["alert"]["call_id"] == "alert-test-1"] == [alert]


@pytest.mark.feature("B3", "B8")
def test_a_closed_page_is_forgotten(socket_url, cloud, token):
    from skysentral.store import socket_repository

    before = {c.connection_id for c in socket_repository.connections("c-nordlys")}
    with _open(socket_url, token(AGENT)):
        new = {c.connection_id for c in socket_repository.connections("c-nordlys")} - before
        assert len(new) == 1
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and new & {c.connection_id for c in socket_repository.connections("c-nordlys")}:
        time.sleep(0.05)
    assert not new & {c.connection_id for c in socket_repository.connections("c-nordlys")}
    assert socket_repository.company_of(new.pop()) is None
