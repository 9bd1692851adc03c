"""Shared fixtures: the local cloud (template.yaml deployed into the in-process emulator),
the local API gateway over HTTP, and bearer tokens from the local issuer.

The emulator listens on a free port (never 4566), so tests run while `make run` runs.
Both fixtures are session-scoped and started lazily: unit tests that do not ask for
them never start an emulator.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "layers" / "core"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-north-1")

from tests.helpers import free_port  # noqa: E402  (after the path set-up above)


@pytest.fixture(scope="session")
def stripe_standin() -> Iterator[Any]:
    """The local stand-in for Stripe's test mode (infra/local/stripe_standin.py)."""
    from infra.local import stripe_wiring

    standin = stripe_wiring.start_standin()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture(scope="session")
def cloud(stripe_standin: Any) -> Iterator[Any]:
    """template.yaml deployed as stack ``skysentral-test`` (visibility timeouts capped at 1 s,
    SQS batching windows at 0.2 s, so retries and batches come quickly)."""
    from infra.local import stripe_wiring
    from infra.local.cloud import LocalCloud

    c = LocalCloud(
        ROOT,
        port=free_port(),
        stack_name="skysentral-test",
        stage="local",
        visibility_timeout_cap_s=1,
        batching_window_cap_s=0.2,
        parameters=stripe_wiring.parameters(stripe_standin),
    )
    c.start()
    try:
        c.deploy()
        c.apply_function_environment()
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def issuer() -> Any:
    from infra.local.issuer import Issuer

    return Issuer(ROOT)


@pytest.fixture(scope="session")
def gateway(cloud: Any, issuer: Any, stripe_standin: Any) -> Iterator[str]:
    """Base URL (http://127.0.0.1:<free port>) of the local API gateway."""
    from infra.local.gateway import Gateway

    gw = Gateway(cloud, issuer, host="127.0.0.1", port=free_port()).start()
    from infra.local import stripe_wiring

    stripe_wiring.connect(cloud, stripe_standin, f"http://127.0.0.1:{gw.port}")
    try:
        yield f"http://127.0.0.1:{gw.port}"
    finally:
        gw.stop()


@pytest.fixture(scope="session")
def token(issuer: Any) -> Callable[..., str]:
    """``token(claims=None, ttl_s=3600, **claim_overrides)`` → a bearer token (no "Bearer ")."""

    def make(claims: dict[str, Any] | None = None, ttl_s: int = 3600, **overrides: Any) -> str:
        base = {
            "sub": "e-test-01",
            "email": "test@example.no",
            "custom:company_id": "c-test",
            "custom:role": "company_admin",
            "custom:departments": "",
        }
        base.update(claims or {})
        return issuer.issue(base, ttl_s=ttl_s, **overrides)

    return make
