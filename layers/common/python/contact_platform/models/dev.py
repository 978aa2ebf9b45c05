"""Dev mode only: issuing keys without an existing key."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from contact_platform.models.api_keys import Scopes
from contact_platform.models.base import Model
from contact_platform.permissions import Role

TenantId = Annotated[str, StringConstraints(pattern=r"^ten_[A-Za-z0-9]{1,40}$")]


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
