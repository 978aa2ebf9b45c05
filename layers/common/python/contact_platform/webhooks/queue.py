"""The webhook delivery queue (docs/architecture.md, "Webhooks: delivery"): one message per delivery
to make, naming it (`{"tenantId", "webhookId", "deliveryId"}`); the delivery function receives them.

A failed attempt keeps its message and hides it until the next attempt is due (`retry_later`: the
message's visibility timeout, at most SQS's 12 hours); a delivery out of attempts goes to the
dead-letter queue with its last error (`dead_letter`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from contact_platform import aws, function_settings
from contact_platform.config import settings
from contact_platform.workflows import WEBHOOK_DELIVERY

BATCH = 10  # SendMessageBatch's limit
MAX_VISIBILITY_SECONDS = 43_200  # 12 hours: SQS's longest visibility timeout
# The queue's attributes, the same in CDK (infra/) and the local stack (local/provision.py):
# a message whose handling crashed comes back after six times the delivery function's timeout,
VISIBILITY_TIMEOUT_SECONDS = 6 * function_settings.TRIGGERS[WEBHOOK_DELIVERY.name].timeout_seconds
# and goes to the dead-letter queue on its 20th receive: more than a round's 9 attempts, so only a
# message whose handling keeps crashing gets there this way (the function sends the ones out of attempts).
MAX_RECEIVES = 20
RETENTION_SECONDS = 4 * 24 * 3600  # longer than a round of attempts (about 31 hours)
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's longest


def message(tenant_id: str, webhook_id: str, delivery_id: str) -> dict[str, str]:
    return {"tenantId": tenant_id, "webhookId": webhook_id, "deliveryId": delivery_id}


def send(messages: Sequence[dict[str, Any]]) -> None:
    """Queue messages, ten per request; raises when any of them was not accepted (the caller's retry
    sends them all again: the delivery function ignores a delivery made already)."""
    client, url = aws.client("sqs"), settings().webhook_queue_url
    for start in range(0, len(messages), BATCH):
        entries = [
            {"Id": str(number), "MessageBody": json.dumps(body, separators=(",", ":"))}
            for number, body in enumerate(messages[start : start + BATCH])
        ]
        answer = client.send_message_batch(QueueUrl=url, Entries=entries)
        if answer.get("Failed"):
            failed = answer["Failed"][0]
            raise RuntimeError(f"SQS refused {len(answer['Failed'])} messages: {failed.get('Message')}")


def retry_later(receipt_handle: str, seconds: float) -> None:
    """Hide a received message for `seconds` (it comes back then, unless deleted)."""
    timeout = max(0, min(MAX_VISIBILITY_SECONDS, round(seconds)))
    aws.client("sqs").change_message_visibility(
        QueueUrl=settings().webhook_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=timeout
    )


def dead_letter(body: dict[str, Any]) -> None:
    aws.client("sqs").send_message(
        QueueUrl=settings().webhook_dead_letter_queue_url, MessageBody=json.dumps(body, separators=(",", ":"))
    )
