"""Count DynamoDB requests per operation through botocore's `before-call` event, and the write units
they bill from their parameters (`before-parameter-build`)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from botocore import handlers

_local = threading.local()


_every_thread: list[Counter[str]] = []  # the counters of `dynamodb_requests_of_every_thread` blocks
_every_thread_lock = threading.Lock()


def _record(model: Any, **_: Any) -> None:
    counter: Counter[str] | None = getattr(_local, "counter", None)
    if counter is not None:
        counter[model.name] += 1
    if _every_thread:
        with _every_thread_lock:
            for shared in _every_thread:
                shared[model.name] += 1


def _record_s3(model: Any, **_: Any) -> None:
    counter: Counter[str] | None = getattr(_local, "s3", None)
    if counter is not None:
        counter[model.name] += 1


def install() -> None:
    """Register before any botocore session is created (every new session copies BUILTIN_HANDLERS)."""
    entries = (
        ("before-call.dynamodb", _record),
        ("before-parameter-build.dynamodb", _count_units),
        ("before-call.s3", _record_s3),
    )
    for entry in entries:
        if entry not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(entry)


@contextmanager
def _counting(name: str) -> Iterator[Counter[str]]:
    """A counter that this thread's requests inside the block add to (`_local.<name>`)."""
    counter: Counter[str] = Counter()
    setattr(_local, name, counter)
    try:
        yield counter
    finally:
        setattr(_local, name, None)


def dynamodb_requests() -> AbstractContextManager[Counter[str]]:
    """The DynamoDB operations this thread sends inside the block, by name."""
    return _counting("counter")


@contextmanager
def dynamodb_requests_of_every_thread() -> Iterator[Counter[str]]:
    """The DynamoDB operations any thread of this process sends inside the block (a function that
    works in threads of its own: the webhook delivery), by name."""
    counter: Counter[str] = Counter()
    with _every_thread_lock:
        _every_thread.append(counter)
    try:
        yield counter
    finally:
        with _every_thread_lock:
            _every_thread.remove(counter)


def s3_requests() -> AbstractContextManager[Counter[str]]:
    """The S3 operations this thread sends inside the block, by name."""
    return _counting("s3")


# Write units ------------------------------------------------------------------------------------


def item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it, close enough to round to kilobytes: attribute names plus
    values (strings and numbers by their characters, lists, sets and maps by their parts)."""

    def value_size(value: dict[str, Any]) -> int:
        (kind, raw), *_ = value.items()
        if kind in ("L",):
            return 3 + sum(1 + value_size(part) for part in raw)
        if kind == "M":
            return 3 + sum(1 + len(name.encode()) + value_size(part) for name, part in raw.items())
        if kind in ("SS", "NS", "BS"):
            return sum(len(str(part).encode()) for part in raw)
        if kind in ("BOOL", "NULL"):
            return 1
        return len(str(raw).encode())

    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _units(item: dict[str, Any], per_kilobyte: int) -> int:
    return per_kilobyte * -(-item_size(item) // 1024)


def _count_units(model: Any, params: dict[str, Any], **_: Any) -> None:
    """Write units of the table's own items (index writes not counted): a transaction's puts count
    double, a batch's puts and single puts once; updates, deletes and condition checks as one item."""
    counter: Counter[str] | None = getattr(_local, "units", None)
    if counter is None:
        return
    if model.name == "TransactWriteItems":
        for action in params["TransactItems"]:
            (kind, body), *_ = action.items()
            counter["transaction"] += _units(body["Item"], 2) if kind == "Put" else 2
    elif model.name == "BatchWriteItem":
        for requests in params["RequestItems"].values():
            for request in requests:
                counter["batch"] += _units(request["PutRequest"]["Item"], 1) if "PutRequest" in request else 1
    elif model.name == "PutItem":
        counter["single"] += _units(params["Item"], 1)
    elif model.name in ("UpdateItem", "DeleteItem"):
        counter["single"] += 1


def write_units() -> AbstractContextManager[Counter[str]]:
    """The write units of the DynamoDB writes this thread sends inside the block, by kind of request
    (`transaction`, `batch`, `single`): what DynamoDB bills for the table's own items."""
    return _counting("units")
