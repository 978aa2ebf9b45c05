"""Moves: read the jobs that move what referenced a deleted or merged record (entities/references.py)."""

from __future__ import annotations

from contact_platform.models.operations import MoveOperation, OperationAccepted, OperationListQuery
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services import operations
from contact_platform.store.operations import ChunkResultItem, OperationItem

JOB = "moves"


def view(operation: OperationItem, chunks: list[ChunkResultItem]) -> MoveOperation:
    """The operation as its GET returns it."""
    counts = operations.totals(operation, chunks)
    return MoveOperation(
        **operations.common_fields(operation),
        reason=str(operation.params.get("reason", "")),
        moved=counts.get("moved", 0),
        unchanged=counts.get("unchanged", 0),
        failed=counts.get("failed", 0),
    )


def get_move(caller: Caller, operation_id: str) -> MoveOperation:
    return view(*operations.visible(caller, JOB, operation_id))


def list_moves(caller: Caller, query: OperationListQuery) -> Listing[MoveOperation]:
    return operations.list_operations(caller, JOB, query, lambda item: view(item, []))


def retry_move(caller: Caller, operation_id: str) -> OperationAccepted:
    """Run a FAILED move again: records moved already stay as they are."""
    return operations.retry(caller, JOB, operation_id)
