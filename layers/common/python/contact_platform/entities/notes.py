"""Notes: plain text attached to at least one deal, contact or organization; pinned ones first in a UI."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from contact_platform.entities.entity import Entity, Fields
from contact_platform.errors import Detail
from contact_platform.models.fields import ContactId, DealId, OrganizationId

MAX_CONTENT_BYTES = 300_000  # a record stays well under DynamoDB's 400 KB item limit
ATTACHMENTS = ("dealId", "contactId", "organizationId")
NoteContent = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]


class NoteFields(Fields):
    content: NoteContent
    dealId: DealId | None = None
    contactId: ContactId | None = None
    organizationId: OrganizationId | None = None
    pinned: bool = False


def _attached_and_bounded(
    note: dict[str, Any], changed: set[str], *, unknown: frozenset[str] = frozenset()
) -> list[Detail]:
    problems = []
    if not any(note.get(field) for field in ATTACHMENTS) and not unknown & set(ATTACHMENTS):
        problems.append(Detail("dealId", "a note is attached to at least one of dealId, contactId, organizationId"))
    if len(str(note.get("content", "")).encode()) > MAX_CONTENT_BYTES:
        problems.append(Detail("content", f"at most {MAX_CONTENT_BYTES} bytes of UTF-8"))
    return problems


ENTITY = Entity(
    "note",
    "note",
    NoteFields,
    label="Note",
    filters=("dealId", "contactId", "organizationId", "pinned"),
    link="contactId",
    references={"dealId": "deal", "contactId": "contact", "organizationId": "organization"},
    seen_with=("dealId", "contactId", "organizationId"),
    checks=_attached_and_bounded,
    summary="A note on a deal, a contact or an organization.",
    example={"content": "Kunde interessiert sich für Enterprise-Plan.", "organizationId": "org_123"},
)
