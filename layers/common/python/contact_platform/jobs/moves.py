"""The moves job (docs/architecture.md, "Moving references"): the records that referenced a record
deleted or merged, when there are more than `settings().inline_moves` of them. The plan lists
them into chunks; a chunk moves each record that still names the old one (so a retried chunk, or a
record moved inline before the job, changes nothing twice); finalize sums the counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.entities.references import Move, apply, referencing
from contact_platform.jobs import steps
from contact_platform.services import operations
from contact_platform.store.operations import OperationItem

WORKFLOW = "moves"


def _moves(operation: OperationItem) -> list[Move]:
    return [Move.of(params) for params in operation.params["moves"]]


def plan(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    steps.begin(operation)
    moves = _moves(operation)

    def rows() -> Iterator[list[Any]]:
        for number, move in enumerate(moves):
            yield from ([number, entity, record_id] for entity, record_id in referencing(operation.tenant_id, move))

    return steps.write_chunks(operation, rows(), settings().chunk_rows)


def process_chunk(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    if steps.recorded(operation, event) is not None:
        return {"chunk": int(event["chunk"]["chunk"])}
    acting, moves = operations.acting_caller(operation), _moves(operation)
    counts = {"moved": 0, "unchanged": 0, "failed": 0}
    for number, entity, record_id in steps.read_json_lines(str(event["chunk"]["key"])):
        try:
            moved = apply(acting, moves[int(number)], str(entity), str(record_id))
        except errors.ApiError:
            counts["failed"] += 1  # changed by others on every attempt; a retry of the job moves it
            continue
        counts["moved" if moved else "unchanged"] += 1
    return steps.record(WORKFLOW, operation, event, counts)


def finalize(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    totals = steps.summed(steps.all_chunk_results(operation, int(event["chunks"])))
    if totals.get("failed"):
        raise steps.JobRefused(f"{totals['failed']} records kept changing and were not moved; retry the operation")
    steps.finish(operation, totals)
    return {"status": "FINISHED"}
