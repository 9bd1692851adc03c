"""Cold start of every function: a fresh interpreter that imports the handler module, beside
a fresh interpreter that imports boto3 alone.

A Lambda cold start starts Python and imports the handler module once; INIT time is billed,
so a handler should cost about what boto3 alone costs, not several times that. Each sample
times the whole process (start, imports, exit) from outside. The machine is shared and
noisy, so each handler run is paired with a boto3 run right before it and the figure is the
median of the per-pair ratios (drift of the machine's load cancels out within a pair).
Beside the wall time it reports the same ratio of CPU time (user + system of the child
process): when other work shares the machine, waiting for a core inflates wall times by
whatever the load is at that moment, while the CPU a process spends on its imports stays
what a dedicated Lambda core would spend. The target is judged on wall time, as issue 7
states it; a wide gap between the two columns says the run was disturbed.

The probe sees only what a Lambda function sees: the runtime's boto3 and the core layer
(pyproject's [project] dependencies). Everything else the development environment holds
(awscrt, pyOpenSSL, aiohttp, ... pulled in by SAM CLI, moto, schemathesis) is made
unimportable, because botocore, urllib3 and stripe import such packages when they find
them, which would time imports that never happen in AWS.

Targets (issue 7): every handler at most 1.3x `import boto3`, the health function at most
0.6x. `BENCH_RUNS` sets the pairs per function (default 9)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "core")]
from infra.template import functions, load_template  # noqa: E402 (needs the path above)

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
TARGET = {"ApiHealthFunction": 0.6}
DEFAULT_TARGET = 1.3
LAMBDA_RUNTIME = ["boto3"]  # the python3.11 runtime's own packages (boto3 without extras)
LAYER_WITHOUT_DEPENDENCIES = {"chalice", "pynamodb"}  # as layers/core/Makefile installs them
PROBE = """import sys
sys.path[:0] = {paths!r}
class _NotInLambda:
    blocked = frozenset({blocked!r})
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the Lambda runtime or the layer)")
sys.meta_path.insert(0, _NotInLambda())
{stmt}
"""


def _closure(requirements: list[str]) -> set[str]:
    """Installed distributions a Lambda function has: these requirements and what they need."""
    found: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in found:
            continue
        found.add(name)
        if name in LAYER_WITHOUT_DEPENDENCIES:
            continue
        for extra in [*req.extras, ""]:
            for dep in metadata.requires(name) or []:
                dep_req = Requirement(dep)
                if dep_req.marker is None or dep_req.marker.evaluate({"extra": extra}):
                    todo.append(dep_req)
    return found


def _top_level_names(dist: metadata.Distribution) -> set[str]:
    names = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__"):
            continue
        names.add(first.removesuffix(".py").split(".")[0] if len(file.parts) == 1 else first)
    return names


def not_in_lambda() -> set[str]:
    """Top-level modules installed here but absent from the Lambda runtime and the layer."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lambda_dists = _closure(project + LAMBDA_RUNTIME)
    allowed, other = set(), set()
    for dist in metadata.distributions():
        names = _top_level_names(dist)
        (allowed if canonicalize_name(dist.metadata["Name"]) in lambda_dists else other).update(names)
    return other - allowed - set(sys.stdlib_module_names)


def _env() -> dict[str, str]:
    # Lambda sets the template's environment before the handler module loads.
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    template_env = {
        name: value if isinstance(value, str) else f"local-{name.lower()}" for name, value in variables.items()
    }
    # pydantic scans every installed distribution's entry points for plugins on its first
    # model; this environment has ~150 distributions, a function's layer ~20, so the scan
    # here would time mostly SAM CLI's and moto's metadata.
    return {**os.environ, **template_env, "AWS_DEFAULT_REGION": "eu-central-1", "PYDANTIC_DISABLE_PLUGINS": "__all__"}


BLOCKED = sorted(not_in_lambda())


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_times_ms(stmt: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) time of one fresh interpreter running `stmt` (bytecode caches warm, as in a layer)."""
    code = PROBE.format(paths=[str(ROOT), str(ROOT / "layers" / "core")], blocked=BLOCKED, stmt=stmt)
    cpu_before = _children_cpu_s()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return (time.perf_counter() - started) * 1000, (_children_cpu_s() - cpu_before) * 1000


def process_ms(stmt: str, env: dict[str, str]) -> float:
    """Wall time of one fresh interpreter running `stmt`."""
    return process_times_ms(stmt, env)[0]


def handler_import(props: dict) -> str:
    path = ROOT / props["CodeUri"] / (props["Handler"].rpartition(".")[0].replace(".", "/") + ".py")
    return (
        f"import importlib.util as u; s = u.spec_from_file_location('handler', {str(path)!r}); "
        "m = u.module_from_spec(s); s.loader.exec_module(m)"
    )


def paired(stmt: str, env: dict[str, str]) -> tuple[float, float, float, float]:
    """(median wall ms of boto3, median wall ms of stmt, median of the per-pair wall-time
    ratios, median of the per-pair CPU-time ratios)."""
    process_ms(stmt, env)  # writes bytecode caches, as a built layer ships them
    base, measured = [], []
    for _ in range(RUNS):
        base.append(process_times_ms("import boto3", env))
        measured.append(process_times_ms(stmt, env))
    wall_ratios = [m[0] / b[0] for b, m in zip(base, measured, strict=True)]
    cpu_ratios = [m[1] / b[1] for b, m in zip(base, measured, strict=True)]
    return (
        statistics.median(b[0] for b in base),
        statistics.median(m[0] for m in measured),
        statistics.median(wall_ratios),
        statistics.median(cpu_ratios),
    )


def main() -> None:
    env = _env()
    process_ms("import boto3", env)
    bare = statistics.median(process_ms("pass", env) for _ in range(RUNS))
    print(f"{'function':28} {'boto3 ms':>9} {'handler ms':>11} {'x boto3':>8} {'CPU x':>6} {'target':>7}")
    failed = []
    for logical_id, props in sorted(functions().items()):
        base_ms, handler_ms, ratio, cpu_ratio = paired(handler_import(props), env)
        target = TARGET.get(logical_id, DEFAULT_TARGET)
        mark = "ok" if ratio <= target else "OVER"
        if ratio > target:
            failed.append(logical_id)
        print(f"{logical_id:28} {base_ms:9.0f} {handler_ms:11.0f} {ratio:8.2f} {cpu_ratio:6.2f} {target:6.1f}x {mark}")
    print(
        f"(whole process, median of {RUNS} paired runs: wall time, and CPU time in the 'CPU x' column;"
        f" a bare interpreter takes {bare:.0f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if failed:
        print("over target:", ", ".join(failed))


if __name__ == "__main__":
    main()
