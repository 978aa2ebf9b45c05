"""Webhook subscriptions: which events go to which URL, signed with the webhook's secret
(docs/architecture.md, "Webhooks: subscriptions")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from contact_platform.errors import ApiError, Detail
from contact_platform.models.base import Model
from contact_platform.models.events import EventType
from contact_platform.models.fields import Description, PastTimestamp, Version, not_null
from contact_platform.models.paging import ChangedSinceQuery, PageQuery

EventSelector = Annotated[
    EventType,
    Field(
        examples=["deal.won", "deal.*", "*"],
        description="An event type (GET /api/v1/events lists them), every type of an entity (`deal.*`), or `*`.",
    ),
]
TargetUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048),
    Field(
        examples=["https://hooks.example.com/crm"],
        description="`https` to a public address (in dev mode also `http` to 127.0.0.1, ::1 or localhost).",
    ),
]


def subscription_refusals(event: str | None, target: str | None) -> list[ApiError]:
    """What is wrong with the event and the target a create or patch sends (None: not sent), each
    refused on its own: an event no record or job emits, a target that is not https to a public
    address (docs/architecture.md, "Webhooks: subscriptions")."""
    from contact_platform.config import settings  # only a webhook's write checks these
    from contact_platform.events.catalog import checked_selector
    from contact_platform.webhooks.targets import check_target_url

    checks: tuple[tuple[str | None, Callable[[str], str]], ...] = (
        (event, lambda value: checked_selector(value, "event")),
        (target, lambda value: check_target_url(value, dev_mode=settings().dev_mode, field="targetUrl")),
    )
    refusals = []
    for value, check in checks:
        try:
            if value is not None:
                check(value)
        except ApiError as refused:
            refusals.append(refused)
    return refusals


class _Subscription(Model):
    @classmethod
    def rule_problems(cls, sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        """With field errors elsewhere, the event and target that did validate are checked too, so that
        one 422 names every problem (`Input.rule_problems`)."""
        event, target = (sent.get(name) if name not in unknown else None for name in ("event", "targetUrl"))
        refusals = subscription_refusals(
            event if isinstance(event, str) else None, target if isinstance(target, str) else None
        )
        return [detail for refused in refusals for detail in refused.details]


class WebhookCreate(_Subscription):
    model_config = ConfigDict(extra="forbid")

    event: EventSelector
    targetUrl: TargetUrl
    description: Description | None = None


class WebhookPatch(_Subscription):
    """Only the fields sent change; `active: true` clears `disabledReason`."""

    model_config = ConfigDict(extra="forbid")

    event: EventSelector | None = None
    targetUrl: TargetUrl | None = None
    description: Description | None = None
    active: bool | None = None

    _not_null = not_null("event", "targetUrl", "active")


class Webhook(Model):
    id: str = Field(examples=["wh_hfh5BK0ImfcP7mqujsVC"])
    event: str = Field(examples=["deal.won"])
    targetUrl: str
    description: str | None
    active: bool
    disabledReason: str | None = Field(description="Why the platform stopped delivering (null while active).")
    createdAt: str
    updatedAt: str
    version: Version
    secretRotatedAt: str | None


class WebhookWithSecret(Webhook):
    """The webhook and its signing secret: only the create and rotate-secret answers show it."""

    secret: str = Field(
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        description="Verify deliveries with it (Standard Webhooks). Shown only in this answer.",
    )


class WebhookDeleted(Model):
    message: str = Field(examples=["Webhook deleted successfully"])
    webhookId: str


class WebhookListQuery(ChangedSinceQuery):
    active: bool | None = Field(None, description="Only active (true) or only inactive (false) webhooks.")
    event: EventType | None = Field(
        None,
        examples=["deal.won", "deal.*"],
        description="Only webhooks subscribed to exactly this (`deal.*` finds those subscribed to `deal.*`).",
    )


class WebhookTestData(Model):
    """The `data` of a `webhook.test` event."""

    webhookId: str
    message: str


DeliveryStatus = Literal["pending", "succeeded", "failed"]


class DeliveryAttempt(Model):
    number: int = Field(description="1 for the first attempt; a redelivery continues the count.")
    attemptedAt: str
    durationMs: int
    responseStatus: int | None = Field(description="The target's HTTP status (null: no answer).")
    responseBody: str = Field(description="The first 1 KB of the answer.")
    error: str | None = Field(description="Why the attempt failed (null on a 2xx).")


class Delivery(Model):
    id: str = Field(examples=["dlv_R5Ia9MFaijHqH2iQyGHs"])
    webhookId: str
    eventId: str = Field(description="The `webhook-id` header of every attempt: receivers dedupe on it.")
    eventType: str = Field(examples=["deal.won"])
    status: DeliveryStatus = Field(
        description="`pending` until an attempt succeeds (`succeeded`) or the last one fails (`failed`)."
    )
    attempts: list[DeliveryAttempt] = Field(description="Oldest first (the newest 20 are kept).")
    nextAttemptAt: str | None = Field(description="When the next attempt is due (null: none is planned).")
    lastError: str | None
    createdAt: str
    updatedAt: str


class DeliveryListQuery(PageQuery):
    status: DeliveryStatus | None = Field(None, description="Only deliveries in this status.")


class WebhookRecover(Model):
    model_config = ConfigDict(extra="forbid")

    since: PastTimestamp = Field(
        description="Events from this moment on (at most 30 days ago: events are kept 30 days).",
        examples=["2026-12-01T00:00:00Z"],
    )
    cursor: str | None = Field(None, description="The `nextCursor` of the call before, to go on from there.")


class WebhookRecovered(Model):
    queued: int = Field(description="Events the webhook had not received: their deliveries made or reopened, queued.")
    skipped: int = Field(description="Events it has received, or whose delivery is pending already.")
    nextCursor: str | None = Field(description="Older events to look at: call again with it (null: done).")
