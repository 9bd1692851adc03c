"""F4: the invoice documents' S3 bucket (INVOICES_BUCKET): store a document, hand out a
presigned download link (adapters.s3_files)."""

from __future__ import annotations

import os

from skysentral.adapters import s3_files

DOWNLOAD_EXPIRES_S = 900


def bucket() -> str:
    return os.environ["INVOICES_BUCKET"]


def put(key: str, body: bytes, content_type: str) -> None:
    s3_files.put(bucket(), key, body, content_type)


def download_url(key: str) -> str:
    return s3_files.download_url(bucket(), key, DOWNLOAD_EXPIRES_S)
