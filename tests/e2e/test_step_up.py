"""F10 step-up through the local API gateway: every route declared `step_up=True` refuses a
password-only sign-in an hour old with 401 step_up_required, and lets a fresh sign-in or one
with MFA through (to whatever the route then answers: an empty body is a 400, fine here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import jwt
import pytest

from tests.helpers import Client

pytestmark = pytest.mark.feature("F10")

# What was marked (docs/strong-login.md): removing a flag fails this test. The invoice-control
# routes (policies, payroll exports) join this set when they land.
MARKED = {
    ("PUT", "/admin/purchase-policy"),
    ("POST", "/admin/admins"),
    ("PATCH", "/admin/admins/{employee_id}"),
    ("DELETE", "/admin/admins/{employee_id}"),
    ("POST", "/operator/rating/tariffs"),
    ("POST", "/operator/rating/rerate"),
    ("PUT", "/admin/invoice-control/settings"),  # F6 policies
    ("POST", "/admin/payroll/exports"),  # F9 payroll export
    ("POST", "/admin/payroll/exports/{export_id}/sent"),
}


def _step_up_routes() -> list[tuple[str, str, frozenset[str]]]:
    from infra.template import chalice_apis

    return sorted(
        {(doc.method, doc.path, doc.roles) for api in chalice_apis().values() for doc in api.docs if doc.step_up},
        key=lambda r: (r[1], r[0]),
    )


STEP_UP_ROUTES = _step_up_routes()


def _claims(roles: frozenset[str]) -> dict[str, str]:
    """A caller the route's role check lets through, of a company with no data (nothing seeded changes)."""
    if "operator" in roles:
        return {"sub": "op-stepup", "custom:company_id": "op-skysentral", "custom:role": "operator"}
    role = "company_admin" if "company_admin" in roles else sorted(roles)[0]
    return {"sub": "e-stepup", "custom:company_id": "c-stepup", "custom:role": role, "custom:departments": ""}


def _path(template: str) -> str:
    return re.sub(r"{(\w+)}", r"\1-none", template)


def test_the_sensitive_routes_are_marked_step_up():
    assert {(method, path) for method, path, _ in STEP_UP_ROUTES} >= MARKED


@pytest.mark.parametrize("method, path, roles", STEP_UP_ROUTES, ids=[f"{m} {p}" for m, p, _ in STEP_UP_ROUTES])
def test_a_step_up_route_refuses_an_old_sign_in_and_honours_a_fresh_or_mfa_one(gateway, issuer, method, path, roles):
    claims = _claims(roles)

    # GIVEN a password-only sign-in an hour ago (the window is 900 s)
    stale = Client(gateway, issuer.issue(claims, auth_age_s=3600))
    status, body = stale.call(method, _path(path), {})
    assert status == 401, body
    assert body["error"] == "step_up_required"
    assert "sign in again" in body["message"]

    # THEN a fresh sign-in, or an hour-old one with MFA, gets past the step-up check
    for token in (issuer.issue(claims), issuer.issue(claims, auth_age_s=3600, mfa=True)):
        status, body = Client(gateway, token).call(method, _path(path), {})
        assert status != 401, body


def test_the_window_edge_through_the_gateway(gateway, issuer):
    claims = _claims(frozenset({"company_admin"}))
    just_inside = Client(gateway, issuer.issue(claims, auth_age_s=880))
    assert just_inside.put("/admin/purchase-policy", {"not": "a policy"})[0] != 401
    just_outside = Client(gateway, issuer.issue(claims, auth_age_s=960))
    assert just_outside.put("/admin/purchase-policy", {"not": "a policy"})[0] == 401


def test_a_route_without_step_up_takes_an_old_sign_in(gateway, issuer):
    stale = Client(gateway, issuer.issue(_claims(frozenset({"company_admin"})), auth_age_s=3600))
    status, body = stale.get("/admin/purchase-policy")
    assert status != 401, body


def test_the_page_steps_up_through_the_local_login(gateway):
    # the page's dialog: the same demo user again, "with MFA"
    login = Client(gateway, None)
    status, users = login.get("/_local/login")
    kari = next(u["var"] for u in users["users"] if u["label"].startswith("company_admin (Kari"))
    status, body = login.post("/_local/login", {"user": kari, "mfa": True})
    assert status == 200 and body["mfa"] is True
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "mfa"]
    status, plain = login.post("/_local/login", {"user": kari})
    assert jwt.decode(plain["token"], options={"verify_signature": False})["amr"] == ["pwd"]
    assert login.post("/_local/login", {"user": kari, "mfa": "yes"})[0] == 400


def test_the_gateway_hands_claims_as_api_gateway_does():
    # API Gateway (REST): auth_time as its epoch seconds, lists comma-joined, exp/iat as dates
    from infra.local.gateway import _claim

    assert _claim("auth_time", 1764140000) == "1764140000"
    assert _claim("amr", ["pwd", "mfa"]) == "pwd,mfa"
    assert _claim("exp", 1764140000) == datetime.fromtimestamp(1764140000, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def test_local_tokens_command_mints_old_and_mfa_sign_ins(capsys):
    from infra.local.__main__ import main

    assert main(["tokens", "--export", "--auth-age", "3600", "--mfa"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("export "))
    token = line.split("=", 1)[1].split()[0]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "mfa"]
    assert abs(claims["iat"] - claims["auth_time"] - 3600) <= 5
