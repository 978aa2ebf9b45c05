"""Webhook subscriptions (docs/architecture.md, "Webhooks: subscriptions"): create, read, change,
delete, rotate the signing secret; `signing_secrets` gives a delivery the secrets to sign with.

The secret is stored on the webhook item sealed with the platform's KMS key (webhooks/sealing.py: a
delivery opens it to sign) and shown only by the create and rotate-secret answers; it is never logged
and is not part of any audit entry. Webhook writes are
audited without an event (`webhook.created`, ...): they are configuration, not records.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.events.catalog import checked_selector
from contact_platform.ids import new_id
from contact_platform.models.paging import Listing
from contact_platform.models.webhooks import (
    Webhook,
    WebhookCreate,
    WebhookDeleted,
    WebhookListQuery,
    WebhookPatch,
    WebhookWithSecret,
    subscription_refusals,
)
from contact_platform.permissions import Caller
from contact_platform.services import audit
from contact_platform.services.listing import changed_since, listing
from contact_platform.services.versions import Precondition
from contact_platform.store import webhooks as store
from contact_platform.store.errors import StaleVersion
from contact_platform.store.webhooks import MAX_WEBHOOKS, WebhookItem, signing_secret
from contact_platform.webhooks.sealing import opened, seal
from contact_platform.webhooks.signing import new_secret

ENTITY = "webhook"
ID_PREFIX = "wh"
# After a rotation the previous secret keeps signing next to the new one for this long.
PREVIOUS_SECRET_VALIDITY = timedelta(hours=24)
_WRITE_ATTEMPTS = 3


def _to_api(item: WebhookItem) -> Webhook:
    return Webhook(
        id=item.webhook_id,
        event=item.event,
        targetUrl=item.target_url,
        description=item.description,
        active=bool(item.active),
        disabledReason=item.disabled_reason,
        createdAt=item.created_at,
        updatedAt=item.updated_at,
        version=int(item.version),
        secretRotatedAt=item.secret_rotated_at,
    )


def _with_secret(item: WebhookItem, secret: str) -> WebhookWithSecret:
    return WebhookWithSecret(**_to_api(item).model_dump(), secret=secret)


def signing_secrets(webhook: WebhookItem, now: datetime) -> list[str]:
    """The secrets a delivery at `now` signs with: the current one first, then the previous one while
    it is still valid (24 hours after the rotation that replaced it)."""
    moment = clock.iso(now)
    return [
        opened(entry.sealed, webhook.tenant_id, webhook.webhook_id)
        for entry in webhook.secrets
        if entry.valid_until is None or entry.valid_until > moment
    ]


# Validation --------------------------------------------------------------------------------------


def _check_event(selector: str) -> str:
    return checked_selector(selector, "event")


def _check_body(event: str | None, target: str | None) -> None:
    """The event and target a create or patch sends, both checked, so that a body wrong in both hears
    of both in one 422; one wrong keeps its own message."""
    refusals = subscription_refusals(event, target)
    if len(refusals) == 1:
        raise refusals[0]
    if refusals:
        raise errors.invalid([detail for refused in refusals for detail in refused.details])


def found(caller: Caller, webhook_id: str) -> WebhookItem:
    """The tenant's webhook, or 404."""
    item = store.get_webhook(caller.tenant_id, webhook_id)
    if item is None:
        raise errors.not_found("Webhook")
    return item


def _copy(item: WebhookItem) -> WebhookItem:
    return WebhookItem.from_raw_data(item.serialize())


# Routes ------------------------------------------------------------------------------------------


def create_webhook(caller: Caller, body: WebhookCreate) -> WebhookWithSecret:
    _check_body(body.event, body.targetUrl)
    now = clock.now()
    webhook_id = new_id(ID_PREFIX)
    secret = new_secret()
    item = store.new_webhook(
        caller.tenant_id,
        webhook_id,
        clock.iso(now),
        event=body.event,
        target_url=body.targetUrl,
        description=body.description,
        created_by=caller.user_id,
        secrets=[signing_secret(seal(secret, caller.tenant_id, webhook_id), None)],
    )
    entry = audit.entry(
        caller,
        entity_type=ENTITY,
        entity_id=webhook_id,
        action="webhook.created",
        at=now,
        changed=[],
    )
    try:
        store.create(item, entry)
    except store.LimitReached:
        raise errors.validation_error(
            f"A tenant has at most {MAX_WEBHOOKS} webhooks",
            [Detail("webhooks", f"at most {MAX_WEBHOOKS} per tenant: delete one to add another")],
        ) from None
    return _with_secret(item, secret)


