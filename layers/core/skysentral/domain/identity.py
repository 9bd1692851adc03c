"""Who is calling: the identity taken from a verified token (never from a request body).

Roles (PRODUCT.md conventions): company_admin, department_admin (one or more
departments, each with its sub-departments), switchboard_agent, employee; and the
operator's staff (`operator`), whose company id is the operator's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skysentral.domain.errors import Forbidden, Unauthorized

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


@dataclass(frozen=True)
class Identity:
    user_id: str
    company_id: str
    role: str
    department_ids: frozenset[str] = field(default_factory=frozenset)
    email: str = ""

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
        return cls(user_id, company_id, role, departments, claims.get("email", ""))

    def require(self, roles: frozenset[str]) -> None:
        if self.role not in roles:
            raise Forbidden(f"Role {self.role} may not do this; it needs one of: {', '.join(sorted(roles))}.")

    @property
    def is_company_admin(self) -> bool:
        return self.role == COMPANY_ADMIN
