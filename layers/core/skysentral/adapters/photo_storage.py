"""C1: the profile photos' S3 bucket (PHOTOS_BUCKET): presigned uploads and downloads.

Uploads go straight from the browser or app to S3 with a presigned POST (the API never
carries the bytes); the API then reads the upload, checks it and writes the thumbnails.

URLs handed to clients are signed by a client for `PHOTOS_PUBLIC_ENDPOINT` when it is set:
locally that is the emulator's URL (the local cloud sets the template parameter
`S3PublicEndpoint`), so a plain HTTP client can reach it; in AWS it is empty and the URLs are
S3's own."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

UPLOAD_PREFIX = "uploads/"
PHOTO_PREFIX = "photos/"
UPLOAD_EXPIRES_S = 900
DOWNLOAD_EXPIRES_S = 3600


def bucket() -> str:
    return os.environ["PHOTOS_BUCKET"]


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


def _public() -> Any:
    return _signer(os.environ.get("PHOTOS_PUBLIC_ENDPOINT", ""))


def presigned_upload(key: str, max_bytes: int) -> dict[str, Any]:
    """{"url", "fields"}: a form POST of at most `max_bytes` to exactly `key`."""
    post = _public().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_EXPIRES_S,
    )
    return {"url": post["url"], "fields": post["fields"]}


def size_of(key: str) -> int | None:
    """The object's size in bytes, or None when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        return int(_s3().head_object(Bucket=bucket(), Key=key)["ContentLength"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def read(key: str) -> bytes:
    return bytes(_s3().get_object(Bucket=bucket(), Key=key)["Body"].read())


def write_jpeg(key: str, data: bytes) -> None:
    _s3().put_object(Bucket=bucket(), Key=key, Body=data, ContentType="image/jpeg", CacheControl="max-age=86400")


def delete(keys: list[str]) -> None:
    if keys:
        _s3().delete_objects(Bucket=bucket(), Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})


def download_url(key: str) -> str:
    return str(
        _public().generate_presigned_url(
            "get_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=DOWNLOAD_EXPIRES_S
        )
    )
