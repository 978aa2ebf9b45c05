"""boto3 clients, one per service and process (they are thread-safe), and presigned S3 URLs."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from contact_platform.config import settings


@cache
def client(service: str) -> Any:
    options: dict[str, Any] = {"signature_version": "s3v4"} if service == "s3" else {}
    if service == "s3" and os.environ.get("AWS_ENDPOINT_URL"):
        options["s3"] = {"addressing_style": "path"}  # emulators on an IP address: no bucket subdomains
    return boto3.client(service, region_name=settings().region, config=Config(**options))


def download_url(bucket: str, key: str, file_name: str, seconds: int) -> str:
    """A presigned GET that downloads the object as `file_name`."""
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": f'attachment; filename="{file_name}"'},
        ExpiresIn=seconds,
    )
    return url


def upload_url(bucket: str, key: str, content_type: str, seconds: int) -> str:
    """A presigned PUT for one object (the client must send the same Content-Type)."""
    url: str = client("s3").generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key, "ContentType": content_type}, ExpiresIn=seconds
    )
    return url
