"""Sending JSON messages to SQS (batches of 10, failures raised, not dropped). Each message
carries a correlation id as the message attribute `correlation_id` (skysentral.correlation),
so the JSON bodies (the published contracts) stay as they are."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from skysentral import correlation


@lru_cache(maxsize=1)
def _sqs():
    import boto3  # on first use: a handler that never sends pays nothing for it at cold start

    return boto3.client("sqs")


def send(
    queue_url: str, messages: list[BaseModel | dict], *, group_of=None, dedup_of=None, correlation_of=None
) -> None:
    """`correlation_of(body)` gives a message's correlation id; by default the current one."""
    for i in range(0, len(messages), 10):
        entries = []
        for n, message in enumerate(messages[i : i + 10]):
            body = message.model_dump(mode="json") if isinstance(message, BaseModel) else message
            entry: dict[str, Any] = {"Id": str(n), "MessageBody": json.dumps(body, separators=(",", ":"), default=str)}
            attributes = correlation.message_attributes(
                correlation_of(body) if correlation_of else correlation.current()
            )
            if attributes:
                entry["MessageAttributes"] = attributes
            if group_of:
                entry["MessageGroupId"] = group_of(body)
            if dedup_of:
                entry["MessageDeduplicationId"] = dedup_of(body)
            entries.append(entry)
        result = _sqs().send_message_batch(QueueUrl=queue_url, Entries=entries)
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused {len(result['Failed'])} messages: {result['Failed'][0]}")


def queue_url(env_name: str) -> str:
    return os.environ[env_name]
