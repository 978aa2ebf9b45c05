"""Make moto run the project's Lambda handlers in-process (DESIGN section 8).

moto would run functions in Docker. Instead `LambdaFunction._invoke_lambda` imports the module named
by the function's `Handler` and calls it with `(event, context)`, answering with real Lambda's error
payload (`errorType` = the exception's class) when it raises; `invoke` then reports such an error as
`Unhandled`, as Lambda does. One invocation per function at a time, like one warm Lambda instance.

Written against one moto version: `install()` refuses any other.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import moto
from moto.awslambda.models import LambdaFunction

MOTO_VERSION = "5.2.5"
FUNCTION_ERROR = "x-amz-function-error"

_original_invoke = LambdaFunction.invoke
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int = 512, timeout_s: int = 29) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = self.aws_request_id
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(handler: str) -> Callable[[Any, Any], Any]:
    module, _, attribute = handler.rpartition(".")
    function: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), attribute)
    return function


def _lock_for(function_arn: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(function_arn, threading.Lock())


def run_handler(handler: str, event: Any, context: LambdaContext) -> tuple[Any, bool, str]:
    """(result, errored, log): the handler's result, or Lambda's error payload when it raises."""
    with _lock_for(context.invoked_function_arn):
        try:
            return resolve_handler(handler)(event, context), False, ""
        except Exception as error:
            payload = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            return payload, True, traceback.format_exc()


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
    context = LambdaContext(self.function_name, self.function_arn, int(self.memory_size), int(self.timeout))
    result, errored, log = run_handler(self.handler, payload, context)
    return json.dumps(result), errored, log


def _invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
    payload: str | bytes = _original_invoke(self, body, request_headers, response_headers)
    if response_headers.get(FUNCTION_ERROR) == "Handled":
        response_headers[FUNCTION_ERROR] = "Unhandled"
    return payload


def install() -> None:
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"local/moto_hooks.py is written for moto {MOTO_VERSION}, found {moto.__version__}")
    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
