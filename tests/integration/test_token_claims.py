"""F10: Cognito's Pre Token Generation trigger, driven by its samples (events/token_claims_*.json)
in the local cloud's Lambda runtime, against a user pool in the emulator (moto's cognito-idp):
an administrator without MFA set up is refused, one with MFA gets the MFA claim, an employee's
token is left alone."""

from __future__ import annotations

import uuid

import pytest

from skysentral.domain.identity import Identity
from tests.helpers import sample_event

pytestmark = pytest.mark.feature("F10")


@pytest.fixture(scope="module")
def pool(cloud):
    cognito = cloud.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=f"stepup-{uuid.uuid4().hex[:8]}",
        MfaConfiguration="OPTIONAL",
        Schema=[{"Name": n, "AttributeDataType": "String", "Mutable": True} for n in ("company_id", "role")],
    )["UserPool"]["Id"]
    return cognito, pool_id


def _user(pool, role: str, mfa: bool) -> str:
    cognito, pool_id = pool
    email = f"{role}-{uuid.uuid4().hex[:6]}@nordlys.example"
    attributes = [
        {"Name": "email", "Value": email},
        {"Name": "custom:role", "Value": role},
        {"Name": "phone_number", "Value": "+4791234567"},
    ]
    cognito.admin_create_user(UserPoolId=pool_id, Username=email, UserAttributes=attributes)
    if mfa:
        # SMS here: the emulator takes an authenticator app only after a verified TOTP code; the
        # trigger asks AdminGetUser whether any MFA is set up, whichever kind
        cognito.admin_set_user_mfa_preference(
            UserPoolId=pool_id, Username=email, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
    return email


def _event(sample: str, pool, username: str) -> dict:
    event = sample_event(sample)
    event.update(userPoolId=pool[1], userName=username)
    return event


def test_an_administrator_with_mfa_gets_a_token_that_passes_step_up(cloud, pool):
    event = _event("token_claims_admin_sign_in.json", pool, _user(pool, "company_admin", mfa=True))
    answer = cloud.invoke("TokenClaimsFunction", event)
    added = answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]
    assert set(added) == {"skysentral:amr"}
    # what API Gateway then hands the function: the claim as the string the trigger wrote
    claims = {**event["request"]["userAttributes"], **added, "auth_time": "1"}
    Identity.from_claims(claims).require_recent_auth(1_764_140_000, 900)


@pytest.mark.parametrize("role", ["company_admin", "department_admin", "operator"])
def test_an_administrator_without_mfa_may_not_sign_in(cloud, pool, role):
    event = _event("token_claims_admin_sign_in.json", pool, _user(pool, role, mfa=False))
    event["request"]["userAttributes"]["custom:role"] = role
    answer = cloud.invoke("TokenClaimsFunction", event)
    assert answer["errorType"] == "MfaSetupRequired", answer  # Cognito refuses the sign-in with this message
    assert "authenticator app" in answer["errorMessage"]


def test_an_employee_signs_in_unchanged_without_a_lookup(cloud, pool):
    # the employee is not in the pool: the trigger must not even look them up
    event = _event("token_claims_employee_sign_in.json", pool, "nobody-" + uuid.uuid4().hex)
    answer = cloud.invoke("TokenClaimsFunction", event)
    assert answer["response"]["claimsOverrideDetails"] is None
    assert answer["request"] == sample_event("token_claims_employee_sign_in.json")["request"]
