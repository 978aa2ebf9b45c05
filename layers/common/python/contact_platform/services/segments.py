"""Segments (saved audiences): save, read, change and delete them; preview, count and walk their contacts.

Every key with `segments:read` reads every segment of the tenant, and its contacts as far as it may
see them; a list's `contactIds` are shown to its creator and to admins and managers only (they may
name contacts another `user` may not see), and only they change or delete it (docs/architecture.md,
"API conventions")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contact_platform import clock, errors
from contact_platform.cursor import decode_cursor, encode_cursor
from contact_platform.ids import new_id
from contact_platform.models.contacts import Contact, ContactFilter
from contact_platform.models.paging import STORED, Listing, PageQuery
from contact_platform.models.segments import (
    Segment,
    SegmentCount,
    SegmentCreate,
    SegmentDeleted,
    SegmentListQuery,
    SegmentPatch,
)
from contact_platform.permissions import Caller
from contact_platform.services import audit, search_terms
from contact_platform.services.contact_queries import (
    Criteria,
    Positioned,
    active_contacts,
    active_ids,
    matching_ids,
    plan,
)
from contact_platform.services.contacts import plain_map
from contact_platform.services.contacts import to_api as contact_to_api
from contact_platform.services.listing import named_list
from contact_platform.services.versions import Precondition
from contact_platform.store import segments as store
from contact_platform.store.contacts import ContactItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page, collect
from contact_platform.store.segments import SegmentItem

ENTITY = "segment"


def _to_api(item: SegmentItem, caller: Caller) -> Segment:
    is_list = bool(item.is_list)
    return Segment(
        id=item.segment_id,
        name=item.name,
        description=item.description,
        type="list" if is_list else "filter",
        filter=None if is_list else plain_map(item.filter),
        contactIds=list(item.contact_ids) if is_list and caller.may_access(item.created_by) else None,
        createdAt=item.created_at,
        updatedAt=item.updated_at,
        createdBy=item.created_by,
        version=int(item.version),
    )


def _stored_filter(filter_: ContactFilter) -> dict[str, Any]:
    return filter_.model_dump(mode="json", exclude_none=True)


def _define(item: SegmentItem, filter_: ContactFilter | None, contact_ids: list[str] | None) -> None:
    if contact_ids is not None:
        item.is_list, item.contact_ids, item.filter = 1, list(dict.fromkeys(contact_ids)), {}
    elif filter_ is not None:
        item.is_list, item.contact_ids, item.filter = 0, [], _stored_filter(filter_)


def found(caller: Caller, segment_id: str) -> SegmentItem:
    """The tenant's segment, or 404."""
    item = store.get_segment(caller.tenant_id, segment_id)
    if item is None:
        raise errors.not_found("Segment")
    return item


def _changeable(caller: Caller, segment_id: str) -> SegmentItem:
    """The segment, if the caller made it or sees every record; 403 for the others who read it."""
    item = found(caller, segment_id)
    if not caller.may_access(item.created_by):
        raise errors.forbidden("Only its creator, an admin or a manager may change this segment")
    return item


def create_segment(caller: Caller, body: SegmentCreate) -> Segment:
    now = clock.iso(clock.now())
    segment_id = new_id("seg")
    item = store.new_segment(
        caller.tenant_id, segment_id, now, name=body.name, description=body.description, created_by=caller.user_id
    )
    _define(item, body.filter, body.contactIds)
    store.named(item, search_terms.fold(body.name))
    entry = audit.entry(
        caller, entity_type=ENTITY, entity_id=segment_id, action="segment.created", at=clock.parse_iso(now), changed=[]
    )
    store.save(item, entry, expected_version=None)
    return _to_api(item, caller)


def get_segment(caller: Caller, segment_id: str) -> Segment:
    return _to_api(found(caller, segment_id), caller)


def list_segments(caller: Caller, query: SegmentListQuery) -> Listing[Segment]:
    """Newest first; with `search`, those whose folded name begins with it, A to Z (one Query either
    way); with `ids`, the segments of those IDs in their order (services/listing.named_list)."""
    return named_list(
        query,
        tenant_id=caller.tenant_id,
        name="segments",
        id_prefix="seg",
        pages=store.list_segments,
        by_id=store.get_segments,
        to_api=lambda item: _to_api(item, caller),
    )


