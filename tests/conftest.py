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
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")

from tests.helpers import free_port  # noqa: E402  (after the path set-up above)

# The feature ids of PRODUCT.md: A1…A14, B1…B8, C1…C10, D1…D9, E1…E6, F1…F10.
FEATURE_IDS = {
    f"{area}{n}"
    for area, last in {"A": 14, "B": 8, "C": 10, "D": 9, "E": 6, "F": 10}.items()
    for n in range(1, last + 1)
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--feature",
        action="append",
        default=[],
        metavar="ID",
        help="run only the tests marked with this PRODUCT.md feature id (repeatable), e.g. --feature D4",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.feature("D2", "D3")` names PRODUCT.md features one by one, so that
    `grep -rnw D2 tests` finds D2's tests: an id that does not exist, or a range such as
    "D1–D3", stops the collection. `--feature D4` keeps only D4's tests."""
    wanted = set(config.getoption("feature"))
    unknown = wanted - FEATURE_IDS
    for item in items:
        for mark in item.iter_markers("feature"):
            if not mark.args:
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.feature() without an id")
            unknown |= {f"{item.nodeid}: {arg!r}" for arg in mark.args if arg not in FEATURE_IDS}
    if unknown:
        raise pytest.UsageError(
            "not feature ids of PRODUCT.md (write ranges out one by one): " + ", ".join(sorted(unknown))
        )
    if wanted:
        keep = [i for i in items if wanted & {a for m in i.iter_markers("feature") for a in m.args}]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.fixture(scope="session")
def stripe_standin() -> Iterator[Any]:
    """The local stand-in for Stripe's test mode (infra/local/stripe_standin.py)."""
    from infra.local.stripe_standin import StripeStandIn

    standin = StripeStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture(scope="session")
def number_lookup() -> Iterator[Any]:
    """The local stand-in for the number lookup service (infra/local/number_lookup_standin.py)."""
    from infra.local.number_lookup_standin import NumberLookupStandIn

    standin = NumberLookupStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture(scope="session")
def directory_standin() -> Iterator[Any]:
    """E4: the local stand-in for the directory services (infra/local/directory_standin.py)."""
    from infra.local.directory_standin import DirectoryStandIn

    standin = DirectoryStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture(scope="session")
def provisioning_sim() -> Iterator[Any]:
    """The mobile network's provisioning API stand-in (infra/local/provisioning_sim.py, E2)."""
    from infra.local.provisioning_sim import ProvisioningSim

    sim = ProvisioningSim(slow_s=2.0).start()
    try:
        yield sim
    finally:
        sim.stop()


# E2: short waits in tests (a delivery or the network's answer that never comes ends in seconds)
ACTIVATION_TEST_PARAMETERS = {"ShipmentTimeoutSeconds": "4", "ProvisioningTimeoutSeconds": "4"}


@pytest.fixture(scope="session")
def cloud(stripe_standin: Any, number_lookup: Any, directory_standin: Any, provisioning_sim: Any) -> Iterator[Any]:
    """template.yaml deployed as stack ``skysentral-test`` (visibility timeouts capped at 1 s,
    SQS batching windows at 0.2 s, so retries and batches come quickly)."""
    from infra.local.cloud import LocalCloud

    c = LocalCloud(
        ROOT,
        port=free_port(),
        stack_name="skysentral-test",
        stage="local",
        visibility_timeout_cap_s=1,
        batching_window_cap_s=0.2,
        parameters={
            **stripe_standin.stack_parameters(),
            **number_lookup.stack_parameters(),
            **directory_standin.stack_parameters(),
            **provisioning_sim.stack_parameters(),
            **ACTIVATION_TEST_PARAMETERS,
        },
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
def gateway(cloud: Any, issuer: Any, stripe_standin: Any, provisioning_sim: Any) -> Iterator[str]:
    """Base URL (http://127.0.0.1:<free port>) of the local API gateway."""
    from infra.local.gateway import Gateway

    gw = Gateway(cloud, issuer, host="127.0.0.1", port=free_port()).start()
    stripe_standin.connect(cloud, f"http://127.0.0.1:{gw.port}")
    provisioning_sim.connect(cloud, f"http://127.0.0.1:{gw.port}")
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
