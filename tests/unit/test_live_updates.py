"""B3/B8: what the switchboard's pages are pushed (services.live_updates, domain.pbx.live_updates):
one message per company per batch, events in order and without duplicates, wait alerts as
their own messages, gone connections forgotten, one connection's failure not stopping the
others; and who may connect (adapters.token_check against the local issuer's keys)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from skysentral.domain.errors import Forbidden, Unauthorized
from skysentral.services import live_updates


def call_event(company: str, call: str, kind: str, at: str, n: int = 0, **more: Any) -> str:
    detail = {
        "event_id": f"{call}#{n}#0",
        "kind": kind,
        "company_id": company,
        "call_id": call,
        "at": at,
        "caller": "+4798765432",
        "called": "+4722123400",
        "queue_id": more.get("queue_id"),
        "group_id": None,
        "employee_id": more.get("employee_id"),
        "data": {"holdtime_s": 3},
        "version": 1,
    }
    return json.dumps({"source": "skysentral.pbx", "detail-type": "CallEvent", "detail": detail})


def wait_alert(company: str, call: str) -> tuple[str, dict]:
    detail = {
        "company_id": company,
        "queue_id": "sentralbord",
        "call_id": call,
        "caller": "+4798765432",
        "wait_s": 91,
        "threshold_s": 90,
        "at": "2026-11-25T09:16:30.000Z",
    }
    return json.dumps({"source": "skysentral.switchboard", "detail-type": "WaitAlert", "detail": detail}), detail


@dataclass(frozen=True)
class Conn:
    connection_id: str


class FakeStore:
    def __init__(self, by_company: dict[str, list[str]]):
        self.by_company = {c: list(ids) for c, ids in by_company.items()}
        self.removed: list[tuple[str, str | None]] = []
        self.added: list[tuple[str, str, str, str]] = []

    def add(self, company_id, connection_id, user_id, role):
        self.added.append((company_id, connection_id, user_id, role))
        self.by_company.setdefault(company_id, []).append(connection_id)

    def remove(self, connection_id, company_id=None):
        self.removed.append((connection_id, company_id))
        for ids in self.by_company.values():
            if connection_id in ids:
                ids.remove(connection_id)
        return company_id

    def connections(self, company_id):
        return [Conn(c) for c in self.by_company.get(company_id, [])]


class FakePoster:
    def __init__(self, gone: set[str] = frozenset(), broken: set[str] = frozenset()):
        self.gone, self.broken = set(gone), set(broken)
        self.frames: dict[str, list[dict]] = {}

    def __call__(self, connection_id: str, data: bytes) -> bool:
        if connection_id in self.broken:
            raise ConnectionError("management API unreachable")
        if connection_id in self.gone:
            return False
        self.frames.setdefault(connection_id, []).append(json.loads(data))
        return True


@pytest.mark.feature("B3", "B8")
def test_a_batch_is_one_message_per_company_in_event_order_without_duplicates():
    store = FakeStore({"c-nordlys": ["n1", "n2"], "c-fjellvind": ["f1"]})
    post = FakePoster()
    second = call_event("c-nordlys", "t1", "ENTERQUEUE", "2026-11-25T09:15:01.000Z", 2, queue_id="sentralbord")
    first = call_event("c-nordlys", "t1", "INCOMING", "2026-11-25T09:15:00.000Z", 1)
    other = call_event("c-fjellvind", "t9", "INCOMING", "2026-11-25T09:15:00.500Z", 1)
    report = live_updates.push([second, first, other, first], store, post)  # `first` redelivered

    expected = {
        "type": "call_events",
        "events": [
            {
                "kind": "INCOMING",
                "call_id": "t1",
                "queue_id": None,
                "employee_id": None,
                "at": "2026-11-25T09:15:00.000Z",
            },
            {
                "kind": "ENTERQUEUE",
                "call_id": "t1",
                "queue_id": "sentralbord",
                "employee_id": None,
                "at": "2026-11-25T09:15:01.000Z",
            },
        ],
    }
    assert post.frames["n1"] == post.frames["n2"] == [expected]
    assert [e["call_id"] for m in post.frames["f1"] for e in m["events"]] == ["t9"]
    assert report.companies == 2 and report.messages == 3 and not report.gone


@pytest.mark.feature("B3", "B8")
def test_a_wait_alert_is_its_own_message_after_the_call_events():
    store, post = FakeStore({"c-nordlys": ["n1"]}), FakePoster()
    body, detail = wait_alert("c-nordlys", "t1")
    live_updates.push([body, call_event("c-nordlys", "t2", "INCOMING", "2026-11-25T09:16:00.000Z")], store, post)
    assert [m["type"] for m in post.frames["n1"]] == ["call_events", "alert"]
    assert post.frames["n1"][1] == {"type": "alert", "alert": detail}


@pytest.mark.feature("B3", "B8")
def test_gone_connections_are_forgotten_and_a_broken_one_does_not_stop_the_others():
    store = FakeStore({"c-nordlys": ["gone", "broken", "alive"]})
    post = FakePoster(gone={"gone"}, broken={"broken"})
    report = live_updates.push([call_event("c-nordlys", "t1", "INCOMING", "2026-11-25T09:15:00.000Z")], store, post)
    assert list(post.frames) == ["alive"]
    assert store.removed == [("gone", "c-nordlys")]
    assert report.gone == ["gone"] and report.failed == ["broken"]
    assert [c.connection_id for c in store.connections("c-nordlys")] == ["broken", "alive"]


@pytest.mark.feature("B3", "B8")
def test_records_that_are_not_ours_and_companies_without_pages_send_nothing():
    store, post = FakeStore({}), FakePoster()
    bodies = [
        "not json",
        json.dumps({"source": "skysentral.pbx", "detail-type": "CallEvent", "detail": {"kind": "INCOMING"}}),
        json.dumps({"source": "elsewhere", "detail-type": "WaitAlert", "detail": {"company_id": "c-nordlys"}}),
        call_event("c-nordlys", "t1", "INCOMING", "2026-11-25T09:15:00.000Z"),
    ]
    report = live_updates.push(bodies, store, post)
    assert post.frames == {} and report.messages == 0 and report.companies == 1


@pytest.mark.feature("B3", "B8")
@pytest.mark.parametrize("role", ["switchboard_agent", "company_admin", "department_admin"])
def test_the_switchboards_roles_may_connect(role):
    store = FakeStore({})
    claims = {"sub": "e-nordlys-03", "custom:company_id": "c-nordlys", "custom:role": role}
    live_updates.connect(claims, "conn-1", store)
    assert store.added == [("c-nordlys", "conn-1", "e-nordlys-03", role)]


@pytest.mark.feature("B3", "B8")
def test_an_employee_or_a_token_without_company_may_not_connect():
    store = FakeStore({})
    with pytest.raises(Forbidden):
        live_updates.connect({"sub": "e-1", "custom:company_id": "c-nordlys", "custom:role": "employee"}, "c1", store)
    with pytest.raises(Unauthorized):
        live_updates.connect({"sub": "e-1", "custom:role": "switchboard_agent"}, "c2", store)
    assert store.added == []


# ------------------------------------------------------------------ the token check
@pytest.fixture
def local_keys(monkeypatch, tmp_path):
    """adapters.token_check in local mode, its JWKS served from a local issuer's key."""
    import jwt

    from infra.local.issuer import Issuer
    from skysentral.adapters import token_check

    issuer = Issuer(key_file=tmp_path / "key.pem")
    monkeypatch.setenv("STAGE", "local")
    monkeypatch.setenv("TOKEN_JWKS_URL", "http://jwks.invalid/keys")
    jwk_set = jwt.PyJWKSet.from_dict(issuer.jwks())

    class Keys:
        def get_signing_key_from_jwt(self, token):
            kid = jwt.get_unverified_header(token).get("kid")
            match = [k for k in jwk_set.keys if k.key_id == kid]
            if not match:
                raise jwt.PyJWKClientError("Unable to find a signing key that matches")
            return match[0]

    monkeypatch.setattr(token_check, "_keys", lambda url: Keys())
    return issuer


