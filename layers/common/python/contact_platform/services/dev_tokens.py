"""Keys without an existing key: dev mode's tokens for any role, the local demo tenant, a new tenant's admin."""

from __future__ import annotations

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.demo_tenant import DEMO_ADMIN_ID, DEMO_TENANT_ID, DEMO_TENANT_NAME
from contact_platform.ids import new_id
from contact_platform.models.api_keys import ApiKeyCreated
from contact_platform.models.dev import DevToken, DevTokenRequest
from contact_platform.permissions import ALL_SCOPES, Caller, Role
from contact_platform.services import api_keys, dev_issuer, users
from contact_platform.services.api_keys import hash_key
from contact_platform.store import api_keys as key_store

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


def _token(created: ApiKeyCreated, tenant_id: str, *, with_access_token: bool = False) -> DevToken:
    """The key, and with `with_access_token` a JWT of the dev issuer for the same user, role and scopes
    (services/dev_issuer.py; none where the stage has no dev issuer)."""
    token = DevToken(
        tenantId=tenant_id,
        userId=created.userId,
        role=created.role,
        scopes=created.scopes,
        keyId=created.id,
        apiKey=created.key,
    )
    if with_access_token and dev_issuer.configured():
        access = dev_issuer.issue(
            tenant_id=tenant_id, user_id=created.userId, role=created.role.value, scopes=created.scopes
        )
        token.accessToken, token.expiresIn = access, dev_issuer.EXPIRES_IN_SECONDS
    return token


def issue_dev_token(body: DevTokenRequest, request_id: str) -> DevToken:
    """A new user and key in the demo tenant, the tenant `tenantId` names, or (`newTenant`) a new one,
    and an access token (JWT) for that user."""
    if not settings().dev_mode:
        raise errors.not_found("Route")
    if body.tenantId and body.newTenant:
        raise errors.invalid([errors.Detail("newTenant", "give tenantId or newTenant, not both")])
    api_keys.allowed_scopes(body.role, body.scopes)  # refused before anything is written
    tenant_id = new_id("ten") if body.newTenant else body.tenantId or DEMO_TENANT_ID
    system = _system(tenant_id, request_id)
    users.ensure_tenant(system, DEMO_TENANT_NAME if tenant_id == DEMO_TENANT_ID else f"Tenant {tenant_id}")
    user_id = new_id("usr")
    user = users.create_user(
        system,
        name=f"Dev {body.role.value}",
        email=f"{user_id.lower()}@dev.example.com",
        role=body.role,
        user_id=user_id,
    )
    created = api_keys.issue_key(system, user=user, name=f"dev token ({body.role.value})", scopes=body.scopes)
    return _token(created, tenant_id, with_access_token=True)


def bootstrap_admin(
    tenant_id: str, *, tenant_name: str, admin_email: str, admin_user_id: str, admin_key: str | None, request_id: str
) -> DevToken:
    """A tenant and its admin (each created once) and an admin key: `admin_key` if given, else a new one.

    The local stack's demo tenant, and a new tenant's first key on a deployed stage (`cdp bootstrap-admin`).
    """
    system = _system(tenant_id, request_id)
    users.ensure_tenant(system, tenant_name)
    admin = users.get_active_user(tenant_id, admin_user_id) or users.create_user(
        system, name=f"{tenant_name} admin", email=admin_email, role=Role.ADMIN, user_id=admin_user_id
    )
    if admin_key and (lookup := key_store.find_by_hash(hash_key(admin_key))) is not None:
        if lookup.tenant_id != tenant_id or lookup.role != Role.ADMIN.value:
            raise errors.conflict("That key exists already for another tenant or role")
        return DevToken(
            tenantId=tenant_id,
            userId=admin.user_id,
            role=Role.ADMIN,
            scopes=list(lookup.scopes),
            keyId=lookup.key_id,
            apiKey=admin_key,
        )
    created = api_keys.issue_key(system, user=admin, name=f"{tenant_name} admin key", scopes=None, raw_key=admin_key)
    return _token(created, tenant_id)


def ensure_demo_admin(admin_key: str | None, request_id: str) -> DevToken:
    """The local stack's demo tenant, its admin and an admin key."""
    return bootstrap_admin(
        DEMO_TENANT_ID,
        tenant_name=DEMO_TENANT_NAME,
        admin_email="admin@demo.example.com",
        admin_user_id=DEMO_ADMIN_ID,
        admin_key=admin_key,
        request_id=request_id,
    )
