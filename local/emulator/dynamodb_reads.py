"""DynamoDB answers (moto 5.2.5): moto serializes a response by walking it against the operation's
output shape attribute by attribute, a few milliseconds per item: a page of 500 contacts took about
two seconds, and an UpdateItem's answer (the rate limit's count) cost more than its update. The
answers of Query, Scan, GetItem and BatchGetItem, and of PutItem, UpdateItem and DeleteItem (their
`Attributes`), are already in DynamoDB's wire form (only binary values still need base64), so they
are written with `json.dumps`."""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.dynamodb.responses import DynamoResult

WIRE_FORM_OUTPUTS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"})
_original_execute_result = DynamoResult.execute_result


def _base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} in a DynamoDB answer")


def _execute_result(self: Any, context: Any) -> Any:
    if context.operation_model.name not in WIRE_FORM_OUTPUTS:
        return _original_execute_result(self, context)
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result, default=_base64)


def install() -> None:
    DynamoResult.execute_result = _execute_result  # type: ignore[method-assign]
