"""Contacts: create and patch inputs, the contact as returned, list filters."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contact_platform.errors import Detail
from contact_platform.models.base import Model
from contact_platform.models.fields import (
    CUSTOM_FILTER_DESCRIPTION,
    MAX_EMAILS,
    MAX_PHONES,
    MAX_TAGS,
    CustomFields,
    CustomFieldsFilter,
    DateTimeFilter,
    Email,
    FullName,
    OrganizationId,
    PastTimestamp,
    PersonName,
    Phone,
    TagName,
    UserId,
    Version,
    not_null,
)
from contact_platform.models.paging import IDS_DESCRIPTION, PageQuery, after_bound
from contact_platform.models.problems import message_of

Emails = Annotated[list[Email], Field(max_length=MAX_EMAILS, description="The first one is the primary email.")]
Phones = Annotated[list[Phone], Field(max_length=MAX_PHONES)]
Tags = Annotated[list[TagName], Field(max_length=MAX_TAGS)]


_NAMES = ("name", "firstName", "lastName")


def _require_a_name(data: Any) -> None:
    if not any(data.get(field) for field in _NAMES):
        raise PydanticCustomError("name_missing", "one of name, firstName or lastName is required", {"field": "name"})


class ContactCreate(Model):
    model_config = ConfigDict(extra="forbid")

    firstName: PersonName | None = None
    lastName: PersonName | None = None
    name: FullName | None = Field(None, description="Derived from firstName and lastName when absent.")
    emails: Emails = []
    phones: Phones = []
    organizationId: OrganizationId | None = None
    ownerId: UserId | None = Field(None, description="Defaults to the calling user.")
    tags: Tags = []
    consentGivenAt: PastTimestamp | None = None
    customFields: CustomFields = {}

    @model_validator(mode="after")
    def _has_a_name(self) -> ContactCreate:
        _require_a_name(self.model_dump())
        return self

    @classmethod
    def rule_problems(cls, sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        """With field errors elsewhere, a body without any name hears of that too (`Input.rule_problems`)."""
        if unknown & set(_NAMES):
            return []
        try:
            _require_a_name(sent)
        except PydanticCustomError as missing:
            return [Detail("name", missing.message())]
        return []


class ContactPatch(Model):
    """Only the fields sent change; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    firstName: PersonName | None = None
    lastName: PersonName | None = None
    name: FullName | None = None
    emails: Emails | None = None
    phones: Phones | None = None
    organizationId: OrganizationId | None = None
    ownerId: UserId | None = None
    tags: Tags | None = None
    consentGivenAt: PastTimestamp | None = None
    customFields: CustomFields | None = None

    _owner_not_null = not_null("ownerId")


class Contact(Model):
    id: str = Field(examples=["con_hfh5BK0ImfcP7mqujsVC"])
    firstName: str | None
    lastName: str | None
    name: str
    emails: list[str]
    phones: list[str]
    organizationId: str | None
    ownerId: str
    tags: list[str]
    consentGivenAt: str | None
    customFields: dict[str, str | bool | int | float | None]
    isActive: bool
    createdAt: str
    updatedAt: str
    deletedAt: str | None
    deletedBy: str | None
    mergedInto: str | None = Field(None, description="Deleted by a merge into this contact.")
    version: Version


class ContactDeleted(Model):
    message: str = Field(examples=["Contact deleted successfully"])
    contactId: str


CONTACT_SORT_FIELDS = ("createdAt", "updatedAt", "lastName")
_TAGS_DESCRIPTION = f"1 to {MAX_TAGS} comma-separated tag names or tag IDs"


class ContactFilterFields(Model):
    """The contact filter grammar, shared by `GET /contacts` and saved segments."""

    model_config = ConfigDict(extra="forbid")

    ownerId: UserId | None = None
    organizationId: OrganizationId | None = None
    createdAfter: DateTimeFilter | None = Field(None, description="Created at or after this moment.")
    createdBefore: DateTimeFilter | None = Field(None, description="Created before this moment.")
    updatedSince: DateTimeFilter | None = None
    search: str | None = Field(
        None,
        min_length=2,
        max_length=100,
        description="Prefix of a name, email or phone number (at least 2 characters).",
    )

    _created_in_order = field_validator("createdBefore")(
        after_bound("createdAfter", "must be after createdAfter", inclusive=False)
    )


def _tag_list(value: Any) -> Any:
    """A segment's tags as a JSON list, or comma-separated like the list query."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


SegmentTags = Annotated[list[TagName], BeforeValidator(_tag_list), Field(min_length=1, max_length=MAX_TAGS)]
_TAG_NAME: TypeAdapter[str] = TypeAdapter(TagName)


def _tag_names(value: str) -> str:
    """The list query's comma-separated tags, held to a segment's rules (1 to MAX_TAGS names of at most
    50 characters): an empty or oversized filter is a 422, not a list of everything or of nothing."""
    names = _tag_list(value)
    if not names:
        raise ValueError("give at least one tag name or ID")
    if len(names) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags, not {len(names)}")
    for number, name in enumerate(names, 1):
        try:
            _TAG_NAME.validate_python(name)
        except ValidationError as error:
            raise ValueError(f"tag {number}: {message_of(error.errors()[0])}") from None
    return value


QueryTags = Annotated[str, AfterValidator(_tag_names)]


class ContactListQuery(PageQuery, ContactFilterFields):
    sort: str | None = Field(None, description="createdAt, updatedAt or lastName; prefix `-` for descending.")
    tag: QueryTags | None = Field(None, max_length=1100, description=f"{_TAGS_DESCRIPTION}: contacts with any of them.")
    tagsAll: QueryTags | None = Field(
        None, max_length=1100, description=f"{_TAGS_DESCRIPTION}: contacts with all of them."
    )
    ids: str | None = Field(None, max_length=4200, description=IDS_DESCRIPTION)
    customFields: CustomFieldsFilter | None = Field(None, description=CUSTOM_FILTER_DESCRIPTION)


class ContactFilter(ContactFilterFields):
    """A saved filter: the fields of `GET /api/v1/contacts`, with tag lists as JSON arrays."""

    tag: SegmentTags | None = Field(None, description="Contacts with any of these tags (names or IDs).")
    tagsAll: SegmentTags | None = Field(None, description="Contacts with all of these tags (names or IDs).")
