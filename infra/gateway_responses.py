"""API Gateway's own errors in the platform's error envelope (docs/architecture.md, API conventions).

These are the answers that never reach a function: no or bad key (the authorizer said no), unknown
route, stage throttling, oversized request, integration failures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw


@dataclass(frozen=True)
class GatewayError:
    type: apigw.ResponseType
    status: str | None  # None: keep the status API Gateway chose (e.g. 415 or 504 under a DEFAULT_* type)
    code: str
    message: str


GATEWAY_ERRORS = (
    GatewayError(apigw.ResponseType.UNAUTHORIZED, "401", "AUTHENTICATION_FAILED", "Invalid or expired API key"),
    GatewayError(apigw.ResponseType.ACCESS_DENIED, "403", "INSUFFICIENT_PERMISSIONS", "Access denied"),
    # API Gateway answers an unknown path with 403 "Missing Authentication Token" (a method a known path
    # does not take reaches that path's ANY method instead: 405, infra/unrouted.py).
    GatewayError(apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "RESOURCE_NOT_FOUND", "Route not found"),
    GatewayError(apigw.ResponseType.THROTTLED, "429", "RATE_LIMITED", "Too many requests"),
    GatewayError(apigw.ResponseType.REQUEST_TOO_LARGE, "413", "PAYLOAD_TOO_LARGE", "Request body too large"),
    GatewayError(apigw.ResponseType.DEFAULT_4_XX, None, "INVALID_REQUEST", "Invalid request"),
    GatewayError(apigw.ResponseType.DEFAULT_5_XX, None, "INTERNAL_ERROR", "Internal server error"),
)


def envelope(code: str, message: str) -> str:
    """The error body as a mapping template (`$context.requestId` is filled in by API Gateway)."""
    body = {
        "success": False,
        "error": {"code": code, "message": message},
        "meta": {"requestId": "$context.requestId", "version": "v1"},
    }
    return json.dumps(body, separators=(",", ":"))


def add_gateway_responses(api: apigw.RestApi) -> None:
    for error in GATEWAY_ERRORS:
        api.add_gateway_response(
            error.type.response_type,
            type=error.type,
            status_code=error.status,
            templates={"application/json": envelope(error.code, error.message)},
        )
