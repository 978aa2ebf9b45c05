"""Moves: read the jobs that move what referenced a deleted or merged record (entities/references.py)."""

from __future__ import annotations

from contact_platform.models.operations import MoveOperation, OperationAccepted, OperationListQuery
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services import operations
from contact_platform.store.operations import OperationItem

JOB = "moves"


def _to_api(operation: OperationItem, counts: dict[str, int]) -> MoveOperation:
    return MoveOperation(
        **operations.common_fields(operation),
        reason=str(operation.params.get("reason", "")),
        moved=counts.get("moved", 0),
        unchanged=counts.get("unchanged", 0),
        failed=counts.get("failed", 0),
    )


def get_move(caller: Caller, operation_id: str) -> MoveOperation:
    operation, chunks = operations.visible(caller, JOB, operation_id)
    return _to_api(operation, operations.totals(operation, chunks))


def list_moves(caller: Caller, query: OperationListQuery) -> Listing[MoveOperation]:
    return operations.list_operations(caller, JOB, query, lambda item: _to_api(item, operations.totals(item, [])))


def retry_move(caller: Caller, operation_id: str) -> OperationAccepted:
    """Run a FAILED move again: records moved already stay as they are."""
    return operations.retry(caller, JOB, operation_id)
