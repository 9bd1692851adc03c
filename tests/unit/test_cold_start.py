"""Cold start (issue 7): what a handler module loads when Lambda imports it.

`make bench` (tests/bench/bench_cold_imports.py) times the imports; these tests pin the
decisions behind the figures, so a new import line cannot undo them unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.template import functions

ROOT = Path(__file__).resolve().parents[2]


def _modules_loaded_by(logical_ids: list[str], candidates: list[str]) -> list[str]:
    """Which of `candidates` a fresh interpreter has loaded after importing these handlers."""
    code = (
        "import json, sys; from infra.template import load_handler_module\n"
        f"for logical_id in {logical_ids!r}: load_handler_module(logical_id)\n"
        f"print(json.dumps([m for m in {candidates!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'core'}"},
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
