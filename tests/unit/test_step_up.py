"""F10 step-up: the identity's sign-in time and method from the token's claims, and the rule
"a sign-in within the window, or one with MFA"."""

from __future__ import annotations

import pytest

from skysentral.api.http import Api, step_up_max_age_s
from skysentral.domain.errors import StepUpRequired, Unauthorized
from skysentral.domain.identity import Identity

pytestmark = pytest.mark.feature("F10")

NOW = 1_764_140_000  # 2025-11-26T06:53:20Z
BASE = {"sub": "e-1", "custom:company_id": "c-1", "custom:role": "company_admin"}


def identity(**claims) -> Identity:
    return Identity.from_claims({**BASE, **claims})


@pytest.mark.parametrize(
    "auth_time, expected",
    [
        ("1764140000", NOW),  # API Gateway (REST): every claim a string
        (1764140000, NOW),  # a token verified elsewhere keeps JSON's number
        ("1764140000.0", NOW),
        ("Wed Nov 26 06:53:20 UTC 2025", NOW),  # the date form API Gateway gives exp and iat
        ("", None),
        ("yesterday", None),
        ("inf", None),
        (None, None),
    ],
)
def test_auth_time_is_read_from_every_form_a_claim_arrives_in(auth_time, expected):
    claims = {} if auth_time is None else {"auth_time": auth_time}
    assert identity(**claims).auth_time == expected


@pytest.mark.parametrize(
    "amr, expected",
    [
        ("[pwd mfa]", ("pwd", "mfa")),  # API Gateway's rendering of a list
        ('["pwd","mfa"]', ("pwd", "mfa")),
        (["pwd", "mfa"], ("pwd", "mfa")),
        ("pwd,mfa", ("pwd", "mfa")),  # the REST authorizer's comma-joined list
        ("pwd", ("pwd",)),
        ("[]", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_amr_is_read_from_every_form_a_list_claim_arrives_in(amr, expected):
    claims = {} if amr is None else {"amr": amr}
    assert identity(**claims).amr == expected


@pytest.mark.parametrize("age_s", [0, 1, 899, 900])
def test_a_sign_in_within_the_window_passes(age_s):
    identity(auth_time=str(NOW - age_s)).require_recent_auth(NOW, 900)


def test_one_second_past_the_window_needs_step_up():
    with pytest.raises(StepUpRequired) as caught:
        identity(auth_time=str(NOW - 901)).require_recent_auth(NOW, 900)
    assert caught.value.code == "step_up_required"
    assert isinstance(caught.value, Unauthorized)  # a 401
    assert "900 seconds" in caught.value.message and "sign in again" in caught.value.message


def test_a_sign_in_in_the_future_proves_nothing():
    with pytest.raises(StepUpRequired):
        identity(auth_time=str(NOW + 1)).require_recent_auth(NOW, 900)


def test_a_token_without_auth_time_needs_step_up():
    with pytest.raises(StepUpRequired):
        identity().require_recent_auth(NOW, 900)


@pytest.mark.parametrize("amr", ["[pwd mfa]", '["pwd","mfa"]', ["pwd", "mfa"], "mfa"])
def test_a_sign_in_with_mfa_passes_however_old(amr):
    identity(auth_time=str(NOW - 86_400), amr=amr).require_recent_auth(NOW, 900)
    identity(amr=amr).require_recent_auth(NOW, 900)


def test_a_password_only_sign_in_past_the_window_needs_step_up():
    with pytest.raises(StepUpRequired):
        identity(auth_time=str(NOW - 3600), amr="[pwd]").require_recent_auth(NOW, 900)


def test_the_401_tells_an_oauth_client_to_step_up():
    error = StepUpRequired(600)
    assert error.headers["WWW-Authenticate"].startswith('Bearer error="insufficient_user_authentication"')
    assert "max_age=600" in error.headers["WWW-Authenticate"]
    assert "600 seconds (10 min)" in error.message


@pytest.mark.parametrize("value, expected", [(None, 900), ("", 900), ("60", 60), ("soon", 900), ("-5", 0)])
def test_the_window_comes_from_step_up_max_age_s(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("STEP_UP_MAX_AGE_S", raising=False)
    else:
        monkeypatch.setenv("STEP_UP_MAX_AGE_S", value)
    assert step_up_max_age_s() == expected


def test_a_public_route_cannot_ask_for_step_up():
    api = Api("test")
    with pytest.raises(TypeError, match="step up"):

        @api.route("/public", "POST", roles=None, step_up=True)
        def public():  # pragma: no cover - never registered
            return {}


def test_the_route_document_says_which_routes_need_step_up():
    api = Api("test")

    @api.route("/a", "PUT", roles=frozenset({"company_admin"}), step_up=True)
    def a(identity):  # pragma: no cover - not called
        return {}

    @api.route("/b", "GET", roles=frozenset({"company_admin"}))
    def b(identity):  # pragma: no cover - not called
        return {}

    assert [(d.path, d.step_up) for d in api.docs] == [("/a", True), ("/b", False)]


def test_the_sign_in_trigger_claim_counts_as_mfa():
    # Cognito reserves `amr`; its Pre Token Generation trigger writes skysentral:amr instead
    identity(auth_time=str(NOW - 3600), **{"skysentral:amr": '["pwd","mfa"]'}).require_recent_auth(NOW, 900)


@pytest.mark.parametrize("role", ["company_admin", "department_admin", "operator"])
def test_an_administrator_signs_in_only_with_mfa(role):
    from skysentral.domain.errors import MfaSetupRequired
    from skysentral.domain.identity import sign_in_claims

    with pytest.raises(MfaSetupRequired):
        sign_in_claims(role, mfa_enrolled=False)
    assert sign_in_claims(role, mfa_enrolled=True) == {"skysentral:amr": '["pwd","mfa"]'}


@pytest.mark.parametrize("role", ["employee", "switchboard_agent", None])
def test_everyone_else_signs_in_unchanged(role):
    from skysentral.domain.identity import sign_in_claims

    assert sign_in_claims(role, mfa_enrolled=False) == {}
