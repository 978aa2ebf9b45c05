"""Tenants and their users (a user's email is unique in its tenant, kept by a guard item)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import UniqueValueTaken
from contact_platform.store.paging import LastKey, query_page
from contact_platform.store.table import Item, transaction


class TenantItem(Item, discriminator="tenant"):
    tenant_id = UnicodeAttribute(attr_name="id")
    name = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")


class UserItem(Item, discriminator="user"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    user_id = UnicodeAttribute(attr_name="id")
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    created_at = UnicodeAttribute(attr_name="createdAt")


class UserEmailGuard(Item, discriminator="user-email"):
    user_id = UnicodeAttribute(attr_name="userId")


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


def new_user(tenant_id: str, user_id: str, *, name: str, email: str, role: str, created_at: str) -> UserItem:
    return UserItem(
        pk=keys.user_pk(tenant_id, user_id),
        sk="USER",
        gsi1pk=keys.users_collection(tenant_id),
        gsi1sk=keys.sortable(created_at, user_id),
        tenant_id=tenant_id,
        user_id=user_id,
        name=name,
        email=email,
        role=role,
        active=True,
        created_at=created_at,
    )


def get_user(tenant_id: str, user_id: str) -> UserItem | None:
    try:
        return UserItem.get(keys.user_pk(tenant_id, user_id), "USER")
    except DoesNotExist:
        return None


def create_user(user: UserItem, email_key: str, audit: AuditItem) -> None:
    guard = UserEmailGuard(
        pk=keys.user_email_guard_pk(user.tenant_id, email_key), sk=keys.GUARD_SK, user_id=user.user_id
    )
    try:
        with transaction() as tx:
            tx.save(user, condition=UserItem.pk.does_not_exist())
            tx.save(guard, condition=UserEmailGuard.pk.does_not_exist(), return_values="ALL_OLD")
            tx.save(audit)
    except TransactWriteError as error:
        for reason in error.cancellation_reasons:
            if reason and reason.raw_item and "userId" in reason.raw_item:
                raise UniqueValueTaken(user.email, reason.raw_item["userId"]["S"]) from error
        raise


def first_admin(tenant_id: str) -> UserItem | None:
    """The tenant's oldest active admin (who files dropped straight into the uploads bucket act as)."""
    start: LastKey | None = None
    while True:
        page = query_page(UserItem.gsi1, keys.users_collection(tenant_id), limit=50, start=start)
        for user in page.items:
            if isinstance(user, UserItem) and user.active and user.role == "admin":
                return user
        start = page.last_key
        if start is None:
            return None
