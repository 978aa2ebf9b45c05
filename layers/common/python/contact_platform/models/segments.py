"""Segments (saved audiences): a saved contact filter or an explicit list of up to 10,000 contact IDs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from contact_platform.errors import Detail
from contact_platform.models.base import Model
from contact_platform.models.contacts import ContactFilter
from contact_platform.models.fields import ContactId, Description, ShortName, Version, not_null
from contact_platform.models.paging import NamedQuery

MAX_SEGMENT_CONTACTS = 10_000
ContactIds = Annotated[list[ContactId], Field(min_length=1, max_length=MAX_SEGMENT_CONTACTS)]


_DEFINITIONS = ("filter", "contactIds")


def _definition_issue(given: list[str], *, required: bool) -> str | None:
    if len(given) > 1:
        return "give either filter or contactIds, not both"
    return "give filter or contactIds" if required and not given else None


def _one_definition(model: BaseModel, *, required: bool) -> None:
    issue = _definition_issue([field for field in _DEFINITIONS if getattr(model, field) is not None], required=required)
    if issue is not None:
        raise PydanticCustomError("segment_definition", issue, {"field": "filter"})


def _definition_problems(sent: dict[str, Any], unknown: frozenset[str], *, required: bool) -> list[Detail]:
    """The same with field errors elsewhere (`Input.rule_problems`): a definition sent counts, valid or not."""
    given = [field for field in _DEFINITIONS if sent.get(field) is not None or field in unknown]
    issue = _definition_issue(given, required=required)
    return [Detail("filter", issue)] if issue is not None else []


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

    @classmethod
    def rule_problems(cls, sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        return _definition_problems(sent, unknown, required=True)


class SegmentPatch(Model):
    """Only the fields sent change; sending `filter` or `contactIds` replaces the definition."""

    model_config = ConfigDict(extra="forbid")

    name: ShortName | None = None
    description: Description | None = None
    filter: ContactFilter | None = None
    contactIds: ContactIds | None = None

    _name_not_null = not_null("name")

    @model_validator(mode="after")
    def _defined(self) -> SegmentPatch:
        _one_definition(self, required=False)
        return self

    @classmethod
    def rule_problems(cls, sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        return _definition_problems(sent, unknown, required=False)


class Segment(Model):
    id: str = Field(examples=["seg_hfh5BK0ImfcP7mqujsVC"])
    name: str
    description: str | None
    type: Literal["filter", "list"]
    filter: dict[str, Any] | None
    contactIds: list[str] | None = Field(
        description="A list's contacts, shown to its creator, admins and managers (null to other users)."
    )
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
