"""F2: the ReportsBucket (REPORTS_BUCKET): exported report files and their presigned
download links (adapters.s3_files)."""

from __future__ import annotations

import os

from skysentral.adapters import s3_files

DOWNLOAD_EXPIRES_S = 3600


def bucket() -> str:
    return os.environ["REPORTS_BUCKET"]


def write(key: str, data: bytes, content_type: str, filename: str) -> None:
    s3_files.put(bucket(), key, data, content_type, filename=filename)


def download_url(key: str) -> str:
    return s3_files.download_url(bucket(), key, DOWNLOAD_EXPIRES_S)
