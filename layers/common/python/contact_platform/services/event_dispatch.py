"""The event dispatcher (docs/architecture.md, "Webhooks: delivery"): from the table's stream, each
event to every active webhook of its tenant that subscribes to its type and existed when it occurred
(the stream is read from its oldest record), as one delivery item and one queue message each.

A batch is handled whole or raises (the stream hands it on again): the delivery of an event to a
webhook has a fixed ID (`delivery_id_for`), so a second run writes nothing new, and the messages it
queues again find their deliveries made or planned already (`webhook_attempts.deliver` ignores
them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contact_platform import clock
from contact_platform.services.events import to_event, type_matches
from contact_platform.services.webhook_deliveries import delivery_id_for, new_delivery
from contact_platform.store import deliveries as store
from contact_platform.store import webhooks as webhook_store
from contact_platform.store.audit import AuditItem
from contact_platform.store.webhooks import MAX_WEBHOOKS, WebhookItem
from contact_platform.webhooks import queue


def entries_of(records: Iterable[Mapping[str, Any]]) -> list[AuditItem]:
    """The audit entries of stream records (their NewImage, as the stream's filter passes them)."""
    return [AuditItem.from_raw_data(record["dynamodb"]["NewImage"]) for record in records]


def _subscribers(tenant_id: str) -> list[WebhookItem]:
    page = webhook_store.list_webhooks(tenant_id, limit=MAX_WEBHOOKS, start=None)
    return [webhook for webhook in page.items if webhook.active]


def dispatch(records: Iterable[Mapping[str, Any]]) -> int:
    """Queue a delivery per event and subscribed webhook; the number of deliveries queued."""
    webhooks: dict[str, list[WebhookItem]] = {}
    messages = []
    now = clock.now()
    for entry in entries_of(records):
        event = to_event(entry)
        if event.tenantId not in webhooks:
            webhooks[event.tenantId] = _subscribers(event.tenantId)
        for webhook in webhooks[event.tenantId]:
            if webhook.created_at > event.occurredAt or not type_matches(event.type, webhook.event):
                continue
            delivery_id = delivery_id_for(event.id)
            delivery = new_delivery(webhook, delivery_id, event.id, event.type, now, entity_id=entry.entity_id)
            store.put_new(delivery)
            messages.append(queue.message(event.tenantId, webhook.webhook_id, delivery_id))
    queue.send(messages)
    return len(messages)