CLAIMS = {"sub": "e-nordlys-03", "custom:company_id": "c-nordlys", "custom:role": "switchboard_agent"}


@pytest.mark.feature("B3", "B8")
def test_a_local_issuer_token_is_verified(local_keys):
    from skysentral.adapters import token_check

    assert token_check.verify(local_keys.issue(CLAIMS))["custom:role"] == "switchboard_agent"


@pytest.mark.feature("B3", "B8")
@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("expired", "expired"),
        ("wrong audience", "not valid"),
        ("access token", "not an ID token"),
        ("other key", "not valid"),
        ("none", "required"),
    ],
)
def test_bad_tokens_are_unauthorized(local_keys, tmp_path, case, reason):
    from infra.local.issuer import Issuer
    from skysentral.adapters import token_check

    token = {
        "expired": lambda: local_keys.issue(CLAIMS, ttl_s=-60),
        "wrong audience": lambda: local_keys.issue(CLAIMS, aud="someone-else"),
        "access token": lambda: local_keys.issue(CLAIMS, token_use="access"),
        "other key": lambda: Issuer(key_file=tmp_path / "other.pem").issue(CLAIMS),
        "none": lambda: "",
    }[case]()
    with pytest.raises(Unauthorized, match=reason):
        token_check.verify(token)


@pytest.mark.feature("B3", "B8")
def test_in_aws_the_user_pools_issuer_and_client_are_expected(monkeypatch):
    from skysentral.adapters import token_check

    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("USER_POOL_ID", "eu-central-1_AbC123")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "client-1")
    monkeypatch.setenv("TOKEN_JWKS_URL", "")
    issuer = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123"
    assert token_check.expected() == (issuer, "client-1", issuer + "/.well-known/jwks.json")
