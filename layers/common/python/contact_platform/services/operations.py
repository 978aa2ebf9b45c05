"""Operations: starting a job's state machine, the caller a job acts as, reading an operation back.

Statuses: PENDING (created) -> TRIGGERED (the plan step runs) -> FINISHED or FAILED; an export whose
file is gone is EXPIRED. A job that cannot even be started is FAILED at once, never left PENDING.
Every FINISHED or FAILED is written by `end`, with the job's `<job>.finished` event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.expressions.condition import Condition

from contact_platform import aws, clock, errors, metrics
from contact_platform.config import settings
from contact_platform.ids import new_id
from contact_platform.observability import logger
from contact_platform.permissions import Caller, Role
from contact_platform.services import audit
from contact_platform.services.listing import listing
from contact_platform.store import keys
from contact_platform.store import operations as store
from contact_platform.store.operations import ChunkResultItem, OperationItem

if TYPE_CHECKING:  # the API's models: read by a job step only when it ends a job (`event_data`)
    from contact_platform.models.base import Model
    from contact_platform.models.operations import OperationAccepted, OperationListQuery
    from contact_platform.models.paging import Listing

T = TypeVar("T")
STATUS_PATHS = {
    "exports": "/api/v1/exports",
    "imports": "/api/v1/imports",
    "tagging": "/api/v1/tag-assignments",
    "moves": "/api/v1/moves",
}
RETRIED = {
    "exports": "export.retried",
    "imports": "import.retried",
    "tagging": "tagging.retried",
    "moves": "moves.retried",
}


def export_type(operation: OperationItem) -> str | None:
    """What an operation exports, for the `Exports` metric: the `exportType` its params name (a
    campaign export's), `segment` for the segment exports of `POST /exports`; None: not an export."""
    named = operation.params.get("exportType")
    if named:
        return str(named)
    return "segment" if operation.job == "exports" else None


def count_export(operation: OperationItem, status: str) -> None:
    """An export entered `status` (docs/architecture.md, "Metrics"); nothing for other jobs."""
    exported = export_type(operation)
    if exported is not None:
        metrics.export(exported, status)


def acting_caller(operation: OperationItem) -> Caller:
    """The caller a job acts as: who requested it, with the same view of records."""
    scope = operation.params.get("scope") or {}
    return Caller(
        tenant_id=operation.tenant_id,
        user_id=str(scope.get("userId") or operation.requested_by),
        role=Role(str(scope.get("role") or Role.ADMIN)),
        scopes=frozenset(),
        key_id=str(scope.get("keyId") or ""),
        request_id=operation.operation_id,
    )


def scope_of(caller: Caller) -> dict[str, str]:
    return {"userId": caller.user_id, "role": str(caller.role), "keyId": caller.key_id}


def new_operation(caller: Caller, job: str, params: dict[str, Any], operation_id: str | None = None) -> OperationItem:
    return store.new_operation(
        caller.tenant_id,
        operation_id or new_id("op"),
        job=job,
        params={**params, "scope": scope_of(caller)},
        requested_by=caller.user_id,
        at=clock.iso(clock.now()),
    )


def record(caller: Caller, operation: OperationItem, action: str, *, due_iso: str | None = None) -> bool:
    """Write the new operation with an audit entry (`due_iso`: when the cleanup should look at it if
    nothing else happens); False when an operation with that ID exists already."""
    entry = audit.entry(
        caller, entity_type="operation", entity_id=operation.operation_id, action=action, at=clock.now(), changed=[]
    )
    if due_iso:
        for name, value in due_keys(operation, due_iso).items():
            setattr(operation, name, value)
    created = store.create(operation, entry)
    if created:
        count_export(operation, operation.status)
    return created


def start(caller: Caller, operation: OperationItem, action: str) -> bool:
    """Record the operation and start its state machine; False (nothing started) when it exists already."""
    if not record(caller, operation, action):
        return False
    start_execution(operation)
    return True


def start_execution(operation: OperationItem, attempt: int = 1) -> None:
    """Start the state machine, named after the operation (a second start of the same attempt is a no-op).
    If it cannot be started, the operation is FAILED with the reason and the error is raised."""
    name = operation.operation_id if attempt == 1 else f"{operation.operation_id}-{attempt}"
    try:
        aws.client("stepfunctions").start_execution(
            stateMachineArn=settings().state_machine_arn(operation.job),
            name=name,
            input=json.dumps({"tenantId": operation.tenant_id, "operationId": operation.operation_id}),
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
            return
        fail(operation, f"The job could not be started: {error.response['Error']['Code']}")
        raise
    except BotoCoreError as error:
        fail(operation, f"The job could not be started: {type(error).__name__}")
        raise


def retry(caller: Caller, job: str, operation_id: str) -> OperationAccepted:
    """Run the caller's FAILED job again under the same operation (409 for any other status).

    Its chunks run afresh from a new plan; the chunk work is idempotent, so what the failed run wrote
    is not written twice (an import's rows keep their contact IDs, a contact keeps a tag once)."""
    operation, _ = visible(caller, job, operation_id)
    attempt = int(operation.params.get("attempt", 1)) + 1
    entry = audit.entry(
        caller, entity_type="operation", entity_id=operation_id, action=RETRIED[job], at=clock.now(), changed=[]
    )
    reopened = store.update_audited(
        operation,
        store.status_is(store.FAILED),
        entry,
        status=store.PENDING,
        params={**operation.params, "attempt": attempt},
        failure_reason=None,
        finished_at=None,
        updated_at=clock.iso(clock.now()),
    )
    if not reopened:
        raise errors.conflict(f"Only a FAILED operation can be run again; this one is {operation.status}")
    count_export(operation, store.PENDING)
    store.delete_chunk_items(operation.tenant_id, operation.operation_id)
    start_execution(operation, attempt)
    return accepted(operation)


def fail(operation: OperationItem, reason: str) -> bool:
    """Mark an operation FAILED (unless it has ended already); False when it had."""
    logger.warning("operation failed", extra={"operationId": operation.operation_id, "reason": reason})
    chunks: list[ChunkResultItem] = []
    if operation.status == store.TRIGGERED:  # a FAILED job's counts sum its chunks' (`totals`): only after its plan
        _, chunks = store.get_with_chunks(operation.tenant_id, operation.operation_id)
    return end(operation, ~store.status_is(*store.ENDED), store.FAILED, chunks, failure_reason=reason[:1000])


def end(
    operation: OperationItem, condition: Condition, status: str, chunks: list[ChunkResultItem], **changes: Any
) -> bool:
    """The write that ends a job (FINISHED or FAILED) if `condition` holds, due for scratch-file
    removal now; False when it does not hold. Its audit entry, in the same transaction, carries the
    job's `<job>.finished` event: the operation as the API's GET of it returns it after the write
    (`chunks`: the chunk results that GET would read), without signed links (docs/architecture.md,
    "Events"). The condition makes it one event per job end, however often a step runs."""
    from contact_platform.models.operations import FINISHED  # as `event_data`: only a job's end reads models

    now = clock.now()
    stamp = clock.iso(now)
    changes = {"status": status, "finished_at": stamp, "updated_at": stamp, **due_keys(operation, stamp), **changes}
    after = OperationItem.from_raw_data(operation.serialize())
    for name, value in changes.items():
        setattr(after, name, value)
    entry = audit.entry(
        acting_caller(operation),
        entity_type="operation",
        entity_id=operation.operation_id,
        action=FINISHED[operation.job],
        at=now,
        changed=[],
        record=event_data(after, chunks),
    )
    ended = store.update_audited(operation, condition, entry, **changes)
    if ended:  # once per job end, as its event (docs/architecture.md, "Metrics")
        metrics.job_ended(operation.job, status, (now - clock.parse_iso(operation.created_at)).total_seconds())
        count_export(operation, status)
    return ended


def event_data(operation: OperationItem, chunks: list[ChunkResultItem]) -> Model:
    """The operation as the API's GET of its job returns it, without the links signed for the caller
    (a link signed now is stale by the time the event is read or delivered)."""
    from contact_platform.models.operations import SIGNED_LINKS
    from contact_platform.services import campaign_exports, exports, imports, moves, tag_assignments

    if operation.job == campaign_exports.JOB:
        return campaign_exports.event_view(operation)
    views = {"exports": exports.view, "imports": imports.view, "tagging": tag_assignments.view, "moves": moves.view}
    data = views[operation.job](operation, chunks)
    return data.model_copy(update={name: None for name in SIGNED_LINKS if name in type(data).model_fields})


def due_keys(operation: OperationItem, due_iso: str) -> dict[str, str]:
    """Index keys that put the operation into the cleanup's list for `due_iso`."""
    return {
        "gsi2pk": keys.due_partition(due_iso[:10]),
        "gsi2sk": keys.due_sort_key(due_iso, operation.tenant_id, operation.operation_id),
    }


def accepted(operation: OperationItem) -> OperationAccepted:
    from contact_platform.models.operations import OperationAccepted

    return OperationAccepted(
        operationId=operation.operation_id,
        status=operation.status,
        statusUrl=f"{STATUS_PATHS[operation.job]}/{operation.operation_id}",
    )


def visible(caller: Caller, job: str, operation_id: str) -> tuple[OperationItem, list[ChunkResultItem]]:
    """The caller's operation of that job with its chunk results, or 404 (another tenant's or user's
    operation does not exist for this caller)."""
    operation, chunks = store.get_with_chunks(caller.tenant_id, operation_id)
    if operation is None or operation.job != job or not caller.may_access(operation.requested_by):
        raise errors.not_found("Operation")
    return operation, chunks


def totals(operation: OperationItem, chunks: list[ChunkResultItem]) -> dict[str, int]:
    """Counts so far: the final ones once finalized, else the sum over the chunks reported."""
    if operation.result:
        return {key: int(value) for key, value in operation.result.items() if isinstance(value, int | float)}
    summed: dict[str, int] = {}
    for chunk in chunks:
        for key, value in chunk.counts.items():
            summed[key] = summed.get(key, 0) + int(value)
    return summed


def list_operations(
    caller: Caller,
    job: str,
    query: OperationListQuery,
    to_api: Callable[[OperationItem], T],
    status_of: Callable[[OperationItem], str] = lambda item: item.status,
) -> Listing[T]:
    """The caller's jobs, newest first (a caller who does not see every record: those it requested,
    from their own index); `query.status` keeps those whose status reads so now
    (`status_of`: an export whose file has expired reads EXPIRED before the cleanup marks it)."""

    requester = None if caller.sees_all_records else caller.user_id
    binding = f"operations|{job}|{caller.tenant_id}|{caller.user_id}|{requester}|{query.status}"
    return listing(
        lambda size, start: store.list_operations(caller.tenant_id, job, requester=requester, limit=size, start=start),
        to_api,
        binding=binding,
        limit=query.limit,
        cursor=query.cursor,
        keep=None if query.status is None else lambda item: status_of(item) == query.status,
    )


def common_fields(operation: OperationItem) -> dict[str, Any]:
    return {
        "operationId": operation.operation_id,
        "status": operation.status,
        "failureReason": operation.failure_reason,
        "requestedBy": operation.requested_by,
        "createdAt": operation.created_at,
        "updatedAt": operation.updated_at,
        "finishedAt": operation.finished_at,
    }
