"""The cleanup schedule of the local stack: EventBridge schedules never fire in moto, so a timer
invokes the cleanup function with the event a schedule sends (docs/architecture.md, Local stack)."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from local.lambda_runtime import Invoke
from local.resources import EMULATOR_ACCOUNT, REGION

log = logging.getLogger("cdp.stack")


def scheduled_event(now: datetime | None = None, region: str = REGION) -> dict[str, Any]:
    """What an EventBridge schedule sends its target; `time` (UTC, to the second) is "now"."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": EMULATOR_ACCOUNT,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": {},
    }


class CleanupTimer:
    """Stands in for the cleanup schedule: every `interval` seconds (the first time one interval after
    `start()`) it invokes `function` with a scheduled event."""

    def __init__(self, invoke: Invoke, function: str, interval: float, region: str = REGION) -> None:
        if interval <= 0:
            raise ValueError("the cleanup interval must be positive")
        self.invoke, self.function, self.interval, self.region = invoke, function, interval, region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cdp-cleanup-timer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def fire(self) -> None:
        try:
            result, errored = self.invoke(self.function, scheduled_event(region=self.region))
        except Exception:
            if not self._stop.is_set():
                log.exception("cleanup: invoking %s failed", self.function)
            return
        if errored:
            log.error("cleanup: %s failed: %s: %s", self.function, result.get("errorType"), result.get("errorMessage"))
        else:
            log.info("cleanup: %s", json.dumps(result))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.fire()
