"""Call control (issue 9): decision time per event, warm, p50 and p99, excluding emulator
time; DynamoDB round trips per event type; cold import of the handler against `import boto3`.

- Decision: `domain.pbx.call_flow.decide` alone (parse, route, actions, events) with the
  company's plan and people as values: what the function itself spends deciding.
- Whole handle(): the real handler (CallControlFunction, invoked in-process by the local
  cloud) against the emulator, which adds moto's time: printed beside it, not judged.
- Round trips: every DynamoDB API call of the product's clients, counted with a botocore
  `before-parameter-build` hook, per event type of a call that enters a queue, waits,
  is bridged to an agent and hangs up (the plan and number caches warm, as in a warm Lambda).
- Cold import: bench_cold_imports' probe for CallControlFunction alone.

Targets: p99 <= 20 ms, <= 3 round trips per event, cold import <= 1.3x."""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time
import uuid
from collections import defaultdict

from _cloud import ROOT, CallCounter, start_cloud

RUNS = 300
sys.path.insert(0, str(ROOT))


def _sample(name: str) -> dict:
    return json.loads((ROOT / "events" / f"call_control_{name}.json").read_text())


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def bench_decisions() -> list[float]:
    from skysentral.domain.pbx import call_flow
    from skysentral.domain.pbx.routing_plan import RoutingPlan
    from tests.unit.domain.test_call_flow import PLAN, FakeFacts

    plan = RoutingPlan.from_dict(PLAN)
    ctx = call_flow.Context("c-bench", plan, 1_795_694_400_000, "2026-11-26T12:00:00.000Z", voicemail_bucket="vm")
    facts = FakeFacts()
    events = [_sample(n) for n in ("new_inbound_call", "action_successful", "digits_received", "hangup")]
    events.append(_sample("call_update_requested"))
    times: list[float] = []
    for i in range(RUNS * len(events)):
        ev = copy.deepcopy(events[i % len(events)])
        t0 = time.perf_counter()
        call_flow.decide(ev, ctx, facts)
        times.append((time.perf_counter() - t0) * 1000)
    return times[len(events) * 10 :]  # warm


def bench_handler() -> tuple[dict[str, list[int]], list[float]]:
    from skysentral.domain import organisation
    from skysentral.services import queue_dispatch
    from skysentral.store import call_repository as repo
    from skysentral.store.directory_repository import Directory
    from skysentral.store.models import EmployeeItem, SubscriptionItem

    queue_dispatch.request_dispatch = lambda *a, **k: None  # type: ignore[assignment]  # no SQS in the figures
    cloud = start_cloud("skysentral-bench-cc")
    cid, main = "c-bench-cc", "+4722999000"
    d = Directory(cid)
    with SubscriptionItem.batch_write() as batch:
        batch.save(d.item(organisation.Company(cid, "Bench AS", "999999999", main)))
        batch.save(d.item(organisation.Department("dep-1", "Drift")))
        batch.save(d.item(organisation.Employee("e-0", "Agent", "a@b.no", "employee", "dep-1", mobile="+4791000000")))
    plan = {
        "main_number": main,
        "entry": {"open": {"kind": "queue", "target": "q"}, "closed": {"kind": "queue", "target": "q"}},
        "holidays_closed": False,
        "opening_hours": {x: [["00:00", "23:59"]] for x in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "queues": {
            "q": {
                "name": "Q",
                "strategy": "linear",
                "members": [{"employee_id": "e-0"}],
                "wrapup_s": 0,
                "max_length": 100000,
                "callback": {"key": "1"},
            }
        },
    }
    repo.RoutingItem(cid, "ROUTING", plan=plan, version=1).save()
    repo.NumberItem(f"NUMBER#{main}", "NUMBER", company_id=cid).save()
    repo.AgentRepository(cid).log_in("e-0", ["q"])
    counter = CallCounter()
    hooked: set[int] = set()
    for model in (repo.CallStateItem, EmployeeItem):
        client = model._get_connection().connection.client
        if id(client) not in hooked:
            hooked.add(id(client))
            client.meta.events.register("before-parameter-build.dynamodb.*", counter)
    per_type: dict[str, list[int]] = defaultdict(list)
    whole: list[float] = []

    def send(name: str, ev: dict) -> dict:
        before = sum(counter.calls.values())
        t0 = time.perf_counter()
        response = cloud.invoke("CallControlFunction", ev)
        whole.append((time.perf_counter() - t0) * 1000)
        per_type[name].append(sum(counter.calls.values()) - before)
        return response

    for _ in range(40):
        txn = str(uuid.uuid4())
        seq = iter(range(1, 100))

        def event(name: str, attrs: dict | None, txn: str = txn, seq=seq, **action) -> dict:
            ev = _sample(name)
            ev["Sequence"] = next(seq)
            ev["CallDetails"]["TransactionId"] = txn
            ev["CallDetails"]["Participants"][0]["To"] = main
            if attrs is None:
                ev["CallDetails"].pop("TransactionAttributes", None)
            else:
                ev["CallDetails"]["TransactionAttributes"] = attrs
            if action:
                ev["ActionData"] = action
            return ev

        attrs = send("NEW_INBOUND_CALL", event("new_inbound_call", None))["TransactionAttributes"]
        pause = event("action_successful", attrs, Type="Pause", Parameters={})
        attrs = send("ACTION_SUCCESSFUL (hold)", pause)["TransactionAttributes"]
        args = {"op": "bridge", "employee_id": "e-0", "uri": "+4791000000", "queue_id": "q"}
        update = event("call_update_requested", attrs, Type="CallUpdateRequest", Parameters={"Arguments": args})
        r = send("CALL_UPDATE_REQUESTED", update)
        bridged = event(
            "action_successful",
            r["TransactionAttributes"],
            Type="CallAndBridge",
            Parameters=r["Actions"][0]["Parameters"],
        )
        attrs = send("ACTION_SUCCESSFUL (bridged)", bridged)["TransactionAttributes"]
        send("HANGUP", event("hangup", attrs))
    cloud.stop()
    return {k: v[2:] for k, v in per_type.items()}, whole[10:]


def bench_cold_import() -> float:
    """bench_cold_imports' paired probe, for CallControlFunction alone."""
    import bench_cold_imports as cold

    props = cold.functions()["CallControlFunction"]
    base_ms, handler_ms, ratio, cpu_ratio = cold.paired(cold.handler_import(props), cold._env())
    print(
        f"cold import CallControlFunction: boto3 {base_ms:.0f} ms, handler {handler_ms:.0f} ms, "
        f"{ratio:.2f}x boto3 (CPU {cpu_ratio:.2f}x; target <= 1.3x)"
    )
    return ratio


def main() -> int:
    decisions = bench_decisions()
    p50, p99 = _percentile(decisions, 50), _percentile(decisions, 99)
    print(f"decision (call_flow.decide, warm): p50 {p50:.3f} ms, p99 {p99:.3f} ms  (target p99 <= 20 ms)")
    per_type, whole = bench_handler()
    worst = 0.0
    for name, counts in sorted(per_type.items()):
        median = statistics.median(counts)
        worst = max(worst, max(counts))
        print(f"round trips {name:24} median {median:g}, max {max(counts)}")
    print(f"round trips per event: worst {worst:g} (target <= 3)")
    print(
        f"whole handle() in the emulator (moto's time included): p50 {_percentile(whole, 50):.1f} ms, "
        f"p99 {_percentile(whole, 99):.1f} ms"
    )
    ratio = bench_cold_import()
    return 0 if p99 <= 20 and worst <= 3 and ratio <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
