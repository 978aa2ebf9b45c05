"""One botocore session per process, the boto3 clients made from it (one per service; clients are
thread-safe) and presigned S3 URLs.

Every client of the process, pynamodb's DynamoDB client included (`store/table.py`), comes from the
same session, so its loader parses the endpoint rules and each service model once: a session of its
own costs about 0.15 s of JSON parsing on first use (docs/architecture.md, "Cold start").
"""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

from contact_platform.config import settings

# botocore's client creation is not thread-safe on a shared session (the local gateway's threads)
CLIENT_LOCK = threading.RLock()


@cache
def session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def boto3_session() -> Any:
    """The process's boto3 session, on `session()`. One only: each boto3 session adds its handlers to
    the botocore session, and a second one's would inject S3's transfer methods a second time (an error)."""
    import boto3  # botocore alone on routes that use only DynamoDB (pynamodb)

    return boto3.Session(botocore_session=session())


def new_client(service: str, **options: Any) -> Any:
    """A boto3 client on the process's session (`client()` keeps one per service)."""
    with CLIENT_LOCK:
        return boto3_session().client(service, **options)


@cache
def client(service: str) -> Any:
    options: dict[str, Any] = {"signature_version": "s3v4"} if service == "s3" else {}
    if service == "s3" and os.environ.get("AWS_ENDPOINT_URL"):
        options["s3"] = {"addressing_style": "path"}  # emulators on an IP address: no bucket subdomains
    return new_client(service, region_name=settings().region, config=Config(**options))


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
