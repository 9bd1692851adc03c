"""The employee's login (E2): a Cognito user in the user pool (USER_POOL_ID), created with
AdminCreateUser, Cognito e-mailing the temporary password. In the local cloud (STAGE=local)
the user pool is played by the local issuer (infra/local/issuer.py), which mints tokens from
claims and keeps no users: nothing is created, and the step says so."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def _cognito():
    import boto3

    return boto3.client("cognito-idp")


def create_login(email: str, company_id: str, role: str, departments: str = "") -> dict:
    if os.environ.get("STAGE") == "local":
        return {"username": email, "created": False, "note": "local issuer: tokens are minted from claims"}
    client = _cognito()
    try:
        client.admin_create_user(
            UserPoolId=os.environ["USER_POOL_ID"],
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:company_id", "Value": company_id},
                {"Name": "custom:role", "Value": role},
                {"Name": "custom:departments", "Value": departments},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
    except client.exceptions.UsernameExistsException:
        return {"username": email, "created": False, "note": "the login already existed"}
    return {"username": email, "created": True}


def mfa_enrolled(user_pool_id: str, username: str) -> bool:
    """F10: whether the Cognito user has an MFA method set up (an authenticator app or SMS):
    AdminGetUser's UserMFASettingList, or a preferred MFA setting."""
    user = _cognito().admin_get_user(UserPoolId=user_pool_id, Username=username)
    return bool(user.get("UserMFASettingList") or user.get("PreferredMfaSetting"))
