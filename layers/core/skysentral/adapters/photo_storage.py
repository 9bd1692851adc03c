"""C1: the profile photos' S3 bucket (PHOTOS_BUCKET): presigned uploads and downloads.

Uploads go straight from the browser or app to S3 with a presigned POST (the API never
carries the bytes); the API then reads the upload, checks it and writes the thumbnails.

URLs handed to clients are signed for the endpoint they reach (adapters.s3_files)."""

from __future__ import annotations

import os
from typing import Any

from skysentral.adapters import s3_files

UPLOAD_PREFIX = "uploads/"
PHOTO_PREFIX = "photos/"
UPLOAD_EXPIRES_S = 900
DOWNLOAD_EXPIRES_S = 3600


def bucket() -> str:
    return os.environ["PHOTOS_BUCKET"]


def presigned_upload(key: str, max_bytes: int) -> dict[str, Any]:
    """{"url", "fields"}: a form POST of at most `max_bytes` to exactly `key`."""
    post = s3_files.public().generate_presigned_post(
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
        return int(s3_files.s3().head_object(Bucket=bucket(), Key=key)["ContentLength"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def read(key: str) -> bytes:
    return bytes(s3_files.s3().get_object(Bucket=bucket(), Key=key)["Body"].read())


def write_jpeg(key: str, data: bytes) -> None:
    s3_files.s3().put_object(
        Bucket=bucket(), Key=key, Body=data, ContentType="image/jpeg", CacheControl="max-age=86400"
    )


def delete(keys: list[str]) -> None:
    if keys:
        s3_files.s3().delete_objects(Bucket=bucket(), Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})


def download_url(key: str) -> str:
    return s3_files.download_url(bucket(), key, DOWNLOAD_EXPIRES_S)
