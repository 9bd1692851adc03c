"""The in-process Lambda runtime (moto never runs Lambda code: :func:`install` replaces its
invoke; infra/local/README.md) and the one handler loader, :func:`import_handler`, also used by
the tests and the OpenAPI generator. A handler module is re-imported when its file changes."""

from __future__ import annotations

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger("infra.local.runtime")
_tags = itertools.count(1)


def handler_file(code_dir: Path, handler: str) -> tuple[Path, str]:
    """(module file, attribute) of a ``module.attr`` handler (module may be ``pkg/app`` or dotted)."""
    module_path, _, attr = handler.rpartition(".")
    rel = Path(*module_path.replace("/", ".").split("."))
    file = code_dir / rel.with_suffix(".py")
    return (file if file.exists() else code_dir / rel / "__init__.py"), attr


def import_handler(code_dir: Path, handler: str, layer_dirs: list[Path], module_name: str) -> ModuleType:
    """Import a handler's module under ``module_name``: its layers on ``sys.path`` (as Lambda
    unpacks them to /opt/python) and its own folder first while it loads."""
    file, _ = handler_file(code_dir, handler)
    for d in layer_dirs:
        if str(d) not in sys.path:
            sys.path.append(str(d))
    sys.path.insert(0, str(code_dir))
    try:
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import handler file {file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(code_dir))


