"""F4: the invoice documents' S3 bucket (INVOICES_BUCKET): store a document, hand out a
presigned download link. Links are signed for PHOTOS_PUBLIC_ENDPOINT when set (locally the
emulator's URL, the same template parameter S3PublicEndpoint), else S3's own."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

DOWNLOAD_EXPIRES_S = 900


def bucket() -> str:
    return os.environ["INVOICES_BUCKET"]


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3

    return boto3.client("s3")


@lru_cache(maxsize=4)
def _signer(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    if not endpoint:
        return _s3()
    return boto3.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


def put(key: str, body: bytes, content_type: str) -> None:
    _s3().put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type)


def download_url(key: str) -> str:
    return _signer(os.environ.get("PHOTOS_PUBLIC_ENDPOINT", "")).generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=DOWNLOAD_EXPIRES_S
    )
