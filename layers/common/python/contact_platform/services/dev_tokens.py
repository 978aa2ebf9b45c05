"""Dev mode only: keys for any role without an existing key, and the local stack's demo tenant."""

from __future__ import annotations

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.ids import new_id
from contact_platform.models.api_keys import ApiKeyCreated
from contact_platform.models.dev import DevToken, DevTokenRequest
from contact_platform.permissions import ALL_SCOPES, Caller, Role
from contact_platform.services import api_keys, users
from contact_platform.services.api_keys import hash_key
from contact_platform.store import api_keys as key_store

DEMO_TENANT_ID = "ten_demo"
DEMO_ADMIN_ID = "usr_demoadmin"
SYSTEM_USER = "system"


def _system(tenant_id: str, request_id: str) -> Caller:
    return Caller(
        tenant_id=tenant_id,
        user_id=SYSTEM_USER,
        role=Role.ADMIN,
        scopes=ALL_SCOPES,
        key_id="",
        request_id=request_id,
    )


def _token(created: ApiKeyCreated, tenant_id: str) -> DevToken:
    return DevToken(
        tenantId=tenant_id,
        userId=created.userId,
        role=created.role,
        scopes=created.scopes,
        keyId=created.id,
        apiKey=created.key,
    )


def issue_dev_token(body: DevTokenRequest, request_id: str) -> DevToken:
    if not settings().dev_mode:
        raise errors.not_found("Route")
    tenant_id = body.tenantId or new_id("ten")
    system = _system(tenant_id, request_id)
    users.ensure_tenant(system, f"Tenant {tenant_id}")
    user_id = new_id("usr")
    user = users.create_user(
        system, name=f"Dev {body.role.value}", email=f"{user_id.lower()}@dev.invalid", role=body.role, user_id=user_id
    )
    created = api_keys.issue_key(system, user=user, name=f"dev token ({body.role.value})", scopes=body.scopes)
    return _token(created, tenant_id)


def ensure_demo_admin(admin_key: str | None, request_id: str) -> DevToken:
    """The demo tenant and its admin (created once), and an admin key: `admin_key` if given, else a new one."""
    system = _system(DEMO_TENANT_ID, request_id)
    users.ensure_tenant(system, "Demo tenant")
    admin = users.get_active_user(DEMO_TENANT_ID, DEMO_ADMIN_ID) or users.create_user(
        system, name="Demo admin", email="admin@demo.invalid", role=Role.ADMIN, user_id=DEMO_ADMIN_ID
    )
    if admin_key and (lookup := key_store.find_by_hash(hash_key(admin_key))) is not None:
        return DevToken(
            tenantId=DEMO_TENANT_ID,
            userId=admin.user_id,
            role=Role.ADMIN,
            scopes=list(lookup.scopes),
            keyId=lookup.key_id,
            apiKey=admin_key,
        )
    created = api_keys.issue_key(system, user=admin, name="demo admin key", scopes=None, raw_key=admin_key)
    return _token(created, DEMO_TENANT_ID)
