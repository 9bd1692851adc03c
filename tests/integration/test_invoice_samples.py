"""F4: the invoice functions driven by their sample events (events/invoice_run_schedule.json,
invoice_worker_sqs.json, payments_in_sqs.json) in the local cloud's Lambda runtime. The
samples name a month (2019-12), a company and a KID that no other test uses."""

from __future__ import annotations

import pytest

from skysentral.services import invoicing as run
from skysentral.store import invoice_repository as repo
from tests.e2e.test_handler_samples import logical_id_for
from tests.helpers import sample_event


@pytest.mark.feature("F4")
def test_invoice_samples_plan_build_and_keep_an_unknown_payment(cloud, company):
    cid, _ = company(["BEDRIFT_5"])
    planned = cloud.invoke(logical_id_for("invoice_run_schedule.json"), sample_event("invoice_run_schedule.json"))
    assert planned["period"] == "2019-12" and planned["companies"] >= 1, planned
    cloud.drain(timeout_s=120)
    assert repo.run_state(cid, "2019-12").status == "final"

    worker = logical_id_for("invoice_worker_sqs.json")
    assert cloud.invoke(worker, sample_event("invoice_worker_sqs.json")) == {"batchItemFailures": []}
    empty = repo.run_state("c-sample-without-subscriptions", "2019-12")
    assert empty is not None and (empty.status, empty.documents) == ("final", [])  # no lines: no invoice

    payments = logical_id_for("payments_in_sqs.json")
    event = sample_event("payments_in_sqs.json")
    assert cloud.invoke(payments, event) == {"batchItemFailures": []}
    assert cloud.invoke(payments, event) == {"batchItemFailures": []}  # the same reference again: ignored
    kept = [p for p in run.unmatched_payments()["payments"] if p["reference"] == "camt-2026-12-10-000001"]
    assert len(kept) == 1
