"""Correlation ids: one id follows a request or an event from where it enters (the HTTP API,
a queue from outside, a schedule) through SQS messages and Step Functions executions into
every log line it causes (docs/design.md, "Correlation ids").

Where the id comes from:
- HTTP: the request's `X-Correlation-Id` when it is a short, safe id (1 to 128 of
  `A-Z a-z 0-9 . _ : -`), else API Gateway's request id; answered in `X-Correlation-Id`.
- SQS: the message attribute `correlation_id` our own senders put on; a message from
  outside (the network's usage feed, the SMS gateway) has none: its SQS message id.
- Step Functions: the execution input's `correlation_id`, passed to every task.
- Schedules: the invocation's Lambda request id.

`bind` makes an id the current one of this thread/task (a ContextVar, so concurrent
invocations in one process, as in the local cloud, keep theirs apart) and puts it on every
Powertools log line: Powertools' "thread-safe" keys are one ContextVar read by every
Powertools formatter of the process (`Logger.thread_safe_append_keys`), whatever the
service name, so no Logger instance has to be reached. (`append_keys`, which
`set_correlation_id` uses, and `append_context_keys` change one formatter shared by all
threads: one service's loggers only, and racy between concurrent invocations.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.logging import formatter as powertools_formatter

HEADER = "X-Correlation-Id"
KEY = "correlation_id"  # the log key, the SQS message attribute and the execution input's field
_SAFE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")

_current: ContextVar[str | None] = ContextVar(KEY, default=None)
# what Logger.thread_safe_append_keys calls (Powertools annotates its **kwargs as dicts)
_set_log_keys: Callable[..., None] = powertools_formatter.set_context_keys


def is_valid(value: Any) -> bool:
    """Short and safe to log and to pass on (no spaces, quotes or control characters)."""
    return isinstance(value, str) and _SAFE.fullmatch(value) is not None


def bind(correlation_id: str) -> str:
    """Make `correlation_id` the current id: log lines and messages sent from here carry it."""
    _current.set(correlation_id)
    _set_log_keys(**{KEY: correlation_id})
    return correlation_id


def bind_batch(correlation_ids: list[str], invocation_id: str) -> str:
    """A batch of messages handled as one (usage ingestion): the one id its messages share,
    or, when they carry several, the invocation's id, with `correlation_ids` (each id once)
    on its log lines so that every message's id is found."""
    distinct = list(dict.fromkeys(correlation_ids))
    _set_log_keys(correlation_ids=distinct if len(distinct) > 1 else None)  # None: left out of log lines
    return bind(distinct[0] if len(distinct) == 1 else invocation_id)


def bound(id_of: Callable[[Any, Any], str]) -> Callable:
    """Decorator of a Lambda handler: binds `id_of(event, context)` before anything else of
    the invocation runs. Put it above `@logger.inject_lambda_context`, so that the line
    Powertools writes of the event carries the id too."""

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def handle(event: Any, context: Any) -> Any:
            bind(id_of(event, context))
            return handler(event, context)

        return handle

    return decorate


def current() -> str | None:
    return _current.get()


def of_request(headers: Mapping[str, str] | None, request_context: Mapping[str, Any] | None) -> str:
    """The id of an HTTP request: its valid `X-Correlation-Id`, else API Gateway's request id.
    An invalid header is not an error (the request is served); the response header says
    which id was used."""
    sent = _header(headers)
    if is_valid(sent):
        return sent  # type: ignore[return-value]
    return str((request_context or {}).get("requestId") or "")


def _header(headers: Mapping[str, str] | None) -> str | None:
    return next((v for k, v in (headers or {}).items() if k.lower() == HEADER.lower()), None)


def of_sqs_record(record: Mapping[str, Any]) -> str:
    """The id of an SQS record (Lambda's event shape): its `correlation_id` attribute when
    valid, else its message id (messages from outside carry none)."""
    attribute = (record.get("messageAttributes") or {}).get(KEY) or {}
    value = attribute.get("stringValue")
    return str(value) if is_valid(value) else str(record.get("messageId") or "")


def message_attributes(correlation_id: str | None) -> dict:
    """SQS MessageAttributes carrying `correlation_id` (none when there is no id)."""
    if not correlation_id:
        return {}
    return {KEY: {"DataType": "String", "StringValue": correlation_id}}
