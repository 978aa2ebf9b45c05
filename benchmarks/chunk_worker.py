"""One workflow step invocation in a process of its own, as a Lambda instance runs it: imports the
handler (the init phase), then calls it once and reports how far its resident memory rose.

    python -m benchmarks.chunk_worker REQUEST.json RESULT.json

REQUEST: `{"handler": "functions.workflows.imports.process_chunk.handler", "event": {...}}`; the
process environment points the handler at the emulator (AWS_ENDPOINT_URL, TABLE_NAME, ...).
Before the measured call the worker makes the reads every step starts with (the operation item,
the uploads bucket), as a warm Lambda instance has made them before: the one-time setup of the
boto3 and pynamodb clients (service models, connections) is not counted, the step's work is.
RESULT: `{"result", "seconds", "rssBeforeKiB", "maxRssKiB"}`: the handler's answer, its duration,
the resident set size when the call starts and the peak resident set size during it (what Lambda
reports as "Max Memory Used"). The peak is `VmHWM` of /proc/self/status after resetting it to the
current size (`5` into /proc/self/clear_refs) just before the call, so neither the imports nor the
warm-up count (`ru_maxrss` cannot be reset, and Linux even carries it over from the parent process
through fork and exec). No tracemalloc: it slows a 5,000-row chunk down several times over. This
process talks to the emulator over HTTP only: nothing of the emulator or the bench is in its memory.
"""

from __future__ import annotations

import gc
import importlib
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any


class Context:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-central-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = self.aws_request_id
        self._deadline = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _status_kib(field: str) -> int:
    """A size from /proc/self/status (`VmRSS`, `VmHWM`) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status: the memory part needs Linux")


def _reset_peak() -> None:
    """Make VmHWM the current resident set size again (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


def warm_up(event: dict[str, Any]) -> None:
    """Read what every step reads first, so the clients exist before the measured call."""
    from contact_platform import aws
    from contact_platform.config import settings
    from contact_platform.store import operations

    operations.get(str(event["tenantId"]), str(event["operationId"]))
    aws.client("s3").list_objects_v2(Bucket=settings().uploads_bucket, MaxKeys=1)


def run(handler_path: str, event: dict[str, Any]) -> dict[str, Any]:
    module, _, attribute = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module), attribute)
    context = Context(module.replace(".", "-"))
    warm_up(event)
    gc.collect()
    _reset_peak()
    rss_before = _status_kib("VmRSS")
    start = time.perf_counter()
    result = handler(event, context)
    seconds = time.perf_counter() - start
    return {"result": result, "seconds": seconds, "rssBeforeKiB": rss_before, "maxRssKiB": _status_kib("VmHWM")}


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text())
    answer = run(str(request["handler"]), dict(request["event"]))
    Path(argv[1]).write_text(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
