"""HTTP against the local cloud: the seeded demo companies and a small client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest


@pytest.fixture(scope="session")
def seeded(cloud):
    from infra.local.seed import DEMO_USERS, seed_demo

    seed_demo(cloud)
    return DEMO_USERS


class Client:
    def __init__(self, base: str, token: str | None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None, headers: dict | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        return status, (json.loads(text) if text else None)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


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