def get_webhook(caller: Caller, webhook_id: str) -> Webhook:
    return _to_api(found(caller, webhook_id))


def _listed(item: WebhookItem, query: WebhookListQuery) -> bool:
    if query.active is not None and bool(item.active) != query.active:
        return False
    return query.event is None or item.event == query.event


def list_webhooks(caller: Caller, query: WebhookListQuery) -> Listing[Webhook]:
    """422 for an `event` no webhook could be subscribed to, as on a create."""
    if query.event is not None:
        _check_event(query.event)
    changed = changed_since(query.updatedSince)
    return listing(
        lambda size, start: store.list_webhooks(caller.tenant_id, limit=size, start=start),
        _to_api,
        binding=f"webhooks|{caller.tenant_id}|{query.active}|{query.event}|{query.updatedSince}",
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda item: _listed(item, query) and (changed is None or changed(item)),
    )


def update_webhook(caller: Caller, webhook_id: str, patch: WebhookPatch, if_match: str | None) -> Webhook:
    precondition = Precondition.of(if_match, "Webhook")
    sent = patch.model_dump(exclude_unset=True)
    _check_body(patch.event, patch.targetUrl)
    for _ in range(_WRITE_ATTEMPTS):
        old = found(caller, webhook_id)
        precondition.check(old.version)
        new = _copy(old)
        if patch.event is not None:
            new.event = patch.event
        if patch.targetUrl is not None:
            new.target_url = patch.targetUrl
        if "description" in sent:
            new.description = patch.description
        if patch.active is not None:
            new.active = patch.active
            if patch.active:
                new.disabled_reason = None
        before, after = _to_api(old).model_dump(), _to_api(new).model_dump()
        changed = sorted(field for field in before if before[field] != after[field])
        if not changed:
            return _to_api(old)
        now = clock.now()
        new.updated_at = clock.iso(now)
        new.version = old.version + 1
        entry = audit.entry(
            caller, entity_type=ENTITY, entity_id=webhook_id, action="webhook.updated", at=now, changed=changed
        )
        try:
            store.save(new, entry, expected_version=int(old.version))
        except StaleVersion:
            precondition.after_lost_race()
            continue
        return _to_api(new)
    raise errors.busy("Webhook")


def delete_webhook(caller: Caller, webhook_id: str, if_match: str | None) -> WebhookDeleted:
    """A hard delete: the webhook's slot of the tenant's `MAX_WEBHOOKS` is free at once."""
    precondition = Precondition.of(if_match, "Webhook")
    for _ in range(_WRITE_ATTEMPTS):
        item = found(caller, webhook_id)  # 404 once another request has deleted it
        precondition.check(item.version)
        entry = audit.entry(
            caller, entity_type=ENTITY, entity_id=webhook_id, action="webhook.deleted", at=clock.now(), changed=[]
        )
        try:
            store.delete(item, entry)
        except StaleVersion:
            precondition.after_lost_race()
            continue
        return WebhookDeleted(message="Webhook deleted successfully", webhookId=webhook_id)
    raise errors.busy("Webhook")


def rotate_webhook_secret(caller: Caller, webhook_id: str, if_match: str | None) -> WebhookWithSecret:
    """A new current secret; the one it replaces keeps signing for `PREVIOUS_SECRET_VALIDITY` (any
    older one stops now: only the current and the immediately previous secret are kept)."""
    precondition = Precondition.of(if_match, "Webhook")
    for _ in range(_WRITE_ATTEMPTS):
        old = found(caller, webhook_id)
        precondition.check(old.version)
        now = clock.now()
        secret = new_secret()
        new = _copy(old)
        new.secrets = [
            signing_secret(seal(secret, caller.tenant_id, webhook_id), None),
            *(signing_secret(entry.sealed, clock.iso(now + PREVIOUS_SECRET_VALIDITY)) for entry in old.secrets[:1]),
        ]
        new.secret_rotated_at = clock.iso(now)
        new.updated_at = clock.iso(now)
        new.version = old.version + 1
        entry = audit.entry(
            caller, entity_type=ENTITY, entity_id=webhook_id, action="webhook.secret_rotated", at=now, changed=[]
        )
        try:
            store.save(new, entry, expected_version=int(old.version))
        except StaleVersion:
            precondition.after_lost_race()
            continue
        return _with_secret(new, secret)
    raise errors.busy("Webhook")
