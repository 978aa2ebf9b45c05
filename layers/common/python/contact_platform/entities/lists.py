"""The lists of every declared entity (docs/architecture.md, "Entities"): its records a page at a
time, from the one index that narrows the query most (or search entries, or the IDs asked for),
filtered in memory by what no index covers and by what the caller may see; and the admins' list of
what is deleted and not yet purged."""

from __future__ import annotations

from typing import Any

from contact_platform import clock
from contact_platform.entities.entity import Entity
from contact_platform.entities.reads import fields_of, links_seen, shown, to_api
from contact_platform.entities.service import admins_only, parent_of
from contact_platform.entities.shapes import shapes
from contact_platform.entities.visibility import gone, visible
from contact_platform.models.base import Model
from contact_platform.models.paging import DeletedQuery, Listing, PageQuery
from contact_platform.permissions import Caller
from contact_platform.services import search_terms
from contact_platform.services.listing import (
    by_ids,
    custom_fields_match,
    listing,
    requested_ids,
    search_prefix,
    sort_with_search,
)
from contact_platform.services.sorting import parse_sort
from contact_platform.store import keys
from contact_platform.store import records as store
from contact_platform.store.paging import LastKey, Page
from contact_platform.store.records import SORT_INDEXES, RecordItem


def list_deleted(entity: Entity, caller: Caller, query: DeletedQuery) -> Listing[Any]:
    """The tenant's soft-deleted records not yet purged, oldest deletion first (admins): what a
    restore brings back, from the deleted index (store/records.py); a merged one says `mergedInto`."""
    admins_only(entity, caller)
    since = clock.iso(query.deletedSince) if query.deletedSince else None
    now = clock.iso(clock.now())

    def in_bin(record: RecordItem) -> Model:
        deletion = {"deletedAt": record.deleted_at, "deletedBy": record.deleted_by, "mergedInto": record.merged_into}
        return shapes(entity).in_bin.model_validate(shown(entity, record, now) | deletion)

    return listing(
        lambda size, start: store.list_index(
            "GSI1",
            keys.deleted_records_collection(caller.tenant_id, entity.name),
            limit=size,
            start=start,
            forward=True,
            sort_from=since,
        ),
        in_bin,
        binding=f"deleted-{entity.plural_name}|{caller.tenant_id}|{since}",
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda record: not record.is_active and not gone(record),
    )


def _since(query: PageQuery) -> str | None:
    since = getattr(query, "updatedSince", None)
    return clock.iso(since) if since else None


def _own_only(entity: Entity, caller: Caller) -> bool:
    """Whether every record of the entity the caller may see is its own: an entity never shared with
    everyone, a caller that neither sees every record nor reads all of this entity's (a partner's
    leads). Its list and its search then read the caller's owner index, not the tenant's records or
    search entries."""
    return entity.owned and not entity.shared and not caller.sees_all_records and caller.role not in entity.readers


