"""Domain events as the API lists them and webhooks will deliver them (docs/architecture.md, "Events")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from contact_platform.models.base import Model
from contact_platform.models.fields import DateTimeFilter, Worded
from contact_platform.models.paging import WindowQuery

EVENT_TYPE_PATTERN = r"^(\*|[a-z_]+\.(\*|[a-z_]+))$"
# An event type (`deal.won`), every type of an entity (`deal.*`), or `*`.
EventType = Annotated[
    str, Worded(EVENT_TYPE_PATTERN, "not an event type: <entity>.<action> (deal.won), <entity>.* or *")
]


class Event(Model):
    id: str = Field(examples=["evt_R5Ia9MFaijHqH2iQyGHs"], description="Receivers dedupe on it.")
    type: str = Field(examples=["deal.won"])
    occurredAt: str
    tenantId: str
    data: dict[str, Any] = Field(description="The record after the write, as the API returns it.")
    previous: dict[str, Any] | None = Field(description="The changed fields' values before the write (null on create).")
    mergedId: str | None = Field(None, description="On `*.merged`: the record merged into `data` (now deleted).")


class EventQuery(WindowQuery):
    type: EventType | None = Field(
        None,
        examples=["deal.won", "deal.*"],
        description="One type, or every type of an entity (`deal.*`).",
    )
    since: DateTimeFilter | None = Field(
        None, description="Events at or after this moment; the last 30 days are kept (the default)."
    )
