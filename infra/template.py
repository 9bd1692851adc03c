"""What template.yaml declares, for the tools, tests and the OpenAPI generator: its
functions, their API routes and handler modules (loaded by the local cloud's one loader,
infra.local.runtime.import_handler)."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from infra.local.runtime import import_handler
from infra.local.template import layer_dirs, load

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=4)
def load_template(path: Path = ROOT / "template.yaml") -> dict:
    return load(path)


def functions(template: dict | None = None) -> dict[str, dict]:
    """Logical id -> Properties of every AWS::Serverless::Function."""
    template = template or load_template()
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def api_routes(props: dict) -> set[tuple[str, str]]:
    """(METHOD, path) of a function's `Api` events."""
    return {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in (props.get("Events") or {}).values()
        if e["Type"] == "Api"
    }


def load_handler_module(logical_id: str, props: dict | None = None):
    """Import a function's handler module from its CodeUri, as the Lambda runtime would."""
    props = props or functions()[logical_id]
    template = load_template()
    # The Lambda runtime sets the template's environment before a handler module loads;
    # outside it (tests, the OpenAPI generator) stand-in values take their place.
    for name, value in template["Globals"]["Function"]["Environment"]["Variables"].items():
        os.environ.setdefault(name, value if isinstance(value, str) else f"local-{name.lower()}")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    module_name = f"_fn_{logical_id}"
    if module_name not in sys.modules:
        layers = props.get("Layers") or template["Globals"]["Function"].get("Layers") or []
        import_handler(ROOT / props["CodeUri"], props["Handler"], layer_dirs(template, ROOT, layers), module_name)
    return sys.modules[module_name]


def chalice_apis() -> dict[str, object]:
    """Logical id -> the skysentral `Api` object of every Chalice function (Handler app.app)."""
    found = {}
    for logical_id, props in functions().items():
        if props["Handler"].endswith(".app"):
            module = load_handler_module(logical_id, props)
            if hasattr(module, "api"):
                found[logical_id] = module.api
    return found
