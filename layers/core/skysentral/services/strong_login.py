"""F10 strong login: Cognito's Pre Token Generation trigger (event version V1_0, the ID
token; docs/strong-login.md). Administrators and the operator's staff must have MFA set up,
and since Cognito then challenges it on every sign-in, their ID token says so
(`skysentral:amr`); everyone else's token is left as Cognito made it."""

from __future__ import annotations

from typing import Any

from skysentral.adapters import login
from skysentral.domain.identity import MFA_REQUIRED, sign_in_claims


def pre_token_generation(event: dict[str, Any]) -> dict[str, Any]:
    """The trigger's answer: the event with `response.claimsOverrideDetails` set. Raises
    MfaSetupRequired for an administrator without MFA: Cognito then refuses the sign-in and
    shows the message."""
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    role = attributes.get("custom:role")
    enrolled = role in MFA_REQUIRED and login.mfa_enrolled(event["userPoolId"], event["userName"])
    claims = sign_in_claims(role, enrolled)
    if claims:
        event.setdefault("response", {})["claimsOverrideDetails"] = {"claimsToAddOrOverride": claims}
    return event
