"""Which tenant and user a Cognito app client's tokens act for (docs/architecture.md, "Bearer
tokens: Cognito"). Client-credentials tokens name only the app client; the pre-token-generation
trigger (functions/triggers/token_claims.py) adds `cdp:tenant`, `cdp:user` and `cdp:role` from the
client's registration and the user's record, so the authorizer reads nothing per request.

The user must exist and be active when the token is issued (its role is read then); a user
deactivated later keeps working until the token expires (15 minutes, the app client's access
token validity), as a key's role is fixed when the key is made.
"""

from __future__ import annotations

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.services import users
from contact_platform.services.bearer_tokens import CLAIM_ROLE, CLAIM_TENANT, CLAIM_USER, TENANT_ID
from contact_platform.store import token_clients as store
from contact_platform.store.token_clients import TokenClientItem


class UnknownClient(Exception):
    """No registration, or its user is not an active user of its tenant: Cognito issues no token."""


def claims_for(client_id: str) -> dict[str, str]:
    """The claims a token of this app client carries."""
    registration = store.get_client(client_id)
    if registration is None:
        raise UnknownClient(f"app client {client_id} is not registered")
    user = users.get_active_user(registration.tenant_id, registration.user_id)
    if user is None:
        raise UnknownClient(f"app client {client_id}: no active user {registration.user_id} in its tenant")
    return {CLAIM_TENANT: registration.tenant_id, CLAIM_USER: user.user_id, CLAIM_ROLE: user.role.value}


def register(client_id: str, *, tenant_id: str, user_id: str, registered_by: str) -> TokenClientItem:
    """The operator's registration (`cdp clients register`): the user must be an active user of the tenant."""
    if not TENANT_ID.match(tenant_id):
        raise errors.invalid([Detail("tenantId", "not a tenant id")])
    if users.get_active_user(tenant_id, user_id) is None:
        raise errors.invalid([Detail("userId", "no active user with this id")])
    item = TokenClientItem(
        client_id=client_id,
        tenant_id=tenant_id,
        user_id=user_id,
        registered_at=clock.iso(clock.now()),
        registered_by=registered_by,
    )
    store.put_client(item)
    return item


def unregister(client_id: str) -> bool:
    return store.delete_client(client_id)
