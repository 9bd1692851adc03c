"""HTTP against the local cloud: the seeded demo companies and a Client per demo user."""

from __future__ import annotations

import pytest

from tests.helpers import Client


@pytest.fixture(scope="session")
def seeded(cloud):
    from infra.local.seed import DEMO_USERS, seed_demo

    seed_demo(cloud)
    return DEMO_USERS


@pytest.fixture(scope="session")
def as_user(gateway, issuer, seeded):
    """as_user("company_admin (Kari") -> a Client with that demo user's token."""

    def make(label_prefix: str) -> Client:
        user = next(u for u in seeded if u.label.startswith(label_prefix))
        return Client(gateway, issuer.issue(user.claims))

    return make


@pytest.fixture
def kari(as_user):
    return as_user("company_admin (Kari")


@pytest.fixture
def ola(as_user):
    """Department admin of Salg."""
    return as_user("department_admin")


@pytest.fixture
def lars(as_user):
    return as_user("employee (Lars")


@pytest.fixture
def siri(as_user):
    """Company admin of the other company (Fjellvind)."""
    return as_user("company_admin (Siri")
