"""AWS requests the emulator receives, by service and operation, counted in this process.

The local gateway, the Lambda handlers (run in-process by the moto hook) and the raw baseline all
reach the emulator over HTTP through botocore. Two handlers added to botocore's built-in handlers
see all of it: `before-send` fires once per HTTP request the emulator receives (retries included),
`before-call` once per API call, so their difference is the retries. Built-in handlers are copied
into each botocore session when it is created: install before anything creates a client.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore import handlers


@dataclass
class Requests:
    """The requests of one phase: `sent` by "service.Operation", and how many of them were retries."""

    sent: Counter[str] = field(default_factory=Counter)
    retries: int = 0

    def per_call(self, calls: int, service: str) -> dict[str, float]:
        """Requests of one service per call of the phase, by operation ("GetItem": 1.0, ...)."""
        if not calls:
            return {}
        prefix = f"{service}."
        return {
            name.removeprefix(prefix): count / calls
            for name, count in sorted(self.sent.items())
            if name.startswith(prefix)
        }


class RequestCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._sent: Counter[str] = Counter()

    def install(self) -> None:
        handlers.BUILTIN_HANDLERS.extend([("before-call", self._on_call), ("before-send", self._on_send)])

    def _on_call(self, event_name: str, **_: Any) -> None:
        self._add(self._calls, event_name)

    def _on_send(self, event_name: str, **_: Any) -> None:
        self._add(self._sent, event_name)

    def _add(self, counter: Counter[str], event_name: str) -> None:
        _, service, operation = event_name.split(".", 2)
        with self._lock:
            counter[f"{service}.{operation}"] += 1

    def _snapshot(self) -> tuple[Counter[str], Counter[str]]:
        with self._lock:
            return Counter(self._calls), Counter(self._sent)

    @contextmanager
    def measure(self) -> Iterator[Requests]:
        """The requests sent while the block runs (filled in when it ends)."""
        calls_before, sent_before = self._snapshot()
        requests = Requests()
        try:
            yield requests
        finally:
            calls_after, sent_after = self._snapshot()
            requests.sent = sent_after - sent_before
            requests.retries = requests.sent.total() - (calls_after - calls_before).total()
