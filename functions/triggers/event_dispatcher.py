"""The event dispatcher: the table stream's audit INSERTs that carry an event (filtered by the event
source mapping, contact_platform/events/stream.py) become webhook deliveries on the delivery queue.
A failure fails the batch, which the stream hands on again (docs/architecture.md, "Webhooks: delivery")."""

from typing import Any

from contact_platform.observability import lambda_handler
from contact_platform.services.event_dispatch import dispatch


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"deliveriesQueued": dispatch(event["Records"])}
