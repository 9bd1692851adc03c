"""``python -m infra.local`` — the local cloud from the command line.

Commands: ``run`` (emulator, template deployed, demo data, API on :3000), ``tokens``,
``fire``, ``send``, ``drain``, ``schedules``, ``calls`` (the call simulator); see ``--help`` and infra/local/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _print_tokens(ttl: int, export: bool = False, auth_age_s: int = 0, mfa: bool = False) -> None:
    from infra.local.issuer import Issuer
    from infra.local.seed import DEMO_USERS

    issuer = Issuer(ROOT)
    for user in DEMO_USERS:
        token = issuer.issue(user.claims, ttl_s=ttl, auth_age_s=auth_age_s, mfa=mfa)
        print(
            f"export {user.var}={token}   # {user.label}"
            if export
            else f"  {user.label}:\n    Authorization: Bearer {token}"
        )


def _call(url: str, method: str = "GET", body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        sys.exit(f"{method} {url} → {exc.code}: {exc.read().decode(errors='replace')}")
    except urllib.error.URLError as exc:
        sys.exit(f"cannot reach {url} ({exc.reason}); is `make run` running?")


def cmd_run(args: argparse.Namespace) -> int:
    from infra.local.cloud import LocalCloud
    from infra.local.directory_standin import DirectoryStandIn
    from infra.local.gateway import Gateway
    from infra.local.issuer import Issuer
    from infra.local.number_lookup_standin import NumberLookupStandIn
    from infra.local.stripe_standin import StripeStandIn

    level = logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname).1s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("botocore", "pynamodb", "samtranslator", "werkzeug", "aws_lambda_powertools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    t0 = time.perf_counter()
    standin = StripeStandIn(port=args.stripe_port).start()
    lookup = NumberLookupStandIn().start()
    directory_standin = DirectoryStandIn(port=args.directory_port).start()  # E4
    from infra.local.provisioning_sim import ProvisioningSim  # E2: the network's provisioning API

    provisioning = ProvisioningSim().start()
    cloud = LocalCloud(
        ROOT,
        port=args.aws_port,
        stage=args.stage,
        external=args.external,
        visibility_timeout_cap_s=args.visibility_cap,
        parameters={
            **standin.stack_parameters(),
            **lookup.stack_parameters(),
            **directory_standin.stack_parameters(),
            **provisioning.stack_parameters(),
        },
    )
    cloud.start()
    cloud.deploy()
    seeded = None
    if not args.no_seed:
        try:
            from infra.local import seed

            cloud.apply_function_environment()
            seeded = seed.seed_demo(cloud)
        except Exception as exc:  # noqa: BLE001 - the API should come up even if seeding breaks
            logging.getLogger("infra.local").warning("seeding the demo data failed: %s", exc)
    gateway = Gateway(cloud, Issuer(ROOT), host=args.host, port=args.port).start()
    standin.connect(cloud, gateway.url)
    provisioning.connect(cloud, gateway.url)
    sms_receipts = None
    if not args.external:  # B5: the carrier's delivery receipts for the SMS moto's SNS sends
        from infra.local.sms_receipts_standin import SmsReceiptsStandIn

        sms_receipts = SmsReceiptsStandIn(cloud).start(every_s=2.0)
    ready = time.perf_counter() - t0

    print()
    print(f"Skysentral local cloud ready in {ready:.1f}s  (deploy {cloud.timings.get('deploy_s')}s)")
    print(f"  Page:      {gateway.url}/   (the web switchboard: log in as the switchboard agent)")
    print(f"  API:       {gateway.url}   (e.g. curl {gateway.url}/health)")
    print(f"  WebSocket: {gateway.socket.url}/?token=<token>   (the switchboard's live updates)")
    print(f"  Emulator:  {cloud.endpoint}   (AWS_ENDPOINT_URL={cloud.endpoint} aws ...)")
    print(f"  Stripe:    {standin.url}   (localstripe, Stripe's test mode; docs/stripe-standin.md)")
    print(f"  Lookup:    {lookup.url}/numbers/<e164>   (names from infra/local/number_lookup.json)")
    print(f"  Listings:  {directory_standin.url}/listings/<msisdn>   (directory services stand-in, E4)")
    print(f"  Network:   {provisioning.url}   (provisioning simulator; POST /_local/provisioning to steer it)")
    counts = f"{len(cloud.resources)} resources, {len(gateway.routes)} routes"
    print(f"  Stack:     {cloud.stack_name}, stage {cloud.stage}; {counts}")
    if seeded is not None:
        print(f"  Seeded:    demo data ({len(seeded)} users)")
    print("  Schedules (fire: python -m infra.local fire <name> [--at ISO]):")
    for s in cloud.schedules() or []:
        target = s["target"]["logical_id"] or s["target"]["arn"]
        print(f"    {s['name']:<28} {s['expression']:<28} {s['timezone']:<14} → {target}")
    if not cloud.schedules():
        print("    (none in template.yaml)")
    print("  Queues (send: python -m infra.local send <queue> file.json):")
    queues = [lid for lid, i in cloud.resources.items() if i.get("type") == "AWS::SQS::Queue"]
    print("    " + (", ".join(queues) if queues else "(none)"))
    print("  Tokens:")
    _print_tokens(args.ttl)
    print("Ctrl-C to stop.", flush=True)

    if not args.no_clock and not args.external:
        cloud.start_clock()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.3):
            pass
    finally:
        gateway.stop()
        cloud.stop()
        standin.stop()
        directory_standin.stop()
        if sms_receipts is not None:
            sms_receipts.stop()
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    if not args.export:
        print(f"Bearer tokens (valid {args.ttl}s, issuer key {ROOT / '.local/issuer-key.pem'}):")
    _print_tokens(args.ttl, args.export, args.auth_age, args.mfa)
    return 0


def cmd_remote(args: argparse.Namespace) -> int:
    """fire / send / drain / schedules: through the running cloud's /_local endpoints."""
    from urllib.parse import quote, urlencode

    if args.cmd == "fire":
        body = {"at": args.at} if args.at else {}
        result = _call(f"{args.url}/_local/schedules/{quote(args.name)}/fire", "POST", body)
    elif args.cmd == "send":
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        query = f"?{urlencode({'group': args.group})}" if args.group else ""
        result = _call(f"{args.url}/_local/queues/{quote(args.queue)}/messages{query}", "POST", json.loads(text))
    elif args.cmd == "drain":
        result = _call(f"{args.url}/_local/drain", "POST", {})
    else:
        result = _call(f"{args.url}/_local/schedules")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    """A month of demo usage (infra/local/demo_usage.py) into the running cloud's UsageQueue."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from infra.local import demo_usage

    month = args.month or datetime.now(ZoneInfo("Europe/Oslo")).strftime("%Y-%m")
    found = demo_usage.records(args.company, month)
    for i in range(0, len(found), 500):
        _call(f"{args.url}/_local/queues/UsageQueue/messages", "POST", found[i : i + 500])
    kinds: dict[str, int] = {}
    for r in found:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"sent {len(found)} usage records of {args.company} for {month}: {kinds}")
    if not args.no_wait:
        _call(f"{args.url}/_local/drain", "POST", {"timeout": 600})
        print("applied and rated (the queues are drained)")
    return 0


def cmd_calls(args: argparse.Namespace) -> int:
    """Play a scenario against the running cloud; exit 1 when an outcome differs."""
    from infra.local import scenarios

    path = Path(args.scenario)
    body = {"scenario": scenarios.load(args.scenario)} if path.is_file() else {"name": args.scenario}
    if args.list:
        print("\n".join(sorted(p.stem for p in scenarios.SCENARIOS.glob("*.*"))))
        return 0
    report = _call(f"{args.url}/_local/calls/scenario", "POST", body)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        scenarios.print_report(report)
    return 0 if report.get("ok") else 1


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    for p in (str(ROOT / "layers" / "core"), str(ROOT)):
        if p not in sys.path:
            sys.path.insert(0, p)
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    default_url = os.environ.get("SKYSENTRAL_LOCAL_URL", "http://localhost:3000")

    p = sub.add_parser("run", help="emulator + template + demo data + API on :3000")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--aws-port", type=int, default=4566)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--stage", default="local")
    p.add_argument("--ttl", type=int, default=86400, help="lifetime of the printed tokens (s)")
    cap_help = "cap SQS visibility timeouts (s) so retries come back sooner (default 10)"
    p.add_argument("--visibility-cap", type=float, default=10, help=cap_help)
    p.add_argument("--stripe-port", type=int, default=12111, help="port of localstripe (Stripe's test mode)")
    p.add_argument("--directory-port", type=int, default=12112, help="port of the directory services stand-in (E4)")
    p.add_argument("--no-seed", action="store_true")
    p.add_argument("--no-clock", action="store_true", help="do not fire schedules at their real times")
    p.add_argument("--external", action="store_true", help="deploy into a running LocalStack instead")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(fn=cmd_run)

    p = sub.add_parser("tokens", help="print a bearer token per demo user")
    p.add_argument("--ttl", type=int, default=86400)
    p.add_argument("--export", action="store_true", help="print `export NAME=token` lines for a shell")
    # F10: step-up routes need a sign-in within STEP_UP_MAX_AGE_S (900 s) or one with MFA
    p.add_argument("--auth-age", type=int, default=0, metavar="SECONDS", help="signed in this long ago (auth_time)")
    p.add_argument("--mfa", action="store_true", help='signed in with MFA (amr ["pwd", "mfa"])')
    p.set_defaults(fn=cmd_tokens)

    remote = {
        name: sub.add_parser(name, help=help_)
        for name, help_ in (
            ("fire", "fire a schedule of a running cloud"),
            ("send", "send JSON message(s) to a template queue of a running cloud"),
            ("drain", "wait until the running cloud's queues are empty"),
            ("schedules", "list the schedules of a running cloud"),
        )
    }
    remote["fire"].add_argument("name")
    remote["fire"].add_argument("--at", help="ISO 8601 clock, e.g. 2026-12-01T00:05 (the schedule's time zone)")
    remote["send"].add_argument("queue", help="logical id of the queue in template.yaml")
    remote["send"].add_argument("file", help="a .json file (object or list) or - for stdin")
    remote["send"].add_argument("--group", help="MessageGroupId for FIFO queues (default: the message's msisdn)")
    for p in remote.values():
        p.add_argument("--url", default=default_url)
        p.set_defaults(fn=cmd_remote)

    p = sub.add_parser("usage", help="send a month of demo usage (data, calls, SMS, content) to a running cloud")
    p.add_argument("--month", help="YYYY-MM (default: this month, up to now)")
    p.add_argument("--company", default="c-nordlys")
    p.add_argument("--no-wait", action="store_true", help="do not wait until the records are applied and rated")
    p.add_argument("--url", default=default_url)
    p.set_defaults(fn=cmd_usage)

    p = sub.add_parser("calls", help="play a call scenario (infra/local/scenarios/) against a running cloud")
    p.add_argument("scenario", nargs="?", default="queue-two-agents", help="a shipped scenario's name or a file")
    p.add_argument("--list", action="store_true", help="list the shipped scenarios")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.add_argument("--url", default=default_url)
    p.set_defaults(fn=cmd_calls)

    args = parser.parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
