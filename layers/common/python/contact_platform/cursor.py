"""Opaque pagination cursors: the LastEvaluatedKey, base64url, HMAC-signed, bound to tenant and query.

A cursor from another tenant, another query or with any byte changed is a 400 `INVALID_REQUEST`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import cache
from typing import Any

from contact_platform import aws
from contact_platform.config import settings
from contact_platform.errors import Detail, invalid_request

MAX_CURSOR_LENGTH = 4096
_SECRET_MAX_AGE_SECONDS = 3600


@cache
def _secrets() -> Any:
    """Powertools' secrets provider on the process's client (its default makes a session of its own)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # lists only: not on other cold starts

    return SecretsProvider(boto3_client=aws.client("secretsmanager"))


def _signing_key() -> bytes:
    secret = _secrets().get(settings().cursor_secret_arn, max_age=_SECRET_MAX_AGE_SECONDS)
    return str(secret).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _binding_digest(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()[:24]


def _signature(body: str) -> str:
    return _b64(hmac.new(_signing_key(), body.encode(), hashlib.sha256).digest())


def encode_cursor(last_key: dict[str, Any] | None, binding: str) -> str | None:
    if last_key is None:
        return None
    body = _b64(json.dumps({"k": last_key, "b": _binding_digest(binding)}, separators=(",", ":")).encode())
    return f"{body}.{_signature(body)}"


def decode_cursor(cursor: str | None, binding: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    bad = invalid_request("Invalid cursor", [Detail("cursor", "not a cursor of this list; start again without it")])
    body, _, signature = cursor.partition(".")
    if len(cursor) > MAX_CURSOR_LENGTH or not hmac.compare_digest(signature.encode(), _signature(body).encode()):
        raise bad
    try:
        payload = json.loads(_unb64(body))
    except ValueError as error:
        raise bad from error
    if not isinstance(payload, dict) or payload.get("b") != _binding_digest(binding):
        raise bad
    last_key = payload.get("k")
    if not isinstance(last_key, dict):
        raise bad
    return last_key
