"""Powertools Logger (one per process, service name from POWERTOOLS_SERVICE_NAME) and tracing.

Tracing is imported only where it is on: `aws_xray_sdk` alone costs about 0.3 s of a cold start
(docs/architecture.md, "Cold start"). It is on in a Lambda function (`AWS_LAMBDA_FUNCTION_NAME` set)
unless `POWERTOOLS_TRACE_DISABLED` is true, the same rule Powertools' Tracer applies itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

logger = Logger()

Handler = TypeVar("Handler", bound=Callable[..., Any])
_TRUE = {"1", "true", "yes", "on"}


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUE
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ and not disabled


@cache
def _tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer()


def traced(handler: Handler) -> Handler:
    """The Lambda handler with X-Ray's `capture_lambda_handler` when tracing is on; else unchanged."""
    if not tracing_enabled():
        return handler
    wrapped: Handler = _tracer().capture_lambda_handler(handler)
    return wrapped
