"""The in-process Lambda runtime of the local cloud.

moto stores Lambda functions but never runs their code (``use_docker: false`` makes
every invoke answer a canned string). :func:`install` replaces
``moto.awslambda_simple.models.LambdaSimpleBackend.invoke`` so that *every* invoke that
reaches the emulator — ``boto3`` ``lambda.invoke``, Step Functions ``lambda:invoke``
tasks and ``arn:aws:lambda`` task resources, the gateway, the SQS pollers, schedules and
EventBridge rules — runs the real handler named by the template:

* the moto function is mapped back to its template logical id (physical name → id);
* ``functions/<dir>/<module>.py`` is imported under a unique module name, with the
  function's own folder and its template layers (``layers/core``) on ``sys.path``,
  after the function's resolved environment (read from the moto function) has been
  applied to ``os.environ`` (module-level configuration sees it, as in Lambda);
* the handler gets a Lambda-like context object;
* an exception becomes a Lambda *function error*: header ``X-Amz-Function-Error:
  Unhandled`` and payload ``{"errorMessage", "errorType", "stackTrace"}`` with
  ``errorType`` = the exception's class name — which is what moto's Step Functions
  interpreter reads for ``Retry``/``Catch`` ``ErrorEquals``;
* a handler running past the function's ``Timeout`` answers ``Sandbox.Timedout``.

Limits (documented, accepted): all functions share one interpreter, so ``os.environ``
is process-wide (the function's variables are (re)applied before each invoke) and two
handler folders must not ship top-level helper modules of the same name (put shared
code in the layer). A handler module is re-imported when its source file changes.
"""
from __future__ import annotations

import base64
from collections import deque
import importlib.util
import itertools
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

log = logging.getLogger("infra.local.runtime")
_tags = itertools.count(1)

# Defaults a Lambda sandbox would have that local code should see too.
_LOCAL_DEFAULTS = {
    # Tracer() would try to reach an X-Ray daemon; a function can override this.
    "POWERTOOLS_TRACE_DISABLED": "true",
}


