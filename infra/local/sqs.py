"""Lambda's SQS event source mapping, played locally: one :class:`SqsPoller` thread per
mapping (moto's own pushes each message alone from inside ``send_message``).

It receives up to ``BatchSize`` messages within ``MaximumBatchingWindowInSeconds`` (FIFO
group order and in-flight groups are moto's, as in SQS), invokes the handler with the
real ``{"Records": [...]}`` event, deletes what succeeded (with
``ReportBatchItemFailures``, all but the reported ``batchItemFailures``; an invalid report
or a function error fails the whole batch, which reappears after the visibility timeout).
The ``RedrivePolicy`` is moto's own: a message past ``maxReceiveCount`` moves to the DLQ on
the next receive. The visibility timeout and batching window can be capped (tests: 1 s, 0.2 s).
"""
from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any

log = logging.getLogger("infra.local.sqs")


def _lambda_attr(value: dict[str, Any]) -> dict[str, Any]:
    out = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        raw = value["BinaryValue"]
        out["binaryValue"] = base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw
    return out


_RECORD_ATTRS = (
    "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
    "SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader",
)


def to_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A ReceiveMessage result entry → one record of Lambda's SQS event."""
    attrs = {k: message["Attributes"][k] for k in _RECORD_ATTRS if k in message.get("Attributes", {})}
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attrs,
        "messageAttributes": {k: _lambda_attr(v) for k, v in (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


class SqsPoller(threading.Thread):
    """One Lambda SQS event source mapping: poll, batch, invoke, delete."""

    def __init__(self, *, runtime: Any, sqs: Any, esm: Any, function_logical_id: str,
                 queue_url: str, queue_arn: str, region: str,
                 visibility_timeout_cap_s: float | None = None,
                 batching_window_cap_s: float | None = None) -> None:
        super().__init__(name=f"sqs-poller-{function_logical_id}", daemon=True)
        self.runtime = runtime
        self.sqs = sqs
        self.esm = esm                     # moto's EventSourceMapping object (live config)
        self.function = function_logical_id
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.fifo = queue_arn.endswith(".fifo")
        self.cap = visibility_timeout_cap_s
        self.window_cap = batching_window_cap_s
        self.busy = False
        self.batches = 0
        self._stop_event = threading.Event()
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
        self.queue_visibility_timeout = int(attrs["Attributes"].get("VisibilityTimeout", "30"))

    # ------------------------------------------------------------------ config
    @property
    def batch_size(self) -> int:
        return int(self.esm.batch_size or 10)

    @property
    def window_s(self) -> float:
        window = float(self.esm.max_batch_window or 0)
        return min(window, self.window_cap) if self.window_cap is not None else window

    @property
    def reports_failures(self) -> bool:
        return "ReportBatchItemFailures" in (self.esm.function_response_types or [])

    @property
    def visibility_timeout(self) -> int:
        vt = self.queue_visibility_timeout
        if self.cap is not None:
            # never shorter than the batching window: a message must not come back while
            # the batch it is in is still being gathered
            vt = min(vt, max(int(max(self.cap, 0)), int(self.window_s) + 1))
        return vt

    def stop(self) -> None:
        self._stop_event.set()

    # ------------------------------------------------------------------ loop
    def _receive(self, count: int, wait_s: int) -> list[dict[str, Any]]:
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=wait_s,
            VisibilityTimeout=self.visibility_timeout,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return resp.get("Messages", [])

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                if not self.esm.enabled:
                    time.sleep(0.2)
                    continue
                self.poll_once(wait_s=1)
            except Exception as exc:  # noqa: BLE001 - keep polling whatever happens
                if self._stop_event.is_set():
                    return
                log.warning("poller %s: %s", self.name, exc)
                time.sleep(0.5)

    def poll_once(self, wait_s: int = 0) -> int:
        """Receive one batch and process it; returns the number of messages handled."""
        self.busy = True
        try:
            messages = self._receive(self.batch_size, wait_s)
            if not messages:
                return 0
            deadline = time.monotonic() + self.window_s
            while len(messages) < self.batch_size and not self._stop_event.is_set():
                more = self._receive(self.batch_size - len(messages), 0)
                seen = {m["MessageId"] for m in messages}
                more = [m for m in more if m["MessageId"] not in seen]
                if more:
                    messages.extend(more)
                    continue
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
            self._process(messages)
            return len(messages)
        finally:
            self.busy = False

    def _process(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [to_record(m, self.queue_arn, self.region) for m in messages]}
        self.batches += 1
        payload, errored = self.runtime.invoke_raw(self.function, event)
        if errored:
            log.info("%s: batch of %d failed (%s); messages return after %ss",
                     self.function, len(messages), (payload or {}).get("errorType"),
                     self.visibility_timeout)
            return
        failed = self._failed_ids(payload, messages) if self.reports_failures else set()
        if failed is None:  # invalid report → whole batch failed
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            chunk = done[i:i + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)],
            )
        if failed:
            log.info("%s: %d of %d records reported as failed", self.function, len(failed), len(messages))

    def _failed_ids(self, payload: Any, messages: list[dict[str, Any]]) -> set[str] | None:
        """The reported failures; None when the report is invalid (the whole batch failed)."""
        items = payload.get("batchItemFailures") if isinstance(payload, dict) else None
        if items is None:
            return set()
        idents = [i.get("itemIdentifier") if isinstance(i, dict) else None for i in items] \
            if isinstance(items, list) else [None]
        if not set(idents) <= {m["MessageId"] for m in messages}:
            log.warning("%s: invalid batchItemFailures %r: whole batch failed", self.function, items)
            return None
        return set(idents)  # type: ignore[arg-type]
