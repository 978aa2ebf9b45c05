"""Audit trail entries as returned to admins."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from contact_platform.models.base import Model
from contact_platform.models.fields import AnyRecordId, Worded
from contact_platform.models.paging import WindowQuery


class AuditEntry(Model):
    id: str
    entityType: str = Field(examples=["contact"])
    entityId: str
    action: str = Field(examples=["contact.deleted"])
    actorUserId: str
    actorKeyId: str | None
    requestId: str
    occurredAt: str
    changedFields: list[str] = Field(description="Names of the fields the write changed (values are not kept).")
    details: dict[str, Any] | None = Field(
        None, description="What an entry tells beyond the fields: a lead migration's counts, source, caller's IP."
    )


# An audit entry's action: an event type (`contact.deleted`) or an administration action (`tag.renamed`).
Action = Annotated[
    str, Worded(r"^[a-z_]+(\.[a-z_]+)?$", "not an action: an event type (contact.deleted) or a word (tag.renamed)")
]
Actor = Annotated[str, Worded(r"^(usr_[A-Za-z0-9]{1,40}|system)$", "not a user ID (usr_...) or system")]


class AuditLogQuery(WindowQuery):
    """Filters held to the forms an entry has (an ID, `<entity>.<verb>` or a word): an empty or
    malformed one is a 422, not an empty page that reads as "nothing happened"."""

    entityId: AnyRecordId | None = Field(None, examples=["con_hfh5BK0ImfcP7mqujsVC"])
    action: Action | None = Field(
        None,
        examples=["contact.deleted", "leads_batch_import"],
        description="Entries of one action: an event type (GET /api/v1/events) or an administration action "
        "(apikey.created, tag.renamed, leads_batch_import, ...); one that no entry can have is a 422.",
    )
    actorUserId: Actor | None = Field(
        None,
        examples=["usr_hfh5BK0ImfcP7mqujsVC"],
        description="Entries of what one user did; `system`: what the platform did on its own (a webhook "
        "disabled after its failures).",
    )
