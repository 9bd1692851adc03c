"""(c) Month close (D9) throughput against the emulator at 1k, 10k and 50k subscriptions.

Each round adds subscriptions so that the table holds N, then fires the template's
MonthlyClose schedule for the next month (planner -> close queue -> worker, all the real
handlers) and waits until every page is closed. Printed: seconds, subscriptions closed
per second, and time per subscription relative to the first round (1.0 = linear).
Locally one worker consumes the queue; in AWS many run in parallel.

    BENCH_CLOSE_SIZES=1000,10000 python tests/bench/bench_month_close.py
"""

from __future__ import annotations

import os
import time
from datetime import datetime

from _cloud import seed_company, start_cloud

SIZES = [int(x) for x in os.environ.get("BENCH_CLOSE_SIZES", "1000,10000,50000").split(",")]
MONTHS = ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]


def main():
    cloud = start_cloud("skysentral-bench-close")
    try:
        from skysentral.store import balance_repository

        have, first_per_sub = 0, None
        print(f"{'subscriptions':>13} {'seconds':>8} {'closed/s':>9} {'time/sub vs first':>18}")
        for size, month in zip(SIZES, MONTHS, strict=False):
            seed_company(f"c-bench-{size}", size - have)
            have = size
            year, mon = map(int, month.split("-"))
            started = time.perf_counter()
            cloud.fire_schedule("MonthlyClose", at=datetime(year, mon, 1, 0, 0))
            cloud.drain(timeout_s=3600)
            seconds = time.perf_counter() - started
            per_sub = seconds / size
            first_per_sub = first_per_sub or per_sub
            sample = balance_repository.load(f"c-bench-{size}", "s-000000").balance
            assert sample is not None and sample.month == month, sample
            print(f"{size:>13} {seconds:>8.1f} {size / seconds:>9.0f} {per_sub / first_per_sub:>18.2f}", flush=True)
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
