"""Users of a tenant: creation (dev tokens, the demo tenant) and the owner rules contacts rely on."""

from __future__ import annotations

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.ids import new_id
from contact_platform.permissions import Caller, Role
from contact_platform.services import audit, search_terms
from contact_platform.store import tenants as store
from contact_platform.store.errors import UniqueValueTaken
from contact_platform.store.tenants import UserItem


def require_assignable_owner(caller: Caller, owner_id: str) -> None:
    """Only admins and managers give records to someone else, and only to an active user of the tenant."""
    if owner_id == caller.user_id:
        return
    if not caller.sees_all_records:
        raise errors.forbidden("Only admins and managers can assign records to another user")
    owner = store.get_user(caller.tenant_id, owner_id)
    if owner is None or not owner.active:
        raise errors.validation_error("Validation failed", [Detail("ownerId", "no active user with this id")])


def ensure_tenant(caller: Caller, name: str) -> bool:
    """Create the caller's tenant unless it exists; True when created."""
    now = clock.now()
    tenant = store.new_tenant(caller.tenant_id, name, clock.iso(now))
    entry = audit.entry(
        caller, entity_type="tenant", entity_id=caller.tenant_id, action="tenant.created", at=now, changed=["name"]
    )
    return store.create_tenant(tenant, entry)


def create_user(caller: Caller, *, name: str, email: str, role: Role, user_id: str | None = None) -> UserItem:
    now = clock.now()
    user = store.new_user(
        caller.tenant_id, user_id or new_id("usr"), name=name, email=email, role=role.value, created_at=clock.iso(now)
    )
    entry = audit.entry(
        caller,
        entity_type="user",
        entity_id=user.user_id,
        action="user.created",
        at=now,
        changed=["name", "email", "role"],
    )
    try:
        store.create_user(user, search_terms.email_key(email), entry)
    except UniqueValueTaken as taken:
        # Users are created by admins (and the dev and bootstrap paths), who may read every user.
        raise errors.value_taken(entity="user", field="email", value=email, holder_id=taken.owner_id) from taken
    return user


def get_active_user(tenant_id: str, user_id: str) -> UserItem | None:
    user = store.get_user(tenant_id, user_id)
    return user if user is not None and user.active else None