class LambdaContext:
    """The attributes and method of the Python Lambda context object."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int, timeout_s: float,
                 version: str = "$LATEST") -> None:
        self.function_name = function_name
        self.function_version = version
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = int(memory_mb)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + float(timeout_s)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str                 # "module.attr" (module may be dotted: "pkg/app" → "pkg.app")
    layer_dirs: list[Path]
    physical_name: str = ""
    arn: str = ""
    environment: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 128
    timeout_s: float = 3.0


def env_strings(env: dict[str, Any]) -> dict[str, str]:
    """Environment values as Lambda has them: strings (CloudFormation renders true → "true")."""
    return {str(k): ("true" if v is True else "false" if v is False else str(v)) for k, v in env.items()}


class FunctionError(Exception):
    """Raised by :meth:`Runtime.invoke` with ``raise_errors=True`` for a function error."""

    def __init__(self, payload: dict[str, Any]):
        super().__init__(f"{payload.get('errorType')}: {payload.get('errorMessage')}")
        self.payload = payload
        self.error_type = payload.get("errorType")


class Runtime:
    """Runs the template's handlers in this process."""

    def __init__(self) -> None:
        self.functions: dict[str, FunctionSpec] = {}   # logical id → spec
        self._by_name: dict[str, str] = {}            # physical name → logical id
        self._modules: dict[str, tuple[ModuleType, float]] = {}
        self._import_lock = threading.RLock()
        self._active = 0
        self._active_lock = threading.Condition()
        self.invocations: deque[dict[str, Any]] = deque(maxlen=1000)  # recent: function, ms
        self._tag = next(_tags)

    # ------------------------------------------------------------------ registry
    def register(self, spec: FunctionSpec) -> None:
        self.functions[spec.logical_id] = spec
        if spec.physical_name:
            self._by_name[spec.physical_name] = spec.logical_id

    def logical_id_for(self, name_or_arn: str) -> str | None:
        name = name_or_arn
        if name.startswith("arn:"):
            # arn:aws:lambda:region:account:function:name[:qualifier]
            parts = name.split(":")
            name = parts[6] if len(parts) > 6 else parts[-1]
        if name in self.functions:
            return name
        return self._by_name.get(name)

    @property
    def active(self) -> int:
        return self._active

    # ------------------------------------------------------------------ loading
    def _apply_env(self, spec: FunctionSpec) -> None:
        for k, v in _LOCAL_DEFAULTS.items():
            if k not in spec.environment:
                os.environ.setdefault(k, v)
        os.environ.update(env_strings(spec.environment))
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = spec.physical_name or spec.logical_id
        os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(spec.memory_mb)
        os.environ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        os.environ.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "eu-north-1"))

    def _module_file(self, spec: FunctionSpec) -> tuple[Path, str]:
        module_path, _, attr = spec.handler.rpartition(".")
        rel = Path(*module_path.replace("/", ".").split("."))
        file = spec.code_dir / rel.with_suffix(".py")
        if not file.exists():
            file = spec.code_dir / rel / "__init__.py"
        return file, attr

    def handler_for(self, logical_id: str) -> Callable[[Any, Any], Any]:
        spec = self.functions[logical_id]
        file, attr = self._module_file(spec)
        mtime = file.stat().st_mtime
        cached = self._modules.get(logical_id)
        if cached is None or cached[1] != mtime:
            with self._import_lock:
                cached = self._modules.get(logical_id)
                if cached is None or cached[1] != mtime:
                    cached = (self._import(spec, file), mtime)
                    self._modules[logical_id] = cached
        return getattr(cached[0], attr)

    def _import(self, spec: FunctionSpec, file: Path) -> ModuleType:
        for d in spec.layer_dirs:
            if str(d) not in sys.path:
                sys.path.append(str(d))
        self._apply_env(spec)
        mod_name = f"_skysentral_fn{self._tag}_{spec.logical_id}"
        code_dir = str(spec.code_dir)
        sys.path.insert(0, code_dir)
        try:
            module_spec = importlib.util.spec_from_file_location(mod_name, file)
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"cannot import handler file {file}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[mod_name] = module
            t0 = time.perf_counter()
            module_spec.loader.exec_module(module)
            log.info("INIT %s (%s) in %.0f ms", spec.logical_id, file.relative_to(spec.code_dir.parent.parent)
                     if spec.code_dir.parent.parent in file.parents else file, (time.perf_counter() - t0) * 1000)
            return module
        finally:
            try:
                sys.path.remove(code_dir)
            except ValueError:
                pass

    # ------------------------------------------------------------------ invoking
    def invoke_raw(self, logical_id: str, event: Any,
                   spec_override: FunctionSpec | None = None) -> tuple[Any, bool]:
        """Run the handler; return (payload, errored). Never raises for handler errors."""
        spec = spec_override or self.functions[logical_id]
        with self._active_lock:
            self._active += 1
        t0 = time.perf_counter()
        result: dict[str, Any] = {}
        try:
            context = LambdaContext(spec.physical_name or logical_id, spec.arn, spec.memory_mb, spec.timeout_s)

            def run() -> None:
                try:
                    handler = self.handler_for(logical_id)
                    self._apply_env(spec)
                    result["value"] = handler(event, context)
                except BaseException as exc:  # noqa: BLE001 - a handler may raise anything
                    result["error"] = exc
                    result["tb"] = traceback.format_exception(exc)

            worker = threading.Thread(target=run, name=f"lambda-{logical_id}", daemon=True)
            _enter(spec)
            try:
                worker.start()
                worker.join(spec.timeout_s)
            finally:
                _leave()
            if worker.is_alive():
                payload: Any = {
                    "errorMessage": f"Task timed out after {spec.timeout_s:.2f} seconds",
                    "errorType": "Sandbox.Timedout",
                }
                errored = True
            elif "error" in result:
                exc = result["error"]
                log.warning("%s raised %s: %s", logical_id, type(exc).__name__, exc)
                payload = {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": context.aws_request_id,
                    "stackTrace": [line.rstrip("\n") for line in result["tb"][1:]],
                }
                errored = True
            else:
                payload = result.get("value")
                errored = False
            return payload, errored
        finally:
            ms = (time.perf_counter() - t0) * 1000
            self.invocations.append({"function": logical_id, "ms": round(ms, 1)})
            with self._active_lock:
                self._active -= 1
                self._active_lock.notify_all()

    def invoke(self, logical_id: str, event: Any, raise_errors: bool = False) -> Any:
        """Invoke like ``RequestResponse``; returns the JSON round-tripped result."""
        payload, errored = self.invoke_raw(logical_id, event)
        body, errored = _serialise(payload, errored)
        out = json.loads(body)
        if errored and raise_errors:
            raise FunctionError(out)
        return out

    # ------------------------------------------------------------------ moto hook
    def moto_invoke(self, backend: Any, original: Callable[..., Any], function_name: str,
                    qualifier: str | None, body: Any, headers: Any, response_headers: Any) -> Any:
        fn = backend.get_function(function_name, qualifier)
        logical_id = self.logical_id_for(fn.function_name)
        if logical_id is None:
            log.warning("invoke of %s: not a template function, moto's canned answer is returned",
                        fn.function_name)
            return original(backend, function_name, qualifier, body, headers, response_headers)
        spec = self.functions[logical_id]
        # The emulator's copy of the configuration is the resolved one (Refs → names).
        env = env_strings(getattr(fn, "environment_vars", None) or {})
        spec.environment = env or spec.environment
        spec.arn = fn.function_arn
        spec.memory_mb = int(getattr(fn, "memory_size", spec.memory_mb) or spec.memory_mb)
        spec.timeout_s = float(getattr(fn, "timeout", spec.timeout_s) or spec.timeout_s)
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        event = json.loads(body) if body else {}
        invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "Event":
            threading.Thread(target=self.invoke_raw, args=(logical_id, event), daemon=True,
                             name=f"lambda-async-{logical_id}").start()
            response_headers["Content-Length"] = "0"
            return b""
        if invocation_type == "DryRun":
            return b""
        payload, errored = self.invoke_raw(logical_id, event)
        text, errored = _serialise(payload, errored)
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = "$LATEST"
        response_headers["x-amz-log-result"] = base64.b64encode(b"").decode()
        data = text.encode("utf-8")
        response_headers["Content-Length"] = str(len(data))
        return data


