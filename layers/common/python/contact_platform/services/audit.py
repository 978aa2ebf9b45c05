"""The audit trail: recording entries for writes, reading them back for admins."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from contact_platform import errors
from contact_platform.clock import iso
from contact_platform.errors import Detail
from contact_platform.models.audit import AuditEntry, AuditLogQuery
from contact_platform.models.base import Model
from contact_platform.models.paging import Listing
from contact_platform.names import closest
from contact_platform.permissions import Caller
from contact_platform.services.listing import listing
from contact_platform.store import audit as audit_store
from contact_platform.store.audit import AuditItem

# The actions entries have beside the event types of record writes and jobs' ends (the events
# catalog): administration, job requests and a lead migration's own entries (docs/data-model.md,
# "Item types", audit entry). An entry of an action in neither is refused when written, so the audit log's
# `action` filter knows every action there is.
OTHER_ACTIONS = frozenset(
    {
        "apikey.created",
        "apikey.revoked",
        "tenant.created",
        "tag.created",
        "tag.renamed",
        "tag.updated",
        "tag.deleted",
        "segment.created",
        "segment.updated",
        "segment.deleted",
        "webhook.created",
        "webhook.updated",
        "webhook.deleted",
        "webhook.disabled",
        "webhook.secret_rotated",
        "import.requested",
        "import.retried",
        "export.requested",
        "export.retried",
        "tagging.started",
        "tagging.retried",
        "moves.started",
        "moves.retried",
        "campaign_export.requested",
        "ccpa.user_exports_deleted",
        "leads_batch_import",
        "lead_created_via_migration",
    }
)


@cache
def known_actions() -> frozenset[str]:
    from contact_platform.events.catalog import emitted_types

    return emitted_types() | OTHER_ACTIONS


def item(**fields: Any) -> AuditItem:
    """The audit item of one entry (`store.audit.audit_entry`'s fields), of a known action."""
    if fields["action"] not in known_actions():
        raise ValueError(f"audit action {fields['action']!r} is not known: add it to OTHER_ACTIONS")
    return audit_store.audit_entry(**fields)


def entry(
    caller: Caller,
    *,
    entity_type: str,
    entity_id: str,
    action: str,
    at: datetime,
    changed: list[str],
    record: Model | None = None,
    before: Model | None = None,
    seed: str | None = None,
    **extra: Any,
) -> AuditItem:
    """The audit item of a write; with `record` (the record as the API returns it after the write)
    it carries the write's event, with `before` (as it was) the changed fields' old values, and
    `extra` beside them (a merge's `mergedId`). With a `seed`, its ID is the same each time it is
    made (a batch's entries, written again by a roll-forward)."""
    event: dict[str, Any] | None = None
    if record is not None:
        data = record.model_dump(mode="json")
        old = before.model_dump(mode="json") if before is not None else None
        previous = {field: old.get(field) for field in changed} if old is not None else None
        event = {"data": data, "previous": previous, **extra}
    return item(
        tenant_id=caller.tenant_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor_user_id=caller.user_id,
        actor_key_id=caller.key_id or None,
        request_id=caller.request_id,
        at=at,
        changed_fields=changed,
        event=event,
        seed=seed,
    )


def _to_api(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        id=item.audit_id,
        entityType=item.entity_type,
        entityId=item.entity_id,
        action=item.action,
        actorUserId=item.actor_user_id,
        actorKeyId=item.actor_key_id,
        requestId=item.request_id,
        occurredAt=item.occurred_at,
        changedFields=list(item.changed_fields),
        details=json.loads(item.details) if item.details else None,
    )


def list_audit_log(caller: Caller, query: AuditLogQuery) -> Listing[AuditEntry]:
    """Newest first; by entity from its own partition, else the tenant-wide index, between `since`
    and `until` in the key condition; action and actor filter the pages read."""
    action, actor = query.action, query.actorUserId
    if action is not None and action not in known_actions():
        meant = closest(action, known_actions())
        hint = f"did you mean {meant}? " if meant else ""
        issue = f"unknown action {action!r}: {hint}give an entry's action, as contact.deleted or leads_batch_import"
        raise errors.invalid([Detail("action", issue)])
    since, until = (iso(moment) if moment else None for moment in (query.since, query.until))
    return listing(
        lambda size, start: audit_store.query_audit(
            caller.tenant_id, entity_id=query.entityId, since_iso=since, until_iso=until, limit=size, start=start
        ),
        _to_api,
        binding=f"audit|{caller.tenant_id}|{query.entityId}|{action}|{actor}|{since}|{until}",
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda item: (action is None or item.action == action) and (actor is None or item.actor_user_id == actor),
    )
