"""F2: the ReportsBucket (REPORTS_BUCKET): exported report files and their download links.

Links are signed by a client for `REPORTS_PUBLIC_ENDPOINT` when it is set (locally the
emulator's URL, the template parameter `S3PublicEndpoint`), else S3's own URLs."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

DOWNLOAD_EXPIRES_S = 3600


def bucket() -> str:
    return os.environ["REPORTS_BUCKET"]


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


def write(key: str, data: bytes, content_type: str, filename: str) -> None:
    _s3().put_object(
        Bucket=bucket(),
        Key=key,
        Body=data,
        ContentType=content_type,
        ContentDisposition=f'attachment; filename="{filename}"',
    )


def download_url(key: str) -> str:
    return _signer(os.environ.get("REPORTS_PUBLIC_ENDPOINT", "")).generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=DOWNLOAD_EXPIRES_S
    )
