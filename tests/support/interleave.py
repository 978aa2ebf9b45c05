"""Another request's write slipped in between a request's read and its write, deterministically: a
callback run just before each chosen DynamoDB call this thread sends (botocore's `before-call` event,
registered among botocore's built-in handlers when this module is imported, as the request counter
is, so every client created afterwards reports to it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore import handlers

_local = threading.local()


def _before_call(model: Any, **_: Any) -> None:
    armed: tuple[str, Callable[[], None]] | None = getattr(_local, "armed", None)
    if armed is None or model.name != armed[0]:
        return
    _local.armed = None  # the competing write's own calls run undisturbed
    try:
        armed[1]()
        _local.fired += 1
    finally:
        _local.armed = armed


_ENTRY = ("before-call.dynamodb", _before_call)
if _ENTRY not in handlers.BUILTIN_HANDLERS:
    handlers.BUILTIN_HANDLERS.append(_ENTRY)


@contextmanager
def before_each(operation: str, competing_write: Callable[[], None]) -> Iterator[Callable[[], int]]:
    """Run `competing_write` before every `operation` (for example `TransactWriteItems`) of this
    thread inside the block; yields how many times it ran."""
    _local.fired = 0
    _local.armed = (operation, competing_write)
    try:
        yield lambda: int(_local.fired)
    finally:
        _local.armed = None


_first_lock = threading.Lock()
_first: list[tuple[str, Callable[[], None]]] = []  # the `before_first` block's write, until it ran


def _before_first(model: Any, **_: Any) -> None:
    with _first_lock:
        if not _first or model.name != _first[0][0]:
            return
        _, competing_write = _first.pop()
    competing_write()


_FIRST = ("before-call.dynamodb", _before_first)
if _FIRST not in handlers.BUILTIN_HANDLERS:
    handlers.BUILTIN_HANDLERS.append(_FIRST)


@contextmanager
def before_first(operation: str, competing_write: Callable[[], None]) -> Iterator[None]:
    """Run `competing_write` once, just before the first `operation` that any thread sends inside the
    block (in that thread, which waits for it; its own calls run undisturbed)."""
    with _first_lock:
        _first[:] = [(operation, competing_write)]
    try:
        yield
    finally:
        with _first_lock:
            _first.clear()


class Killed(BaseException):
    """The function dies mid-request (a BaseException: nothing in the platform catches it)."""


@dataclass
class _Countdown:
    at: int
    operation: str | None
    made: int = 0
    dead: bool = False


_countdown_lock = threading.Lock()
_armed: list[_Countdown] = []  # the countdown of the `killed_at` block running, if any


def _kill(model: Any, **_: Any) -> None:
    with _countdown_lock:
        if not _armed:
            return
        countdown = _armed[0]
        if countdown.dead:  # the process is gone, and with it every thread of it
            raise Killed(f"dead before {model.name}")
        if countdown.operation not in (None, model.name):
            return
        countdown.made += 1
        if countdown.made == countdown.at:
            countdown.dead = True
            raise Killed(f"killed before DynamoDB request {countdown.at} ({model.name})")


_KILL = ("before-call.dynamodb", _kill)
if _KILL not in handlers.BUILTIN_HANDLERS:
    handlers.BUILTIN_HANDLERS.append(_KILL)


@contextmanager
def killed_at(request_number: int, operation: str | None = None) -> Iterator[Callable[[], int]]:
    """The process dies before its `request_number`th DynamoDB request (from 1; of `operation` only,
    when given: `TransactWriteItems`) inside the block, in whichever thread makes it, and every
    request after it in any thread fails too; yields how many requests were made (or begun)."""
    countdown = _Countdown(request_number, operation)
    with _countdown_lock:
        _armed[:] = [countdown]
    try:
        yield lambda: countdown.made
    finally:
        with _countdown_lock:
            _armed.clear()
