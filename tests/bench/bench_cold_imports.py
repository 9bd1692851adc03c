"""Cold import time of every function's handler module, beside `import boto3` alone.

Each sample is a fresh interpreter (a Lambda cold start imports the handler module once);
the figure is the median of several runs. INIT time is billed, so a handler should cost
about what boto3 alone costs, not several times that."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "core")]
from infra.template import functions, load_template  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PROBE = """
import sys, time
sys.path[:0] = {paths!r}
t = time.perf_counter()
{stmt}
print(time.perf_counter() - t)
"""


def cold_ms(stmt: str) -> float:
    code = PROBE.format(paths=[str(ROOT), str(ROOT / "layers" / "core")], stmt=stmt)
    # Lambda sets the template's environment before the handler module loads.
    template_env = {name: value if isinstance(value, str) else f"local-{name.lower()}"
                    for name, value in load_template()["Globals"]["Function"]["Environment"]["Variables"].items()}
    env = {**os.environ, **template_env, "AWS_DEFAULT_REGION": "eu-north-1", "PYTHONDONTWRITEBYTECODE": "0"}
    samples = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout.strip()) * 1000 for _ in range(RUNS)]
    return statistics.median(samples)


def main() -> None:
    base = cold_ms("import boto3")
    print(f"{'function':32} {'cold import ms':>15} {'x boto3':>8}")
    print(f"{'import boto3 (reference)':32} {base:15.0f} {1.0:8.2f}")
    for logical_id, props in sorted(functions().items()):
        path = ROOT / props["CodeUri"] / (props["Handler"].rpartition(".")[0].replace(".", "/") + ".py")
        stmt = ("import importlib.util as u; s = u.spec_from_file_location('handler', %r); "
                "m = u.module_from_spec(s); s.loader.exec_module(m)" % str(path))
        ms = cold_ms(stmt)
        print(f"{logical_id:32} {ms:15.0f} {ms / base:8.2f}")
    print(f"(median of {RUNS} fresh interpreters each)")


if __name__ == "__main__":
    main()
