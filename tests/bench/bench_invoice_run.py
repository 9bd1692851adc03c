"""(F4) The monthly invoice run: N companies x 25 subscriptions x a month of usage, in the
local cloud (emulator). Each company's invoice is built as the worker builds it
(`services.invoicing.invoice_company`: fee lines, the month's lines, late-line check, draft,
final with its number), company after company; in AWS the workers run side by side.

Every DynamoDB call of the product's clients is counted with a botocore
`before-parameter-build` hook (as bench_ingest_writes does); reads are GetItem,
BatchGetItem, Query and Scan calls (a Query page is a call). Target (issue 12): at most one
read per 25 invoice lines. Env: INVOICE_BENCH_COMPANIES (default 3; the issue's figure is
1000), INVOICE_BENCH_LINES_PER_SUBSCRIPTION (default 120: a month of calls, SMS, data and
content). A second run of the same month is timed too: it must change nothing."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from _cloud import CallCounter, seed_company, start_cloud

SUBSCRIPTIONS = 25
TARGET_READS_PER_LINE = 1 / 25


def usage_lines(company_id, subs, per_sub):
    """A month of rated usage lines (ingestion is benchmarked elsewhere: written straight)."""
    from skysentral.domain import rating as rules
    from skysentral.domain.balances import UsageRecord
    from skysentral.services.rating import owner_of

    tariff = rules.STANDARD_TARIFFS["BEDRIFT_10"]
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    lines = []
    for s in subs:
        owner = owner_of(company_id, s)
        for n in range(per_sub):
            at = start + timedelta(hours=5 * n)
            kind = ("voice", "voice", "sms", "data", "voice", "sms")[n % 6]
            record = UsageRecord(
                f"{s.subscription_id}-{n:05d}",
                kind,
                {"voice": 30 + n, "sms": 1, "data": 50_000_000}[kind],
                at,
                "NO",
                0,
                "NO",
                "+4791234567" if kind != "data" else None,
            )
            lines.append(rules.usage_line(owner, record, tariff, month="2026-11", rated_at=at, data_cost_ore=0))
    return lines


def main():
    n_companies = int(os.environ.get("INVOICE_BENCH_COMPANIES", "3"))
    per_sub = int(os.environ.get("INVOICE_BENCH_LINES_PER_SUBSCRIPTION", "120"))
    os.environ["SKYSENTRAL_NOW"] = "2026-12-01T02:00:00Z"
    cloud = start_cloud()
    try:
        from skysentral.services import invoicing
        from skysentral.store import models
        from skysentral.store import rated_lines_repository as lines_store

        companies = []
        t0 = time.perf_counter()
        for c in range(n_companies):
            cid = f"c-invbench-{c:04d}"
            subs = seed_company(cid, SUBSCRIPTIONS, first_number=100 * c)
            lines_store.save_lines(usage_lines(cid, subs, per_sub))
            companies.append(cid)
        print(f"seeded {n_companies} companies x {SUBSCRIPTIONS} subscriptions x {per_sub} usage lines "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip

        counter, hooked = CallCounter(), set()
        for model in [getattr(models, n) for n in dir(models) if n.endswith("Item")]:
            client = model._get_connection().connection.client
            if id(client) not in hooked:
                hooked.add(id(client))
                client.meta.events.register("before-parameter-build.dynamodb.*", counter)

        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        rows = []
        for cid in companies:
            before, t = counter.reads(), time.perf_counter()
            result = invoicing.invoice_company(cid, "2026-11", now)
            elapsed = time.perf_counter() - t
            reads = counter.reads() - before
            state = invoicing.repo.run_state(cid, "2026-11")
            n_lines = sum(sum(d["line_counts"].values()) for d in state.documents)
            t = time.perf_counter()
            again = invoicing.invoice_company(cid, "2026-11", now)
            rerun = time.perf_counter() - t
            assert again["numbers"] == result["numbers"]
            rows.append((elapsed, reads, n_lines, rerun))
        per_company = statistics.median(r[0] for r in rows)
        reads_per_line = sum(r[1] for r in rows) / sum(r[2] for r in rows)
        lines = statistics.median(r[2] for r in rows)
        print(f"{'companies':>9} | {'lines/invoice':>13} | {'s/company':>9} | {'reads/invoice':>13} | "
              f"{'reads/line':>10} | {'rerun s/company':>15}")  # fmt: skip
        reads_per_invoice = statistics.median(r[1] for r in rows)
        print(f"{n_companies:>9} | {lines:>13.0f} | {per_company:>9.2f} | {reads_per_invoice:>13.0f} | "
              f"{reads_per_line:>10.4f} | {statistics.median(r[3] for r in rows):>15.2f}")  # fmt: skip
        print("calls by operation:", dict(sorted(counter.calls.items())))
        ok = reads_per_line <= TARGET_READS_PER_LINE
        print(f"target <= 1 read per 25 lines ({TARGET_READS_PER_LINE:.3f}/line): {'met' if ok else 'NOT met'}")
        print(f"estimate for 1000 companies, 1 worker: {per_company * 1000 / 60:.0f} min")
        return 0 if ok else 1
    finally:
        cloud.stop()


if __name__ == "__main__":
    raise SystemExit(main())
