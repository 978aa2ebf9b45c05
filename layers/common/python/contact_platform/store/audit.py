"""The append-only audit trail: one item per write, put in the same transaction as the write."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute

from contact_platform.clock import iso
from contact_platform.ids import new_id
from contact_platform.store import keys
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, string_list


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
) -> AuditItem:
    audit_id = new_id("aud")
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
    )


def query_audit(
    tenant_id: str,
    *,
    entity_id: str | None,
    since_iso: str | None,
    limit: int,
    start: LastKey | None,
) -> Page[AuditItem]:
    """Newest first; by entity from its own partition, else the tenant-wide index."""
    if entity_id:
        condition = AuditItem.sk >= since_iso if since_iso else None
        return query_page(
            AuditItem, keys.audit_pk(tenant_id, entity_id), limit=limit, start=start, condition=condition, forward=False
        )
    index_condition = AuditItem.gsi1sk >= since_iso if since_iso else None
    return query_page(
        AuditItem.gsi1,
        keys.audit_collection(tenant_id),
        limit=limit,
        start=start,
        condition=index_condition,
        forward=False,
    )