def update_segment(caller: Caller, segment_id: str, patch: SegmentPatch, if_match: str | None) -> Segment:
    precondition = Precondition.of(if_match, "Segment")
    old = _changeable(caller, segment_id)
    precondition.check(old.version)
    sent = patch.model_dump(exclude_unset=True)
    new = SegmentItem.from_raw_data(old.serialize())
    if "name" in sent:
        new.name = str(patch.name)
    store.named(new, search_terms.fold(new.name))  # a segment made before search had no name index
    if "description" in sent:
        new.description = patch.description
    _define(new, patch.filter, patch.contactIds)
    before, after = _to_api(old, caller).model_dump(), _to_api(new, caller).model_dump()
    changed = [field for field in sent if before[field] != after[field]]
    if not changed and not ({"filter", "contactIds"} & sent.keys()):
        return _to_api(old, caller)
    now = clock.now()
    new.updated_at = clock.iso(now)
    new.version = old.version + 1
    entry = audit.entry(
        caller, entity_type=ENTITY, entity_id=segment_id, action="segment.updated", at=now, changed=sorted(sent)
    )
    try:
        store.save(new, entry, expected_version=int(old.version))
    except StaleVersion:
        precondition.after_lost_race()
        raise errors.busy("Segment") from None
    return _to_api(new, caller)


def delete_segment(caller: Caller, segment_id: str, if_match: str | None) -> SegmentDeleted:
    precondition = Precondition.of(if_match, "Segment")
    item = _changeable(caller, segment_id)
    precondition.check(item.version)
    entry = audit.entry(
        caller, entity_type=ENTITY, entity_id=segment_id, action="segment.deleted", at=clock.now(), changed=[]
    )
    try:
        store.delete(item, entry)
    except StaleVersion:
        precondition.after_lost_race()
        raise errors.not_found("Segment") from None
    return SegmentDeleted(message="Segment deleted successfully", segmentId=segment_id)


# Members ---------------------------------------------------------------------------------------


def criteria(item: SegmentItem, scope: Caller) -> Criteria:
    saved = ContactFilter.model_validate(plain_map(item.filter), context=STORED)
    return Criteria.of(saved, saved.tag or [], saved.tagsAll or [], scope)


def member_ids(item: SegmentItem, scope: Caller, start: LastKey | None = None) -> Iterator[Page[Positioned]]:
    """The IDs of every active contact of the segment that `scope` may see, in the order its contacts
    list gives them, page by page from `start`, each with the cursor that resumes after it; only IDs
    and the attributes the filter checks are read (job plans, counts)."""
    if item.is_list:
        offset = int(start["offset"]["N"]) if start else 0
        return active_ids(item.tenant_id, list(item.contact_ids), scope, start=offset)
    return matching_ids(item.tenant_id, criteria(item, scope), start=start)


def list_segment_contacts(caller: Caller, segment_id: str, query: PageQuery) -> Listing[Contact]:
    item = found(caller, segment_id)
    binding = f"segment-contacts|{caller.tenant_id}|{caller.user_id}|{segment_id}|{item.version}"
    start = decode_cursor(query.cursor, binding)
    if item.is_list:
        offset = int(start["offset"]["N"]) if start else 0
        ids = list(item.contact_ids)
        contacts: list[ContactItem] = []
        while offset < len(ids) and len(contacts) < query.limit:
            batch = ids[offset : offset + query.limit - len(contacts)]
            contacts.extend(active_contacts(caller.tenant_id, batch, caller))
            offset += len(batch)
        next_key = {"offset": {"N": str(offset)}} if offset < len(ids) else None
        return Listing(
            items=[contact_to_api(c) for c in contacts],
            nextCursor=encode_cursor(next_key, binding),
            limit=query.limit,
        )
    wanted = criteria(item, caller)
    chosen = plan(caller.tenant_id, wanted)
    page = collect(chosen.fetch, wanted.matches, limit=query.limit, start=start)
    return Listing(
        items=[contact_to_api(c) for c in page.items],
        nextCursor=encode_cursor(page.last_key, binding),
        limit=query.limit,
    )


def count_segment_contacts(caller: Caller, segment_id: str) -> SegmentCount:
    """Counted now by reading the segment's index pages (cost grows with the segment's size; only IDs
    and the filter's attributes are read, as a job plan reads them)."""
    item = found(caller, segment_id)
    return SegmentCount(segmentId=segment_id, count=sum(len(page.items) for page in member_ids(item, caller)))
