"""DynamoDB requests one at a time (moto 5.2.5): moto's DynamoDB backend is not thread-safe. An
UpdateItem changes an item's attributes in place while a Query on another thread deep-copies the same
item (`RuntimeError: dictionary changed size during iteration`, seen when a status read met an import
chunk recording its progress). DynamoDB applies each request atomically; the adapter gets the same
by running moto's request handling under one lock per process."""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_original_call_action = DynamoHandler.call_action
lock = threading.RLock()  # also taken by the streams' requests (dynamodb_streams.py)


def _call_action(self: Any) -> Any:
    with lock:
        return _original_call_action(self)


def install() -> None:
    DynamoHandler.call_action = _call_action  # type: ignore[method-assign]
