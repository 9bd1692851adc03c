"""Fuzzing against the published OpenAPI document (issue 7, "Fuzzing and contracts in the
suite"): schemathesis generates valid and invalid requests for every documented route and
sends them through the local gateway with a company admin's, a department admin's and an
employee's token. Every answer must be no server error (5xx), a documented status code,
the documented content type and match the documented schema (errors: `{"error",
"message"}`). The Stripe webhook also gets randomly mutated events, correctly signed.

The fuzz users belong to the second demo company (Fjellvind), so what the fuzzer creates
or changes never disturbs the tests that read Nordlys. Bounded: a few examples per route,
role and mode (about a minute on the 2-core machine)."""

from __future__ import annotations

import json
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from infra.openapi import OUT
from tests.helpers import Client, signature, webhook_secret

DOCUMENT = json.loads(OUT.read_text())
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
ROLES = {
    "company_admin": {
        "sub": "e-fjellvind-01",
        "email": "siri@fjellvind.no",
        "custom:role": "company_admin",
        "custom:departments": "",
    },
    "department_admin": {
        "sub": "e-fjellvind-02",
        "email": "per@fjellvind.no",
        "custom:role": "department_admin",
        "custom:departments": "dep-fv",
    },
    "employee": {
        "sub": "e-fjellvind-03",
        "email": "una@fjellvind.no",
        "custom:role": "employee",
        "custom:departments": "",
    },
}
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(
    deadline=None, database=None, derandomize=True, print_blob=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def bearer(issuer, seeded):
    return {role: issuer.issue({**claims, "custom:company_id": "c-fjellvind"}) for role, claims in ROLES.items()}


def _fuzz_runs() -> list:
    """(route, role, mode): public routes once (no token), negative data only where a route
    takes a body, path or query (a free-text header has no invalid value)."""
    runs = []
    for label, operation in sorted(OPERATIONS.items()):
        public = operation.definition.raw.get("security") == []
        takes_input = bool(
            [p for p in operation.definition.raw.get("parameters", []) if p["in"] != "header"]
            or operation.definition.raw.get("requestBody")
        )
        for role in ["public"] if public else sorted(ROLES):
            for mode in EXAMPLES:
                if mode is GenerationMode.POSITIVE or takes_input:
                    runs.append(pytest.param(label, role, mode, id=f"{label}-{role}-{mode.value}"))
    return runs


@pytest.mark.parametrize("label,role,mode", _fuzz_runs())
def test_every_documented_route_answers_as_documented(gateway, bearer, label, role, mode):
    operation = OPERATIONS[label]
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    headers = {"Authorization": f"Bearer {bearer[role]}"} if role in bearer else {}

    @settings(FUZZ, max_examples=EXAMPLES[mode])
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers_as_documented(case):
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=gateway, timeout=30)
        case.validate_response(response, checks=checks)

    answers_as_documented()


def test_fuzzing_covers_every_route():
    """Guards the parametrisation above: a document without routes would test nothing."""
    assert len(OPERATIONS) == sum(len(ops) for ops in DOCUMENT["paths"].values()) >= 20
    assert "POST /webhooks/stripe" in OPERATIONS and "POST /me/data-packages" in OPERATIONS


# ------------------------------------------------------------------ the Stripe webhook
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
REAL_EVENT = {
    "id": "evt_fuzz",
    "object": "event",
    "type": "payment_intent.succeeded",
    "api_version": "2024-06-20",
    "created": 1764000000,
    "livemode": False,
    "data": {
        "object": {
            "id": "pi_fuzz",
            "object": "payment_intent",
            "status": "succeeded",
            "metadata": {"company_id": "c-fjellvind", "employee_id": "e-fjellvind-03", "order_id": "o-fuzz"},
        }
    },
}


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _paths(sub, (*prefix, key))


@st.composite
def mutated_events(draw):
    """A real-looking event with one part replaced, removed or retyped; or any JSON at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)
    event = json.loads(json.dumps(REAL_EVENT))
    path = draw(st.sampled_from(list(_paths(event))[1:]))
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    if isinstance(event.get("id"), str):
        event["id"] = f"evt_fuzz_{time.monotonic_ns()}"  # each a new event, not a replay
    return event


def test_webhook_with_mutated_correctly_signed_events_never_answers_5xx(cloud, gateway):
    secret = webhook_secret(cloud)
    client = Client(gateway, None)
    seen = set()

    @settings(FUZZ, max_examples=60)
    @given(event=mutated_events())
    def acknowledged_or_refused(event):
        raw = json.dumps(event).encode()
        status, answer = client.call(
            "POST", "/webhooks/stripe", raw=raw, headers={"Stripe-Signature": signature(raw, secret)}
        )
        seen.add(status)
        assert status in (200, 400), (status, answer)
        if status == 400:
            assert set(answer) == {"error", "message"}
        else:
            assert answer["received"] is True

    acknowledged_or_refused()
    assert seen == {200, 400}  # both kinds of body were generated
