"""B3: a delayed wait-alert check is decided when it arrives, unless its delay had to be cut
at SQS's 900 s (then it is sent on): a clock that disagrees with SQS's (the local cloud's
set clock) can never make a check go round and round."""

from __future__ import annotations

import time
import uuid

import pytest


@pytest.fixture
def waiting_call(cloud):
    from skysentral.store.call_repository import QueueEntryItem, queue_key

    company_id, call_id = f"c-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    entered_ms = int(time.time() * 1000)
    entry = f"{entered_ms:013d}#{call_id}"
    QueueEntryItem(queue_key(company_id, "q"), entry, call_id=call_id, caller="+4798000001", position=1).save()
    return {"company_id": company_id, "queue_id": "q", "call_id": call_id, "caller": "+4798000001",
            "entry": entry, "threshold_s": 30, "due_ms": entered_ms + 30_000}  # fmt: skip


@pytest.mark.feature("B3")
def test_a_check_that_arrives_is_decided_even_if_the_clock_says_early(waiting_call):
    from skysentral.services import wait_alerts

    early = waiting_call["due_ms"] - 20_000  # the handler's clock lags SQS's by 20 s
    assert wait_alerts.check({**waiting_call, "stepped": False}, early, notify=lambda *a: None) == "alerted"
    assert wait_alerts.check({**waiting_call, "stepped": False}, early, notify=lambda *a: None) == "duplicate"


@pytest.mark.feature("B3")
def test_a_check_whose_delay_was_cut_at_900_s_is_sent_on(waiting_call):
    from skysentral.services import wait_alerts

    long_wait = {**waiting_call, "threshold_s": 1200, "due_ms": waiting_call["due_ms"] + 1_170_000, "stepped": True}
    assert wait_alerts.check(long_wait, int(time.time() * 1000), notify=lambda *a: None) == "early"
