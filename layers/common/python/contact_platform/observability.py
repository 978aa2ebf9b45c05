"""Powertools Logger (one per process, service name from POWERTOOLS_SERVICE_NAME), tracing, and
`lambda_handler`, which every Lambda function's entry point is built with: it flushes the
invocation's metrics (`metrics.py`) and counts an exception escaping the entry point as an error.

Tracing is imported only where it is on: `aws_xray_sdk` alone costs about 0.3 s of a cold start
(docs/architecture.md, "Cold start"). It is on in a Lambda function (`AWS_LAMBDA_FUNCTION_NAME` set)
unless `POWERTOOLS_TRACE_DISABLED` is true, the same rule Powertools' Tracer applies itself.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger

from contact_platform import metrics

logger = Logger()
METRICS_NAMESPACE = metrics.NAMESPACE  # CloudWatch metrics the functions emit (EMF) and the alarms read

Handler = TypeVar("Handler", bound=Callable[..., Any])
_TRUE = {"1", "true", "yes", "on"}


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUE
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ and not disabled


@cache
def _tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer()


class Refusal(Exception):
    """An exception that is an entry point's answer, not its failure (the authorizer's `Unauthorized`,
    which API Gateway turns into a 401): not counted as an error."""


def lambda_handler(handler: Handler, *, correlation_id_path: str | None = None, name: str | None = None) -> Handler:
    """`handler` as Lambda calls it: Powertools' log context, cleared per invocation (the event is never
    logged: it carries API keys), inside X-Ray's `capture_lambda_handler` where tracing is on. An
    exception escaping it counts in the `Errors` metric of `name` (by default the handler module's
    last part: `authorizer`, `webhook_delivery`), and the invocation's metrics are flushed at its end
    (docs/architecture.md, "Metrics").

    Built when a handler's module has imported what it needs, it also resumes the garbage collector
    that `functions/__init__.py` paused for that import, with what the import created frozen: it
    stays alive, so no collection needs to walk it, neither now nor in any invocation
    (docs/architecture.md, "Cold start")."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
    traced: Callable[..., Any] = _tracer().capture_lambda_handler(handler) if tracing_enabled() else handler
    function = name or str(getattr(handler, "__module__", "") or "handler").rpartition(".")[2]

    @wraps(handler)
    def measured(event: Any, context: Any) -> Any:
        try:
            return traced(event, context)
        except Refusal:
            raise
        except Exception:
            metrics.error(function)
            raise
        finally:
            metrics.flush()

    wrapped: Handler = logger.inject_lambda_context(
        cast(Handler, measured), log_event=False, correlation_id_path=correlation_id_path, clear_state=True
    )
    return wrapped
