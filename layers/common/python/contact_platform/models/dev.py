"""Dev mode only: issuing keys without an existing key."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from contact_platform.models.api_keys import Scopes
from contact_platform.models.base import Model
from contact_platform.permissions import Role

TenantId = Annotated[str, StringConstraints(pattern=r"^ten_[A-Za-z0-9]{1,40}$")]


class DevTokenRequest(Model):
    model_config = ConfigDict(extra="forbid")

    tenantId: TenantId | None = None
    role: Role
    scopes: Scopes | None = None


class DevToken(Model):
    tenantId: str
    userId: str
    role: Role
    scopes: list[str]
    keyId: str
    apiKey: str
