"""What a campaign export's plan reads (jobs/campaign_exports.py): the rows of its source, page by
page in a stable order (creation time), each with the position that resumes right after it, so a
plan may stop after any row and go on there in its next invocation.

A row is `{"entry": <entry as the API returns it>}`, and for the code assignment source also
`"assignment"` (the assignment record as the API returns it); campaign_export_types.py adds the
contact in the chunk step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contact_platform import clock
from contact_platform.entities.catalog import entity
from contact_platform.entities.service import to_api
from contact_platform.store import keys
from contact_platform.store import records as store
from contact_platform.store.paging import LastKey, Page

PAGE_SIZE = 200


def _walk(tenant_id: str, name: str, campaign_id: str, start: LastKey | None) -> Iterator[Page[Any]]:
    """The active records of an entity nested under the campaign, page by page."""
    partition = keys.record_link_collection(tenant_id, name, "campaignId", campaign_id)
    while True:
        page = store.list_index("GSI1", partition, limit=PAGE_SIZE, start=start, forward=True)
        yield page
        if page.last_key is None:
            return
        start = page.last_key


def pages(
    tenant_id: str, campaign_id: str, source: str, *, date_key: str | None, start: LastKey | None
) -> Iterator[Page[tuple[dict[str, Any], LastKey]]]:
    now = clock.iso(clock.now())
    entries = entity("campaign_entry")
    if source == "entries":
        for page in _walk(tenant_id, entries.name, campaign_id, start):
            rows = [
                ({"entry": _dumped(entries, record, now)}, store.position_of(record))
                for record in page.items
                if record.is_active
            ]
            yield Page(rows, page.last_key)
        return
    assignments = entity("code_assignment")
    for page in _walk(tenant_id, assignments.name, campaign_id, start):
        kept = [record for record in page.items if record.is_active]
        kept = [record for record in kept if date_key is None or store.data_of(record).get("dateKey") == date_key]
        found = store.get_records(tenant_id, entries.name, {str(store.data_of(r).get("entryId")) for r in kept})
        rows = [
            (
                {
                    "assignment": _dumped(assignments, record, now),
                    "entry": _dumped(entries, found[entry_id], now) if entry_id in found else {},
                },
                store.position_of(record),
            )
            for record in kept
            for entry_id in [str(store.data_of(record).get("entryId"))]
        ]
        yield Page(rows, page.last_key)


def _dumped(declared: Any, record: Any, now: str) -> dict[str, Any]:
    dumped: dict[str, Any] = to_api(declared, record, now).model_dump(mode="json")
    return dumped
