"""Webhook delivery attempts (docs/architecture.md, "Webhooks: delivery"): `deliver` makes the next
attempt of the delivery a queue message names, for the delivery function.

An attempt signs the event with the webhook's current secrets, sends it to the checked target and
records what happened. Any 2xx is success. Otherwise the next attempt follows after `RETRY_DELAYS`
(with jitter), up to `MAX_ATTEMPTS` per round; after the last one the delivery is `failed` and its
message goes to the dead-letter queue with the last error. A 410 fails the delivery and disables the
webhook at once; deliveries failing for `FAILING_DISABLES` in a row disable it too.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contact_platform import clock, metrics
from contact_platform.config import settings
from contact_platform.permissions import Caller, Role
from contact_platform.services import audit
from contact_platform.services.events import AUDIT_PREFIX, EVENT_PREFIX, to_event
from contact_platform.services.webhook_deliveries import event_json
from contact_platform.services.webhooks import signing_secrets
from contact_platform.store import audit as audit_store
from contact_platform.store import deliveries as store
from contact_platform.store import webhooks as webhook_store
from contact_platform.store.deliveries import AttemptRecord, DeliveryItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.webhooks import WebhookItem
from contact_platform.webhooks import queue
from contact_platform.webhooks.sender import Attempt, send
from contact_platform.webhooks.signing import signature_headers
from contact_platform.webhooks.targets import TargetRefused, resolve_target

# Seconds from a failed attempt to the next: 5 s, 30 s, 2 min, 15 min, 1 h, 6 h, then 12 h twice
# (SQS hides a message for 12 hours at most): 9 attempts over about 31 hours.
RETRY_DELAYS = (5, 30, 120, 900, 3600, 21_600, 43_200, 43_200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2  # each delay varies by up to 20 % either way, so failed deliveries do not return in step
FAILING_DISABLES = timedelta(days=3)
EARLY = timedelta(seconds=1)  # a message this much before its delivery's next attempt is a stray copy


@dataclass(frozen=True)
class Outcome:
    """What becomes of the queue message: nothing more (done), back in `retry_in` seconds, or to the
    dead-letter queue with `dead_letter` (the last error); `attempt` is the attempt made, if any."""

    retry_in: float | None = None
    dead_letter: dict[str, Any] | None = None
    attempt: Attempt | None = None


DONE = Outcome()


def deliver(message: dict[str, Any]) -> Outcome:
    """Make the next attempt of the delivery a queue message names."""
    try:
        tenant_id, webhook_id, delivery_id = (str(message[name]) for name in ("tenantId", "webhookId", "deliveryId"))
    except (KeyError, TypeError):
        return Outcome(dead_letter={"message": message, "lastError": "not a delivery message"})
    delivery = store.get_delivery(tenant_id, webhook_id, delivery_id)
    now = clock.now()
    if delivery is None or delivery.status != "pending":
        return DONE  # made already (a copy of the message), or expired
    if delivery.next_attempt_at and clock.parse_iso(delivery.next_attempt_at) - now > EARLY:
        return DONE  # a copy: the message of the planned attempt comes back then
    webhook = webhook_store.get_webhook(tenant_id, webhook_id)
    if webhook is None:
        return DONE  # deleted: its deliveries expire with their TTL
    if not webhook.active:
        return _close(delivery, f"The webhook is disabled: {webhook.disabled_reason or 'by a user'}", now)
    body = _body(delivery)
    if body is None:
        return _close(delivery, "The event is no longer kept (its record was purged).", now)
    attempt = _attempt(webhook, delivery.event_id, body, now)
    return _record(delivery, webhook, attempt)


def _body(delivery: DeliveryItem) -> bytes | None:
    if delivery.payload is not None:
        return str(delivery.payload).encode()
    audit_id = AUDIT_PREFIX + delivery.event_id.removeprefix(EVENT_PREFIX)
    entry = audit_store.entry_of(delivery.tenant_id, str(delivery.entity_id), audit_id)
    return None if entry is None or entry.event is None else event_json(to_event(entry))


def _attempt(webhook: WebhookItem, event_id: str, body: bytes, now: datetime) -> Attempt:
    headers = signature_headers(event_id, now, body, signing_secrets(webhook, now))
    try:
        target = resolve_target(webhook.target_url, dev_mode=settings().dev_mode)
    except TargetRefused as refused:
        return Attempt(now, 0, None, f"The target was refused: {refused}", "")
    return send(target, body, headers)


def _error(attempt: Attempt) -> str | None:
    if attempt.succeeded:
        return None
    if attempt.error:
        return attempt.error
    return f"The target answered {attempt.status}."


def _record(delivery: DeliveryItem, webhook: WebhookItem, attempt: Attempt) -> Outcome:
    number = int(delivery.attempt_count) + 1
    in_round = number - int(delivery.round_start)
    error = _error(attempt)
    retry_in: float | None = None
    if attempt.succeeded:
        status = "succeeded"
    elif attempt.gone or in_round >= MAX_ATTEMPTS:
        status = "failed"
    else:
        status = "pending"
        retry_in = RETRY_DELAYS[in_round - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    next_at = clock.iso(attempt.started_at + timedelta(seconds=retry_in)) if retry_in is not None else None
    record = AttemptRecord(  # type: ignore[no-untyped-call]
        number=number,
        attempted_at=clock.iso(attempt.started_at),
        duration_ms=attempt.duration_ms,
        response_status=attempt.status,
        response_body=attempt.response_body,
        error=error,
    )
    try:
        store.record_attempt(delivery, record, status=status, next_attempt_at=next_at, last_error=error)
    except StaleVersion:
        return DONE  # another copy of the message made this attempt and decides what follows
    metrics.delivery(status)
    _webhook_health(webhook, attempt)
    if status == "failed" and not attempt.gone:
        return Outcome(dead_letter=_dead_letter(delivery, number, error), attempt=attempt)
    return Outcome(retry_in=retry_in, attempt=attempt)


def _dead_letter(delivery: DeliveryItem, attempts: int, error: str | None) -> dict[str, Any]:
    return {
        **queue.message(delivery.tenant_id, delivery.webhook_id, delivery.delivery_id),
        "eventId": delivery.event_id,
        "eventType": delivery.event_type,
        "attempts": attempts,
        "lastError": error,
    }


def _close(delivery: DeliveryItem, reason: str, now: datetime) -> Outcome:
    with contextlib.suppress(StaleVersion):  # an attempt was made meanwhile: it decided
        store.close(delivery, status="failed", last_error=reason, at=clock.iso(now))
    return DONE


def _webhook_health(webhook: WebhookItem, attempt: Attempt) -> None:
    """A 410 disables the webhook; so do failures for `FAILING_DISABLES` in a row; a success ends a run."""
    moment = clock.iso(attempt.started_at)
    if attempt.succeeded:
        if webhook.failing_since is not None:
            webhook_store.clear_failing(webhook)
    elif attempt.gone:
        _disable(webhook, f"The target answered 410 Gone at {moment}.", attempt.started_at)
    elif webhook.failing_since is None:
        webhook_store.note_failing(webhook, moment)
    elif attempt.started_at - clock.parse_iso(webhook.failing_since) >= FAILING_DISABLES:
        reason = f"Every delivery failed from {webhook.failing_since} to {moment} (3 days)."
        _disable(webhook, reason, attempt.started_at)


def _disable(webhook: WebhookItem, reason: str, now: datetime) -> None:
    system = Caller(webhook.tenant_id, "system", Role.ADMIN, frozenset(), "", f"webhook-delivery:{webhook.webhook_id}")
    entry = audit.entry(
        system,
        entity_type="webhook",
        entity_id=webhook.webhook_id,
        action="webhook.disabled",
        at=now,
        changed=["active", "disabledReason"],
    )
    webhook_store.disable(webhook, reason, clock.iso(now), entry)
