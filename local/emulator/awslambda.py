"""moto's Lambda (moto 5.2.5) would run a function in Docker. Instead `LambdaFunction._invoke_lambda`
runs the function's `Handler` in this process (local/lambda_runtime.py) with a context carrying the
function's memory and timeout; `invoke` then reports an error payload as `Unhandled`, as Lambda does
for an exception (moto says `Handled`)."""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.models import LambdaFunction

from local.lambda_runtime import LambdaContext, run_handler

FUNCTION_ERROR = "x-amz-function-error"
_original_invoke = LambdaFunction.invoke


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
    context = LambdaContext(
        self.function_name, self.function_arn, memory_mb=int(self.memory_size), timeout_seconds=int(self.timeout)
    )
    result, errored, log = run_handler(self.handler, payload, context)
    return json.dumps(result), errored, log


def _invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
    payload: str | bytes = _original_invoke(self, body, request_headers, response_headers)
    if response_headers.get(FUNCTION_ERROR) == "Handled":
        response_headers[FUNCTION_ERROR] = "Unhandled"
    return payload


def install() -> None:
    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
