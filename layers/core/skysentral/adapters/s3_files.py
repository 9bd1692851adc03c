"""S3 for the files the product hands to people: profile photos (C1), invoice documents
(F4), report exports (F2). One client, and presigned links signed for the endpoint people
reach: `S3_PUBLIC_ENDPOINT` when it is set (locally the emulator's URL: the local cloud sets
the template parameter `S3PublicEndpoint`, so a browser or curl can use the link), else
S3's own URLs."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def s3() -> Any:
    import boto3  # on first use: a handler that never touches a file pays nothing at cold start

    return boto3.client("s3")


@lru_cache(maxsize=4)
def _signer(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    if not endpoint:
        return s3()
    return boto3.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


def public() -> Any:
    """The client that signs links for people (presigned GET and POST)."""
    return _signer(os.environ.get("S3_PUBLIC_ENDPOINT", ""))


def put(bucket: str, key: str, body: bytes, content_type: str, filename: str | None = None) -> None:
    extra = {"ContentDisposition": f'attachment; filename="{filename}"'} if filename else {}
    s3().put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, **extra)


def download_url(bucket: str, key: str, expires_s: int) -> str:
    return public().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s)
