"""(F2) Report generation: the largest demo report, a month of the demo company's lines
(Nordlys, 25 subscriptions × 200 lines = 5,000 lines: the synchronous limit,
REPORT_SYNC_MAX_LINES), read from the emulator's RatedLinesTable, computed and rendered as
JSON, CSV, xlsx and PDF; and cost-by-employee over the same month. Medians of 3 runs."""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, datetime

from _cloud import start_cloud

MONTH = "2026-10"
PER_SUB = 200
ROUNDS = 3


def lines_for(subs):
    from skysentral.domain.rating import RatedLine

    kinds = [
        ("voice", "s", 95, 149),
        ("sms", "sms", 1, 99),
        ("data", "bytes", 5 * 1024**2, 0),
        ("voice", "s", 300, 500),
    ]
    out = []
    for s, sub in enumerate(subs):
        for n in range(PER_SUB):
            kind, unit, qty, amount = kinds[n % len(kinds)]
            out.append(
                RatedLine(
                    line_id=f"bench-{s:03d}-{n:04d}",
                    line_type="usage",
                    company_id="c-nordlys",
                    month=MONTH,
                    subscription_id=sub.subscription_id,
                    msisdn=sub.msisdn,
                    department_id=sub.department_id,
                    employee_id=sub.employee_id,
                    kind=kind,
                    destination_class="NO_MOBILE",
                    zone="NO" if n % 9 else "EU",
                    quantity=qty,
                    unit=unit,
                    amount_ore=amount + n,
                    mva_ore=(amount + n) // 4,
                    price_plan_id=sub.plan_code,
                    price_plan_version=1,
                    started_at=f"{MONTH}-{1 + n % 28:02d}T{7 + n % 12:02d}:{n % 60:02d}:00+00:00",
                    destination="+4791234567" if kind != "data" else None,
                )
            )
    return out


def timed(fn):
    times = []
    result = None
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main():
    os.environ["SKYSENTRAL_NOW"] = "2026-11-28T12:00:00Z"
    cloud = start_cloud()
    try:
        from infra.local.seed import seed_demo
        from skysentral.domain import reports as rules
        from skysentral.services import reports
        from skysentral.store import rated_lines_repository as store
        from skysentral.store.directory_repository import Directory

        seed_demo(cloud)
        directory = Directory("c-nordlys")
        lines = lines_for(directory.subscriptions())
        t0 = time.perf_counter()
        store.save_lines(lines)
        print(f"stored {len(lines)} lines in {time.perf_counter() - t0:.1f} s (setup)")
        names = reports.names_of(directory)
        filters = rules.Filters(MONTH, MONTH)
        now = datetime(2026, 11, 28, tzinfo=UTC)

        read_s, read = timed(lambda: list(store.lines_of_month("c-nordlys", MONTH)))
        print(f"read the month: {len(read)} lines in {read_s * 1000:.0f} ms (one Query, paged)")
        for name in ("lines", "cost-by-employee"):
            compute_s, report = timed(lambda name=name: rules.standard(name, read, filters, names))
            table = report.to_dict()
            print(f"{name}: {len(report.rows)} rows, computed in {compute_s * 1000:.0f} ms")
            json_s, body = timed(lambda table=table: json.dumps(table, ensure_ascii=False).encode())
            print(f"  json  {json_s * 1000:7.0f} ms  {len(body) / 1024:8.0f} KiB")
            for fmt in ("csv", "xlsx", "pdf"):
                fmt_s, file = timed(lambda fmt=fmt, table=table: reports.render(table, fmt, "semicolon", now))
                print(f"  {fmt:5} {fmt_s * 1000:7.0f} ms  {len(file.data) / 1024:8.0f} KiB")
        end_s, _ = timed(lambda: reports.compute("c-nordlys", "lines", filters, names))
        print(f"lines report end to end (read + compute, no render): {end_s * 1000:.0f} ms")
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
