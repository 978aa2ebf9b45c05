"""The thread under the local stack's stand-ins for Lambda's event source mappings (local/stream_poller.py,
local/queue_poller.py): `poll()` again and again until `stop()`; an error is logged and polling goes on
after a pause, so a mapping never dies of one."""

from __future__ import annotations

import logging
import threading


class PollingThread:
    name = "cdp-poller"
    error_pause_seconds = 5.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ends the thread (an invocation under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:
                logging.getLogger("cdp.stack").exception("%s: polling failed; trying again", self.name)
                self._stop.wait(self.error_pause_seconds)
