"""Success and error bodies (docs/architecture.md, API conventions) and the proxy responses carrying them."""

from __future__ import annotations

import json
from typing import Any

from contact_platform import clock
from contact_platform.errors import ApiError
from contact_platform.http.request import request_id

JSON = "application/json"


def meta() -> dict[str, Any]:
    return {"requestId": request_id(), "timestamp": clock.iso(clock.now()), "version": "v1"}


def error_body(error: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        body["details"] = [{"field": d.field, "issue": d.issue} for d in error.details]
    return {"success": False, "error": body, "meta": meta()}


def proxy_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": JSON, **(headers or {})},
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def error_response(error: ApiError) -> dict[str, Any]:
    return proxy_response(error.status, error_body(error), error.headers)
