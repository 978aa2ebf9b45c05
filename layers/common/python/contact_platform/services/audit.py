"""The audit trail: recording entries for writes, reading them back for admins."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from contact_platform.clock import iso
from contact_platform.models.audit import AuditEntry
from contact_platform.models.base import Model
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services.listing import listing
from contact_platform.store import audit as audit_store
from contact_platform.store.audit import AuditItem


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
    return audit_store.audit_entry(
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


def list_audit_log(
    caller: Caller,
    *,
    entity_id: str | None,
    action: str | None,
    since: datetime | None,
    limit: int,
    cursor: str | None,
) -> Listing[AuditEntry]:
    since_key = iso(since) if since else None
    return listing(
        lambda size, start: audit_store.query_audit(
            caller.tenant_id, entity_id=entity_id, since_iso=since_key, limit=size, start=start
        ),
        _to_api,
        binding=f"audit|{caller.tenant_id}|{entity_id}|{action}|{since_key}",
        limit=limit,
        cursor=cursor,
        keep=lambda item: action is None or item.action == action,
    )
