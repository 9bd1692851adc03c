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
    return _after_importing(logical_ids, f"[m for m in {candidates!r} if m in sys.modules]")


def _after_importing(logical_ids: list[str], expression: str):
    """The JSON value of `expression`, evaluated in a fresh interpreter (with `sys` imported)
    after importing these handlers from their files as the Lambda runtime does."""
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
        f"print(json.dumps({expression}))"
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
            "AWS_DEFAULT_REGION": "eu-central-1",
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


def test_queue_functions_load_neither_powertools_batch_nor_parser_models_nor_asyncio():
    # D1, D7, D9, C8: the SQS functions report partial batch failures with
    # skysentral.adapters.sqs_batch; Powertools' batch package loads asyncio and every event
    # class, its parser models build every event model (about half of `import boto3` together).
    heavy = [
        "aws_lambda_powertools.utilities.batch",
        "aws_lambda_powertools.utilities.data_classes",
        "aws_lambda_powertools.utilities.parser",
        "asyncio",
    ]
    assert _modules_loaded_by(sorted(functions()), heavy) == []


def test_no_handler_creates_an_aws_client_or_loads_stripe_at_import():
    # boto3 clients, the idempotency table's persistence layer (a DynamoDB client), Stripe and
    # Powertools' parameters (boto3 again) load on first use, in the invocation that needs them.
    heavy = [
        "boto3",
        "stripe",
        "aws_lambda_powertools.utilities.idempotency",
        "aws_lambda_powertools.utilities.parameters",
    ]
    assert _modules_loaded_by(sorted(functions()), heavy) == []


def test_no_request_or_queue_model_is_built_at_import():
    # defer_build: a function builds a model's validator when it first parses with it, so an
    # API of fifteen routes does not build fifteen validators to answer one request.
    built = _after_importing(
        sorted(functions()),
        "sorted(f'{m.__module__}.{m.__qualname__}' for name in ('skysentral.api.requests', "
        "'skysentral.api.responses', 'skysentral.events') if name in sys.modules "
        "for m in vars(sys.modules[name]).values() "
        "if isinstance(m, type) and getattr(m, '__pydantic_complete__', False))",
    )
    assert built == []


def test_purchase_steps_and_stripe_webhook_load_no_pydantic():
    # C8, D8: the payment steps and the Stripe webhook parse no request or queue contract (the
    # webhook's response model is named for the OpenAPI generator, not imported), so they do
    # not pay for pydantic's schema machinery (about 0.35x `import boto3`).
    assert _modules_loaded_by(["PurchaseTasksFunction", "ApiWebhooksFunction"], ["pydantic"]) == []
