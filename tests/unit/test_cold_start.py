"""Cold start (issue 7): what a handler module loads when Lambda imports it.

`make bench` (tests/bench/bench_cold_imports.py) times the imports; these tests pin the
decisions behind the figures, so a new import line cannot undo them unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.template import functions, load_template

ROOT = Path(__file__).resolve().parents[2]


def _modules_loaded_by(logical_ids: list[str], candidates: list[str]) -> list[str]:
    """Which of `candidates` a fresh interpreter has loaded after importing these handlers,
    each from its file as the Lambda runtime does (no test or local-cloud code in the process)."""
    paths = [
        str(ROOT / props["CodeUri"] / (props["Handler"].rpartition(".")[0].replace(".", "/") + ".py"))
        for logical_id, props in functions().items()
        if logical_id in logical_ids
    ]
    code = (
        "import importlib.util, json, sys\n"
        f"for i, path in enumerate({paths!r}):\n"
        "    spec = importlib.util.spec_from_file_location(f'handler_{i}', path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        f"print(json.dumps([m for m in {candidates!r} if m in sys.modules]))"
    )
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    template_env = {
        name: value if isinstance(value, str) else f"local-{name.lower()}" for name, value in variables.items()
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            **template_env,
            "AWS_DEFAULT_REGION": "eu-north-1",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'core'}",
        },
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_health_check_loads_neither_pydantic_nor_the_aws_sdk_nor_stripe():
    # The health function answers a liveness probe: its cold start stays under 0.6x `import boto3`.
    # (Powertools imports the bare `botocore` package for its user agent: under a millisecond.)
    heavy = ["pydantic", "botocore.session", "boto3", "pynamodb", "stripe", "phonenumbers"]
    assert _modules_loaded_by(["ApiHealthFunction"], heavy) == []


def test_no_handler_loads_pyjwt():
    # Tokens are verified by API Gateway (Cognito); the layer does not even ship PyJWT.
    assert _modules_loaded_by(sorted(functions()), ["jwt"]) == []
