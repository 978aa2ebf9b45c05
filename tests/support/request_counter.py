"""Count DynamoDB requests per operation through botocore's `before-call` event."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers

_local = threading.local()


def _record(model: Any, **_: Any) -> None:
    counter: Counter[str] | None = getattr(_local, "counter", None)
    if counter is not None:
        counter[model.name] += 1


def install() -> None:
    """Register before any botocore session is created (every new session copies BUILTIN_HANDLERS)."""
    entry = ("before-call.dynamodb", _record)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """The DynamoDB operations this thread sends inside the block, by name."""
    counter: Counter[str] = Counter()
    _local.counter = counter
    try:
        yield counter
    finally:
        _local.counter = None