class LambdaContext:
    """The attributes and method of the Python Lambda context object."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int, timeout_s: float) -> None:
        self.function_name, self.function_version = function_name, "$LATEST"
        self.invoked_function_arn, self.memory_limit_in_mb = function_arn, int(memory_mb)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = self.client_context = None
        self._deadline = time.monotonic() + float(timeout_s)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str  # "module.attr"
    layer_dirs: list[Path]
    physical_name: str = ""
    arn: str = ""
    environment: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 128
    timeout_s: float = 3.0


def env_strings(env: dict[str, Any]) -> dict[str, str]:
    """Environment values as Lambda has them: strings (CloudFormation renders true → "true")."""
    return {str(k): ("true" if v is True else "false" if v is False else str(v)) for k, v in env.items()}


# Tracer() would try to reach an X-Ray daemon; a function can override this.
_LOCAL_DEFAULTS = {"POWERTOOLS_TRACE_DISABLED": "true"}
_ENV_KEYS = (
    "SKYSENTRAL_NOW",  # the local clock (skysentral.clock), "" for real time
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_REGION",
    *_LOCAL_DEFAULTS,
)


class Runtime:
    """Runs the template's handlers in this process."""

    def __init__(self) -> None:
        self.functions: dict[str, FunctionSpec] = {}  # logical id → spec
        self._by_name: dict[str, str] = {}  # physical name → logical id
        self._modules: dict[str, tuple[ModuleType, float]] = {}
        self._import_lock = threading.RLock()
        self.active = 0  # invocations running now (drain waits for 0)
        self._active_lock = threading.Condition()
        self._tag = next(_tags)
        self.holds_environment = False  # its functions' variable keys are reserved (see _reserve_keys)
        self.environment_before: dict[str, str] = {}

    def register(self, spec: FunctionSpec) -> None:
        with _env_lock:
            if not self.holds_environment:
                self.holds_environment = True
                self.environment_before = dict(os.environ)
                _holders[0] += 1
        self.functions[spec.logical_id] = spec
        _reserve_keys(spec)
        if spec.physical_name:
            self._by_name[spec.physical_name] = spec.logical_id

    def logical_id_for(self, name_or_arn: str) -> str | None:
        name = name_or_arn
        if name.startswith("arn:"):  # arn:aws:lambda:region:account:function:name[:qualifier]
            parts = name.split(":")
            name = parts[6] if len(parts) > 6 else parts[-1]
        return name if name in self.functions else self._by_name.get(name)

    def _apply_env(self, spec: FunctionSpec) -> None:
        for k, v in _LOCAL_DEFAULTS.items():
            if k not in spec.environment:
                os.environ.setdefault(k, v)
        os.environ.update(env_strings(spec.environment))
        os.environ.update(
            AWS_LAMBDA_FUNCTION_NAME=spec.physical_name or spec.logical_id,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(spec.memory_mb),
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        )
        os.environ.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"))

    def handler_for(self, logical_id: str) -> Callable[[Any, Any], Any]:
        spec = self.functions[logical_id]
        file, attr = handler_file(spec.code_dir, spec.handler)
        mtime = file.stat().st_mtime
        with self._import_lock:
            cached = self._modules.get(logical_id)
            if cached is None or cached[1] != mtime:
                self._apply_env(spec)
                t0 = time.perf_counter()
                module = import_handler(
                    spec.code_dir, spec.handler, spec.layer_dirs, f"_skysentral_fn{self._tag}_{logical_id}"
                )
                init_ms = (time.perf_counter() - t0) * 1000
                log.info("INIT %s (%s/%s) in %.0f ms", logical_id, spec.code_dir.name, file.name, init_ms)
                cached = self._modules[logical_id] = (module, mtime)
        return getattr(cached[0], attr)

    def invoke_raw(self, logical_id: str, event: Any) -> tuple[Any, bool]:
        """Run the handler; return (payload, errored). Never raises for handler errors."""
        spec = self.functions[logical_id]
        with self._active_lock:
            self.active += 1
        result: dict[str, Any] = {}
        context = LambdaContext(spec.physical_name or logical_id, spec.arn, spec.memory_mb, spec.timeout_s)

        def run() -> None:
            try:
                handler = self.handler_for(logical_id)
                self._apply_env(spec)
                result["value"] = handler(event, context)
            except BaseException as exc:  # noqa: BLE001 - a handler may raise anything
                result["error"], result["tb"] = exc, traceback.format_exception(exc)

        try:
            worker = threading.Thread(target=run, name=f"lambda-{logical_id}", daemon=True)
            worker.start()
            worker.join(spec.timeout_s)
            if worker.is_alive():
                frame = sys._current_frames().get(worker.ident or 0)
                where = "".join(traceback.format_stack(frame)[-6:]) if frame else "?"
                log.warning("%s timed out after %.1f s, at:\n%s", logical_id, spec.timeout_s, where)
                return _error("Sandbox.Timedout", f"Task timed out after {spec.timeout_s:.2f} seconds"), True
            if "error" in result:
                exc = result["error"]
                log.warning("%s raised %s: %s", logical_id, type(exc).__name__, exc)
                stack = [line.rstrip("\n") for line in result["tb"][1:]]
                return _error(type(exc).__name__, str(exc), requestId=context.aws_request_id, stackTrace=stack), True
            return result.get("value"), False
        finally:
            with self._active_lock:
                self.active -= 1
                self._active_lock.notify_all()

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke like ``RequestResponse``; returns the JSON round-tripped result (or error)."""
        return json.loads(_serialise(*self.invoke_raw(logical_id, event))[0])

    def moto_invoke(self, fn: Any, body: Any, headers: Any, response_headers: Any) -> bytes:
        """moto's invoke of a template function ``fn`` (moto's LambdaFunction)."""
        logical_id = self.logical_id_for(fn.function_name)
        assert logical_id is not None
        spec = self.functions[logical_id]
        # The emulator's copy of the configuration is the resolved one (Refs → names).
        spec.environment = env_strings(getattr(fn, "environment_vars", None) or {}) or spec.environment
        spec.arn = fn.function_arn
        spec.memory_mb = int(getattr(fn, "memory_size", None) or spec.memory_mb)
        spec.timeout_s = float(getattr(fn, "timeout", None) or spec.timeout_s)
        event = json.loads(body.decode() if isinstance(body, bytes) else body) if body else {}
        invocation_type = (headers or {}).get("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "Event":
            threading.Thread(
                target=self.invoke_raw, args=(logical_id, event), daemon=True, name=f"lambda-async-{logical_id}"
            ).start()
            response_headers["Content-Length"] = "0"
            return b""
        if invocation_type == "DryRun":
            return b""
        text, errored = _serialise(*self.invoke_raw(logical_id, event))
        if errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        data = text.encode("utf-8")
        response_headers.update(
            {"x-amz-executed-version": "$LATEST", "x-amz-log-result": "", "Content-Length": str(len(data))}
        )
        return data


# os.environ is process-wide. A function's variables are applied for each invocation, but the
# set of keys must not change while a stack runs: another thread (a test's HTTP client, a
# poller) may be iterating os.environ, and a key added or removed under it raises. So every
# key a function uses is reserved when the function is registered, before the stack serves,
# and the earlier values are restored only when the last stack in the process stops.
_env_lock = threading.Lock()
_holders = [0]
_baseline: dict[str, str | None] = {}


def _reserve_keys(spec: FunctionSpec) -> None:
    with _env_lock:
        values = {
            **_LOCAL_DEFAULTS,
            **env_strings(spec.environment),
            "AWS_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
        }
        for k in (*spec.environment, *_ENV_KEYS):
            _baseline.setdefault(k, os.environ.get(k))
            os.environ.setdefault(k, values.get(k, ""))


def _release_environment(runtime: Runtime) -> None:
    """When a stack stops, the last one out restores the variables as they were."""
    with _env_lock:
        if not runtime.holds_environment:
            return
        runtime.holds_environment = False
        for k, v in runtime.environment_before.items():  # values as before this stack; no key removed
            if os.environ.get(k) != v:
                os.environ[k] = v
        _holders[0] -= 1
        if _holders[0] > 0:
            return
        for k, v in _baseline.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _baseline.clear()


def _serialise(payload: Any, errored: bool) -> tuple[str, bool]:
    try:
        return json.dumps(payload), errored
    except (TypeError, ValueError) as exc:
        return json.dumps(_error("Runtime.MarshalError", f"Unable to marshal response: {exc}")), True


def _error(error_type: str, message: str, **more: Any) -> dict[str, Any]:
    """Lambda's payload for a failed invocation (``errorType`` is what Retry/Catch match on)."""
    return {"errorMessage": message, "errorType": error_type, **more}


