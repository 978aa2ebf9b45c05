"""Runtime, architecture, memory and timeout of every platform function, written once: CDK deploys
the functions with them (infra/platform_function.py, infra/api.py, infra/workflows.py) and the
local stack registers its functions and builds their Lambda contexts with them (local/resources.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from contact_platform.workflows import CLEANUP, EVENT_DISPATCHER, S3_UPLOAD, WEBHOOK_DELIVERY, Step, Trigger

RUNTIME = "python3.12"  # the layer is built for cp312 (docs/architecture.md, Infrastructure)
ARCHITECTURE = "arm64"


@dataclass(frozen=True)
class FunctionSettings:
    memory_mb: int
    timeout_seconds: int


# API routes answer well within API Gateway's 29 s integration timeout.
ROUTE = FunctionSettings(memory_mb=512, timeout_seconds=15)
AUTHORIZER = FunctionSettings(memory_mb=512, timeout_seconds=10)
# plan, process_chunk and finalize do bulk work (up to the ASL's 900 s task timeout); mark_failed one update.
BULK_STEP = FunctionSettings(memory_mb=1024, timeout_seconds=900)
MARK_FAILED_STEP = FunctionSettings(memory_mb=512, timeout_seconds=60)
TRIGGERS = {
    S3_UPLOAD.name: FunctionSettings(memory_mb=512, timeout_seconds=60),
    CLEANUP.name: BULK_STEP,
    # 100 stream records: one webhook Query per tenant, a PutItem per delivery, a few SendMessageBatch.
    EVENT_DISPATCHER.name: FunctionSettings(memory_mb=512, timeout_seconds=60),
    # Up to 10 messages, each a POST of at most 10 s to a subscriber; the queue's visibility timeout
    # is six times this (docs/architecture.md, "Webhooks: delivery").
    WEBHOOK_DELIVERY.name: FunctionSettings(memory_mb=512, timeout_seconds=120),
}


def for_step(step: Step) -> FunctionSettings:
    return MARK_FAILED_STEP if step.name == "mark_failed" else BULK_STEP


def for_trigger(trigger: Trigger) -> FunctionSettings:
    return TRIGGERS[trigger.name]
