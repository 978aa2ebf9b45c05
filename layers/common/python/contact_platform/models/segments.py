"""Segments (saved audiences): a saved contact filter or an explicit list of up to 10,000 contact IDs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from contact_platform.models.base import Model
from contact_platform.models.contacts import ContactFilter
from contact_platform.models.fields import ContactId, Description, ShortName, Version
from contact_platform.models.paging import NamedQuery

MAX_SEGMENT_CONTACTS = 10_000
ContactIds = Annotated[list[ContactId], Field(min_length=1, max_length=MAX_SEGMENT_CONTACTS)]


def _one_definition(model: BaseModel, *, required: bool) -> None:
    given = [field for field in ("filter", "contactIds") if getattr(model, field) is not None]
    if len(given) > 1:
        raise PydanticCustomError(
            "segment_definition", "give either filter or contactIds, not both", {"field": "filter"}
        )
    if required and not given:
        raise PydanticCustomError("segment_definition", "give filter or contactIds", {"field": "filter"})


class SegmentCreate(Model):
    model_config = ConfigDict(extra="forbid")

    name: ShortName
    description: Description | None = None
    filter: ContactFilter | None = Field(None, description="The filter grammar of GET /api/v1/contacts.")
    contactIds: ContactIds | None = Field(None, description="An explicit list of contact IDs (at most 10,000).")

    @model_validator(mode="after")
    def _defined(self) -> SegmentCreate:
        _one_definition(self, required=True)
        return self


class SegmentPatch(Model):
    """Only the fields sent change; sending `filter` or `contactIds` replaces the definition."""

    model_config = ConfigDict(extra="forbid")

    name: ShortName | None = None
    description: Description | None = None
    filter: ContactFilter | None = None
    contactIds: ContactIds | None = None

    @model_validator(mode="after")
    def _defined(self) -> SegmentPatch:
        _one_definition(self, required=False)
        if "name" in self.model_fields_set and self.name is None:
            raise PydanticCustomError("null_not_allowed", "cannot be null", {"field": "name"})
        return self


class Segment(Model):
    id: str = Field(examples=["seg_hfh5BK0ImfcP7mqujsVC"])
    name: str
    description: str | None
    type: Literal["filter", "list"]
    filter: dict[str, Any] | None
    contactIds: list[str] | None
    createdAt: str
    updatedAt: str
    createdBy: str
    version: Version


class SegmentDeleted(Model):
    message: str = Field(examples=["Segment deleted successfully"])
    segmentId: str


class SegmentCount(Model):
    segmentId: str
    count: int = Field(description="Active contacts in the segment that the caller may see, counted now.")


class SegmentListQuery(NamedQuery):
    pass
