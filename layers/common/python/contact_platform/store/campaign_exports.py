"""Campaign exports: operations of the `campaign_exports` job (store/operations.py) with the indexes
their contract asks for (docs/data-model.md, "Campaign exports"):

- GSI1, GSI3, GSI6 `TENANT#t#CAMPAIGNEXPORTS#c`: the campaign's exports by creation time, by type
  and by status (`<status>#<createdAt>#op`, moved by every status change);
- GSI4 `EXPORTREQUESTER#u` / `<tenant>#op`: a user's exports in every tenant (CCPA erasure);
- a queued slot per campaign, type and `dateKey`, written with the export on the condition that it
  is free and released by the write that ends the export: two requests for the same export while
  one is queued or running get that one, however close together they come.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.operations import (
    QUEUED_SLOT_SK,
    OperationItem,
    QueuedSlotItem,
    delete_chunk_items,
    status_sort_key,
)
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import get_item, transaction

JOB = "campaign_exports"
# The list's sort field -> the index that orders by it.
SORT_INDEXES = {"date.created": "gsi1", "exportType": "gsi3", "status": "gsi6"}


def indexed(operation: OperationItem, campaign_id: str, export_type: str, date_key: str | None) -> OperationItem:
    """The new export with its list, requester and slot keys set."""
    collection = keys.campaign_exports_collection(operation.tenant_id, campaign_id)
    at_id = keys.sortable(operation.created_at, operation.operation_id)
    operation.gsi1pk, operation.gsi1sk = collection, at_id
    operation.gsi3pk, operation.gsi3sk = collection, f"{export_type}#{at_id}"
    operation.gsi6pk, operation.gsi6sk = collection, status_sort_key(operation.status, operation)
    operation.gsi4pk = keys.requester_exports_collection(operation.requested_by)
    operation.gsi4sk = f"{operation.tenant_id}#{operation.operation_id}"
    operation.queued_slot = keys.queued_export_pk(operation.tenant_id, campaign_id, export_type, date_key)
    return operation


def queue(operation: OperationItem, audit: AuditItem) -> str | None:
    """Write the export, its slot and its audit entry together; None when written. When the slot is
    taken: the ID of the export holding it, or "" when it was released meanwhile (ask again)."""
    slot = QueuedSlotItem(operation.queued_slot, QUEUED_SLOT_SK, operation_id=operation.operation_id)
    try:
        with transaction() as tx:
            tx.save(operation, condition=OperationItem.pk.does_not_exist())
            tx.save(slot, condition=QueuedSlotItem.pk.does_not_exist())
            tx.save(audit)
    except TransactWriteError as error:
        reasons = error.cancellation_reasons or []
        if len(reasons) > 1 and reasons[1] is not None and reasons[1].code == "ConditionalCheckFailed":
            holder = get_item(QueuedSlotItem, slot.pk, QUEUED_SLOT_SK)
            return holder.operation_id or "" if holder else ""
        raise
    return None


def list_page(
    tenant_id: str,
    campaign_id: str,
    *,
    sort: str,
    forward: bool,
    export_type: str | None,
    limit: int,
    start: LastKey | None,
) -> Page[OperationItem]:
    """One Query of the campaign's exports in the order asked; sorted by type, a type filter is the
    key condition."""
    index = getattr(OperationItem, SORT_INDEXES[sort])
    condition: Condition | None = None
    if sort == "exportType" and export_type:
        condition = OperationItem.gsi3sk.startswith(f"{export_type}#")
    partition = keys.campaign_exports_collection(tenant_id, campaign_id)
    return query_page(index, partition, limit=limit, start=start, forward=forward, condition=condition)


def requested_by(user_id: str) -> Iterator[OperationItem]:
    """Every export the user requested, in any tenant."""
    start: LastKey | None = None
    while True:
        page = query_page(OperationItem.gsi4, keys.requester_exports_collection(user_id), limit=200, start=start)
        yield from page.items
        start = page.last_key
        if start is None:
            return


def delete(operation: OperationItem) -> None:
    """An ended export's items (the write that ended it released its slot): its chunk results, then
    the export itself."""
    delete_chunk_items(operation.tenant_id, operation.operation_id)
    operation.delete()
