"""Publishing call events (domain.pbx.call_events) to the EventBridge bus CALL_EVENTS_BUS:
one PutEvents per batch of 10, failures raised (never dropped). Consumers read them from
SQS through a rule, so a duplicate delivery is possible and harmless (event ids)."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from skysentral.domain.pbx.call_events import DETAIL_TYPE, SOURCE, CallEvent


@lru_cache(maxsize=1)
def _events():
    import boto3

    return boto3.client("events")


def publish(events: list[CallEvent]) -> None:
    bus = os.environ["CALL_EVENTS_BUS"]
    for i in range(0, len(events), 10):
        entries = [
            {
                "Source": SOURCE,
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(e.to_dict(), separators=(",", ":")),
                "EventBusName": bus,
            }
            for e in events[i : i + 10]
        ]
        result = _events().put_events(Entries=entries)
        if result.get("FailedEntryCount"):
            failed = next(e for e in result["Entries"] if e.get("ErrorCode"))
            raise RuntimeError(f"EventBridge refused {result['FailedEntryCount']} call events: {failed}")
