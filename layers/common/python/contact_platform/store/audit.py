"""The append-only audit trail: one item per write, put in the same transaction as the write. The
entry of a record's write also carries its event (docs/architecture.md, "Events"), as JSON: the
record as the API returns it (`data`) and the old values of the changed fields (`previous`); so
does the entry of the write that ends a job (the operation, `previous` null)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from contact_platform.clock import iso
from contact_platform.ids import moment_of, timed_id
from contact_platform.store import keys
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item, string_list


class AuditItem(Item, discriminator="audit"):
    audit_id = UnicodeAttribute(attr_name="id")
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    entity_type = UnicodeAttribute(attr_name="entityType")
    entity_id = UnicodeAttribute(attr_name="entityId")
    action = UnicodeAttribute()
    actor_user_id = UnicodeAttribute(attr_name="actorUserId")
    actor_key_id = UnicodeAttribute(null=True, attr_name="actorKeyId")
    request_id = UnicodeAttribute(attr_name="requestId")
    occurred_at = UnicodeAttribute(attr_name="occurredAt")
    changed_fields = string_list("changedFields")
    event = UnicodeAttribute(null=True)  # JSON {"data", "previous", ...}: a record's write, a job's end
    # The event's type when it is not the action (a migrated lead: `lead_created_via_migration`
    # carries `lead.created`), and what the entry tells beyond the changed fields (JSON).
    event_type = UnicodeAttribute(null=True, attr_name="eventType")
    details = UnicodeAttribute(null=True)

    @property
    def type_of_event(self) -> str:
        return self.event_type or self.action


def audit_entry(
    *,
    tenant_id: str,
    entity_type: str,
    entity_id: str,
    action: str,
    actor_user_id: str,
    actor_key_id: str | None,
    request_id: str,
    at: datetime,
    changed_fields: list[str],
    event: dict[str, Any] | None = None,
    event_type: str | None = None,
    details: dict[str, Any] | None = None,
    seed: str | None = None,
) -> AuditItem:
    """With a `seed`, the entry's ID (and so its item) is the same each time it is written."""
    audit_id = timed_id("aud", at, seed)
    occurred = iso(at)
    return AuditItem(
        pk=keys.audit_pk(tenant_id, entity_id),
        sk=keys.sortable(occurred, audit_id),
        gsi1pk=keys.audit_collection(tenant_id),
        gsi1sk=keys.sortable(occurred, audit_id),
        audit_id=audit_id,
        tenant_id=tenant_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor_user_id=actor_user_id,
        actor_key_id=actor_key_id,
        request_id=request_id,
        occurred_at=occurred,
        changed_fields=sorted(changed_fields),
        event=None if event is None else _json(event),
        event_type=event_type,
        details=None if details is None else _json(details),
    )


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def entry_of(tenant_id: str, entity_id: str, audit_id: str) -> AuditItem | None:
    """The entry of an ID when its entity is known: one consistent GetItem (its moment gives its key)."""
    moment = moment_of(audit_id)
    if moment is None:
        return None
    return get_item(AuditItem, keys.audit_pk(tenant_id, entity_id), keys.sortable(iso(moment), audit_id))


def get_entry(tenant_id: str, audit_id: str) -> AuditItem | None:
    """The entry of an ID (its moment gives its key in the tenant's index; one Query), None when the
    tenant has no such entry."""
    moment = moment_of(audit_id)
    if moment is None:
        return None
    key = keys.sortable(iso(moment), audit_id)
    page = query_page(AuditItem.gsi1, keys.audit_collection(tenant_id), limit=1, condition=AuditItem.gsi1sk == key)
    return page.items[0] if page.items else None


def query_audit(
    tenant_id: str,
    *,
    entity_id: str | None,
    since_iso: str | None,
    limit: int,
    start: LastKey | None,
    until_iso: str | None = None,
) -> Page[AuditItem]:
    """Newest first; by entity from its own partition, else the tenant-wide index; sort keys
    (`<occurredAt>#<id>`) from `since_iso` on and before `until_iso` (a key of that very moment sorts
    after the moment itself, so `<` leaves it out)."""
    sort_key = AuditItem.sk if entity_id else AuditItem.gsi1sk
    condition: Any = None
    if since_iso and until_iso:
        condition = sort_key.between(since_iso, until_iso)
    elif since_iso:
        condition = sort_key >= since_iso
    elif until_iso:
        condition = sort_key < until_iso
    if entity_id:
        source: Any = AuditItem
        partition = keys.audit_pk(tenant_id, entity_id)
    else:
        source, partition = AuditItem.gsi1, keys.audit_collection(tenant_id)
    return query_page(source, partition, limit=limit, start=start, condition=condition, forward=False)


def forget_events(tenant_id: str, entity_id: str) -> int:
    """Remove the event bodies from the audit entries of a record being purged (they hold its data;
    the entries themselves stay). Returns how many entries held one."""
    forgotten, start = 0, None
    while True:
        page = query_page(AuditItem, keys.audit_pk(tenant_id, entity_id), limit=100, start=start, consistent=True)
        for entry in page.items:
            if entry.event is not None:
                entry.update(actions=[AuditItem.event.remove()])
                forgotten += 1
        start = page.last_key
        if start is None:
            return forgotten
