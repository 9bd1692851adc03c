"""(F6–F9) What invoice control costs. The issue sets no target; these are the figures to
watch as companies grow.

- classification at rating: `line_use.classify` on 5,000 lines of the demo company (25
  subscriptions x 200), its DynamoDB calls with the policy cache cold and warm, and the
  time per line in memory (the rules only);
- the payroll summary of the month (`payroll_summary`: the year's months of lines and
  reports, the policies, the directory): DynamoDB calls and median wall time of 3 runs;
- a payroll export per system (compute + render + store): median wall time, file size.
Counts are deterministic; times include the local emulator's DynamoDB and S3, and are
dominated by moto's Query over the month's items: the baseline line prints that read alone,
so the ratio is what invoice control adds."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime

from _cloud import CallCounter, start_cloud
from bench_reports import lines_for

MONTH = "2026-10"
ROUNDS = 3


def timed(fn):
    times, result = [], None
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def hook(counter: CallCounter) -> None:
    from skysentral.store import models

    hooked = set()
    for model in [getattr(models, n) for n in dir(models) if n.endswith("Item")]:
        client = model._get_connection().connection.client
        if id(client) not in hooked:
            hooked.add(id(client))
            client.meta.events.register("before-parameter-build.dynamodb.*", counter)


def main():
    os.environ["SKYSENTRAL_NOW"] = "2026-11-28T12:00:00Z"
    cloud = start_cloud("skysentral-bench-ic")
    try:
        from infra.local.seed import seed_demo
        from skysentral.domain.identity import Identity
        from skysentral.services import invoice_control, line_use
        from skysentral.store import rated_lines_repository as store
        from skysentral.store.directory_repository import Directory

        seed_demo(cloud)  # with Nordlys's invoice-control settings (version 1, from 2026-01-01)
        directory = Directory("c-nordlys")
        lines = lines_for(directory.subscriptions())
        counter = CallCounter()
        hook(counter)

        cache = line_use.PolicyCache()
        before = sum(counter.calls.values())
        classified = line_use.classify(lines, cache)
        cold = sum(counter.calls.values()) - before
        before = sum(counter.calls.values())
        line_use.classify(lines, cache)
        warm = sum(counter.calls.values()) - before
        versions, parents = cache.of("c-nordlys")
        memory_s, _ = timed(lambda: [line_use.decide(x, versions, parents) for x in lines])
        private = sum(1 for x in classified if x.use == "private")
        print(f"classify {len(lines)} lines: {cold} DynamoDB calls with the cache cold, {warm} warm; "
              f"{memory_s / len(lines) * 1e6:.1f} µs/line in memory; {private} private")  # fmt: skip
        store.save_lines(classified)

        read_s, _ = timed(lambda: list(store.lines_of_month("c-nordlys", MONTH)))
        print(f"baseline: reading the month's {len(lines)} lines alone (one paged Query) {read_s * 1000:.0f} ms")
        admin = Identity("e-nordlys-01", "c-nordlys", "company_admin")
        now = datetime(2026, 11, 28, tzinfo=UTC)
        before = counter.snapshot()[2]
        summary_s, summary = timed(lambda: invoice_control.payroll_summary(admin, directory, MONTH, now))
        calls = {op: (n - before.get(op, 0)) // ROUNDS for op, n in counter.calls.items() if n - before.get(op, 0)}
        print(f"payroll summary of {MONTH} ({len(summary['employees'])} employees, {len(lines)} lines this year): "
              f"median {summary_s * 1000:.0f} ms ({summary_s / read_s:.2f} x the baseline), "
              f"DynamoDB calls per run {dict(sorted(calls.items()))}")  # fmt: skip
        for system in ("visma", "huldt_lillevik", "sap"):
            export_s, export = timed(lambda s=system: invoice_control.create_export(admin, directory, MONTH, s, now))
            print(
                f"export {system:15} median {export_s * 1000:5.0f} ms, "
                f"{export['entries']} entries ({export['file_name']})"
            )
        return 0
    finally:
        cloud.stop()


if __name__ == "__main__":
    raise SystemExit(main())
