"""Running a function's handler in this process as Lambda would (docs/architecture.md, Local stack):
import the module its `Handler` names, call it with `(event, context)`, answer with Lambda's error
payload (`errorType` = the exception's class) when it raises. One invocation per function at a time,
like one warm Lambda instance. The embedded emulator's Lambda adapter (local/emulator/awslambda.py)
and the local gateway both run handlers through here; nothing here touches moto.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contact_platform.function_settings import BULK_STEP, TRIGGERS, FunctionSettings

# Invokes a function by name with an event: (payload, errored).
Invoke = Callable[[str, dict[str, Any]], tuple[dict[str, Any], bool]]

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, function_arn: str, *, memory_mb: int, timeout_seconds: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = self.aws_request_id
        self._deadline = time.monotonic() + timeout_seconds

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


@dataclass(frozen=True)
class Function:
    """One Lambda function of the stack: its local name, handler path, memory and timeout."""

    name: str
    handler: str
    settings: FunctionSettings

    def context(self) -> LambdaContext:
        arn = f"arn:aws:lambda:local:000000000000:function:{self.name}"
        return LambdaContext(
            self.name, arn, memory_mb=self.settings.memory_mb, timeout_seconds=self.settings.timeout_seconds
        )


def direct_invoker(functions: Mapping[str, Function]) -> Invoke:
    """Call the handlers in this process, without the Lambda API (`functions`: by name)."""

    def invoke(name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        function = functions[name]
        result, errored, _ = run_handler(function.handler, json.loads(json.dumps(event)), function.context())
        return result, errored

    return invoke


def lambda_invoker(lambda_client: Any) -> Invoke:
    """Invoke through the Lambda API (the embedded emulator runs the handler in-process)."""

    def invoke(name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        answer = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return json.loads(answer["Payload"].read() or b"{}"), "FunctionError" in answer

    return invoke


def long_running_lambda_client(endpoint: str | None, region: str) -> Any:
    """A Lambda client that waits as long as a function may run and never re-sends an invocation."""
    from botocore.config import Config

    from contact_platform import aws

    longest = max(settings.timeout_seconds for settings in (BULK_STEP, *TRIGGERS.values()))
    config = Config(read_timeout=longest + 60, retries={"total_max_attempts": 1})
    return aws.new_client("lambda", endpoint_url=endpoint, region_name=region, config=config)
