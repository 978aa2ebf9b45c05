"""The scheduled cleanup (EventBridge, daily; `cdp cleanup` locally): purge contacts soft-deleted
90 days ago, expire export files, remove finished jobs' scratch files. The event's `time` is "now"."""

from typing import Any

from contact_platform import clock
from contact_platform.observability import lambda_handler
from contact_platform.services.cleanup import run_cleanup


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    moment = event.get("time")
    return run_cleanup(clock.parse_iso(moment) if moment else clock.now())
