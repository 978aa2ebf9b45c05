"""The tenant's events of the last 30 days (docs/architecture.md, "Events"): the audit entries of
record writes and of jobs' ends, which carry the event written in the write's own transaction.
Newest first."""

from __future__ import annotations

import json
from datetime import timedelta

from contact_platform import clock, errors
from contact_platform.events.catalog import checked_selector
from contact_platform.models.events import Event, EventQuery
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services.listing import listing
from contact_platform.store import audit as audit_store
from contact_platform.store.audit import AuditItem

KEPT = timedelta(days=30)
EVENT_PREFIX, AUDIT_PREFIX = "evt_", "aud_"


def event_id(audit_id: str) -> str:
    """An event's ID is its audit entry's, under the `evt_` prefix."""
    return EVENT_PREFIX + audit_id.removeprefix(AUDIT_PREFIX)


def to_event(item: AuditItem) -> Event:
    body = json.loads(str(item.event))
    return Event(
        id=event_id(item.audit_id),
        type=item.type_of_event,
        occurredAt=item.occurred_at,
        tenantId=item.tenant_id,
        data=body["data"],
        previous=body.get("previous"),
        mergedId=body.get("mergedId"),
    )


def type_matches(event_type: str, selector: str | None) -> bool:
    """Whether a type is one a selector (`deal.won`, `deal.*`, `*`; None: any) asks for."""
    if selector is None or selector == "*":
        return True
    return event_type.startswith(selector[:-1]) if selector.endswith(".*") else event_type == selector


def _matches(item: AuditItem, wanted: str | None) -> bool:
    return item.event is not None and type_matches(item.type_of_event, wanted)


def list_events(caller: Caller, query: EventQuery) -> Listing[Event]:
    """422 for a type no record or job emits (an empty list would read as "nothing happened")."""
    if query.type is not None:
        checked_selector(query.type, "type")
    oldest = clock.now() - KEPT
    since = clock.iso(max(query.since, oldest) if query.since else oldest)
    asked = clock.iso(query.since) if query.since else ""  # the default moves with the clock: not bound
    until = clock.iso(query.until) if query.until else None
    return listing(
        lambda size, start: audit_store.query_audit(
            caller.tenant_id, entity_id=None, since_iso=since, until_iso=until, limit=size, start=start
        ),
        to_event,
        binding=f"events|{caller.tenant_id}|{query.type}|{asked}|{until}",
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda item: _matches(item, query.type),
    )


def get_event(caller: Caller, event_id: str) -> Event:
    """One event of the last 30 days; 404 for any other ID (another tenant's included)."""
    item = None
    if event_id.startswith(EVENT_PREFIX):
        item = audit_store.get_entry(caller.tenant_id, AUDIT_PREFIX + event_id.removeprefix(EVENT_PREFIX))
    if item is None or item.event is None or clock.parse_iso(item.occurred_at) < clock.now() - KEPT:
        raise errors.not_found("Event")
    return to_event(item)
