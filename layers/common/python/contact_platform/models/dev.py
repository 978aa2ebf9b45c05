"""Dev mode only: issuing keys without an existing key."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool

from contact_platform.models.api_keys import Scopes
from contact_platform.models.base import Document, Model
from contact_platform.models.fields import record_id
from contact_platform.permissions import Role

TenantId = Annotated[str, record_id("ten")]


class DevTokenRequest(Model):
    """A new user with this role and a key for them: in the demo tenant (`ten_demo`, the one `cdp serve`
    prints) unless `tenantId` names another tenant or `newTenant` asks for a new one."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    tenantId: TenantId | None = Field(None, description="This tenant (created when new) instead of ten_demo.")
    newTenant: StrictBool = Field(False, description="A new tenant with a random ID instead of ten_demo.")
    scopes: Scopes | None = Field(None, description="Defaults to every scope the role allows.")


class DevToken(Model):
    tenantId: str
    userId: str
    role: Role
    scopes: list[str]
    keyId: str
    apiKey: str
    accessToken: str | None = Field(
        None,
        description="A JWT for `Authorization: Bearer` from the local stack's dev issuer, for the same user, "
        "role and scopes; null where the stage has no dev issuer (a deployed stage: tokens come from Cognito).",
    )
    tokenType: Literal["Bearer"] = "Bearer"
    expiresIn: int | None = Field(None, description="Seconds until `accessToken` expires.")


class Jwk(Model):
    kty: Literal["RSA"]
    kid: str
    use: Literal["sig"]
    alg: Literal["RS256"]
    n: str
    e: str


class Jwks(Document):
    """A JSON Web Key Set (RFC 7517), sent as is (no envelope)."""

    keys: list[Jwk]


class DevUser(Model):
    id: str
    name: str
    role: Role
    active: bool


class DevRole(Model):
    role: Role
    scopes: list[str]


class DevAuth(Model):
    """The local stack's demo tenant and how to authenticate against it (no secrets)."""

    tenantId: str
    tenantName: str
    users: list[DevUser] = Field(description="The demo tenant's users, oldest first (the first 100).")
    usersTruncated: bool
    roles: list[DevRole] = Field(description="Every role and the scopes it allows.")
    issuer: str | None = Field(description="The issuer of the access tokens the API accepts (`iss`).")
    audience: str | None = Field(description="The audience they must name (`aud`), if any.")
    jwksUrl: str | None = Field(description="Where the issuer's public keys are.")
    claims: dict[str, str] = Field(description="The claims an access token carries and what each means.")
    howToGetAToken: list[str]
    howToBecomeSupreme: str


class DevSupreme(Model):
    message: str
    userId: str
    tenantId: str
