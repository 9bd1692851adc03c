"""Every route that takes a body answers bad bodies with the usual 400 JSON error (defect 4
of issue 7), never a 500: a body nested 2,000 deep, or deep inside an object."""

from __future__ import annotations

import json
import re

import pytest

from infra.openapi import OUT
from tests.helpers import Client

DOCUMENT = json.loads(OUT.read_text())
ROUTES_WITH_BODY = sorted(
    (method.upper(), path)
    for path, ops in DOCUMENT["paths"].items()
    for method, op in ops.items()
    if "requestBody" in op and path != "/webhooks/stripe"
)
DEEP = {
    "2,000 open brackets": b"[" * 2000,
    "2,000 nested arrays": b"[" * 2000 + b"]" * 2000,
    "2,000 nested objects": b'{"a":' * 2000 + b"1" + b"}" * 2000,
    "deep value of a field": b'{"name": ' + b"[" * 3000 + b"]" * 3000 + b"}",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
@pytest.mark.parametrize("method,path", ROUTES_WITH_BODY)
def test_deeply_nested_body_is_400_malformed_json(kari, as_user, method, path, kind):
    # the operator's routes are the operator's: a company admin would get 403 before the body is read
    client = as_user("operator (Mona") if path.startswith("/operator/") else kari
    status, answer = client.call(method, re.sub(r"{\w+}", "s-nordlys-05", path), raw=DEEP[kind])
    assert status == 400, answer
    assert answer["error"] in ("malformed_json", "validation_error") and answer["message"]


def test_deeply_nested_body_changes_nothing(kari):
    before = kari.get("/admin/departments")[1]
    assert kari.call("POST", "/admin/departments", raw=b'{"name": "X", "parent_id": ' + b"[" * 2000 + b"}")[0] == 400
    assert kari.get("/admin/departments")[1] == before


def test_routes_with_a_body_are_found(kari):
    """Guards the parametrisation above against an empty list (a test that cannot fail)."""
    assert ("POST", "/me/data-packages") in ROUTES_WITH_BODY and len(ROUTES_WITH_BODY) >= 6
    assert isinstance(kari, Client)
