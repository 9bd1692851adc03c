"""The OpenAPI document of Skysentral's HTTP APIs, generated from the Chalice apps
(routes, roles, pydantic request models) so it cannot drift from the code.

    python -m infra.openapi            # rewrite infra/openapi/openapi.json
    python -m infra.openapi --check    # exit 1 if the published file is stale
"""

from __future__ import annotations

import importlib
import json
import re

from infra.template import ROOT, chalice_apis

OUT = ROOT / "infra" / "openapi" / "openapi.json"

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "stable machine-readable code"},
        "message": {"type": "string", "description": "what is wrong, for a person"},
    },
}
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted: an export was queued",
    204: "No content",
    400: "Bad input",
    401: "Missing or invalid token",
    403: "The role may not do this",
    404: "Not found (or another company's)",
    409: "Conflict",
    422: "Not allowed by the product rules",
    503: "A provider is unreachable; try again later",
}


_STEP_UP_TEXT = (
    "Step-up (F10): the token must come from a sign-in within `STEP_UP_MAX_AGE_S` seconds "
    "(`auth_time`, default 900) or with MFA (`amr` contains `mfa`); otherwise 401 "
    '`{"error": "step_up_required"}`: sign in again and retry.'
)


def _schema_refs(schema: dict, defs: dict) -> dict:
    for name, sub in schema.pop("$defs", {}).items():
        defs[name] = json.loads(json.dumps(sub).replace("#/$defs/", "#/components/schemas/"))  # nested models too
    return json.loads(json.dumps(schema).replace("#/$defs/", "#/components/schemas/"))


def _model(model: type | str) -> type:
    """A route's documented model, given as the class or (to keep pydantic out of a function
    that never parses with it, e.g. the Stripe webhook) as "module:Name"."""
    if isinstance(model, str):
        module, _, name = model.partition(":")
        return getattr(importlib.import_module(module), name)
    return model


def build() -> dict:
    paths: dict[str, dict] = {}
    schemas: dict[str, dict] = {"Error": _ERROR}
    for logical_id, api in sorted(chalice_apis().items()):
        for doc in api.docs:
            op: dict = {
                "operationId": f"{doc.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', doc.path.lower()).strip('_')}",
                "summary": doc.summary,
                "tags": [logical_id.removeprefix("Api").removesuffix("Function")],
                "responses": {},
            }
            params = [
                {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                for n in re.findall(r"{(\w+)}", doc.path)
            ]
            if doc.query is not None:
                qs = _schema_refs(doc.query.model_json_schema(), schemas)
                for name, prop in qs.get("properties", {}).items():
                    params.append(
                        {"name": name, "in": "query", "required": name in qs.get("required", []), "schema": prop}
                    )
            for name, description in doc.headers.items():
                params.append(
                    {
                        "name": name,
                        "in": "header",
                        "required": False,
                        "description": description,
                        "schema": {"type": "string"},
                    }
                )
            if params:
                op["parameters"] = params
            if doc.body is not None:
                schemas[doc.body.__name__] = _schema_refs(doc.body.model_json_schema(), schemas)
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{doc.body.__name__}"}}},
                }
            if doc.roles is None:
                op["security"] = []
            else:
                op["x-roles"] = sorted(doc.roles)
            if doc.step_up:  # F10
                op["x-step-up"] = True
                op["description"] = _STEP_UP_TEXT
            op["responses"][str(doc.status)] = {"description": _STATUS_TEXT.get(doc.status, "OK")}
            if doc.response == "text/csv":  # E6 export: the one non-JSON success body
                op["responses"][str(doc.status)]["content"] = {"text/csv": {"schema": {"type": "string"}}}
            elif isinstance(doc.response, str) and "|" in doc.response:  # F2/F5: JSON or a file, by `format`
                op["responses"][str(doc.status)]["content"] = {
                    t: {"schema": {"type": "object"} if t == "application/json" else {"type": "string"}}
                    for t in doc.response.split("|")
                }
            elif doc.status != 204:  # every other success body is a JSON object (api.http.json_response)
                success: dict = {"type": "object"}
                if doc.response is not None:
                    response = _model(doc.response)
                    schemas[response.__name__] = _schema_refs(response.model_json_schema(), schemas)
                    success = {"$ref": f"#/components/schemas/{response.__name__}"}
                op["responses"][str(doc.status)]["content"] = {"application/json": {"schema": success}}
            errors = set(doc.errors) | ({400} if doc.body or doc.query else set())
            if "{" in doc.path:  # an unknown (or another company's) id
                errors |= {404}
            if doc.roles is not None:
                errors |= {401, 403}
            for status in sorted(s for s in errors if s < 400):  # F2: 202, an export queued
                op["responses"][str(status)] = {
                    "description": _STATUS_TEXT.get(status, "Accepted"),
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            for status in sorted(s for s in errors if s >= 400):
                op["responses"][str(status)] = {
                    "description": _STATUS_TEXT.get(status, "Error"),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            if doc.step_up:
                op["responses"]["401"]["description"] = "Missing or invalid token, or `step_up_required` (F10)"
            paths.setdefault(doc.path, {})[doc.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skysentral API",
            "version": "1.0.0",
            "description": "Cloud PBX and mobile cost control for Norwegian businesses. Generated from the "
            "Chalice apps by `make openapi`; do not edit by hand.",
        },
        "servers": [{"url": "http://localhost:3000", "description": "local cloud (make run)"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": dict(sorted(schemas.items())),
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
