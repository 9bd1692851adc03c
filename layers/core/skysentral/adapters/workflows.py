"""Step Functions: start a flow once per id, resume a flow that waits on a task token.
An execution's input carries the correlation id (`correlation_id`; skysentral.correlation),
which the state machine passes to every task."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from skysentral import correlation


@lru_cache(maxsize=1)
def _sfn():
    import boto3  # on first use: a handler that never sends pays nothing for it at cold start

    return boto3.client("stepfunctions")


def start(state_machine_env: str, name: str, payload: dict) -> None:
    """Start once: the execution name is the order id, so a repeat is refused by Step Functions.
    The input's `correlation_id` is the current one, or the execution's name when none is bound."""
    payload = {**payload, correlation.KEY: correlation.current() or name}
    try:
        _sfn().start_execution(stateMachineArn=os.environ[state_machine_env], name=name, input=json.dumps(payload))
    except _sfn().exceptions.ExecutionAlreadyExists:
        pass


def resume(token: str, output: dict | None = None, error: str | None = None, cause: str = "") -> bool:
    """Resume a waiting execution; False if it no longer waits (already resumed or timed out)."""
    try:
        if error:
            _sfn().send_task_failure(taskToken=token, error=error, cause=cause[:32000])
        else:
            _sfn().send_task_success(taskToken=token, output=json.dumps(output or {}))
        return True
    except (_sfn().exceptions.TaskTimedOut, _sfn().exceptions.InvalidToken, _sfn().exceptions.TaskDoesNotExist):
        return False