# os.environ is process-wide: a function's variables are applied for its invocation and the
# previous values restored when no other invocation is running (so one stack's variables do
# not leak into test code or into another stack's handlers afterwards).
_env_lock = threading.Lock()
_running = [0]
_baseline: dict[str, str | None] = {}
_ENV_KEYS = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
             "AWS_REGION", *_LOCAL_DEFAULTS)


def _enter(spec: "FunctionSpec") -> None:
    with _env_lock:
        _running[0] += 1
        for k in (*spec.environment, *_ENV_KEYS):
            _baseline.setdefault(k, os.environ.get(k))


def _leave() -> None:
    with _env_lock:
        _running[0] -= 1
        if _running[0] > 0:
            return
        for k, v in _baseline.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _baseline.clear()


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    try:
        value = headers.get(name)
        if value is None:
            value = headers.get(name.lower())
        return value
    except AttributeError:
        return None


def _serialise(payload: Any, errored: bool) -> tuple[str, bool]:
    try:
        return json.dumps(payload), errored
    except (TypeError, ValueError) as exc:
        return json.dumps({"errorMessage": f"Unable to marshal response: {exc}",
                           "errorType": "Runtime.MarshalError"}), True


_runtimes: list[Runtime] = []
_original_invoke: Callable[..., Any] | None = None


def _runtime_for(function_name: str) -> Runtime | None:
    # Several local clouds (stacks) can share one emulator in a process: the function's
    # physical name (unique per stack) picks the runtime that deployed it.
    for rt in reversed(_runtimes):
        if function_name in rt._by_name:
            return rt
    return None


def install(runtime: Runtime) -> None:
    """Route moto's (docker-less) Lambda invoke to ``runtime``. Idempotent."""
    global _original_invoke
    from moto.awslambda_simple.models import LambdaSimpleBackend

    if _original_invoke is None:
        _original_invoke = LambdaSimpleBackend.invoke

        def invoke(self: Any, function_name: str, qualifier: str | None, body: Any,
                   headers: Any, response_headers: Any) -> Any:
            assert _original_invoke is not None
            fn = self.get_function(function_name, qualifier)
            rt = _runtime_for(fn.function_name)
            if rt is None:
                log.warning("invoke of %s: not a template function, moto's canned answer is returned",
                            fn.function_name)
                return _original_invoke(self, function_name, qualifier, body, headers, response_headers)
            return rt.moto_invoke(self, _original_invoke, function_name, qualifier, body, headers,
                                  response_headers)

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    if runtime not in _runtimes:
        _runtimes.append(runtime)


def uninstall(runtime: Runtime) -> None:
    if runtime in _runtimes:
        _runtimes.remove(runtime)
