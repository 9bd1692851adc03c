"""B8: the switchboard page's ``config.json`` in AWS, from the stack's outputs, and the upload
(``make deploy-web`` = ``python -m infra.web_config deploy --stack skysentral-dev``):
web/ synced to ``WebBucket`` (``aws s3 sync``), config.json written beside it, CloudFront
invalidated. ``print`` only prints the config."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOCKET_OUTPUTS = ("SwitchboardSocketUrl", "SocketUrl", "WebSocketUrl")  # the live-updates part names one of these


def config_from_outputs(outputs: dict[str, str]) -> dict[str, Any]:
    """The page's config: the API through the page's own origin (/api, see WebDistribution),
    the WebSocket API, and Cognito's hosted UI (authorization code + PKCE)."""
    missing = [k for k in ("WebUrl", "UserPoolDomainUrl", "UserPoolClientId") if not outputs.get(k)]
    if missing:
        raise ValueError(f"the stack has no output {', '.join(missing)}: deploy template.yaml first")
    socket = next((outputs[k] for k in SOCKET_OUTPUTS if outputs.get(k)), "")
    return {
        "api": "/api",
        "socket": socket,
        "auth": "cognito",
        "cognito": {
            "domain": outputs["UserPoolDomainUrl"].rstrip("/"),
            "client_id": outputs["UserPoolClientId"],
            "redirect_uri": outputs["WebUrl"],
            "scope": "openid email profile",
        },
    }


def stack_outputs(stack: str, region: str | None) -> dict[str, str]:
    import boto3

    cfn = boto3.client("cloudformation", region_name=region)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def deploy(stack: str, region: str | None) -> None:
    outputs = stack_outputs(stack, region)
    config = config_from_outputs(outputs)
    bucket, distribution = outputs["WebBucketName"], outputs["WebDistributionId"]
    region_args = ["--region", region] if region else []
    aws = ["aws", *region_args]
    subprocess.run(
        [*aws, "s3", "sync", str(ROOT / "web"), f"s3://{bucket}/", "--delete", "--exclude", "config.json"], check=True
    )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(config, fh, indent=2)
    subprocess.run(
        [
            *aws,
            "s3",
            "cp",
            fh.name,
            f"s3://{bucket}/config.json",
            "--content-type",
            "application/json",
            "--cache-control",
            "no-cache",
        ],
        check=True,
    )
    subprocess.run(
        [*aws, "cloudfront", "create-invalidation", "--distribution-id", distribution, "--paths", "/*"], check=True
    )
    print(f"The switchboard page: {outputs['WebUrl']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.web_config", description=__doc__)
    parser.add_argument("command", choices=["print", "deploy"])
    parser.add_argument("--stack", default="skysentral-dev")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    try:
        if args.command == "print":
            print(json.dumps(config_from_outputs(stack_outputs(args.stack, args.region)), indent=2))
        else:
            deploy(args.stack, args.region)
    except (ValueError, KeyError) as exc:
        sys.exit(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
