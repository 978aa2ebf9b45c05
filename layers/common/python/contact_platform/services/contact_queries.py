"""Finding contacts by the filter grammar of `GET /api/v1/contacts`, for lists, segments and jobs.

A query picks the one index that narrows it most (search entries, a tag's assignments, the merged
assignments of several tags when any of them will do, or a list index by creation, update time,
last name, owner or organization, with the creation range as a key condition) and checks every other
criterion on the items it reads. Never a scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.models.contacts import ContactFilterFields
from contact_platform.permissions import Caller
from contact_platform.services import search_terms
from contact_platform.services.listing import search_prefix, sort_with_search
from contact_platform.store import contact_reads as id_store
from contact_platform.store import contacts as store
from contact_platform.store import keys
from contact_platform.store import tags as tag_store
from contact_platform.store.contacts import ContactItem
from contact_platform.store.paging import LastKey, Page

Fetch = Callable[[int, LastKey | None], Page[ContactItem]]
# Entries a plan's Query asks for (only IDs and a few attributes come back; DynamoDB's 1 MB page cap
# counts the whole items read: about 1,000 contacts of 1 KB).
ID_PAGE_SIZE = 1000
# A contact ID and the cursor that resumes right after it.
Positioned = tuple[str, LastKey]


class Checked(Protocol):
    """What a filter reads of a contact: a store item, or the facts a plan read (store/contact_reads.py)."""

    @property
    def is_active(self) -> bool: ...
    @property
    def owner_id(self) -> str | None: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def tag_keys(self) -> Sequence[str]: ...
    @property
    def created_at(self) -> str: ...
    @property
    def updated_at(self) -> str: ...
    @property
    def search_tokens(self) -> Sequence[str]: ...


def _iso(moment: datetime | None) -> str | None:
    return clock.iso(moment) if moment else None


@dataclass(frozen=True)
class Criteria:
    """A contact filter in the form the store reads: folded tag names (from tag names or IDs), ISO
    bounds, a search term."""

    owner_id: str | None = None
    organization_id: str | None = None
    tags_any: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    created_after: str | None = None
    created_before: str | None = None
    updated_since: str | None = None
    search: str | None = None

    @classmethod
    def of(cls, fields: ContactFilterFields, tags_any: list[str], tags_all: list[str], scope: Caller) -> Criteria:
        """The filter as `scope` may apply it: a caller who sees only own records gets only those."""
        search = None if fields.search is None else search_prefix(fields.search, search_terms.search_term)
        return cls(
            owner_id=fields.ownerId if scope.sees_all_records else scope.user_id,
            organization_id=fields.organizationId,
            tags_any=_tag_keys(scope.tenant_id, tags_any),
            tags_all=_tag_keys(scope.tenant_id, tags_all),
            created_after=_iso(fields.createdAfter),
            created_before=_iso(fields.createdBefore),
            updated_since=_iso(fields.updatedSince),
            search=search,
        )

    def matches(self, item: Checked) -> bool:
        tags = set(item.tag_keys)
        return (
            item.is_active
            and (self.owner_id is None or item.owner_id == self.owner_id)
            and (self.organization_id is None or item.organization_id == self.organization_id)
            and (not self.tags_any or not tags.isdisjoint(self.tags_any))
            and tags.issuperset(self.tags_all)
            and (self.created_after is None or item.created_at >= self.created_after)
            and (self.created_before is None or item.created_at < self.created_before)
            and (self.updated_since is None or item.updated_at >= self.updated_since)
            and (self.search is None or any(token.startswith(self.search) for token in item.search_tokens))
        )

    def fields(self) -> tuple[str, ...]:
        """The contact attributes `matches` reads (store/contact_reads.py names; `is_active` always)."""
        wanted = {
            "owner_id": self.owner_id is not None,
            "organization_id": self.organization_id is not None,
            "tag_keys": bool(self.tags_any or self.tags_all),
            "created_at": self.created_after is not None or self.created_before is not None,
            "updated_at": self.updated_since is not None,
            "search_tokens": self.search is not None,
        }
        return tuple(field for field, needed in wanted.items() if needed)

    def beyond(self, *, tag: str | None = None, search: bool = False) -> Criteria | None:
        """What is left to check of contacts found through the assignments of `tag` (one of the
        filter's) or the filter's search entries, or None when nothing is: those entries exist only
        for active contacts (a soft delete removes them in its transaction), and only for contacts
        holding the tag or a matching token."""
        rest = self
        if search:
            rest = replace(rest, search=None)
        if tag is not None:
            rest = replace(rest, tags_any=() if tag in rest.tags_any else rest.tags_any)
            rest = replace(rest, tags_all=tuple(key for key in rest.tags_all if key != tag))
        return rest if rest.fields() else None


_TAG_ID = re.compile(r"^tag_[A-Za-z0-9]{1,40}$")


def _tag_keys(tenant: str, tags: list[str]) -> tuple[str, ...]:
    """The folded names the filter's tags stand for: a tag ID is the tenant's tag of that ID (one
    BatchGetItem for all of them), anything else a tag name (also an ID of no tag of the tenant)."""
    found = tag_store.get_tags(tenant, [tag for tag in tags if _TAG_ID.match(tag)])
    return tuple(dict.fromkeys(found[tag].tag_key if tag in found else search_terms.fold(tag) for tag in tags))


def split_tags(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _list_index(
    tenant: str, criteria: Criteria, sort_field: str = "createdAt"
) -> tuple[str, str, str | None, str | None]:
    """The list index for `criteria` without search or tag, its partition and sort key bounds."""
    index, partition = "GSI1", keys.contacts_collection(tenant)
    low, high = criteria.created_after, criteria.created_before
    if sort_field == "updatedAt":
        index, low, high = "GSI2", criteria.updated_since, None
    elif sort_field == "lastName":
        index, low, high = "GSI3", None, None
    elif criteria.owner_id is not None:
        index, partition = "GSI4", keys.owner_collection(tenant, criteria.owner_id)
    elif criteria.organization_id is not None:
        index, partition = "GSI5", keys.organization_collection(tenant, criteria.organization_id)
    return index, partition, low, high


@dataclass(frozen=True)
class Plan:
    fetch: Fetch
    binding: str  # what a cursor of this query is bound to


def _pointed(tenant_id: str, ids: list[str]) -> list[ContactItem]:
    found = store.get_contacts(tenant_id, ids)
    return [found[contact_id] for contact_id in ids if contact_id in found]


def _merged_tags(criteria: Criteria) -> bool:
    """Whether the contacts holding any of several tags are read from those tags' assignments, merged
    (store/contact_reads.tags_pointers: a Query of each a page), rather than from the whole list
    index: without search or all-of tags (a filter names at most 20: models/contacts.py)."""
    return criteria.search is None and not criteria.tags_all and len(criteria.tags_any) > 1


def plan(tenant: str, criteria: Criteria, *, sort_field: str = "createdAt", forward: bool = True) -> Plan:
    """The index to read for `criteria` in the order asked for (sorting is not possible with search,
    and only by creation with a tag)."""
    if criteria.search is not None:
        if sort_field != "createdAt" or not forward:
            raise sort_with_search()
        term = criteria.search

        def search_page(size: int, start: LastKey | None) -> Page[ContactItem]:
            entries = store.search_entries(tenant, term, limit=size, start=start)
            ids = [e.contact_id for e in entries.items if e.token == search_terms.first_match(list(e.tokens), term)]
            return Page(_pointed(tenant, ids), entries.last_key)

        return Plan(search_page, f"search|{term}")
    if _merged_tags(criteria) and sort_field == "createdAt":
        tags_any = criteria.tags_any

        def tags_page(size: int, start: LastKey | None) -> Page[ContactItem]:
            pointers = id_store.tags_pointers(tenant, tags_any, limit=size, start=start, forward=forward)
            return Page(_pointed(tenant, [p.contact_id for p in pointers.items]), pointers.last_key)

        return Plan(tags_page, f"tags|{'|'.join(tags_any)}|{forward}")
    driving_tag = criteria.tags_all[0] if criteria.tags_all else None
    if driving_tag is None and len(criteria.tags_any) == 1:
        driving_tag = criteria.tags_any[0]
    if driving_tag is not None:
        if sort_field != "createdAt":
            raise errors.validation_error(
                "With tag, sort by createdAt only", [Detail("sort", "createdAt or -createdAt")]
            )
        tag_key = driving_tag

        def tag_page(size: int, start: LastKey | None) -> Page[ContactItem]:
            assigned = store.tag_assignments(tenant, tag_key, limit=size, start=start, forward=forward)
            return Page(_pointed(tenant, [a.contact_id for a in assigned.items]), assigned.last_key)

        return Plan(tag_page, f"tag|{tag_key}|{forward}")
    index, partition, low, high = _list_index(tenant, criteria, sort_field)

    def index_page(size: int, start: LastKey | None) -> Page[ContactItem]:
        return store.list_index(
            index, partition, limit=size, start=start, forward=forward, sort_from=low, sort_before=high
        )

    return Plan(index_page, f"index|{index}|{partition}|{forward}|{low}|{high}")


def _checked(tenant: str, pointers: list[id_store.Pointer], rest: Criteria | None) -> list[Positioned]:
    """The pointed contacts that meet `rest` (a BatchGetItem of the attributes `rest` reads per 100
    of them), or every one when there is nothing to check."""
    if rest is None:
        return [(pointer.contact_id, pointer.position) for pointer in pointers]
    found = id_store.contact_facts(tenant, [pointer.contact_id for pointer in pointers], fields=rest.fields())
    return [
        (pointer.contact_id, pointer.position)
        for pointer in pointers
        if pointer.contact_id in found and rest.matches(found[pointer.contact_id])
    ]


def matching_ids(
    tenant: str, criteria: Criteria, *, start: LastKey | None = None, page_size: int | None = None
) -> Iterator[Page[Positioned]]:
    """The IDs of every contact matching `criteria` in the order the list routes give them (`plan`), page
    by page (of ID_PAGE_SIZE entries read) from `start`, each with the cursor that resumes after it
    (for job plans: only the IDs and the attributes the filter checks are read, store/contact_reads.py)."""
    page_size = page_size or ID_PAGE_SIZE
    if criteria.search is not None:
        term = criteria.search
        rest = criteria.beyond(search=True)
        while True:
            entries = id_store.search_pointers(tenant, term, limit=page_size, start=start)
            first = [e for e in entries.items if e.token == search_terms.first_match(list(e.tokens), term)]
            yield Page(_checked(tenant, first, rest), entries.last_key)
            if entries.last_key is None:
                return
            start = entries.last_key
    if _merged_tags(criteria):
        rest = criteria.beyond(tag=criteria.tags_any[0])  # any of them: the merged assignments hold one
        while True:
            pointers = id_store.tags_pointers(tenant, criteria.tags_any, limit=page_size, start=start)
            yield Page(_checked(tenant, pointers.items, rest), pointers.last_key)
            if pointers.last_key is None:
                return
            start = pointers.last_key
    driving_tag = criteria.tags_all[0] if criteria.tags_all else None
    if driving_tag is None and len(criteria.tags_any) == 1:
        driving_tag = criteria.tags_any[0]
    if driving_tag is not None:
        rest = criteria.beyond(tag=driving_tag)
        while True:
            assigned = id_store.tag_pointers(tenant, driving_tag, limit=page_size, start=start)
            yield Page(_checked(tenant, assigned.items, rest), assigned.last_key)
            if assigned.last_key is None:
                return
            start = assigned.last_key
    index, partition, low, high = _list_index(tenant, criteria)
    fields = criteria.fields()
    while True:
        page = id_store.index_entries(
            index, partition, fields=fields, limit=page_size, start=start, sort_from=low, sort_before=high
        )
        yield Page(
            [(entry.facts.contact_id, entry.position) for entry in page.items if criteria.matches(entry.facts)],
            page.last_key,
        )
        if page.last_key is None:
            return
        start = page.last_key


def active_ids(
    tenant: str, contact_ids: list[str], scope: Caller, *, start: int = 0, page_size: int = 100
) -> Iterator[Page[Positioned]]:
    """The IDs of an explicit list that name active contacts visible to `scope`, in list order from
    position `start`, page by page (one BatchGetItem of their owners a page); each with the cursor
    that resumes after it: `{"offset": {"N": "<position after it>"}}`."""

    def after(position: int) -> LastKey:
        return {"offset": {"N": str(position)}}

    for offset in range(start, len(contact_ids), page_size):
        batch = contact_ids[offset : offset + page_size]
        found = id_store.contact_facts(tenant, batch, fields=("owner_id",))
        kept = [
            (contact_id, after(offset + number + 1))
            for number, contact_id in enumerate(batch)
            if contact_id in found and found[contact_id].is_active and scope.may_access(found[contact_id].owner_id)
        ]
        end = offset + len(batch)
        yield Page(kept, after(end) if end < len(contact_ids) else None)


def active_contacts(tenant: str, contact_ids: list[str], scope: Caller) -> Iterator[ContactItem]:
    """The contacts of an explicit ID list that exist, are active and visible to `scope`, in list order."""
    for offset in range(0, len(contact_ids), 100):
        for item in _pointed(tenant, contact_ids[offset : offset + 100]):
            if item.is_active and scope.may_access(item.owner_id):
                yield item
