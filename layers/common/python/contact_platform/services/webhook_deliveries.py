"""Webhook deliveries (docs/architecture.md, "Webhooks: delivery"): what the dispatcher and the routes
share (delivery IDs, the body sent, a new delivery item) and the deliveries routes (list, get,
redeliver, recover) and the test event. The attempts themselves are `webhook_attempts.py` (the delivery
function), so these routes load no HTTP sender and no signing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from contact_platform import clock, errors
from contact_platform.cursor import decode_cursor, encode_cursor
from contact_platform.errors import Detail
from contact_platform.ids import timed_id
from contact_platform.models.events import Event
from contact_platform.models.paging import Listing
from contact_platform.models.webhooks import (
    Delivery,
    DeliveryAttempt,
    DeliveryListQuery,
    WebhookRecover,
    WebhookRecovered,
    WebhookTestData,
)
from contact_platform.permissions import Caller
from contact_platform.services.events import EVENT_PREFIX, event_id, type_matches
from contact_platform.services.events import KEPT as EVENTS_KEPT
from contact_platform.services.listing import listing
from contact_platform.services.webhooks import found
from contact_platform.store import audit as audit_store
from contact_platform.store import deliveries as store
from contact_platform.store.deliveries import DeliveryItem
from contact_platform.store.webhooks import WebhookItem
from contact_platform.webhooks import queue

DELIVERY_PREFIX = "dlv_"
KEPT = timedelta(days=30)  # deliveries expire (TTL) 30 days after they are made
TEST_EVENT = "webhook.test"
TEST_MESSAGE = "A test event: the webhook receives and verifies events."
RECOVER_PAGE = 100  # events one recover call looks at: one Query, one BatchGetItem of their deliveries


def delivery_id_for(event_id: str) -> str:
    """An event's delivery to any webhook: the event's characters under `dlv_` (unique per webhook)."""
    return DELIVERY_PREFIX + event_id.removeprefix(EVENT_PREFIX)


def event_json(event: Event) -> bytes:
    """The body of every attempt, byte for byte."""
    return json.dumps(event.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False).encode()


def new_delivery(
    webhook: WebhookItem, delivery_id: str, event_id: str, event_type: str, now: datetime, **fields: Any
) -> DeliveryItem:
    return store.new_delivery(
        webhook.tenant_id,
        webhook.webhook_id,
        delivery_id,
        created_at=clock.iso(now),
        expires_at=clock.epoch(now + KEPT),
        event_id=event_id,
        event_type=event_type,
        **fields,
    )


# Routes -------------------------------------------------------------------------------------------


def _to_api(item: DeliveryItem) -> Delivery:
    return Delivery(
        id=item.delivery_id,
        webhookId=item.webhook_id,
        eventId=item.event_id,
        eventType=item.event_type,
        status=item.status,
        attempts=[
            DeliveryAttempt(
                number=int(entry.number),
                attemptedAt=entry.attempted_at,
                durationMs=int(entry.duration_ms),
                responseStatus=None if entry.response_status is None else int(entry.response_status),
                responseBody=entry.response_body,
                error=entry.error,
            )
            for entry in item.attempts
        ],
        nextAttemptAt=item.next_attempt_at,
        lastError=item.last_error,
        createdAt=item.created_at,
        updatedAt=item.updated_at,
    )


def _delivery(caller: Caller, webhook_id: str, delivery_id: str) -> DeliveryItem:
    found(caller, webhook_id)
    item = store.get_delivery(caller.tenant_id, webhook_id, delivery_id)
    if item is None:
        raise errors.not_found("Delivery")
    return item


def _active(caller: Caller, webhook_id: str) -> WebhookItem:
    webhook = found(caller, webhook_id)
    if not webhook.active:
        raise errors.conflict("The webhook is disabled: PATCH it with active: true first")
    return webhook


def list_deliveries(caller: Caller, webhook_id: str, query: DeliveryListQuery) -> Listing[Delivery]:
    found(caller, webhook_id)
    return listing(
        lambda size, start: store.list_deliveries(caller.tenant_id, webhook_id, limit=size, start=start),
        _to_api,
        binding=f"deliveries|{caller.tenant_id}|{webhook_id}|{query.status}",
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda item: query.status is None or item.status == query.status,
    )


def get_delivery(caller: Caller, webhook_id: str, delivery_id: str) -> Delivery:
    return _to_api(_delivery(caller, webhook_id, delivery_id))


def redeliver(caller: Caller, webhook_id: str, delivery_id: str) -> Delivery:
    """A finished delivery (succeeded or failed) gets a new round of attempts; 409 while it is pending."""
    _active(caller, webhook_id)
    item = _delivery(caller, webhook_id, delivery_id)
    now = clock.iso(clock.now())
    if item.status == "pending" or not store.reopen(item, at=now):
        raise errors.conflict("The delivery is pending already: its next attempt is planned")
    queue.send([queue.message(caller.tenant_id, webhook_id, delivery_id)])
    item.status, item.round_start, item.next_attempt_at, item.updated_at = "pending", item.attempt_count, None, now
    return _to_api(item)


def recover(caller: Caller, webhook_id: str, body: WebhookRecover) -> WebhookRecovered:
    """The events since `body.since` the webhook subscribes to and has not received, sent to it: a
    delivery made for an event that has none (it occurred while the webhook was disabled, or its
    dispatch failed) and a failed one reopened, as redeliver does; newest first, one page of events
    a call, the next from `nextCursor`. Events from before the webhook existed are not its own."""
    webhook = _active(caller, webhook_id)
    now = clock.now()
    if body.since < now - EVENTS_KEPT:
        raise errors.invalid([Detail("since", "at most 30 days ago: events are kept 30 days")])
    binding = f"recover|{caller.tenant_id}|{webhook_id}|{clock.iso(body.since)}"
    page = audit_store.query_audit(
        caller.tenant_id,
        entity_id=None,
        since_iso=max(clock.iso(body.since), webhook.created_at),
        limit=RECOVER_PAGE,
        start=decode_cursor(body.cursor, binding),
    )
    entries = [item for item in page.items if item.event and type_matches(item.type_of_event, webhook.event)]
    wanted = {item.audit_id: delivery_id_for(event_id(item.audit_id)) for item in entries}
    held = store.get_deliveries(caller.tenant_id, webhook_id, list(wanted.values()))
    messages, skipped = [], 0
    for item in entries:
        delivery_id = wanted[item.audit_id]
        delivery = held.get(delivery_id)
        if delivery is None:
            made = new_delivery(
                webhook, delivery_id, event_id(item.audit_id), item.type_of_event, now, entity_id=item.entity_id
            )
            sent = store.put_new(made)
        else:
            sent = delivery.status == "failed" and store.reopen(delivery, at=clock.iso(now))
        if sent:
            messages.append(queue.message(caller.tenant_id, webhook_id, delivery_id))
        else:
            skipped += 1
    queue.send(messages)
    return WebhookRecovered(queued=len(messages), skipped=skipped, nextCursor=encode_cursor(page.last_key, binding))


def send_test(caller: Caller, webhook_id: str) -> Delivery:
    """A `webhook.test` event to one webhook, whatever it subscribes to."""
    webhook = _active(caller, webhook_id)
    now = clock.now()
    event = Event(
        id=timed_id("evt", now),
        type=TEST_EVENT,
        occurredAt=clock.iso(now),
        tenantId=caller.tenant_id,
        data=WebhookTestData(webhookId=webhook_id, message=TEST_MESSAGE).model_dump(),
        previous=None,
    )
    delivery = new_delivery(
        webhook, delivery_id_for(event.id), event.id, TEST_EVENT, now, payload=event_json(event).decode()
    )
    store.put_new(delivery)
    queue.send([queue.message(caller.tenant_id, webhook_id, delivery.delivery_id)])
    return _to_api(delivery)
