"""API keys: creation input, the key as listed, and the one response that shows the secret."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from contact_platform.models.base import Model
from contact_platform.models.fields import Timestamp, UserId, Worded, text
from contact_platform.models.paging import PageQuery
from contact_platform.permissions import Role

Scope = Annotated[str, Worded(r"^[a-z][a-z-]*:[a-z][a-z-]*$", "not a scope: resource:action, as contacts:read")]
Scopes = Annotated[list[Scope], Field(max_length=100)]


class ApiKeyQuery(PageQuery):
    userId: UserId | None = Field(None, description="Keys of one user.")
    active: bool | None = Field(
        None, description="true: keys that authenticate now (neither revoked nor expired); false: the others."
    )


class ApiKeyCreate(Model):
    model_config = ConfigDict(extra="forbid")

    name: text(100)  # type: ignore[valid-type]
    userId: UserId | None = Field(None, description="The user the key acts as; defaults to the caller.")
    scopes: Scopes | None = Field(None, description="Defaults to every scope the user's role allows.")
    expiresAt: Timestamp | None = None
    rateLimit: int | None = Field(None, ge=1, le=1_000_000, description="Requests per rate-limit window.")
    burstLimit: int | None = Field(
        None, ge=1, le=100_000, description="Requests a second at most (the burst limit); default 50."
    )


class ApiKey(Model):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    userId: str
    role: Role
    scopes: list[str]
    rateLimit: int
    burstLimit: int = Field(description="Requests a second at most.")
    expiresAt: str | None
    revokedAt: str | None
    createdAt: str
    createdBy: str
    lastUsedAt: str | None = Field(
        None,
        description="When the key last authenticated a request (to within a second; in lists): null before "
        "its first request, and once revoked.",
    )


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret key. It is shown only in this response and never stored.")
