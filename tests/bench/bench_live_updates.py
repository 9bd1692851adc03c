"""Live updates of the web switchboard (issue 10): the time from a call event's `at` to the
`call_events` frame at a connected page, through the whole local path: call control → the
call events bus (moto) → SwitchboardPushQueue → the SQS poller → SwitchboardPushFunction →
the management API of the WebSocket stand-in → the page's socket. Median and p90 over CALLS
simulated calls to the demo company's main number, each event of each call counted.

Target: every event at the page within 2 s (docs/switchboard.md). The local SQS poller's long
poll and the emulator dominate; in AWS, EventBridge → SQS → Lambda adds some 100-300 ms."""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from datetime import UTC, datetime

from _cloud import ROOT, start_cloud

CALLS = 20
sys.path.insert(0, str(ROOT))


def main() -> int:
    from websockets.sync.client import connect

    from infra.local import seed
    from infra.local.gateway import Gateway
    from infra.local.issuer import Issuer
    from tests.helpers import free_port

    cloud = start_cloud("skysentral-bench-live")
    issuer = Issuer(ROOT)
    gateway = Gateway(cloud, issuer, port=free_port()).start()
    try:
        seed.seed_demo(cloud)
        agent = next(u for u in seed.DEMO_USERS if u.claims["custom:role"] == "switchboard_agent")
        seen: list[tuple[str, float]] = []  # (call id, ms from the event's at to the frame)
        # where the time goes: the event's at → SQS SentTimestamp (call control's publish through
        # EventBridge) → the push function's start (the poller) → its end (the posts)
        stages: list[tuple[float, float, float]] = []
        invoke_raw = cloud.runtime.invoke_raw

        def timed(logical_id, event):
            started = time.time() * 1000
            result = invoke_raw(logical_id, event)
            if logical_id == "SwitchboardPushFunction":
                ended = time.time() * 1000
                for r in event.get("Records", []):
                    detail = json.loads(r["body"]).get("detail", {})
                    at_ms = datetime.fromisoformat(detail["at"].replace("Z", "+00:00")).timestamp() * 1000
                    sent = float(r["attributes"]["SentTimestamp"])
                    stages.append((sent - at_ms, started - sent, ended - started))
            return result

        cloud.runtime.invoke_raw = timed
        calls: set[str] = set()
        with connect(f"{gateway.socket.url}/?token={issuer.issue(agent.claims)}") as ws:
            stop = threading.Event()

            def listen() -> None:
                while not stop.is_set():
                    try:
                        frame = json.loads(ws.recv(timeout=0.2))
                    except TimeoutError:
                        continue
                    except Exception:  # noqa: BLE001 - the socket closed
                        return
                    now = datetime.now(UTC)
                    for e in frame.get("events", []):
                        at = datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
                        seen.append((e["call_id"], (now - at).total_seconds() * 1000))

            listener = threading.Thread(target=listen, daemon=True)
            listener.start()
            for n in range(CALLS):
                txn = cloud.telephony.call(f"+479870{n:04d}", "+4722123400", {"hangup_after": 1})
                calls.add(txn.id)
                time.sleep(0.5)
            time.sleep(3)
            stop.set()
            listener.join()
        delays = sorted(ms for call_id, ms in seen if call_id in calls)
        if not delays:
            print("no call events reached the page")
            return 1
        p90 = delays[min(len(delays) - 1, round(0.9 * (len(delays) - 1)))]
        print(f"calls {CALLS}, events at the page {len(delays)}")
        median = statistics.median(delays)
        print(f"event at → frame at the page: median {median:.0f} ms, p90 {p90:.0f} ms, max {delays[-1]:.0f} ms")
        for name, i in (("at → queued (call control, EventBridge)", 0), ("queued → push starts (SQS poller)", 1)):
            print(f"  {name}: median {statistics.median(x[i] for x in stages):.0f} ms")
        push_ms = statistics.median(x[2] for x in stages)
        print(f"  push function (connections read, frames posted): median {push_ms:.0f} ms")
        within = sum(1 for d in delays if d < 2000) / len(delays)
        print(f"within 2 s: {within:.0%} (target 100%)")
        return 0 if within == 1 else 1
    finally:
        gateway.stop()
        cloud.stop()


if __name__ == "__main__":
    raise SystemExit(main())
