"""Latency of each call and wall time of a batch, for calls spread over a thread pool or chained pages."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C")


class CallFailed(Exception):
    """A call answered, but not as expected: counted as an error under `label`, not timed."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label


@dataclass(frozen=True)
class Sample:
    latencies: tuple[float, ...]  # seconds, successful calls only
    wall: float  # seconds for the whole batch
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def calls(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.calls / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in seconds (0.0 without calls)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class _Outcome(Generic[R]):
    result: R | None
    seconds: float
    error: str | None


def _timed(call: Callable[[T], R], item: T) -> _Outcome[R]:
    start = time.perf_counter()
    try:
        result = call(item)
    except CallFailed as failed:
        return _Outcome(None, time.perf_counter() - start, failed.label)
    return _Outcome(result, time.perf_counter() - start, None)


def timed_map(call: Callable[[T], R], items: Sequence[T], concurrency: int) -> tuple[list[R], Sample]:
    """`call` on every item over `concurrency` threads: the results of the calls that succeeded, and their timing."""
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench")
    try:
        start = time.perf_counter()
        outcomes = list(pool.map(lambda item: _timed(call, item), items))
        wall = time.perf_counter() - start
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: drop what has not started
    succeeded = [outcome for outcome in outcomes if outcome.error is None]
    errors = Counter(outcome.error for outcome in outcomes if outcome.error is not None)
    sample = Sample(tuple(outcome.seconds for outcome in succeeded), wall, errors)
    return [cast(R, outcome.result) for outcome in succeeded], sample


def timed_pages(fetch: Callable[[C | None], tuple[int, C | None]], walks: int) -> tuple[int, Sample]:
    """Follow `fetch(cursor) -> (items, next cursor)` from the first page to the last, `walks` times:
    the items one walk saw, and the timing of every page."""
    latencies: list[float] = []
    items = 0
    start = time.perf_counter()
    for _ in range(walks):
        items, cursor = 0, None
        while True:
            page_start = time.perf_counter()
            count, cursor = fetch(cursor)
            latencies.append(time.perf_counter() - page_start)
            items += count
            if cursor is None:
                break
    return items, Sample(tuple(latencies), time.perf_counter() - start)
