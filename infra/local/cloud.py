"""LocalCloud: template.yaml deployed into an in-process moto (or, ``external=True``, a running
LocalStack), the real handlers running in this process (usage: infra/local/README.md)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from . import moto_fixes, telephony
from . import template as tpl
from .runtime import Runtime, env_strings, install, uninstall
from .schedules import Dispatcher, install_events_patch, uninstall_events_dispatcher
from .sqs import SqsPoller

log = logging.getLogger("infra.local")

DEFAULT_REGION = "eu-central-1"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
DeployError = tpl.DeployError

# One emulator server per port in this process (moto's state is process-wide anyway).
_servers: dict[int, list[Any]] = {}
_servers_lock = threading.Lock()
_in_process: list[Any] = []  # moto's mock_aws, started once per process


# Queues whose delayed messages are timers, never work a drain waits for (see LocalCloud.drain).
TIMER_QUEUES = ("WaitAlertQueue",)


class LocalCloud:
    def __init__(
        self,
        root: Path | str,
        port: int = 4566,
        stack_name: str = "skysentral-local",
        stage: str = "local",
        *,
        visibility_timeout_cap_s: float | None = None,
        batching_window_cap_s: float | None = None,
        template_file: str = "template.yaml",
        external: bool = False,
        parameters: dict[str, str] | None = None,
    ) -> None:
        self.root, self.port, self.stack_name, self.stage = Path(root).resolve(), int(port), stack_name, stage
        self.visibility_timeout_cap_s, self.batching_window_cap_s = visibility_timeout_cap_s, batching_window_cap_s
        self.template_file, self.external = template_file, external
        self.extra_parameters = dict(parameters or {})
        self.region = os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self.account = "123456789012"
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.runtime = Runtime()
        self.dispatcher = Dispatcher(self)
        self.resources: dict[str, dict[str, Any]] = {}
        self.skipped: list[tpl.Skipped] = []
        self.sam: dict[str, Any] = {}
        self.cfn: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}
        self.pollers: list[SqsPoller] = []
        self.timings: dict[str, float] = {}
        self._started = False
        self._clients: dict[str, Any] = {}
        self.telephony: telephony.Telephony | None = None  # the Chime SDK stand-in (not with external)

    def start(self) -> LocalCloud:
        t0 = time.perf_counter()
        if self.external:
            from localstack_client import config

            default = config.get_service_endpoint("s3") or "http://localhost:4566"
            self.endpoint = os.environ.get("AWS_ENDPOINT_URL") or default
        else:
            # No AWS_ENDPOINT_URL: in-process clients keep AWS's own URLs, which moto's botocore
            # hook answers straight from the backends its HTTP server serves to other processes
            # (about 1 ms a call instead of 5-25 ms over HTTP); other processes use self.endpoint.
            os.environ["MOTO_PORT"] = str(self.port)
            os.environ.pop("AWS_ENDPOINT_URL", None)
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
        self.region = os.environ["AWS_DEFAULT_REGION"]
        if not self.external:
            from moto import mock_aws
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            with _servers_lock:
                if not _in_process:
                    _in_process.append(mock_aws(config=MOTO_CONFIG))
                    _in_process[0].start()
                if self.port not in _servers:
                    _servers[self.port] = [ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False), 0]
                    _servers[self.port][0].start()
                _servers[self.port][1] += 1
            moto_fixes.apply()
            # Before deploying: sets AWS_ENDPOINT_URL_CHIME_SDK_* (os.environ keys must not be
            # added while a stack serves, runtime._reserve_keys).
            self.telephony = telephony.standin()
            install(self.runtime)
            install_events_patch(self.dispatcher.dispatch_rule_target)
        self._started = True
        self.timings["start_s"] = round(time.perf_counter() - t0, 3)
        return self

    def stop(self) -> None:
        self.dispatcher.clock_stop.set()
        for p in self.pollers:
            p.stop()
        for p in self.pollers:
            p.join(timeout=3)
        self.pollers = []
        uninstall(self.runtime)
        if self.telephony is not None:
            self.telephony.unregister(self)
        uninstall_events_dispatcher(self.dispatcher.dispatch_rule_target)
        if not self.external and self._started:
            with _servers_lock:
                entry = _servers.get(self.port)
                if entry is not None:
                    entry[1] -= 1
                    if entry[1] <= 0:
                        del _servers[self.port]
                        entry[0].stop()
        self._started = False

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator: in-process (moto's hook) for the embedded one,
        through localstack-client's Session for an external LocalStack."""
        if service not in self._clients and not self.external:
            import boto3

            self._clients[service] = boto3.client(service, region_name=self.region)
        if service not in self._clients:
            from botocore.config import Config
            from localstack_client.session import Session

            session = Session(
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                region_name=self.region,
                localstack_host=self.endpoint.split("://", 1)[-1],
            )
            self._clients[service] = session.client(
                service, config=Config(retries={"max_attempts": 2}, read_timeout=120, max_pool_connections=50)
            )
        return self._clients[service]

    def deploy(self) -> dict[str, dict[str, Any]]:
        if not self._started:
            self.start()
        t0 = time.perf_counter()
        self.timings.update(tpl.deploy(self))
        t1 = time.perf_counter()
        if not self.external:
            self._start_pollers()
        self.dispatcher.collect()
        if self.telephony is not None:
            self.telephony.register(self)
        t2 = time.perf_counter()
        self.timings.update(wire_s=round(t2 - t1, 3), deploy_s=round(t2 - t0, 3))
        counts = len(self.resources), len(self.skipped)
        log.info("deployed %s in %.2fs (%d resources, %d handled locally)", self.stack_name, t2 - t0, *counts)
        return self.resources

    def _start_pollers(self) -> None:
        """moto's SQS mapping pushes one message per invoke from inside send_message: each
        mapping of a template function is taken away from moto and polled by an SqsPoller."""
        from moto.awslambda.utils import get_backend as lambda_backend
        from moto.sqs.models import sqs_backends

        queues = sqs_backends[self.account][self.region].queues
        for esm in list(lambda_backend(self.account, self.region)._event_source_mappings.values()):
            fn_name, queue_name = esm.function_arn.split(":")[6], esm.event_source_arn.rsplit(":", 1)[-1]
            queue = queues.get(queue_name) if ":sqs:" in esm.event_source_arn else None
            if queue is None or fn_name not in self.runtime._by_name:
                continue
            for key, value in list(queue.lambda_event_source_mappings.items()):
                if value is esm:
                    del queue.lambda_event_source_mappings[key]
            poller = SqsPoller(self, esm, self.runtime._by_name[fn_name], self.queue_url_by_name(queue_name))
            poller.start()
            self.pollers.append(poller)

    def drain(self, timeout_s: float = 30) -> None:
        """Wait until every polled queue is empty (visible, in flight, delayed) and nothing runs.

        A message delayed beyond the deadline is a timer (a queue's max wait, a callback retry
        of the PBX dispatcher: DelaySeconds up to 900), not work in flight: it is not waited for
        (it would only make the drain time out), and it stays in its queue. A queue that holds
        only timers (TIMER_QUEUES: the wait-alert checks, B3, due whenever a caller has waited
        long enough) is not waited for while its messages are delayed, however soon they are
        due: a drain after any queue call would otherwise wait for the call's alert threshold."""
        sqs, urls = self.client("sqs"), sorted({p.queue_url for p in self.pollers})
        deadline, quiet = time.monotonic() + timeout_s, 0
        names = [f"ApproximateNumberOfMessages{kind}" for kind in ("", "NotVisible", "Delayed")]
        while True:
            counts = {
                url: sum(map(int, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()))
                - self._timers(url, deadline)
                for url in urls
            }
            busy = self.runtime.active > 0 or self.dispatcher.pending > 0 or any(counts.values())
            quiet = 0 if busy else quiet + 1
            if quiet >= 2:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"drain: still busy after {timeout_s}s: {{'queues': {counts}, 'active_invocations'"
                    f": {self.runtime.active}, 'pending': {self.dispatcher.pending}}}"
                )
            time.sleep(0.05)

    def _timers(self, queue_url: str, deadline: float) -> int:
        """How many of the queue's messages stay delayed past ``deadline`` (monotonic), or
        are delayed at all in a queue of TIMER_QUEUES."""
        if self.external:
            return 0
        if any(queue_url == self.resources.get(q, {}).get("url") for q in TIMER_QUEUES):
            deadline = time.monotonic()
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[self.account][self.region].queues.get(queue_url.rsplit("/", 1)[-1])
        if queue is None:
            return 0
        until_ms = (time.time() + max(0.0, deadline - time.monotonic())) * 1000
        return sum(1 for m in list(queue._messages) if m.delayed_until > until_ms)

    def schedules(self) -> list[dict[str, Any]]:
        return [s.describe() for s in self.dispatcher.schedules]

    def fire_schedule(self, name: str, at: datetime | None = None, wait: bool = True) -> dict[str, Any]:
        """Run the schedule's target now, as if the clock read ``at`` (default: now; naive = the
        schedule's zone); a Lambda's result, or (with ``wait``) a state machine's outcome."""
        return self.dispatcher.fire(name, at, wait)

    def start_clock(self) -> None:
        """Fire enabled schedules at their real times in the background."""
        self.dispatcher.start_clock()

    def function_environment(self) -> dict[str, str]:
        """The union of the template functions' resolved environment variables."""
        return {k: v for spec in self.runtime.functions.values() for k, v in env_strings(spec.environment).items()}

    def apply_function_environment(self) -> dict[str, str]:
        """The functions' environment (table names …) into os.environ, for seeding and tests."""
        os.environ.update(env := self.function_environment())
        return env

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a template function in-process (RequestResponse); returns its result."""
        return self.runtime.invoke(logical_id, event)

    def put_secret(self, logical_id: str, value: dict | str) -> None:
        """Set a template secret's value (e.g. the local Stripe keys)."""
        self.client("secretsmanager").put_secret_value(
            SecretId=self.resources[logical_id]["physical_id"],
            SecretString=value if isinstance(value, str) else json.dumps(value),
        )

    def _info(self, logical_id: str, rtype: str, key: str) -> str:
        info = self.resources.get(logical_id)
        if info is None or info.get("type") != rtype:
            actually = f" but a {info.get('type')}" if info else ""
            raise KeyError(f"{logical_id} is not a {rtype} of stack {self.stack_name}{actually}")
        return str(info[key])

    def queue_url(self, logical_id: str) -> str:
        return self._info(logical_id, "AWS::SQS::Queue", "url")

    def queue_url_by_name(self, name: str) -> str:
        for info in self.resources.values():
            if info.get("type") == "AWS::SQS::Queue" and info.get("name") == name:
                return str(info["url"])
        return str(self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])

    def table_name(self, logical_id: str) -> str:
        return self._info(logical_id, "AWS::DynamoDB::Table", "name")

    def state_machine_arn(self, logical_id: str) -> str:
        return self._info(logical_id, "AWS::StepFunctions::StateMachine", "arn")

    def function_name(self, logical_id: str) -> str:
        return self._info(logical_id, "AWS::Lambda::Function", "name")

    def wait_execution(self, execution_arn: str, timeout_s: float = 30) -> dict[str, Any]:
        sfn, deadline = self.client("stepfunctions"), time.monotonic() + timeout_s
        desc = sfn.describe_execution(executionArn=execution_arn)
        while desc["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
            desc = sfn.describe_execution(executionArn=execution_arn)
        out = {k: desc.get(k) for k in ("executionArn", "status", "output", "error", "cause")}
        with contextlib.suppress(TypeError, ValueError):
            out["output"] = json.loads(out["output"])
        return out

    def routes(self) -> list[tpl.Route]:
        return tpl.api_routes(self.sam, self.parameters)
