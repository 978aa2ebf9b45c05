"""Tags: named labels, unique per tenant; contacts carry tag names."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from contact_platform.models.base import Model
from contact_platform.models.fields import TagName

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


class TagCreate(Model):
    model_config = ConfigDict(extra="forbid")

    name: TagName
    color: Color | None = Field(None, description="A display colour, `#RRGGBB`.")


class Tag(Model):
    id: str = Field(examples=["tag_hfh5BK0ImfcP7mqujsVC"])
    name: str
    color: str | None
    createdAt: str
    createdBy: str
