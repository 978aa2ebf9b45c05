"""The dev-mode routes beside `POST /dev/token` (docs/architecture.md, "Dev endpoints"): the dev
issuer's JWKS, what a developer needs to authenticate against the demo tenant, a deliberate 500, and
a route only supreme users may call. Each answers 404 outside dev mode (`Route.dev_only`)."""

from __future__ import annotations

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.demo_tenant import DEMO_TENANT_ID, DEMO_TENANT_NAME
from contact_platform.models.dev import DevAuth, DevRole, DevSupreme, DevUser, Jwk, Jwks
from contact_platform.permissions import ROLE_SCOPES, Caller, Role
from contact_platform.services import bearer_tokens, dev_issuer
from contact_platform.store import keys
from contact_platform.store import records as store

DEV_USERS_SHOWN = 100


class DeliberateFailure(RuntimeError):
    """Raised by `GET /dev/internalServerError`: an unexpected error as any other would be."""


def get_jwks() -> Jwks:
    if not dev_issuer.configured():
        raise errors.not_found("Route")  # a deployed stage: its tokens' keys are Cognito's
    return Jwks(keys=[Jwk.model_validate(key) for key in dev_issuer.jwks()["keys"]])


def get_dev_auth() -> DevAuth:
    page = store.list_index(
        "GSI1", keys.records_collection(DEMO_TENANT_ID, "user"), limit=DEV_USERS_SHOWN, start=None, forward=True
    )
    users = []
    for record in page.items:
        data = store.data_of(record)
        users.append(
            DevUser(id=record.record_id, name=data["name"], role=data["role"], active=data.get("active") is not False)
        )
    config = settings()
    return DevAuth(
        tenantId=DEMO_TENANT_ID,
        tenantName=DEMO_TENANT_NAME,
        users=users,
        usersTruncated=page.last_key is not None,
        roles=[DevRole(role=role, scopes=sorted(ROLE_SCOPES[role])) for role in Role],
        issuer=config.jwt_issuer or None,
        audience=config.jwt_audience or None,
        jwksUrl=config.jwt_jwks_url or None,
        claims={
            "sub": "the user (the dev issuer's tokens)",
            bearer_tokens.CLAIM_TENANT: "the tenant the token acts in",
            bearer_tokens.CLAIM_USER: "the user the token acts as",
            bearer_tokens.CLAIM_ROLE: "the user's role: " + ", ".join(role.value for role in Role),
            bearer_tokens.CLAIM_SCOPE: "space-separated scopes; only those the role allows count",
            "exp": f"expiry, {dev_issuer.EXPIRES_IN_SECONDS} s after issue",
        },
        howToGetAToken=[
            'POST /dev/token {"role": "admin"}: a new user of the demo tenant with that role, an API key '
            "(`apiKey`) and an access token (`accessToken`, a JWT)",
            'POST /dev/token {"role": "user", "newTenant": true}: the same in a new tenant',
            "Send either as `Authorization: Bearer <apiKey or accessToken>`",
        ],
        howToBecomeSupreme="An operator runs `cdp users set-supreme USER_ID` against the running stack; "
        "never through the API",
    )


def trigger_internal_server_error() -> DevSupreme:
    raise DeliberateFailure("deliberate failure of GET /dev/internalServerError")


def get_dev_supremes(caller: Caller) -> DevSupreme:
    """Reached only past `Route.supreme`'s check."""
    return DevSupreme(message="You are a supreme user", userId=caller.user_id, tenantId=caller.tenant_id)
