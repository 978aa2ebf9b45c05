"""Tags: the tenant's labels, unique per tenant by name (case- and accent-insensitively); contacts
carry tag names, and every name a contact carries is a tag (docs/data-model.md, Tags)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from contact_platform.models.base import Model
from contact_platform.models.fields import Description, TagName, Worded, not_null
from contact_platform.models.paging import NamedQuery

Color = Annotated[str, Worded(r"^#[0-9A-Fa-f]{6}$", "not a color: # and 6 hex digits, as #FF8800")]
_COLOR = "A display colour, `#RRGGBB`."


class TagCreate(Model):
    model_config = ConfigDict(extra="forbid")

    name: TagName
    color: Color | None = Field(None, description=_COLOR)
    description: Description | None = None


class TagPatch(Model):
    """Only the fields sent change; `null` clears colour or description. A new `name` is reserved at
    once (409 when another tag holds it) and a tagging job renames the tag on every contact; the tag
    shows the pending name in `renamingTo` and the job in `renameOperationId` until it has finished."""

    model_config = ConfigDict(extra="forbid")

    name: TagName | None = Field(None, description="Rename the tag (asynchronous, see renameOperationId).")
    color: Color | None = Field(None, description=_COLOR)
    description: Description | None = None

    _name_not_null = not_null("name")


class Tag(Model):
    id: str = Field(examples=["tag_hfh5BK0ImfcP7mqujsVC"])
    name: str
    color: str | None
    description: str | None
    contactCount: int | None = Field(
        description="Active contacts of the tenant holding the tag, kept with every write; shown to admins "
        "and managers, null for roles that see only their own contacts."
    )
    renamingTo: str | None = Field(description="The name a rename in progress gives the tag.")
    renameOperationId: str | None = Field(
        description="The tagging job of that rename: GET /api/v1/tag-assignments/{operationId}."
    )
    createdAt: str
    createdBy: str
    updatedAt: str


class TagListQuery(NamedQuery):
    pass
