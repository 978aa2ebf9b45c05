"""Operations: one item per asynchronous job (export, import, tagging) and one result item per chunk.

The operation and its chunk results share a partition, so a status read is one Query. A chunk result
is written once (a retried chunk finds it and reports the first result), and finalize verifies that
every planned chunk has one. Finished operations carry a key in the housekeeping index (GSI2) for the
day their scratch files or export file are due for removal.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, delete_all, get_item, set_or_remove, string_map, transaction

OPERATION_SK = "OPERATION"
CHUNK_PREFIX = "CHUNK#"
PENDING, TRIGGERED, FINISHED, FAILED, EXPIRED = "PENDING", "TRIGGERED", "FINISHED", "FAILED", "EXPIRED"
ENDED = (FINISHED, FAILED, EXPIRED)


class OperationItem(Item, discriminator="operation"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    operation_id = UnicodeAttribute(attr_name="id")
    job = UnicodeAttribute()
    status = UnicodeAttribute()
    # JSON documents: read back as plain dicts and lists
    params = JSONAttribute(default=dict)
    result = JSONAttribute(default=dict)
    errors = JSONAttribute(default=list)
    failure_reason = UnicodeAttribute(null=True, attr_name="failureReason")
    chunks = NumberAttribute(null=True)
    file_key = UnicodeAttribute(null=True, attr_name="fileKey")
    file_expires_at = UnicodeAttribute(null=True, attr_name="fileExpiresAt")
    error_report_key = UnicodeAttribute(null=True, attr_name="errorReportKey")
    scratch_removed = NumberAttribute(default=0, attr_name="scratchRemoved")
    requested_by = UnicodeAttribute(attr_name="requestedBy")
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    finished_at = UnicodeAttribute(null=True, attr_name="finishedAt")
    progress = string_map()  # chunk number -> rows a running import chunk has done (set_chunk_progress)
    # The key of the slot this operation holds while queued or running (one campaign export per
    # campaign, type and day: store/campaign_exports.py), released in the write that ends it.
    queued_slot = UnicodeAttribute(null=True, attr_name="queuedSlot")


class QueuedSlotItem(Item, discriminator="queued-slot"):
    """Held by the one operation of its kind queued or running (`OperationItem.queued_slot`)."""

    operation_id = UnicodeAttribute(null=True, attr_name="operationId")


QUEUED_SLOT_SK = "QUEUED"


class ChunkResultItem(Item, discriminator="operation-chunk"):
    chunk = NumberAttribute()
    counts = JSONAttribute(default=dict)
    file_key = UnicodeAttribute(null=True, attr_name="fileKey")  # the chunk's output: export rows, import errors
    error_count = NumberAttribute(default=0, attr_name="errorCount")


class ChunkFailureItem(Item, discriminator="operation-chunk-failure"):
    """Why a chunk's last attempt failed (finalize names it when the chunk reported no result)."""

    chunk = NumberAttribute()
    reason = UnicodeAttribute()


def new_operation(
    tenant_id: str, operation_id: str, *, job: str, params: dict[str, Any], requested_by: str, at: str
) -> OperationItem:
    return OperationItem(
        pk=keys.operation_pk(tenant_id, operation_id),
        sk=OPERATION_SK,
        gsi1pk=keys.operations_collection(tenant_id, job),
        gsi1sk=keys.sortable(at, operation_id),
        gsi4pk=keys.requester_operations_collection(tenant_id, job, requested_by),
        gsi4sk=keys.sortable(at, operation_id),
        tenant_id=tenant_id,
        operation_id=operation_id,
        job=job,
        status=PENDING,
        params=params,
        result={},
        requested_by=requested_by,
        created_at=at,
        updated_at=at,
    )


