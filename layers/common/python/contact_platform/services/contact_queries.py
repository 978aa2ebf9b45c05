"""Finding contacts by the filter grammar of `GET /api/v1/contacts`, for lists, segments and jobs.

A query picks the one index that narrows it most (search entries, a tag's assignments, or a list
index by creation, update time, last name, owner or organization, with the creation range as a key
condition) and checks every other criterion on the items it reads. Never a scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.models.contacts import ContactFilterFields
from contact_platform.permissions import Caller
from contact_platform.services import search_terms
from contact_platform.store import contacts as store
from contact_platform.store import keys
from contact_platform.store import tags as tag_store
from contact_platform.store.contacts import ContactItem
from contact_platform.store.paging import LastKey, Page

Fetch = Callable[[int, LastKey | None], Page[ContactItem]]
JOB_PAGE_SIZE = 500


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
        search = None
        if fields.search is not None:
            search = search_terms.search_term(fields.search)
            if len(search) < search_terms.MIN_SEARCH_LENGTH:
                raise errors.validation_error("Validation failed", [Detail("search", "at least 2 characters")])
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

    def matches(self, item: ContactItem) -> bool:
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


_TAG_ID = re.compile(r"^tag_[A-Za-z0-9]{1,40}$")


def _tag_keys(tenant: str, tags: list[str]) -> tuple[str, ...]:
    """The folded names the filter's tags stand for: a tag ID is the tenant's tag of that ID (one
    BatchGetItem for all of them), anything else a tag name (also an ID of no tag of the tenant)."""
    found = tag_store.get_tags(tenant, [tag for tag in tags if _TAG_ID.match(tag)])
    return tuple(dict.fromkeys(found[tag].tag_key if tag in found else search_terms.fold(tag) for tag in tags))


def split_tags(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@dataclass(frozen=True)
class Plan:
    fetch: Fetch
    binding: str  # what a cursor of this query is bound to


def _pointed(tenant_id: str, ids: list[str]) -> list[ContactItem]:
    found = store.get_contacts(tenant_id, ids)
    return [found[contact_id] for contact_id in ids if contact_id in found]


def plan(tenant: str, criteria: Criteria, *, sort_field: str = "createdAt", forward: bool = True) -> Plan:
    """The index to read for `criteria` in the order asked for (sorting is not possible with search,
    and only by creation with a tag)."""
    if criteria.search is not None:
        if sort_field != "createdAt" or not forward:
            raise errors.validation_error("sort cannot be combined with search", [Detail("sort", "not with search")])
        term = criteria.search

        def search_page(size: int, start: LastKey | None) -> Page[ContactItem]:
            entries = store.search_entries(tenant, term, limit=size, start=start)
            ids = [e.contact_id for e in entries.items if e.token == search_terms.first_match(list(e.tokens), term)]
            return Page(_pointed(tenant, ids), entries.last_key)

        return Plan(search_page, f"search|{term}")
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

    def index_page(size: int, start: LastKey | None) -> Page[ContactItem]:
        return store.list_index(
            index, partition, limit=size, start=start, forward=forward, sort_from=low, sort_before=high
        )

    return Plan(index_page, f"index|{index}|{partition}|{forward}|{low}|{high}")


def matching_contacts(tenant: str, criteria: Criteria, *, page_size: int = JOB_PAGE_SIZE) -> Iterator[ContactItem]:
    """Every contact matching `criteria`, oldest first, page by page (bounded memory)."""
    chosen = plan(tenant, criteria)
    start: LastKey | None = None
    while True:
        page = chosen.fetch(page_size, start)
        yield from (item for item in page.items if criteria.matches(item))
        start = page.last_key
        if start is None:
            return


def active_contacts(tenant: str, contact_ids: list[str], scope: Caller) -> Iterator[ContactItem]:
    """The contacts of an explicit ID list that exist, are active and visible to `scope`, in list order."""
    for offset in range(0, len(contact_ids), 100):
        for item in _pointed(tenant, contact_ids[offset : offset + 100]):
            if item.is_active and scope.may_access(item.owner_id):
                yield item
