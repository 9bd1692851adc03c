"""The SAM project itself: the template lints, validates and builds offline; every function
has a handler that imports and a sample event; API routes and the OpenAPI document are
derived from the Chalice apps and cannot drift (ARCHITECTURE decisions 1-3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.template import ROOT, api_routes, chalice_apis, functions, load_handler_module, load_template

BIN = Path(sys.executable).parent


def _run(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-central-1", "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_cfn_lint_passes():
    result = _run(str(BIN / "cfn-lint"), "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_sam_validate_lint_passes():
    result = _run(str(BIN / "sam"), "validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_sam_build_passes_and_layer_holds_skysentral_without_boto(tmp_path):
    result = _run(str(BIN / "sam"), "build", "--build-dir", str(tmp_path / "build"), "--no-cached")
    assert result.returncode == 0, result.stdout + result.stderr
    layer = tmp_path / "build" / "CoreLayer" / "python"
    assert (layer / "skysentral" / "domain" / "__init__.py").exists()
    assert (layer / "chalice" / "app.py").exists()
    for forbidden in ("boto3", "botocore", "s3transfer"):
        assert not (layer / forbidden).exists(), f"layer must not bundle {forbidden}"
    for logical_id, props in functions().items():
        assert (tmp_path / "build" / logical_id / f"{props['Handler'].rpartition('.')[0]}.py").exists()


def test_every_function_has_a_sample_event_and_an_importable_handler():
    events = {p.name for p in (ROOT / "events").glob("*.json")}
    for logical_id, props in functions().items():
        folder = Path(props["CodeUri"]).name
        samples = [e for e in events if e.startswith(folder + "_")]
        assert samples, f"{logical_id}: no events/{folder}_<case>.json"
        for sample in samples:
            json.loads((ROOT / "events" / sample).read_text())
        module = load_handler_module(logical_id, props)
        assert callable(getattr(module, props["Handler"].rpartition(".")[2])), logical_id


def test_every_function_uses_the_core_layer_and_has_a_log_group_with_retention():
    template = load_template()
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "CoreLayer"}]
    groups = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    named = {g["LogGroupName"]["Fn::Sub"] for g in groups}
    for logical_id in functions():
        assert f"/aws/lambda/${{{logical_id}}}" in named, f"{logical_id} has no log group with retention"
        assert all(g["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups)


def test_api_gateway_routes_are_exactly_the_chalice_routes():
    apis = chalice_apis()
    assert apis, "no Chalice functions found"
    for logical_id, props in functions().items():
        declared = api_routes(props)
        if logical_id not in apis:
            assert not declared, f"{logical_id} has Api events but no Chalice app"
            continue
        in_code = {(m.upper(), p) for p, methods in apis[logical_id].app.routes.items() for m in methods}
        assert declared == in_code, (
            f"{logical_id}: template.yaml and app.py disagree.\n"
            f"  only in template: {sorted(declared - in_code)}\n  only in code: {sorted(in_code - declared)}"
        )


def test_public_routes_are_exactly_those_declared_without_authorizer():
    for logical_id, api in chalice_apis().items():
        events = functions()[logical_id].get("Events") or {}
        public_in_template = {
            (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
            for e in events.values()
            if e["Type"] == "Api" and (e["Properties"].get("Auth") or {}).get("Authorizer") == "NONE"
        }
        public_in_code = {(d.method, d.path) for d in api.docs if d.roles is None}
        assert public_in_template == public_in_code, logical_id


def test_published_openapi_document_is_current():
    from infra.openapi import OUT, render

    assert OUT.read_text() == render(), "infra/openapi/openapi.json is stale: run `make openapi`"


def test_openapi_document_is_valid():
    from openapi_spec_validator import validate

    validate(json.loads((ROOT / "infra" / "openapi" / "openapi.json").read_text()))
