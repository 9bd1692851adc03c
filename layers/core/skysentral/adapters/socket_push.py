"""Pushing to the switchboard's WebSocket connections through API Gateway's management API
(`apigatewaymanagementapi` PostToConnection). The endpoint is the
WebSocket API's stage URL, env SOCKET_CALLBACK_URL (`https://<api id>.execute-api.<region>.
amazonaws.com/<stage>` in AWS; the local WebSocket stand-in's URL locally)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4)
def _client(endpoint: str) -> Any:
    import boto3  # on first use
    from botocore.config import Config

    # A dead connection must not hold up the others: short timeouts, one retry.
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, config=config)


def client() -> Any:
    return _client(os.environ["SOCKET_CALLBACK_URL"])


def post(connection_id: str, data: bytes) -> bool:
    """Send one text frame; False when the connection is gone (GoneException), True when sent.
    Other errors raise (botocore's ClientError / connection errors)."""
    api = client()
    try:
        api.post_to_connection(ConnectionId=connection_id, Data=data)
    except api.exceptions.GoneException:
        return False
    return True