def _fetch(
    entity: Entity, caller: Caller, query: PageQuery, field: str, forward: bool, parent: dict[str, str]
) -> tuple[Any, str]:
    """How to read the page: the records of `ids`, search entries, or the one list index that narrows
    the query most (which a caller seeing only its own records also searches)."""
    tenant, name = caller.tenant_id, entity.name
    term = getattr(query, "search", None)
    asked = getattr(query, "ids", None)
    if asked is not None:
        ids = requested_ids(asked, entity.prefix, search=term, sort=getattr(query, "sort", None))
        return by_ids(ids, lambda chunk: store.get_records(tenant, name, chunk)), f"ids|{','.join(ids)}"
    own_only = _own_only(entity, caller)
    if term is not None:
        term = search_prefix(term, search_terms.fold)
        if getattr(query, "sort", None):
            raise sort_with_search()
    if term is not None and not own_only:

        def search_page(size: int, start: LastKey | None) -> Page[RecordItem]:
            """The records of the entries read, each by the first of its tokens that matches (so once
            per search, on whichever page that entry falls: docs/data-model.md, "Search")."""
            entries = store.search_entries(tenant, name, term, limit=size, start=start)
            found = store.get_records(tenant, name, [entry.record_id for entry in entries.items])

            def first(record: RecordItem) -> str:
                return min((token for token in record.search_tokens if token.startswith(term)), default="")

            kept = [
                found[entry.record_id]
                for entry in entries.items
                if entry.record_id in found and entry.token == first(found[entry.record_id])
            ]
            return Page(kept, entries.last_key)

        return search_page, f"search|{term}"
    index, low = "GSI1", None
    partition = keys.records_collection(tenant, name)
    if parent:
        ((parent_field, parent_value),) = parent.items()
        partition = keys.record_link_collection(tenant, name, parent_field, parent_value)
    owner = getattr(query, entity.owner, None) if entity.owner is not None else None
    if owner is None and own_only:
        owner = caller.user_id
    link = getattr(query, entity.link, None) if entity.link else None
    if field == "updatedAt":
        index, low = "GSI2", _since(query)
    elif field != "createdAt":
        index = SORT_INDEXES[entity.sort.index(field)]
    elif link is not None:
        index, partition = "GSI5", keys.record_link_collection(tenant, name, str(entity.link), str(link))
    elif owner is not None:
        index, partition = "GSI4", keys.record_owner_collection(tenant, name, owner)

    def index_page(size: int, start: LastKey | None) -> Page[RecordItem]:
        page = store.list_index(index, partition, limit=size, start=start, forward=forward, sort_from=low)
        if term is None:
            return page
        # The search of a caller that sees only its own records: those of them a token begins with the
        # query, at the cost of its own records, not of the tenant's matches (docs/data-model.md, "Search").
        return Page(
            [record for record in page.items if any(t.startswith(term) for t in record.search_tokens)], page.last_key
        )

    return index_page, f"index|{index}|{partition}|{forward}|{low}|{term}"


def _within(value: Any, low: Any, high: Any) -> bool:
    """`low <= value <= high` (a bound that is None is open; a record without the value is outside)."""
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def list_records(entity: Entity, caller: Caller, query: PageQuery, parent_id: str | None = None) -> Listing[Any]:
    parent = parent_of(entity, caller, parent_id)[0]
    sort = getattr(query, "sort", None) or entity.default_sort
    field, forward = parse_sort(sort, entity.sort_fields, default="createdAt")
    fetch, plan = _fetch(entity, caller, query, field, forward, parent)
    bounds = {name for pair in entity.ranges.values() for name in pair if name is not None}
    sent = query.model_dump(
        mode="json",
        exclude={"cursor", "limit", "sort", "search", "ids", "customFields", "updatedSince", *bounds, *entity.matches},
    )
    custom = getattr(query, "customFields", None)
    wanted = {name: value for name, value in sent.items() if value is not None} | parent
    matched = {name: value for name in entity.matches if (value := getattr(query, name, None)) is not None}
    dumped = query.model_dump(mode="json")
    ranges = {
        field: (low and dumped.get(low), high and dumped.get(high)) for field, (low, high) in entity.ranges.items()
    }
    ranges = {field: bound for field, bound in ranges.items() if bound != (None, None)}
    since = _since(query)
    now = clock.iso(clock.now())  # one moment for what is derived when read, kept and answered alike

    def keep(record: RecordItem) -> bool:
        if not record.is_active or gone(record) or not visible(caller, record, entity.readers):
            return False
        fields = fields_of(entity, record, now)
        return (
            (since is None or record.updated_at >= since)
            and all(fields.get(name) == value for name, value in wanted.items())
            and all(_within(fields.get(field), low, high) for field, (low, high) in ranges.items())
            and all(entity.matches[name][1](fields, value) for name, value in matched.items())
            and (not custom or custom_fields_match(fields.get("customFields") or {}, custom))
        )

    def seen_with_links(size: int, start: LastKey | None) -> Page[RecordItem]:
        """The page's records whose linked records the caller sees too (`links_seen`: read once a
        page, for the records `keep` leaves)."""
        page = fetch(size, start)
        return Page(links_seen(entity, caller, [record for record in page.items if keep(record)]), page.last_key)

    binding = f"{entity.plural_name}|{caller.tenant_id}|{caller.user_id}|{plan}|{sorted(wanted.items())}|{since}"
    binding += f"|{sorted(ranges.items())}|{sorted((custom or {}).items())}"
    if matched:
        binding += f"|{sorted((name, str(value)) for name, value in matched.items())}"
    return listing(
        seen_with_links if entity.seen_with and not caller.sees_all_records else fetch,
        lambda record: to_api(entity, record, now),
        binding=binding,
        limit=query.limit,
        cursor=query.cursor,
        keep=keep,
    )
