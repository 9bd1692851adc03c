"""Powertools Idempotency on the IDEMPOTENCY_TABLE (DynamoDB), set up on the first call.

A function wrapped with `once_per_key` runs at most once per key (a JMESPath into its data
argument) within the expiry; a repeated key returns the stored result. The library itself
does the work; this module only delays it: importing
`aws_lambda_powertools.utilities.idempotency` imports boto3, and its persistence layer
creates a DynamoDB client (botocore loads the service model, ~60 ms) — at module level
that cost every cold start of the webhook and SMS-alert functions, also the invocations
that are refused before anything is deduplicated (a forged webhook signature)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


class IdempotentFunction:
    """`function` behind Powertools' `idempotent_function`, built on its first call."""

    def __init__(
        self, function: Callable[..., Any], *, data_keyword_argument: str, key_jmespath: str, expires_after_seconds: int
    ):
        self.function = function
        self.data_keyword_argument = data_keyword_argument
        self.key_jmespath = key_jmespath
        self.expires_after_seconds = expires_after_seconds
        self._lambda_context: Any = None
        self._config: Any = None
        self._idempotent: Callable[..., Any] | None = None

    def register_lambda_context(self, context: Any) -> None:
        """Call once per invocation (as with IdempotencyConfig): an in-progress record then
        expires with the invocation's remaining time."""
        self._lambda_context = context
        if self._config is not None:
            self._config.register_lambda_context(context)

    def __call__(self, **kwargs: Any) -> Any:
        if self._idempotent is None:
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )

            self._config = IdempotencyConfig(
                event_key_jmespath=self.key_jmespath, expires_after_seconds=self.expires_after_seconds
            )
            if self._lambda_context is not None:
                self._config.register_lambda_context(self._lambda_context)
            persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
            self._idempotent = idempotent_function(
                data_keyword_argument=self.data_keyword_argument, persistence_store=persistence, config=self._config
            )(self.function)
        return self._idempotent(**kwargs)


def once_per_key(
    *, data_keyword_argument: str, key_jmespath: str, expires_after_seconds: int
) -> Callable[[Callable[..., Any]], IdempotentFunction]:
    def decorate(function: Callable[..., Any]) -> IdempotentFunction:
        return IdempotentFunction(
            function,
            data_keyword_argument=data_keyword_argument,
            key_jmespath=key_jmespath,
            expires_after_seconds=expires_after_seconds,
        )

    return decorate
