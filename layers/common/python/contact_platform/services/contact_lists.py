"""Contacts listed: the list and search of `GET /contacts` (one index Query a page, chosen by
services/contact_queries.py) and the admins' list of soft-deleted contacts. Apart from
services/contacts.py, so that a route that writes or reads one contact does not import the list
machinery (docs/architecture.md, "Cold start")."""

from __future__ import annotations

from datetime import datetime

from contact_platform import clock
from contact_platform.cursor import decode_cursor, encode_cursor
from contact_platform.models.contacts import CONTACT_SORT_FIELDS, Contact, ContactListQuery
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services.contact_queries import Criteria, Plan, plan, split_tags
from contact_platform.services.contacts import is_gone, plain_map, to_api
from contact_platform.services.listing import by_ids, custom_fields_match, requested_ids
from contact_platform.services.sorting import parse_sort
from contact_platform.store import contacts as store
from contact_platform.store import keys
from contact_platform.store.contacts import ContactItem
from contact_platform.store.paging import collect


def list_deleted_contacts(
    caller: Caller, *, deleted_since: datetime | None, limit: int, cursor: str | None
) -> Listing[Contact]:
    """Soft-deleted contacts not yet purged, oldest deletion first."""
    since = clock.iso(deleted_since) if deleted_since else None
    binding = f"deleted-contacts|{caller.tenant_id}|{since}"
    now = clock.now()
    page = collect(
        lambda size, start: store.list_index(
            "GSI1",
            keys.deleted_contacts_collection(caller.tenant_id),
            limit=size,
            start=start,
            forward=True,
            sort_from=since,
        ),
        lambda item: not item.is_active and not is_gone(item, now),
        limit=limit,
        start=decode_cursor(cursor, binding),
    )
    return Listing(items=[to_api(i) for i in page.items], nextCursor=encode_cursor(page.last_key, binding), limit=limit)


# List and search -------------------------------------------------------------------------------


def list_contacts(caller: Caller, query: ContactListQuery) -> Listing[Contact]:
    ids = requested_ids(query.ids, "con", search=query.search, sort=query.sort) if query.ids is not None else None
    field, forward = parse_sort(query.sort, CONTACT_SORT_FIELDS, default="createdAt")
    criteria = Criteria.of(query, split_tags(query.tag), split_tags(query.tagsAll), caller)
    if ids is not None:
        chosen = Plan(by_ids(ids, lambda chunk: store.get_contacts(caller.tenant_id, chunk)), "ids")
    else:
        chosen = plan(caller.tenant_id, criteria, sort_field=field, forward=forward)
    filters = query.model_dump(exclude={"cursor", "limit"}, mode="json")
    binding = f"contacts|{caller.tenant_id}|{caller.user_id}|{chosen.binding}|{sorted(filters.items())}"
    wanted = query.customFields

    def keep(item: ContactItem) -> bool:
        return criteria.matches(item) and (not wanted or custom_fields_match(plain_map(item.custom_fields), wanted))

    page = collect(chosen.fetch, keep, limit=query.limit, start=decode_cursor(query.cursor, binding))
    return Listing(
        items=[to_api(item) for item in page.items],
        nextCursor=encode_cursor(page.last_key, binding),
        limit=query.limit,
    )
