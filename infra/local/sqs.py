"""Lambda's SQS event source mapping, played locally (moto's pushes each message alone):
batching window, ``ReportBatchItemFailures``, retries; the DLQ redrive is moto's, as in SQS."""

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


_RECORD_ATTRS = (  # the message system attributes Lambda puts in a record's "attributes"
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
)


def to_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A ReceiveMessage result entry → one record of Lambda's SQS event."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {k: v for k, v in message.get("Attributes", {}).items() if k in _RECORD_ATTRS},
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

    def __init__(self, cloud: Any, esm: Any, function_logical_id: str, queue_url: str) -> None:
        super().__init__(name=f"sqs-poller-{function_logical_id}", daemon=True)
        self.runtime, self.sqs, self.region = cloud.runtime, cloud.client("sqs"), cloud.region
        self.function = function_logical_id
        self.esm = esm  # moto's EventSourceMapping object (live config)
        self.queue_url, self.queue_arn = queue_url, esm.event_source_arn
        self.cap, self.window_cap = cloud.visibility_timeout_cap_s, cloud.batching_window_cap_s
        self._stop_event = threading.Event()
        attrs = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        self.queue_visibility_timeout = int(attrs.get("VisibilityTimeout", "30"))

    # the mapping's configuration is read live (UpdateEventSourceMapping applies at once)
    batch_size = property(lambda self: int(self.esm.batch_size or 10))
    reports_failures = property(lambda self: "ReportBatchItemFailures" in (self.esm.function_response_types or []))

    @property
    def window_s(self) -> float:
        window = float(self.esm.max_batch_window or 0)
        return min(window, self.window_cap) if self.window_cap is not None else window

    @property
    def visibility_timeout(self) -> int:
        # capped, but never shorter than the batching window: a message must not come back
        # while the batch it is in is still being gathered
        if self.cap is None:
            return self.queue_visibility_timeout
        return min(self.queue_visibility_timeout, max(int(max(self.cap, 0)), int(self.window_s) + 1))

    def stop(self) -> None:
        self._stop_event.set()

    def _receive(self, count: int, wait_s: int) -> list[dict[str, Any]]:
        return self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=wait_s,
            VisibilityTimeout=self.visibility_timeout,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                if self.esm.enabled:
                    self.poll_once(wait_s=1)
                else:
                    time.sleep(0.2)
            except Exception as exc:  # noqa: BLE001 - keep polling whatever happens
                if self._stop_event.is_set():
                    return
                log.warning("poller %s: %s", self.name, exc)
                time.sleep(0.5)

    def poll_once(self, wait_s: int = 0) -> int:
        """Receive one batch (within the batching window) and process it; returns its size."""
        messages = self._receive(self.batch_size, wait_s)
        deadline = time.monotonic() + self.window_s
        while messages and len(messages) < self.batch_size and not self._stop_event.is_set():
            seen = {m["MessageId"] for m in messages}
            more = [m for m in self._receive(self.batch_size - len(messages), 0) if m["MessageId"] not in seen]
            if more:
                messages.extend(more)
            elif time.monotonic() >= deadline:
                break
            else:
                time.sleep(0.05)
        if messages:
            self._process(messages)
        return len(messages)

    def _process(self, messages: list[dict[str, Any]]) -> None:
        payload, errored = self.runtime.invoke_raw(
            self.function, {"Records": [to_record(m, self.queue_arn, self.region) for m in messages]}
        )
        if errored:
            error, back_s = (payload or {}).get("errorType"), self.visibility_timeout
            log.info(
                "%s: batch of %d failed (%s); messages return after %ss", self.function, len(messages), error, back_s
            )
            return
        failed = self._failed_ids(payload, messages) if self.reports_failures else set()
        if failed is None:  # invalid report → whole batch failed
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done[i : i + 10])],
            )
        if failed:
            log.info("%s: %d of %d records reported as failed", self.function, len(failed), len(messages))

    def _failed_ids(self, payload: Any, messages: list[dict[str, Any]]) -> set[str] | None:
        """The reported failures; None when the report is invalid (the whole batch failed)."""
        items = payload.get("batchItemFailures") if isinstance(payload, dict) else None
        if items is None:
            return set()
        items = items if isinstance(items, list) else [None]
        idents = [i.get("itemIdentifier") if isinstance(i, dict) else None for i in items]
        if not set(idents) <= {m["MessageId"] for m in messages}:
            log.warning("%s: invalid batchItemFailures %r: whole batch failed", self.function, items)
            return None
        return set(idents)  # type: ignore[arg-type]
