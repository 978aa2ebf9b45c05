"""Webhook subscriptions (docs/data-model.md, Webhooks): one item per webhook with its signing secrets,
and the tenant's webhook tally, which keeps the number of webhooks at most `MAX_WEBHOOKS`.

The tally is changed in the same transaction as the webhook it counts: a create adds 1 on the
condition that the count is below the limit (two concurrent creates cannot both take the last slot),
a delete takes 1 away.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item, transaction
from contact_platform.store.tallies import Tally

WEBHOOK_SK = "WEBHOOK"
TALLY_SK = "WEBHOOKS"
MAX_WEBHOOKS = 25


class LimitReached(Exception):
    """The tenant has `MAX_WEBHOOKS` webhooks already."""


class SigningSecret(MapAttribute[str, Any]):
    """One secret that signs deliveries, sealed (webhooks/sealing.py): until `validUntil` (ISO), or for
    good when it is null."""

    sealed = UnicodeAttribute()
    valid_until = UnicodeAttribute(null=True, attr_name="validUntil")


def signing_secret(sealed: str, valid_until: str | None) -> SigningSecret:
    return SigningSecret(sealed=sealed, valid_until=valid_until)  # type: ignore[no-untyped-call]


class WebhookItem(Item, discriminator="webhook"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    webhook_id = UnicodeAttribute(attr_name="id")
    event = UnicodeAttribute()
    target_url = UnicodeAttribute(attr_name="targetUrl")
    description = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    disabled_reason = UnicodeAttribute(null=True, attr_name="disabledReason")
    # The current secret first; after a rotation the previous one follows, valid for 24 hours more.
    secrets = ListAttribute(of=SigningSecret, default=list)
    secret_rotated_at = UnicodeAttribute(null=True, attr_name="secretRotatedAt")
    # The first failed attempt since the last successful one (deliveries keep it; not versioned).
    failing_since = UnicodeAttribute(null=True, attr_name="failingSince")
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    version = NumberAttribute(default=1)


def new_webhook(tenant_id: str, webhook_id: str, created_at: str, **fields: Any) -> WebhookItem:
    return WebhookItem(
        pk=keys.webhook_pk(tenant_id, webhook_id),
        sk=WEBHOOK_SK,
        gsi1pk=keys.webhooks_collection(tenant_id),
        gsi1sk=keys.sortable(created_at, webhook_id),
        tenant_id=tenant_id,
        webhook_id=webhook_id,
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )


def get_webhook(tenant_id: str, webhook_id: str) -> WebhookItem | None:
    return get_item(WebhookItem, keys.webhook_pk(tenant_id, webhook_id), WEBHOOK_SK)


def list_webhooks(tenant_id: str, *, limit: int, start: LastKey | None) -> Page[WebhookItem]:
    """Newest first."""
    return query_page(WebhookItem.gsi1, keys.webhooks_collection(tenant_id), limit=limit, start=start, forward=False)


def _tally(tenant_id: str) -> Tally:
    return Tally(pk=keys.webhook_tally_pk(tenant_id), sk=TALLY_SK)


def create(webhook: WebhookItem, audit: AuditItem) -> None:
    """The webhook, its count and its audit entry in one transaction; LimitReached when the tenant has
    `MAX_WEBHOOKS` already."""
    below_limit: Condition = Tally.records.does_not_exist() | (Tally.records < MAX_WEBHOOKS)
    try:
        with transaction() as tx:
            tx.update(
                _tally(webhook.tenant_id),
                actions=[Tally.records.add(1), Tally.kind.set(Tally)],
                condition=below_limit,
            )
            tx.save(webhook, condition=WebhookItem.pk.does_not_exist())
            tx.save(audit)
    except TransactWriteError as error:
        # The tally's is the one condition that can fail (the webhook's ID is new, the audit entry has
        # none); pynamodb orders the items by kind, so it is found by its code, not its position.
        if any(reason and reason.code == "ConditionalCheckFailed" for reason in error.cancellation_reasons or []):
            raise LimitReached from error
        raise


def save(webhook: WebhookItem, audit: AuditItem, *, expected_version: int) -> None:
    """Replace a webhook read at `expected_version`, with its audit entry; StaleVersion when it changed
    or is gone."""
    try:
        with transaction() as tx:
            tx.save(webhook, condition=WebhookItem.version == expected_version)
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(webhook.webhook_id) from error


def delete(webhook: WebhookItem, audit: AuditItem) -> None:
    """Delete a webhook as it was read and free its slot; StaleVersion when it changed or is gone."""
    try:
        with transaction() as tx:
            tx.delete(webhook, condition=WebhookItem.version == webhook.version)
            tx.update(_tally(webhook.tenant_id), actions=[Tally.records.add(-1), Tally.kind.set(Tally)])
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(webhook.webhook_id) from error


def note_failing(webhook: WebhookItem, at: str) -> None:
    """Remember when deliveries began to fail (kept when set already)."""
    try:
        webhook.update(
            actions=[WebhookItem.failing_since.set(at)],
            condition=WebhookItem.pk.exists() & WebhookItem.failing_since.does_not_exist(),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def clear_failing(webhook: WebhookItem) -> None:
    """Deliveries succeed again."""
    try:
        webhook.update(actions=[WebhookItem.failing_since.remove()], condition=WebhookItem.pk.exists())
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def disable(webhook: WebhookItem, reason: str, at: str, audit: AuditItem) -> bool:
    """Stop deliveries to an active webhook, with its audit entry; False when it is inactive or gone."""
    try:
        with transaction() as tx:
            tx.update(
                webhook,
                actions=[
                    WebhookItem.active.set(False),
                    WebhookItem.disabled_reason.set(reason),
                    WebhookItem.failing_since.remove(),
                    WebhookItem.updated_at.set(at),
                    WebhookItem.version.add(1),
                ],
                condition=WebhookItem.pk.exists() & (WebhookItem.active == True),  # noqa: E712
            )
            tx.save(audit)
    except TransactWriteError:
        return False
    return True