def create(operation: OperationItem, audit: AuditItem | None) -> bool:
    """Write a new operation (with its audit item); False when one with that ID exists already."""
    if audit is None:
        try:
            operation.save(condition=OperationItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
    try:
        with transaction() as tx:
            tx.save(operation, condition=OperationItem.pk.does_not_exist())
            tx.save(audit)
    except TransactWriteError as error:
        if error.cause_response_code == "TransactionCanceledException":
            return False
        raise
    return True


def get(tenant_id: str, operation_id: str) -> OperationItem | None:
    return get_item(OperationItem, keys.operation_pk(tenant_id, operation_id), OPERATION_SK)


def get_with_chunks(tenant_id: str, operation_id: str) -> tuple[OperationItem | None, list[ChunkResultItem]]:
    """The operation and the chunk results written so far: one Query while the partition fits a page."""
    operation, chunks, _ = get_all(tenant_id, operation_id)
    return operation, chunks


def get_all(
    tenant_id: str, operation_id: str
) -> tuple[OperationItem | None, list[ChunkResultItem], list[ChunkFailureItem]]:
    """The operation, its chunk results and its chunk failures."""
    operation: OperationItem | None = None
    chunks: list[ChunkResultItem] = []
    failures: list[ChunkFailureItem] = []
    start: LastKey | None = None
    while True:
        page = query_page(Item, keys.operation_pk(tenant_id, operation_id), limit=1000, start=start, consistent=True)
        for item in page.items:
            if isinstance(item, OperationItem):
                operation = item
            elif isinstance(item, ChunkResultItem):
                chunks.append(item)
            elif isinstance(item, ChunkFailureItem):
                failures.append(item)
        start = page.last_key
        if start is None:
            return operation, chunks, failures


def list_operations(
    tenant_id: str, job: str, *, requester: str | None, limit: int, start: LastKey | None
) -> Page[OperationItem]:
    """Newest first: the tenant's jobs (GSI1), or those `requester` asked for (GSI4)."""
    if requester is None:
        index, collection = OperationItem.gsi1, keys.operations_collection(tenant_id, job)
    else:
        index, collection = OperationItem.gsi4, keys.requester_operations_collection(tenant_id, job, requester)
    return query_page(index, collection, limit=limit, start=start, forward=False)


def status_sort_key(status: str, operation: OperationItem) -> str:
    """The sort key of a list by status (GSI6, where the operation has one: campaign exports)."""
    return f"{status}#{keys.sortable(operation.created_at, operation.operation_id)}"


def _actions(operation: OperationItem, changes: dict[str, Any]) -> list[Any]:
    """Update actions for attributes given by Python name (None removes the attribute); a new status
    moves the operation in its list by status."""
    if "status" in changes and operation.gsi6pk:
        changes = {**changes, "gsi6sk": status_sort_key(changes["status"], operation)}
    return [set_or_remove(getattr(OperationItem, name), value) for name, value in changes.items()]


def update(operation: OperationItem, condition: Condition | None = None, **changes: Any) -> bool:
    """Set attributes (by Python name) if `condition` holds; False when it does not."""
    try:
        operation.update(actions=_actions(operation, changes), condition=condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def update_audited(operation: OperationItem, condition: Condition, audit: AuditItem, **changes: Any) -> bool:
    """`update` with the audit item in the same transaction; False when the condition does not hold."""
    try:
        with transaction() as tx:
            tx.update(operation, actions=_actions(operation, changes), condition=condition)
            tx.save(audit)
            if operation.queued_slot and changes.get("status") in ENDED:
                tx.delete(QueuedSlotItem(operation.queued_slot, QUEUED_SLOT_SK))
    except TransactWriteError as error:
        if any(reason and reason.code == "ConditionalCheckFailed" for reason in error.cancellation_reasons or []):
            return False
        raise
    for name, value in changes.items():
        setattr(operation, name, value)
    return True


def status_is(*statuses: str) -> Condition:
    return OperationItem.status.is_in(*statuses)


def put_chunk_result(tenant_id: str, operation_id: str, result: ChunkResultItem) -> ChunkResultItem:
    """Record a chunk's result once; a repeat returns the result recorded first."""
    result.pk = keys.operation_pk(tenant_id, operation_id)
    result.sk = f"{CHUNK_PREFIX}{int(result.chunk):06d}"
    try:
        result.save(condition=ChunkResultItem.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return ChunkResultItem.get(result.pk, result.sk, consistent_read=True)
    return result


def set_chunk_progress(operation: OperationItem, chunk: int, rows: int) -> None:
    """One UpdateItem on the operation's progress map (created empty by the plan step)."""
    operation.update(actions=[OperationItem.progress[str(chunk)].set(rows)])


def chunk_progress(operation: OperationItem) -> dict[int, int]:
    """Chunk number -> rows done, of the chunks that recorded progress."""
    recorded: dict[str, Any] = operation.progress.as_dict() if operation.progress else {}  # type: ignore[no-untyped-call]
    return {int(number): int(rows) for number, rows in recorded.items()}


def put_chunk_failure(tenant_id: str, operation_id: str, chunk: int, reason: str) -> None:
    ChunkFailureItem(
        pk=keys.operation_pk(tenant_id, operation_id), sk=f"CHUNKFAIL#{chunk:06d}", chunk=chunk, reason=reason[:500]
    ).save()


def get_chunk_result(tenant_id: str, operation_id: str, chunk: int) -> ChunkResultItem | None:
    return get_item(ChunkResultItem, keys.operation_pk(tenant_id, operation_id), f"{CHUNK_PREFIX}{chunk:06d}")


def delete_chunk_items(tenant_id: str, operation_id: str) -> None:
    """Remove the chunk results and failures (once the operation has ended, or before it runs again)."""
    _, chunks, failures = get_all(tenant_id, operation_id)
    delete_all([*chunks, *failures])
