"""The scheduled cleanup (EventBridge, daily; `cdp cleanup` locally): purge contacts and records soft-
deleted 90 days ago with what hangs on them, expire export files, remove finished jobs' scratch files.
The event's `time` is "now"; a run stops a minute before the function's timeout and the next goes on."""

from typing import Any

from contact_platform import clock
from contact_platform.observability import lambda_handler
from contact_platform.services.cleanup import run_cleanup


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    moment = event.get("time")
    return run_cleanup(
        clock.parse_iso(moment) if moment else clock.now(),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
