"""Users of a tenant: name, email (unique per tenant), role and whether they are active. Admins create
and change users; a user may change its own name. A user is never deleted: `DELETE /users/{userId}`
deactivates it (`active: false`), revoking its API keys at once and keeping its records and their
`ownerId`; a new role revokes them too (a key carries its role's scopes). The tenant's last active
admin can be neither deactivated nor given another role (409), which a tally of active admins, kept
in each user write's transaction, holds even against concurrent writes (docs/data-model.md,
"Tallies")."""

from __future__ import annotations

from typing import Any

from contact_platform import errors
from contact_platform.entities.entity import Entity, Fields
from contact_platform.models.fields import Email, text
from contact_platform.permissions import Caller, Role
from contact_platform.store import keys, tallies

ADMINS = "ACTIVE_ADMINS"  # the tally's sort key


class UserFields(Fields):
    name: text(100)  # type: ignore[valid-type]
    email: Email
    role: Role = Role.USER
    active: bool = True


def _active_admin(data: dict[str, Any] | None) -> bool:
    return data is not None and data.get("role") == Role.ADMIN.value and data.get("active", True) is not False


def _admins(tenant_id: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tallies.Increment]:
    """The active admins' count; a write that takes one away needs another to remain."""
    change = int(_active_admin(after)) - int(_active_admin(before))
    if change == 0:
        return []
    return [tallies.Increment(keys.user_tally_pk(tenant_id), ADMINS, change, 0, minimum=2 if change < 0 else None)]


def _guard(caller: Caller, user: dict[str, Any] | None, sent: dict[str, Any]) -> None:
    own_name = user is not None and user["id"] == caller.user_id and set(sent) <= {"name"}
    if caller.role != Role.ADMIN and not own_name:
        raise errors.forbidden("Only admins create and change users; a user may change its own name")
    if _active_admin(user) and not _active_admin({**(user or {}), **sent}):
        counted = tallies.read(keys.user_tally_pk(caller.tenant_id), ADMINS)
        if not counted or int(counted[0].records) < 2:
            raise errors.conflict("The last active admin cannot be deactivated or given another role")


def _revoke_keys(caller: Caller, before: dict[str, Any], after: dict[str, Any]) -> None:
    """A deactivated user's keys, and those of a user with a new role (a key carries its role's scopes)."""
    if after.get("active") is False or after.get("role") != before.get("role"):
        from contact_platform.services.api_keys import revoke_user_keys

        revoke_user_keys(caller, after["id"])


ENTITY = Entity(
    "user",
    "usr",
    UserFields,
    label="User",
    unique=("email",),
    search=("name", "email"),
    filters=("role", "active"),
    sort=("name",),
    owner=None,
    tallies=_admins,
    guard=_guard,
    after_write=_revoke_keys,
    summary="Someone who works in the tenant, with a role that bounds what its API keys may do.",
    example={"name": "Maria Muster", "email": "maria@example.com", "role": "manager"},
)
