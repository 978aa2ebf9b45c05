"""Users of a tenant (declared in entities/users.py): the owner rules records rely on, who a key acts
as, the platform's own creation of users (dev tokens, the demo tenant) and deactivation."""

from __future__ import annotations

from dataclasses import dataclass

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.models.base import Model
from contact_platform.permissions import Caller, Role
from contact_platform.services import audit
from contact_platform.services.versions import Precondition
from contact_platform.store import keys, tenants
from contact_platform.store import records as store
from contact_platform.store.paging import LastKey
from contact_platform.store.records import RecordItem


@dataclass(frozen=True)
class User:
    user_id: str
    role: Role
    active: bool


def _user(record: RecordItem | None) -> User | None:
    if record is None or not record.is_active:
        return None
    data = store.data_of(record)
    return User(record.record_id, Role(data["role"]), data.get("active", True) is not False)


def active(record: RecordItem | None) -> bool:
    """The record of an active user: not deleted, not deactivated."""
    user = _user(record)
    return user is not None and user.active


def get_active_user(tenant_id: str, user_id: str) -> User | None:
    user = _user(store.get_record(tenant_id, "user", user_id))
    return user if user is not None and user.active else None


def require_assignable_owner(caller: Caller, owner_id: str, field: str = "ownerId") -> None:
    """Only admins and managers give records to someone else, and only to an active user of the tenant
    (422 naming `field`, where the record names its owner)."""
    if owner_id == caller.user_id:
        return
    if not caller.sees_all_records:
        raise errors.forbidden("Only admins and managers can assign records to another user")
    if get_active_user(caller.tenant_id, owner_id) is None:
        raise errors.invalid([Detail(field, "no active user with this id")])


def ensure_tenant(caller: Caller, name: str) -> bool:
    """Create the caller's tenant unless it exists; True when created."""
    now = clock.now()
    tenant = tenants.new_tenant(caller.tenant_id, name, clock.iso(now))
    entry = audit.entry(
        caller, entity_type="tenant", entity_id=caller.tenant_id, action="tenant.created", at=now, changed=["name"]
    )
    return tenants.create_tenant(tenant, entry)


def create_user(caller: Caller, *, name: str, email: str, role: Role, user_id: str) -> User:
    """A user the platform makes itself (a dev token's, a tenant's first admin), through the users' service."""
    from contact_platform.entities import service
    from contact_platform.entities.shapes import shapes
    from contact_platform.entities.users import ENTITY

    body = shapes(ENTITY).create.model_validate({"name": name, "email": email, "role": role})
    service.create(ENTITY, caller, body, record_id=user_id)
    return User(user_id, role, True)


def first_admin(tenant_id: str) -> User | None:
    """The tenant's oldest active admin (who files dropped straight into the uploads bucket act as)."""
    start: LastKey | None = None
    while True:
        page = store.list_index("GSI1", keys.records_collection(tenant_id, "user"), limit=50, start=start, forward=True)
        for record in page.items:
            user = _user(record)
            if user is not None and user.active and user.role == Role.ADMIN:
                return user
        start = page.last_key
        if start is None:
            return None


def deactivate_user(caller: Caller, user_id: str, if_match: str | None) -> Model:
    """`active: false` and the user's keys revoked (again, if an earlier deactivation was cut off)."""
    from contact_platform.entities import reads, service
    from contact_platform.entities.shapes import shapes
    from contact_platform.entities.users import ENTITY
    from contact_platform.services.api_keys import revoke_user_keys

    if caller.role != Role.ADMIN:
        raise errors.forbidden("Only admins deactivate users")
    record = reads.found(ENTITY, caller, user_id)
    if store.data_of(record).get("active") is False:
        Precondition.of(if_match, ENTITY.label).check(record.version)
        revoke_user_keys(caller, user_id)
        return reads.to_api(ENTITY, record)
    return service.update(ENTITY, caller, user_id, shapes(ENTITY).patch.model_validate({"active": False}), if_match)
