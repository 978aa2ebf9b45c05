"""What a campaign export's plan reads (jobs/campaign_exports.py): the rows of its source, page by
page in a stable order (creation time, oldest first), each with the position that resumes right
after it, so a plan may stop after any row and go on there in its next invocation.

A row is `{"entry": <entry as the API returns it>}`, and for the code assignment source also
`"assignment"` (the assignment as services/campaign_entries.py gives it) with the entry it went to
(`{}` once that entry is deleted); the chunk step adds the contact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contact_platform.entities.campaign_entries import ENTITY as ENTRIES
from contact_platform.services.campaign_entries import entry_of, entry_page
from contact_platform.store import campaign_codes
from contact_platform.store import records as store
from contact_platform.store.paging import LastKey, Page, position_of

PAGE_SIZE = 1000  # Queries of the plan: as many rows a page as the segment export reads


def _entries(tenant_id: str, campaign_id: str, start: LastKey | None) -> Iterator[Page[tuple[dict[str, Any], LastKey]]]:
    while True:
        page = entry_page(tenant_id, campaign_id, start, limit=PAGE_SIZE)
        yield Page([({"entry": entry_of(facts)}, facts.position) for facts in page.items], page.last_key)
        if page.last_key is None:
            return
        start = page.last_key


def _assignments(
    tenant_id: str, campaign_id: str, date_key: str | None, start: LastKey | None
) -> Iterator[Page[tuple[dict[str, Any], LastKey]]]:
    index = "GSI1" if date_key is None else "GSI5"
    while True:
        page = campaign_codes.assignment_page(tenant_id, campaign_id, date_key, limit=PAGE_SIZE, start=start)
        found = store.get_records(tenant_id, ENTRIES.name, {item.entry_id for item in page.items})
        rows = [
            (
                {
                    "assignment": campaign_codes.as_api(item),
                    "entry": entry_of(found[item.entry_id]) if item.entry_id in found else {},
                },
                position_of(item, index),
            )
            for item in page.items
        ]
        yield Page(rows, page.last_key)
        if page.last_key is None:
            return
        start = page.last_key


def pages(
    tenant_id: str, campaign_id: str, source: str, *, date_key: str | None, start: LastKey | None
) -> Iterator[Page[tuple[dict[str, Any], LastKey]]]:
    if source == "entries":
        return _entries(tenant_id, campaign_id, start)
    return _assignments(tenant_id, campaign_id, date_key, start)
