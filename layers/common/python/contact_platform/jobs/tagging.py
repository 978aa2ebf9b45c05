"""The tagging job (docs/architecture.md, Jobs), three actions on one workflow:
- "add": add a tag to every contact of a segment;
- "remove": take a deleted tag off every contact holding it, then delete the tag and free its name;
- "rename": move every contact holding the tag from its old name to the reserved new one, then give
  the tag its new name and free the old one.

A chunk writes its contacts in grouped transactions (store.contacts.replace_many, which also keeps the
tag's `contactCount`); a contact that changed meanwhile is retried on its own. A retried chunk finds
the work done and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contact_platform import clock, errors
from contact_platform.config import settings
from contact_platform.jobs import steps
from contact_platform.services import contact_queries, operations, segments
from contact_platform.services.contact_queries import Positioned
from contact_platform.services.contacts import retag_contact, retagged
from contact_platform.store import contact_reads
from contact_platform.store import contacts as contact_store
from contact_platform.store import tags as tag_store
from contact_platform.store.contacts import ContactWrite
from contact_platform.store.operations import OperationItem
from contact_platform.store.paging import LastKey, Page

WORKFLOW = "tagging"


def _holders(tenant_id: str, tag_key: str, start: LastKey | None) -> Iterator[Page[Positioned]]:
    """The IDs of the contacts holding the tag, page by page from `start`, each with the cursor after it."""
    while True:
        page = contact_reads.tag_pointers(tenant_id, tag_key, limit=contact_queries.ID_PAGE_SIZE, start=start)
        yield Page([(pointer.contact_id, pointer.position) for pointer in page.items], page.last_key)
        start = page.last_key
        if start is None:
            return


def plan(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    """The contacts to tag (a segment's) or to untag or retag (the tag's holders) into chunk files, in
    as many invocations as it takes, as the export's plan."""
    call = steps.plan_call(event)
    params = operation.params
    ids: Iterator[Page[Positioned]]
    if params["action"] == "add":
        segment = steps.planned_segment(operation, call, "tagging")
        ids = segments.member_ids(segment, operations.acting_caller(operation), start=call.cursor)
    else:
        if call.first:
            steps.begin(operation)
        ids = _holders(operation.tenant_id, str(params["tagKey"]), call.cursor)
    return steps.write_chunk_pages(operation, call, ids, settings().chunk_rows)


def _retagging(operation: OperationItem) -> tuple[list[str], set[str], str]:
    """The names a chunk adds, the folded names it removes, and the count its writes go to."""
    params = operation.params
    if params["action"] == "rename":
        return [str(params["newName"])], {str(params["tagKey"])}, "renamed"
    if params["action"] == "remove":
        return [], {str(params["tagKey"])}, "untagged"
    tag = tag_store.get_tag(operation.tenant_id, str(params["tagId"]))
    if tag is None or tag.state != tag_store.ACTIVE:
        raise steps.JobRefused("The tag was deleted while the tagging ran")
    return [tag.renaming_to or tag.name], set(), "tagged"


def process_chunk(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    if steps.recorded(operation, event) is not None:
        return {"chunk": int(event["chunk"]["chunk"])}
    scope = operations.acting_caller(operation)
    adding = operation.params["action"] == "add"
    add, remove, changed = _retagging(operation)
    ids = [str(contact_id) for contact_id in steps.read_json_lines(str(event["chunk"]["key"]))]
    counts = {"matched": 0, "tagged": 0, "alreadyTagged": 0, "untagged": 0, "renamed": 0, "failed": 0}
    for offset in range(0, len(ids), 100):
        found = contact_store.get_contacts(operation.tenant_id, ids[offset : offset + 100])
        writes: list[ContactWrite] = []
        for item in found.values():
            if not item.is_active or not scope.may_access(item.owner_id):
                continue
            counts["matched"] += 1
            try:
                write = retagged(scope, item, add=add, remove=remove)
            except errors.ApiError:
                counts["failed"] += 1  # the contact has the most tags it may carry
                continue
            if write is None:
                counts["alreadyTagged"] += 1 if adding else 0
                continue
            writes.append(write)
        failed = contact_store.replace_many(writes)
        counts[changed] += len(writes) - len(failed)
        for contact_id in failed:
            try:
                retag_contact(scope, contact_id, add=add, remove=remove)
                counts[changed] += 1
            except errors.ApiError as error:
                if error.status == 404:
                    counts["matched"] -= 1  # deleted meanwhile
                else:
                    counts["failed"] += 1  # at the tag limit now
    return steps.record(WORKFLOW, operation, event, counts)


def finalize(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    chunks = steps.all_chunk_results(operation, int(event["chunks"]))
    action = operation.params["action"]
    tag = tag_store.get_tag(operation.tenant_id, str(operation.params["tagId"]))
    if tag is not None and action == "remove":
        tag_store.remove(tag)
    elif tag is not None and action == "rename":
        tag_store.finish_rename(tag, operation.operation_id, clock.iso(clock.now()))
    steps.finish(operation, steps.summed(chunks))
    return {"status": "FINISHED"}
