"""What every list takes and returns: `cursor` and `limit` in, one page and the next cursor out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from contact_platform.models.base import Model
from contact_platform.models.fields import DateTimeFilter

T = TypeVar("T")


class Listing(Model, Generic[T]):
    """What a list service returns: one page and the cursor to the next."""

    items: list[T]
    nextCursor: str | None
    limit: int


# A list's `ids` (services/listing.requested_ids): the records of up to 100 IDs, as one query.
MAX_IDS = 100
IDS_DESCRIPTION = (
    f"Up to {MAX_IDS} IDs, comma-separated: those records the caller may see, in this order (each once), "
    "narrowed by the other filters, paged by `limit`; not with `search` or `sort`. An ID that names no "
    "such record is left out."
)


# Validation context of what was stored before a rule came in (a saved segment's filter): read as it is.
STORED = {"stored": True}


def after_bound(low: str, issue: str, *, inclusive: bool = True) -> Callable[[type, Any, ValidationInfo], Any]:
    """A field validator of a range's upper bound (declared after its lower bound `low`): a range no
    value can be in is a 422 naming the upper bound (`issue`: "must be at or after dueFrom"), not an
    empty list or segment. `inclusive`: a value equal to both bounds is in the range. Not on STORED
    data: a segment saved with such a range still reads, and matches nothing."""

    def ordered(cls: type, value: Any, info: ValidationInfo) -> Any:
        if info.context == STORED:
            return value
        start = info.data.get(low)
        if value is not None and start is not None and (value < start if inclusive else value <= start):
            raise ValueError(issue)
        return value

    return ordered


class PageQuery(Model):
    """`cursor` and `limit` of every list (default 50, at most 200)."""

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(None, description="`meta.pagination.nextCursor` of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class WindowQuery(PageQuery):
    """A list of what happened (audit entries, events) between `since` (included) and `until` (not)."""

    since: DateTimeFilter | None = Field(None, description="Only those at or after this moment.")
    until: DateTimeFilter | None = Field(None, description="Only those before this moment (after `since`).")

    _a_window = field_validator("until")(after_bound("since", "must be after since", inclusive=False))


class ChangedSinceQuery(PageQuery):
    """A list a client keeps in step with: `updatedSince` keeps what changed at or after it (filtered
    in the page, so a page may be short while `nextCursor` is set)."""

    updatedSince: DateTimeFilter | None = Field(
        None, description="Only those changed at or after this time (a sync sends the time of its last one)."
    )


class NamedQuery(ChangedSinceQuery):
    """A list of named things a picker completes as the name is typed (tags, segments)."""

    search: str | None = Field(
        None,
        description="Only those whose name begins with this (at least 2 characters, case- and "
        "accent-insensitive), A to Z.",
        examples=["vi"],
    )
    ids: str | None = Field(None, max_length=4200, description=IDS_DESCRIPTION)


class DeletedQuery(PageQuery):
    """The list of soft-deleted records not yet purged (admins), oldest deletion first."""

    deletedSince: DateTimeFilter | None = Field(None, description="Only those deleted at or after this moment.")
