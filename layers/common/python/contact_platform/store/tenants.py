"""Tenants (their users are entity records: entities/users.py)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import TransactWriteError

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.table import Item, transaction


class TenantItem(Item, discriminator="tenant"):
    tenant_id = UnicodeAttribute(attr_name="id")
    name = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")


def new_tenant(tenant_id: str, name: str, created_at: str) -> TenantItem:
    return TenantItem(pk=keys.tenant_pk(tenant_id), sk="TENANT", tenant_id=tenant_id, name=name, created_at=created_at)


def create_tenant(tenant: TenantItem, audit: AuditItem) -> bool:
    """Create the tenant unless it exists; True when this call created it."""
    try:
        with transaction() as tx:
            tx.save(tenant, condition=TenantItem.pk.does_not_exist())
            tx.save(audit)
    except TransactWriteError as error:
        if error.cancellation_reasons and error.cancellation_reasons[0]:
            return False
        raise
    return True
