"""LocalCloud: the template deployed into an in-process AWS emulator (moto), with the
real handlers running in this process.

    cloud = LocalCloud(Path("."), port=4566)
    cloud.start()          # emulator up, env pointed at it
    cloud.deploy()         # template.yaml → the stack, state machines, pollers, schedules
    cloud.invoke("ApiHealthFunction", event)
    cloud.fire_schedule("MonthlyClose", at=datetime(2026, 12, 1, 0, 5))
    cloud.drain()
    cloud.stop()

Against a LocalStack you already run (``external=True``): no emulator is started and
moto is not patched; clients come from ``localstack_client.session.Session`` (which
talks to ``http://localhost:4566`` unless ``LOCALSTACK_HOST`` / ``AWS_ENDPOINT_URL``
say otherwise); the stack is created by LocalStack's CloudFormation, which runs the
functions, event source mappings and state machines itself; the local cloud still
packages/transforms the template, fires schedules on request and serves the gateway.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from . import moto_fixes
from . import template as tpl
from .runtime import FunctionSpec, Runtime, env_strings, install, uninstall
from .schedules import (
    Clock,
    Schedule,
    arn_service,
    as_aware,
    install_events_patch,
    iso_z,
    scheduled_event,
    scheduler_input,
    uninstall_events_dispatcher,
)
from .sqs import SqsPoller

log = logging.getLogger("infra.local")

DEFAULT_REGION = "eu-north-1"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}

# One emulator server per port in this process (moto's state is process-wide anyway).
_servers: dict[int, list[Any]] = {}
_servers_lock = threading.Lock()
_in_process: list[Any] = []  # moto's mock_aws, started once per process


def _intercept_in_process_calls() -> None:
    """AWS calls made in this process (the handlers, the pollers, tests) go straight to the
    emulator's backends through moto's botocore hook, the same backends its HTTP server
    serves to other processes: about 1 ms a call instead of 5-25 ms over HTTP."""
    with _servers_lock:
        if not _in_process:
            from moto import mock_aws

            mock = mock_aws(config=MOTO_CONFIG)
            mock.start()
            _in_process.append(mock)


class DeployError(RuntimeError):
    pass


class LocalCloud:
    def __init__(self, root: Path | str, port: int = 4566, stack_name: str = "skysentral-local",
                 stage: str = "local", *, visibility_timeout_cap_s: float | None = None,
                 batching_window_cap_s: float | None = None,
                 template_file: str = "template.yaml", external: bool = False,
                 parameters: dict[str, str] | None = None) -> None:
        self.root = Path(root).resolve()
        self.port = int(port)
        self.stack_name = stack_name
        self.stage = stage
        self.visibility_timeout_cap_s = visibility_timeout_cap_s
        self.batching_window_cap_s = batching_window_cap_s
        self.template_file = template_file
        self.external = external
        self.extra_parameters = dict(parameters or {})
        self.region = os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self.account = "123456789012"
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.runtime = Runtime()
        self.resources: dict[str, dict[str, Any]] = {}
        self.skipped: list[tpl.Skipped] = []
        self.sam: dict[str, Any] = {}
        self.cfn: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}
        self.pollers: list[SqsPoller] = []
        self._schedules: list[Schedule] = []
        self._clock: Clock | None = None
        self._pending = 0
        self._pending_cv = threading.Condition()
        self._started = False
        self._clients: dict[str, Any] = {}
        self.timings: dict[str, float] = {}

    # ================================================================== lifecycle
    def start(self) -> "LocalCloud":
        t0 = time.perf_counter()
        if self.external:
            self.endpoint = os.environ.get("AWS_ENDPOINT_URL") or self._localstack_endpoint()
        else:
            # No AWS_ENDPOINT_URL: in-process clients must keep AWS's own URLs, which moto's
            # in-process hook answers; other processes use self.endpoint (printed by `run`).
            os.environ["MOTO_PORT"] = str(self.port)
            os.environ.pop("AWS_ENDPOINT_URL", None)
            _intercept_in_process_calls()
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
        self.region = os.environ["AWS_DEFAULT_REGION"]
        if not self.external:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            self._start_server()
            req = urllib.request.Request(f"{self.endpoint}/moto-api/config", method="POST",
                                         data=json.dumps(MOTO_CONFIG).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=10).read()
            moto_fixes.apply()
            install(self.runtime)
            install_events_patch(self._dispatch_rule_target)
        self._started = True
        self.timings["start_s"] = round(time.perf_counter() - t0, 3)
        return self

    @staticmethod
    def _localstack_endpoint() -> str:
        from localstack_client import config

        return config.get_service_endpoint("s3") or "http://localhost:4566"

    def _start_server(self) -> None:
        from moto.server import ThreadedMotoServer

        with _servers_lock:
            entry = _servers.get(self.port)
            if entry is None:
                server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
                server.start()
                _servers[self.port] = [server, 1]
            else:
                entry[1] += 1

    def stop(self) -> None:
        if self._clock:
            self._clock.stop()
        for p in self.pollers:
            p.stop()
        for p in self.pollers:
            p.join(timeout=3)
        self.pollers = []
        uninstall(self.runtime)
        uninstall_events_dispatcher(self._dispatch_rule_target)
        if not self.external and self._started:
            with _servers_lock:
                entry = _servers.get(self.port)
                if entry is not None:
                    entry[1] -= 1
                    if entry[1] <= 0:
                        del _servers[self.port]
                        entry[0].stop()
        self._started = False

    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ================================================================== clients
    def client(self, service: str) -> Any:
        """A boto3 client for the emulator: in-process (moto's hook) for the embedded one,
        through localstack-client's Session for an external LocalStack."""
        if service not in self._clients and not self.external:
            import boto3

            self._clients[service] = boto3.client(service, region_name=self.region)
        if service not in self._clients:
            from botocore.config import Config
            from localstack_client.session import Session

            host = self.endpoint.split("://", 1)[-1]
            session = Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                              region_name=self.region, localstack_host=host)
            self._clients[service] = session.client(
                service, config=Config(retries={"max_attempts": 2}, read_timeout=120,
                                       max_pool_connections=50))
        return self._clients[service]

    # ================================================================== deploy
    def deploy(self) -> dict[str, dict[str, Any]]:
        if not self._started:
            self.start()
        t0 = time.perf_counter()
        self.sam = tpl.load(self.root / self.template_file)
        declared = self.sam.get("Parameters", {})
        overrides = {k: v for k, v in {"Stage": self.stage, **self.extra_parameters}.items() if k in declared}
        self.parameters = tpl.parameters(self.sam, overrides)

        bucket = f"{self.stack_name}-artifacts".lower()
        s3 = self.client("s3")
        try:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass

        def upload(key: str, data: bytes) -> str:
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            return f"s3://{bucket}/{key}"

        packaged = tpl.package(self.sam, self.root, upload)
        t1 = time.perf_counter()
        self.cfn = tpl.transform(packaged, overrides)
        t2 = time.perf_counter()
        if self.external:
            deployable, self.skipped = self._prepare_external(self.cfn)
        else:
            deployable, self.skipped = tpl.prepare_for_moto(self.cfn, self.region, self.account)
        for s in self.skipped:
            log.info("not created in the emulator: %s (%s): %s", s.logical_id, s.type, s.reason)

        cfn = self.client("cloudformation")
        body = json.dumps(deployable)
        kwargs: dict[str, Any] = {
            "StackName": self.stack_name,
            "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in overrides.items()],
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        }
        if len(body) > 51_000:
            s3.put_object(Bucket=bucket, Key="template.json", Body=body.encode())
            # AWS's limit for TemplateBody is 51,200 bytes; larger goes through S3 as in AWS
            kwargs["TemplateURL"] = (f"{self.endpoint}/{bucket}/template.json" if self.external
                                     else f"https://s3.{self.region}.amazonaws.com/{bucket}/template.json")
        else:
            kwargs["TemplateBody"] = body
        try:
            cfn.create_stack(**kwargs)
        except Exception as exc:
            raise DeployError(f"create_stack failed: {exc}") from exc
        status = self._wait_stack(cfn)
        if status != "CREATE_COMPLETE":
            events = cfn.describe_stack_events(StackName=self.stack_name)["StackEvents"][:10]
            raise DeployError(f"stack {self.stack_name} ended {status}: {events}")
        t3 = time.perf_counter()

        self._collect_resources()
        if not self.external:
            self._create_state_machines()
        self._register_functions()
        if not self.external:
            self._start_pollers()
        self._collect_schedules()
        t4 = time.perf_counter()
        self.timings.update(package_s=round(t1 - t0, 3), transform_s=round(t2 - t1, 3),
                            create_stack_s=round(t3 - t2, 3), wire_s=round(t4 - t3, 3),
                            deploy_s=round(t4 - t0, 3))
        log.info("deployed %s in %.2fs (%d resources, %d handled locally)", self.stack_name,
                 t4 - t0, len(self.resources), len(self.skipped))
        return self.resources

    def _prepare_external(self, cfn: dict[str, Any]) -> tuple[dict[str, Any], list[tpl.Skipped]]:
        import copy

        cfn = copy.deepcopy(cfn)
        skipped: list[tpl.Skipped] = []
        gone: dict[str, str] = {}
        for lid, res in list(cfn.get("Resources", {}).items()):
            reason = tpl.HANDLED_LOCALLY.get(res.get("Type", ""))
            if reason and res["Type"].startswith(("AWS::Scheduler", "AWS::Cognito")):
                gone[lid] = res["Type"]
                skipped.append(tpl.Skipped(lid, res["Type"], reason, res.get("Properties", {})))
                del cfn["Resources"][lid]
        cfn["Resources"] = tpl.replace_refs(cfn["Resources"], gone, self.region, self.account)
        return cfn, skipped

    def _wait_stack(self, cfn: Any, timeout_s: float = 120) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            status = cfn.describe_stacks(StackName=self.stack_name)["Stacks"][0]["StackStatus"]
            if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
                return status
            time.sleep(0.2)

    # ------------------------------------------------------------------ resources
    def _moto_resource_map(self) -> Any:
        if self.external:
            return None
        from moto.cloudformation.models import cloudformation_backends

        backend = cloudformation_backends[self.account][self.region]
        for stack in backend.stacks.values():
            if stack.name == self.stack_name and stack.status == "CREATE_COMPLETE":
                return stack.resource_map
        return None

    def _collect_resources(self) -> None:
        cfn = self.client("cloudformation")
        rows = cfn.describe_stack_resources(StackName=self.stack_name)["StackResources"]
        rmap = self._moto_resource_map()
        self.resources = {}
        for row in rows:
            lid, rtype, pid = row["LogicalResourceId"], row["ResourceType"], row.get("PhysicalResourceId")
            info: dict[str, Any] = {"type": rtype, "physical_id": pid}
            model = None
            if rmap is not None:
                try:
                    model = rmap[lid]
                except Exception:  # noqa: BLE001
                    model = None
            if model is not None and hasattr(model, "get_cfn_attribute"):
                for attr, key in (("Arn", "arn"), ("QueueUrl", "url")):
                    try:
                        if type(model).has_cfn_attr(attr):
                            info[key] = model.get_cfn_attribute(attr)
                    except Exception:  # noqa: BLE001
                        pass
            if rtype == "AWS::SQS::Queue":
                info["url"] = pid if str(pid).startswith("http") else info.get("url")
                info["name"] = str(info["url"]).rsplit("/", 1)[-1]
                info.setdefault("arn", f"arn:aws:sqs:{self.region}:{self.account}:{info['name']}")
            elif rtype == "AWS::DynamoDB::Table":
                info["name"] = pid
            elif rtype == "AWS::Lambda::Function":
                info["name"] = pid
                info.setdefault("arn", f"arn:aws:lambda:{self.region}:{self.account}:function:{pid}")
            elif rtype == "AWS::StepFunctions::StateMachine":
                info["arn"] = pid
                info["name"] = str(pid).rsplit(":", 1)[-1]
            elif rtype == "AWS::SNS::Topic":
                info["arn"] = pid
            self.resources[lid] = info
        for s in self.skipped:
            self.resources.setdefault(s.logical_id, {"type": s.type, "physical_id": None,
                                                     "handled_locally": s.reason})
        self._create_secrets()

    def _resolve(self, node: Any) -> Any:
        """Resolve intrinsics against the created stack (moto's own resolver)."""
        gone = {s.logical_id: s.type for s in self.skipped}
        node = tpl.replace_refs(node, gone, self.region, self.account)
        rmap = self._moto_resource_map()
        if rmap is None:
            return self._resolve_simple(node)
        from moto.cloudformation.parsing import clean_json

        return clean_json(node, rmap)

    def _resolve_simple(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self._resolve_simple(v) for v in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"}:
            ref = node["Ref"]
            if ref in self.parameters:
                return self.parameters[ref]
            return {"AWS::Region": self.region, "AWS::AccountId": self.account,
                    "AWS::StackName": self.stack_name}.get(ref) or self.resources.get(ref, {}).get("physical_id")
        if set(node) == {"Fn::GetAtt"}:
            lid, attr = node["Fn::GetAtt"]
            info = self.resources.get(lid, {})
            return info.get(attr.lower()) or info.get("arn")
        return {k: self._resolve_simple(v) for k, v in node.items()}

    # ------------------------------------------------------------------ state machines
    def _create_state_machines(self) -> None:
        """Create each template state machine through the Step Functions API.

        With ``execute_state_machine`` on, moto's Step Functions API reads a different
        backend from the one its CloudFormation writes to; the machine is re-created under
        the same name (so every ``!Ref``/``!GetAtt`` to it already holds the right ARN),
        its ``DefinitionSubstitutions`` resolved against the stack.
        """
        sfn = self.client("stepfunctions")
        for lid, res in self.cfn.get("Resources", {}).items():
            if res.get("Type") != "AWS::StepFunctions::StateMachine":
                continue
            props = self._resolve(res.get("Properties", {}))
            definition = props.get("DefinitionString")
            if definition is None and "Definition" in props:
                definition = json.dumps(props["Definition"])
            if definition is None:
                log.warning("state machine %s: no inline definition (DefinitionS3Location?)", lid)
                continue
            if not isinstance(definition, str):
                definition = json.dumps(definition)
            for key, value in (props.get("DefinitionSubstitutions") or {}).items():
                definition = definition.replace("${" + key + "}", str(value))
            info = self.resources.get(lid, {})
            name = info.get("name") or props.get("StateMachineName") or f"{self.stack_name}-{lid}"
            kwargs: dict[str, Any] = {
                "name": name,
                "definition": definition,
                "roleArn": props.get("RoleArn") or f"arn:aws:iam::{self.account}:role/{name}",
                "type": props.get("StateMachineType", "STANDARD"),
            }
            arn = sfn.create_state_machine(**kwargs)["stateMachineArn"]
            info.update(arn=arn, name=name, physical_id=arn, definition=definition)
            self.resources[lid] = info

    # ------------------------------------------------------------------ functions
    def _register_functions(self) -> None:
        lam = self.client("lambda")
        for lid, props in tpl.sam_functions(self.sam).items():
            if "InlineCode" in props or props.get("PackageType") == "Image":
                log.warning("function %s: inline/image code is not run locally", lid)
                continue
            info = self.resources.get(lid, {})
            name = info.get("name") or info.get("physical_id")
            if not name:
                log.warning("function %s was not created in the stack", lid)
                continue
            conf = lam.get_function_configuration(FunctionName=name)
            spec = FunctionSpec(
                logical_id=lid,
                code_dir=(self.root / str(props.get("CodeUri", "."))).resolve(),
                handler=str(props.get("Handler")),
                layer_dirs=tpl.layer_dirs(self.sam, self.root, props.get("Layers") or []),
                physical_name=name,
                arn=conf["FunctionArn"],
                environment=env_strings((conf.get("Environment") or {}).get("Variables", {})),
                memory_mb=int(conf.get("MemorySize") or 128),
                timeout_s=float(conf.get("Timeout") or 3),
            )
            self.runtime.register(spec)
            info.update(name=name, arn=conf["FunctionArn"], handler=spec.handler,
                        code_dir=str(spec.code_dir))
            self.resources[lid] = info

    # ------------------------------------------------------------------ SQS
    def _start_pollers(self) -> None:
        from moto.awslambda.utils import get_backend as lambda_backend
        from moto.sqs.models import sqs_backends

        lam = lambda_backend(self.account, self.region)
        sqs_backend = sqs_backends[self.account][self.region]
        by_arn = {info.get("arn"): lid for lid, info in self.resources.items()}
        for esm in list(lam._event_source_mappings.values()):
            if ":sqs:" not in esm.event_source_arn:
                continue
            fn_name = esm.function_arn.split(":")[6]
            fn_lid = self.runtime.logical_id_for(fn_name)
            if fn_lid is None or fn_name not in self.runtime._by_name:
                continue
            queue_name = esm.event_source_arn.rsplit(":", 1)[-1]
            queue = sqs_backend.queues.get(queue_name)
            if queue is None:
                log.warning("ESM %s: queue %s not found", esm.uuid, queue_name)
                continue
            # take the mapping away from moto's synchronous push
            for key, value in list(queue.lambda_event_source_mappings.items()):
                if value is esm:
                    del queue.lambda_event_source_mappings[key]
            poller = SqsPoller(runtime=self.runtime, sqs=self.client("sqs"), esm=esm,
                               function_logical_id=fn_lid, queue_url=self._queue_url_by_name(queue_name),
                               queue_arn=esm.event_source_arn, region=self.region,
                               visibility_timeout_cap_s=self.visibility_timeout_cap_s,
                               batching_window_cap_s=self.batching_window_cap_s)
            poller.queue_logical_id = by_arn.get(esm.event_source_arn)  # type: ignore[attr-defined]
            poller.start()
            self.pollers.append(poller)

    def _queue_url_by_name(self, name: str) -> str:
        for info in self.resources.values():
            if info.get("type") == "AWS::SQS::Queue" and info.get("name") == name:
                return str(info["url"])
        return str(self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])

    def _create_secrets(self) -> None:
        """moto's CloudFormation has no AWS::SecretsManager::Secret: create each one through
        the API under the name its references were given, with the template's value."""
        if self.external:
            return
        sm = self.client("secretsmanager")
        for s in self.skipped:
            if s.type != "AWS::SecretsManager::Secret":
                continue
            name = tpl.placeholder(s.logical_id, s.type, None, self.region, self.account)
            try:
                sm.create_secret(Name=name, SecretString=str(s.properties.get("SecretString") or "{}"))
            except sm.exceptions.ResourceExistsException:
                pass
            self.resources[s.logical_id].update(physical_id=name, name=name)

    def put_secret(self, logical_id: str, value: dict | str) -> None:
        """Set a template secret's value (e.g. the local Stripe keys)."""
        secret_id = self.resources[logical_id]["physical_id"]
        self.client("secretsmanager").put_secret_value(
            SecretId=secret_id, SecretString=value if isinstance(value, str) else json.dumps(value))

    def drain(self, timeout_s: float = 30) -> None:
        """Wait until every polled queue is empty (visible, in flight, delayed) and nothing runs."""
        sqs = self.client("sqs")
        urls = sorted({p.queue_url for p in self.pollers})
        deadline = time.monotonic() + timeout_s
        quiet = 0
        last: dict[str, Any] = {}
        while True:
            busy = self.runtime.active > 0 or self._pending > 0
            counts = {}
            for url in urls:
                a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed"])["Attributes"]
                counts[url] = sum(int(v) for v in a.values())
            last = {"queues": counts, "active_invocations": self.runtime.active, "pending": self._pending}
            if not busy and not any(counts.values()):
                quiet += 1
                if quiet >= 2:
                    return
            else:
                quiet = 0
            if time.monotonic() > deadline:
                raise TimeoutError(f"drain: still busy after {timeout_s}s: {last}")
            time.sleep(0.05)

    # ------------------------------------------------------------------ schedules & rules
    def _collect_schedules(self) -> None:
        aliases: dict[str, list[str]] = {}
        for lid, res in self.sam.get("Resources", {}).items():
            for ev_name, ev in ((res.get("Properties") or {}).get("Events") or {}).items():
                if isinstance(ev, dict) and ev.get("Type") in ("Schedule", "ScheduleV2"):
                    aliases.setdefault(f"{lid}{ev_name}", []).append(ev_name)
        by_arn = {info.get("arn"): lid for lid, info in self.resources.items() if info.get("arn")}
        out: list[Schedule] = []
        for lid, res in self.cfn.get("Resources", {}).items():
            rtype = res.get("Type")
            props = res.get("Properties") or {}
            if rtype == "AWS::Scheduler::Schedule":
                p = self._resolve(props)
                target = p.get("Target") or {}
                name = p.get("Name") or lid
                out.append(Schedule(
                    name=str(name), logical_id=lid, kind="scheduler",
                    expression=str(p.get("ScheduleExpression")),
                    timezone=str(p.get("ScheduleExpressionTimezone") or "UTC"),
                    target_arn=str(target.get("Arn")), input=target.get("Input"),
                    state=str(p.get("State") or "ENABLED"), target=target,
                    aliases=aliases.get(lid, []), group=str(p.get("GroupName") or "default"),
                    target_logical_id=by_arn.get(target.get("Arn"))))
            elif rtype == "AWS::Events::Rule" and props.get("ScheduleExpression"):
                p = self._resolve(props)
                info = self.resources.get(lid, {})
                rule_name = info.get("physical_id") or p.get("Name") or lid
                for target in p.get("Targets") or []:
                    out.append(Schedule(
                        name=str(rule_name), logical_id=lid, kind="events-rule",
                        expression=str(p.get("ScheduleExpression")), timezone="UTC",
                        target_arn=str(target.get("Arn")), input=target.get("Input"),
                        state=str(p.get("State") or "ENABLED"), target=target,
                        aliases=aliases.get(lid, []),
                        target_logical_id=by_arn.get(target.get("Arn"))))
        self._schedules = out

    def schedules(self) -> list[dict[str, Any]]:
        return [s.describe() for s in self._schedules]

    def schedule(self, name: str) -> Schedule:
        found = [s for s in self._schedules if s.matches(name)]
        if not found:
            raise KeyError(f"no schedule {name!r}; known: {[s.name for s in self._schedules]}")
        return found[0]

    def fire_schedule(self, name: str, at: datetime | None = None, wait: bool = True) -> dict[str, Any]:
        """Run the schedule's target now, as if the clock read ``at`` (default: now).

        A naive ``at`` is read in the schedule's time zone. Lambda targets run
        synchronously (the result is returned); Step Functions targets start an execution
        (its ARN is returned; with ``wait`` the call waits for it to finish).
        """
        out = []
        exact = [s for s in self._schedules if name in (s.name, s.logical_id)]
        for s in exact or [s for s in self._schedules if s.matches(name)] or [self.schedule(name)]:
            when = as_aware(at, s.timezone)
            if s.kind == "scheduler":
                payload = scheduler_input(s, when, self.region, self.account)
            else:
                rule_arn = f"arn:aws:events:{self.region}:{self.account}:rule/{s.name}"
                from .schedules import rule_target_input

                payload = rule_target_input(s.target, scheduled_event(rule_arn, when, self.region, self.account))
            result = self._deliver(s.target_arn, payload, s.target, sync=True)
            if wait and isinstance(result, dict) and result.get("executionArn"):
                result = self.wait_execution(result["executionArn"])
            out.append({"schedule": s.name, "scheduled_time": iso_z(when), "target": s.target_arn,
                        "payload": payload, "result": result})
        return out[0] if len(out) == 1 else {"fired": out}

    def start_clock(self) -> Clock:
        """Fire enabled schedules at their real times in the background."""
        self._clock = Clock(self._schedules, lambda s, when: self.fire_schedule(s.name, when, wait=False))
        self._clock.start()
        return self._clock

    def _deliver(self, arn: str, payload: str, target: dict[str, Any], sync: bool) -> Any:
        service = arn_service(arn)
        if service == "lambda":
            fn = arn.split(":")[6] if arn.count(":") >= 6 else arn
            lid = self.runtime.logical_id_for(fn)
            if lid is not None and not self.external:
                if sync:
                    return self.runtime.invoke(lid, json.loads(payload))
                self._background(lambda: self.runtime.invoke_raw(lid, json.loads(payload)))
                return None
            resp = self.client("lambda").invoke(FunctionName=arn, Payload=payload.encode(),
                                                InvocationType="RequestResponse" if sync else "Event")
            body = resp["Payload"].read()
            return json.loads(body) if body else None
        if service == "states":
            resp = self.client("stepfunctions").start_execution(stateMachineArn=arn, input=payload)
            return {"executionArn": resp["executionArn"]}
        if service == "sqs":
            name = arn.rsplit(":", 1)[-1]
            kwargs: dict[str, Any] = {"QueueUrl": self._queue_url_by_name(name), "MessageBody": payload}
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if group:
                kwargs["MessageGroupId"] = group
            return self.client("sqs").send_message(**kwargs)["MessageId"]
        if service == "sns":
            return self.client("sns").publish(TopicArn=arn, Message=payload)["MessageId"]
        if service == "events":
            params = target.get("EventBridgeParameters") or {}
            entry = {"EventBusName": arn, "Source": params.get("Source", "local.scheduler"),
                     "DetailType": params.get("DetailType", "Scheduled Event"), "Detail": payload}
            return self.client("events").put_events(Entries=[entry])["Entries"]
        raise NotImplementedError(f"local delivery to {arn} is not supported")

    def _background(self, fn: Any) -> None:
        with self._pending_cv:
            self._pending += 1

        def run() -> None:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001
                log.warning("background delivery failed: %s", exc)
            finally:
                with self._pending_cv:
                    self._pending -= 1
                    self._pending_cv.notify_all()

        threading.Thread(target=run, daemon=True, name="local-delivery").start()

    def _dispatch_rule_target(self, target: dict[str, Any], payload: str) -> bool:
        """Called from moto's patched ``Rule.send_to_targets`` (EventBridge is async)."""
        arn = target["Arn"]
        service = arn_service(arn)
        if service == "lambda":
            fn = arn.split(":")[6] if arn.count(":") >= 6 else arn
            if fn not in self.runtime._by_name:
                return False
        elif service == "states":
            if arn not in {i.get("arn") for i in self.resources.values()}:
                return False
        self._background(lambda: self._deliver(arn, payload, target, sync=False))
        return True

    # ================================================================== helpers
    def function_environment(self) -> dict[str, str]:
        """The union of the template functions' resolved environment variables."""
        env: dict[str, str] = {}
        for spec in self.runtime.functions.values():
            env.update(env_strings(spec.environment))
        return env

    def apply_function_environment(self) -> dict[str, str]:
        """Put the functions' environment (table names, queue URLs …) into os.environ,
        so that scripts (seeding, tests) using the layer's stores find the resources."""
        env = self.function_environment()
        os.environ.update(env)
        return env

    def invoke(self, logical_id: str, event: Any, raise_errors: bool = False) -> Any:
        """Invoke a template function in-process (RequestResponse); returns its result."""
        return self.runtime.invoke(logical_id, event, raise_errors=raise_errors)

    def _info(self, logical_id: str, rtype: str) -> dict[str, Any]:
        info = self.resources.get(logical_id)
        if info is None:
            raise KeyError(f"{logical_id} is not a resource of stack {self.stack_name}")
        if info.get("type") != rtype:
            raise KeyError(f"{logical_id} is a {info.get('type')}, not {rtype}")
        return info

    def queue_url(self, logical_id: str) -> str:
        return str(self._info(logical_id, "AWS::SQS::Queue")["url"])

    def queue_arn(self, logical_id: str) -> str:
        return str(self._info(logical_id, "AWS::SQS::Queue")["arn"])

    def table_name(self, logical_id: str) -> str:
        return str(self._info(logical_id, "AWS::DynamoDB::Table")["name"])

    def state_machine_arn(self, logical_id: str) -> str:
        return str(self._info(logical_id, "AWS::StepFunctions::StateMachine")["arn"])

    def function_name(self, logical_id: str) -> str:
        return str(self._info(logical_id, "AWS::Lambda::Function")["name"])

    def wait_execution(self, execution_arn: str, timeout_s: float = 30) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout_s
        while True:
            desc = sfn.describe_execution(executionArn=execution_arn)
            if desc["status"] != "RUNNING" or time.monotonic() > deadline:
                out = {k: desc.get(k) for k in ("executionArn", "status", "output", "error", "cause")}
                if isinstance(out.get("output"), str):
                    try:
                        out["output"] = json.loads(out["output"])
                    except ValueError:
                        pass
                return out
            time.sleep(0.05)

    def routes(self) -> list[tpl.Route]:
        return tpl.api_routes(self.sam, self.parameters)
