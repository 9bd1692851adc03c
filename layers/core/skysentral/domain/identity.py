"""Who is calling: the identity taken from a verified token (never from a request body).

Roles (PRODUCT.md conventions): company_admin, department_admin (one or more
departments, each with its sub-departments), switchboard_agent, employee; and the
operator's staff (`operator`), whose company id is the operator's own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from skysentral.domain.errors import Forbidden, MfaSetupRequired, StepUpRequired, Unauthorized

COMPANY_ADMIN = "company_admin"
DEPARTMENT_ADMIN = "department_admin"
SWITCHBOARD_AGENT = "switchboard_agent"
EMPLOYEE = "employee"
ROLES = (COMPANY_ADMIN, DEPARTMENT_ADMIN, SWITCHBOARD_AGENT, EMPLOYEE)
ADMINS = frozenset({COMPANY_ADMIN, DEPARTMENT_ADMIN})
EVERYONE = frozenset(ROLES)  # every tenant role
# The business mobile operator's staff: no company's data except through the operator routes
# (usage held for review, conflicting records); not in EVERYONE, so tenant routes answer 403.
OPERATOR = "operator"
OPERATORS = frozenset({OPERATOR})
# F10: who must sign in with MFA (Cognito's Pre Token Generation trigger refuses them otherwise)
MFA_REQUIRED = ADMINS | OPERATORS
# F10: the ID token claim the trigger writes for a sign-in with MFA. Cognito reserves `amr`
# itself (a trigger may not add it); Identity reads both, Cognito's own and ours.
MFA_CLAIM = "skysentral:amr"


@dataclass(frozen=True)
class Identity:
    user_id: str
    company_id: str
    role: str
    department_ids: frozenset[str] = field(default_factory=frozenset)
    email: str = ""
    # F10: when the user signed in (epoch seconds) and how (`amr`: "pwd", "mfa")
    auth_time: int | None = None
    amr: tuple[str, ...] = ()

    @classmethod
    def from_claims(cls, claims: dict | None) -> Identity:
        """Cognito-style claims: sub, email, custom:company_id, custom:role, custom:departments."""
        if not claims:
            raise Unauthorized("A valid bearer token is required.")
        user_id = claims.get("sub")
        company_id = claims.get("custom:company_id")
        role = claims.get("custom:role")
        if not user_id or not company_id or (role not in ROLES and role != OPERATOR):
            raise Unauthorized("The token lacks a user, company or known role.")
        departments = frozenset(d for d in str(claims.get("custom:departments", "")).split(",") if d)
        return cls(
            user_id,
            company_id,
            role,
            departments,
            claims.get("email", ""),
            auth_time=_epoch_claim(claims.get("auth_time")),
            amr=_list_claim(claims.get("amr")) + _list_claim(claims.get(MFA_CLAIM)),
        )

    def require(self, roles: frozenset[str]) -> None:
        if self.role not in roles:
            raise Forbidden(f"Role {self.role} may not do this; it needs one of: {', '.join(sorted(roles))}.")

    def require_recent_auth(self, now_epoch: int, max_age_s: int) -> None:
        """F10 step-up: a sign-in with MFA, or one at most `max_age_s` seconds ago (and not in
        the future: a clock ahead of ours proves nothing); else StepUpRequired (401)."""
        if "mfa" in self.amr:
            return
        if self.auth_time is not None and 0 <= now_epoch - self.auth_time <= max_age_s:
            return
        raise StepUpRequired(max_age_s)

    @property
    def is_company_admin(self) -> bool:
        return self.role == COMPANY_ADMIN


# API Gateway's (REST) Cognito authorizer hands every claim as a string: `auth_time` as
# "1764140000" (the time claims exp/iat as "Wed Nov 26 07:40:00 UTC 2025"), a list claim
# such as `amr` as "[pwd mfa]"; tokens verified elsewhere keep JSON's types. All are read.
_CLAIM_DATE = "%a %b %d %H:%M:%S UTC %Y"


def _epoch_claim(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(float(text))
    except (ValueError, OverflowError):  # not a number; "inf", "1e400"
        pass
    try:
        return int(datetime.strptime(text, _CLAIM_DATE).replace(tzinfo=UTC).timestamp())
    except ValueError:
        return None


def _list_claim(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return tuple(str(v) for v in parsed)
        except ValueError:
            pass
    return tuple(part for part in re.split(r"[\s,\[\]\"']+", text) if part)


def sign_in_claims(role: str | None, mfa_enrolled: bool) -> dict[str, str]:
    """F10: the claims a sign-in adds to the ID token. An administrator (or the operator's
    staff) without MFA set up may not sign in (MfaSetupRequired); with it, Cognito challenged
    the MFA on this sign-in, so the token says so. Everyone else: nothing added."""
    if role not in MFA_REQUIRED:
        return {}
    if not mfa_enrolled:
        raise MfaSetupRequired(
            "Administrators sign in with MFA: set up an authenticator app for your login first "
            "(ask a company administrator or the operator's support for help)."
        )
    return {MFA_CLAIM: '["pwd","mfa"]'}
