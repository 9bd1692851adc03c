"""(B6) The statistics consumer: events per second through CallStatsFunction and DynamoDB
writes per event.

Queue calls of a busy morning (each: ENTERQUEUE, CONNECT, COMPLETECALLER; every fifth caller
abandons instead) go through the real handler (the same code Lambda runs, invoked in-process
by the local cloud) in SQS batches of 10 against the emulator; then the same batches again
(SQS redelivers): each repeat must add nothing. DynamoDB calls are counted with a botocore
hook; write units: 1 per item per started KB, 2 inside a transaction (what DynamoDB bills).
The routing plan is read through call control's 5 s cache."""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from _cloud import CallCounter, start_cloud

CALLS = 200
BATCH = 10


def events(company_id: str) -> list[dict]:
    t0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    out = []
    for n in range(CALLS):
        call = f"bench-{n:05d}"
        at = t0 + timedelta(seconds=40 * n)

        def ev(i, kind, dt, employee=None, call=call, at=at, **data):
            return {
                "version": 1,
                "event_id": f"{call}#{i}#0",
                "kind": kind,
                "company_id": company_id,
                "call_id": call,
                "at": (at + timedelta(seconds=dt)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "queue_id": "sentralbord",
                "employee_id": employee,
                "data": data,
            }

        agent = f"e-{n % 6}"
        out.append(ev(1, "ENTERQUEUE", 0, position=1))
        if n % 5 == 4:
            out.append(ev(2, "ABANDON", 25, wait_s=25))
        else:
            out.append(ev(2, "CONNECT", 12, agent, holdtime_s=12, ringtime_s=4))
            out.append(ev(3, "COMPLETECALLER", 200, agent, holdtime_s=12, talk_s=188))
    return out


def sqs_event(details: list[dict]) -> dict:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "x",
                "body": json.dumps({"source": "skysentral.pbx", "detail-type": "CallEvent", "detail": d}),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795608000000"},
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:call-stats",
                "awsRegion": "eu-central-1",
            }
            for d in details
        ]
    }


def run(cloud, counter: CallCounter, details: list[dict]) -> tuple[float, int, int, Counter]:
    calls0, units0 = Counter(counter.calls), counter.units
    times = []
    for i in range(0, len(details), BATCH):
        t = time.perf_counter()
        result = cloud.invoke("CallStatsFunction", sqs_event(details[i : i + BATCH]))
        times.append(time.perf_counter() - t)
        assert not (result or {}).get("batchItemFailures"), result
    ops = counter.calls - calls0
    return BATCH / statistics.median(times), sum(ops.values()), counter.units - units0, ops


def main():
    cloud = start_cloud("skysentral-bench-stats")
    try:
        from skysentral.store import call_repository, call_stats_repository

        counter = CallCounter()
        company = "c-bench-stats"
        details = events(company)
        cloud.invoke("CallStatsFunction", sqs_event(details[:1]))  # warm: imports, clients
        for client in {
            id(c): c for c in (call_stats_repository._client(), call_repository._connection().client)
        }.values():
            client.meta.events.register("before-parameter-build.dynamodb.*", counter)
        rest = details[1:]
        print(f"{len(rest)} call events ({CALLS} queue calls) through CallStatsFunction, SQS batches of {BATCH}")
        head = f"{'delivery':>10} | {'events/s':>9} | {'DynamoDB calls/event':>20} | {'write units/event':>17}"
        print(head + " | calls by operation")
        for label in ("first", "repeated"):
            rate, calls, units, ops = run(cloud, counter, rest)
            by_op = ", ".join(f"{op} {n}" for op, n in sorted(ops.items()))
            print(f"{label:>10} | {rate:>9,.0f} | {calls / len(rest):>20.2f} | {units / len(rest):>17.2f} | {by_op}")
        day = call_stats_repository.CallStats(company).counters("Q#sentralbord", "day", "2026-11-25", "2026-11-25")
        counted = day["2026-11-25"]
        assert counted["offered"] == CALLS and counted["abandoned"] == CALLS // 5, counted
        print("counted once: " + ", ".join(f"{k} {counted[k]}" for k in ("offered", "answered", "abandoned")))
        print("write units: 2 per item in a transaction (the dedupe marker + a queue item and an agent item per")
        print("grain stored: 15 m and day); a repeated event's transaction is cancelled by its marker (DynamoDB")
        print("still bills the attempted write units of a cancelled transaction; counted here the same way).")
    finally:
        cloud.stop()


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    main()