_runtimes: list[Runtime] = []
_original_invoke: Callable[..., Any] | None = None


def _chalice_state_per_thread() -> None:
    """A Lambda instance serves one event at a time; this runtime serves several at once, in
    threads of one process. Chalice keeps the event's request and context on the app object,
    so a concurrent GET could hand its (empty) body to a POST: they become per thread."""
    from chalice import Chalice

    state = threading.local()
    for name in ("current_request", "lambda_context"):
        getter = lambda self, n=name: getattr(state, n, None)
        setattr(Chalice, name, property(getter, lambda self, value, n=name: setattr(state, n, value)))


def install(runtime: Runtime) -> None:
    """Route moto's (docker-less) Lambda invoke to ``runtime``. Idempotent."""
    global _original_invoke
    from moto.awslambda_simple.models import LambdaSimpleBackend

    if _original_invoke is None:
        _chalice_state_per_thread()
        _original_invoke = original = LambdaSimpleBackend.invoke

        def invoke(
            self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
        ) -> Any:
            fn = self.get_function(function_name, qualifier)
            # Several local clouds (stacks) can share one emulator in a process: the function's
            # physical name (unique per stack) picks the runtime that deployed it.
            rt = next((rt for rt in reversed(_runtimes) if fn.function_name in rt._by_name), None)
            if rt is None:
                log.warning("invoke of %s: not a template function, moto's canned answer is returned", fn.function_name)
                return original(self, function_name, qualifier, body, headers, response_headers)
            return rt.moto_invoke(fn, body, headers, response_headers)

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    if runtime not in _runtimes:
        _runtimes.append(runtime)


def uninstall(runtime: Runtime) -> None:
    if runtime in _runtimes:
        _runtimes.remove(runtime)
    _release_environment(runtime)
