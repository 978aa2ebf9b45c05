"""The webhook delivery function: one attempt per queue message (docs/architecture.md, "Webhooks:
delivery"). The messages of a batch are attempted at once, each in a thread of its own, so that a
slow or dead target (10 s each) holds up no other webhook's event. A message whose attempt failed is
reported as a batch item failure after its visibility is set to the retry's delay, so SQS hands it
back then; one out of attempts goes to the dead-letter queue. A message that raises is a batch item
failure too, back after the queue's visibility timeout.

Each attempt counts in the CloudWatch metrics `WebhookAttempts` and `WebhookAttemptsFailed` (EMF,
namespace `ContactPlatform`), which the failure-rate alarm divides, and in `WebhookDeliveries` by
outcome (`services/webhook_attempts.py` records them, `lambda_handler` flushes them once per
invocation: docs/architecture.md, "Metrics")."""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from contact_platform.observability import lambda_handler, logger
from contact_platform.services.webhook_attempts import deliver
from contact_platform.webhooks import queue


def _handle(record: dict[str, Any]) -> bool:
    """True when the message is done with (SQS deletes it)."""
    try:
        body = json.loads(record["body"])
    except ValueError:
        body = None
    outcome = deliver(body if isinstance(body, dict) else {"body": record["body"]})
    if outcome.dead_letter is not None:
        queue.dead_letter(outcome.dead_letter)
        return True
    if outcome.retry_in is not None:
        queue.retry_later(record["receiptHandle"], outcome.retry_in)
        return False
    return True


def _done(record: dict[str, Any]) -> bool:
    try:
        return _handle(record)
    except Exception:
        logger.exception("webhook delivery failed", extra={"messageId": record.get("messageId")})
        return False


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event["Records"]
    with ThreadPoolExecutor(max_workers=max(1, len(records))) as pool:
        done = list(pool.map(_done, records))
    return {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r, ok in zip(records, done, strict=True) if not ok]
    }
