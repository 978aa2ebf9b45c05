"""Activities: calls, meetings, tasks and the like, due on a date, on a deal, a contact or an
organization; `doneAt` is set by the server when an activity is marked done."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.models.fields import ContactId, DealId, IsoDate, OrganizationId, Worded, text

ActivityType = Literal["call", "meeting", "task", "deadline", "email", "lunch"]
DueTime = Annotated[str, Worded(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "not a time of day: HH:MM, 00:00 to 23:59")]


class ActivityFields(Fields):
    type: ActivityType
    subject: text(200)  # type: ignore[valid-type]
    dueDate: IsoDate | None = None
    dueTime: Annotated[DueTime | None, Field(description="HH:MM, 24 hours.")] = None
    durationMinutes: Annotated[int | None, Field(ge=1, le=10_080)] = None
    dealId: DealId | None = None
    contactId: ContactId | None = None
    organizationId: OrganizationId | None = None
    done: bool = False


def _done_at(before: dict[str, Any] | None, after: dict[str, Any], now: str) -> dict[str, Any]:
    """`doneAt`: when it was marked done (kept while it stays done), none while it is not."""
    if not after.get("done"):
        return {"doneAt": None}
    was_done = before is not None and before.get("done")
    return {"doneAt": before.get("doneAt") if was_done and before else now}


ENTITY = Entity(
    "activity",
    "act",
    ActivityFields,
    plural="activities",
    label="Activity",
    filters=("dealId", "contactId", "organizationId", "done", "type"),
    ranges={"dueDate": ("dueFrom", "dueTo")},
    sort=("dueDate",),
    search=("subject",),
    link="dealId",
    references={"dealId": "deal", "contactId": "contact", "organizationId": "organization"},
    seen_with=("dealId", "contactId", "organizationId"),
    server_fields={"doneAt": str},
    on_write=_done_at,
    summary="Something to do or done: a call, a meeting, a task, on a deal, a contact or an organization.",
    example={
        "type": "call",
        "subject": "Erstgespräch",
        "dueDate": "2026-12-24",
        "dueTime": "10:30",
        "contactId": "con_1",
    },
)
