"""Webhook deliveries (docs/data-model.md, Webhooks): one item per event and webhook, in the webhook's
partition, with every attempt made to deliver it.

An event's delivery ID is derived from its event ID (`dlv_` + the same characters), so the dispatcher
that receives an event twice finds the delivery it made the first time (`put_new` is conditional).
The sort key starts with the moment in the ID, so a webhook's deliveries list newest first and one
is read by its ID alone (`get_delivery`, one GetItem). Each attempt is recorded on the condition that
no other attempt was recorded since the delivery was read (`record_attempt`): two copies of one
queue message cannot both count.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from contact_platform.clock import iso
from contact_platform.ids import moment_of
from contact_platform.store import keys
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item, set_or_remove

DELIVERY_SK_PREFIX = "DELIVERY#"
KEPT_ATTEMPTS = 20  # the newest attempts a delivery keeps (a full round of retries is 9)


class AttemptRecord(MapAttribute[str, Any]):
    number = NumberAttribute()  # 1, 2, ... over the delivery's whole life (redeliveries continue it)
    attempted_at = UnicodeAttribute(attr_name="attemptedAt")
    duration_ms = NumberAttribute(attr_name="durationMs")
    response_status = NumberAttribute(null=True, attr_name="responseStatus")
    response_body = UnicodeAttribute(attr_name="responseBody")
    error = UnicodeAttribute(null=True)


class DeliveryItem(Item, discriminator="delivery"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    webhook_id = UnicodeAttribute(attr_name="webhookId")
    delivery_id = UnicodeAttribute(attr_name="id")
    event_id = UnicodeAttribute(attr_name="eventId")
    event_type = UnicodeAttribute(attr_name="eventType")
    # The entity of the event's audit entry, which with the event's ID gives the entry's key.
    entity_id = UnicodeAttribute(null=True, attr_name="entityId")
    status = UnicodeAttribute()  # pending | succeeded | failed
    attempt_count = NumberAttribute(default=0, attr_name="attemptCount")
    round_start = NumberAttribute(default=0, attr_name="roundStart")  # attempts made before this round
    attempts = ListAttribute(of=AttemptRecord, default=list)
    next_attempt_at = UnicodeAttribute(null=True, attr_name="nextAttemptAt")
    last_error = UnicodeAttribute(null=True, attr_name="lastError")
    payload = UnicodeAttribute(null=True)  # the event's JSON when it has no audit entry (webhook.test)
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")


def delivery_sk(delivery_id: str) -> str | None:
    """The sort key of a delivery ID (its moment and itself); None for a string that is no such ID."""
    moment = moment_of(delivery_id)
    return None if moment is None else DELIVERY_SK_PREFIX + keys.sortable(iso(moment), delivery_id)


def new_delivery(
    tenant_id: str, webhook_id: str, delivery_id: str, *, created_at: str, expires_at: int, **fields: Any
) -> DeliveryItem:
    sk = delivery_sk(delivery_id)
    if sk is None:
        raise ValueError(f"not a timed ID: {delivery_id}")
    return DeliveryItem(
        pk=keys.webhook_pk(tenant_id, webhook_id),
        sk=sk,
        tenant_id=tenant_id,
        webhook_id=webhook_id,
        delivery_id=delivery_id,
        status="pending",
        created_at=created_at,
        updated_at=created_at,
        expires_at=expires_at,
        **fields,
    )


def put_new(delivery: DeliveryItem) -> bool:
    """Write a new delivery; False when it exists already (the event was dispatched before)."""
    try:
        delivery.save(condition=DeliveryItem.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get_delivery(tenant_id: str, webhook_id: str, delivery_id: str) -> DeliveryItem | None:
    sk = delivery_sk(delivery_id)
    return None if sk is None else get_item(DeliveryItem, keys.webhook_pk(tenant_id, webhook_id), sk)


def get_deliveries(tenant_id: str, webhook_id: str, delivery_ids: list[str]) -> dict[str, DeliveryItem]:
    """One BatchGetItem per 100 IDs; the deliveries that do not exist are absent."""
    pk = keys.webhook_pk(tenant_id, webhook_id)
    wanted = [(pk, sk) for delivery_id in dict.fromkeys(delivery_ids) if (sk := delivery_sk(delivery_id))]
    if not wanted:
        return {}
    return {item.delivery_id: item for item in DeliveryItem.batch_get(wanted, consistent_read=True)}


def list_deliveries(tenant_id: str, webhook_id: str, *, limit: int, start: LastKey | None) -> Page[DeliveryItem]:
    """Newest first."""
    return query_page(
        DeliveryItem,
        keys.webhook_pk(tenant_id, webhook_id),
        limit=limit,
        start=start,
        condition=DeliveryItem.sk.startswith(DELIVERY_SK_PREFIX),
        forward=False,
    )


def record_attempt(
    delivery: DeliveryItem,
    attempt: AttemptRecord,
    *,
    status: str,
    next_attempt_at: str | None,
    last_error: str | None,
) -> None:
    """Add an attempt and the delivery's new state; StaleVersion when another attempt was recorded
    since `delivery` was read (or it is gone)."""
    kept = [*delivery.attempts, attempt][-KEPT_ATTEMPTS:]
    try:
        delivery.update(
            actions=[
                DeliveryItem.attempts.set(kept),
                DeliveryItem.attempt_count.set(int(delivery.attempt_count) + 1),
                DeliveryItem.status.set(status),
                set_or_remove(DeliveryItem.next_attempt_at, next_attempt_at),
                set_or_remove(DeliveryItem.last_error, last_error),
                DeliveryItem.updated_at.set(attempt.attempted_at),
            ],
            condition=DeliveryItem.attempt_count == delivery.attempt_count,
        )
    except UpdateError as error:
        _stale_or_raise(error, delivery)


def close(delivery: DeliveryItem, *, status: str, last_error: str | None, at: str) -> None:
    """End a delivery without an attempt (its webhook was disabled, its event removed); StaleVersion
    when an attempt was recorded since it was read."""
    try:
        delivery.update(
            actions=[
                DeliveryItem.status.set(status),
                DeliveryItem.next_attempt_at.remove(),
                set_or_remove(DeliveryItem.last_error, last_error),
                DeliveryItem.updated_at.set(at),
            ],
            condition=DeliveryItem.attempt_count == delivery.attempt_count,
        )
    except UpdateError as error:
        _stale_or_raise(error, delivery)


def reopen(delivery: DeliveryItem, *, at: str) -> bool:
    """A finished delivery pending again, for a new round of attempts (redeliver); False when it is
    pending already or gone."""
    try:
        delivery.update(
            actions=[
                DeliveryItem.status.set("pending"),
                DeliveryItem.round_start.set(int(delivery.attempt_count)),
                DeliveryItem.next_attempt_at.remove(),
                DeliveryItem.updated_at.set(at),
            ],
            condition=(DeliveryItem.attempt_count == delivery.attempt_count) & (DeliveryItem.status != "pending"),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _stale_or_raise(error: UpdateError, delivery: DeliveryItem) -> None:
    if error.cause_response_code == "ConditionalCheckFailedException":
        raise StaleVersion(delivery.delivery_id) from error
    raise error
