"""What every job's steps share: the handler wrapper, scratch files and the chunk manifest, chunk
results, the check that every chunk reported, marking an operation FAILED, and test-only faults.

Step contract (infra/workflows/*.asl.json): every step gets `{"tenantId", "operationId", ...}`;
plan returns `{"bucket", "key", "chunks"}` (the manifest the Map reads), process_chunk gets
`{"chunk": {"chunk": n, "key": ...}}` and returns `{"chunk": n}`, finalize gets `{"chunks": n}`,
mark_failed gets `{"error": {"Error", "Cause"}}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from contact_platform import aws, clock
from contact_platform.config import settings
from contact_platform.observability import lambda_handler, logger
from contact_platform.services import operations
from contact_platform.store import operations as store
from contact_platform.store.operations import ChunkResultItem, OperationItem

Event = dict[str, Any]
Work = Callable[[OperationItem, Event], dict[str, Any]]
_fired: set[tuple[str, str]] = set()


class JobRefused(Exception):
    """The job cannot do what was asked (a file that is not CSV, a segment gone); the message is the
    operation's failure reason, meant for the API client."""


class InjectedFault(Exception):
    """Raised where the test-only FAULT_STEP setting asks for a failure."""


def fault_point(workflow: str, step: str, key: str = "", chunk: int | None = None) -> None:
    """Fail here if FAULT_STEP (dev mode only) names this step: `<workflow>.<step>` always,
    `<workflow>.<step>:once` only the first time per key in this process (a retry then succeeds),
    `<workflow>.process_chunk:<n>` always, but only in chunk n."""
    spec = settings().fault_step
    if not spec:
        return
    target, _, mode = spec.partition(":")
    if target != f"{workflow}.{step}":
        return
    if mode == "once":
        if (spec, key) in _fired:
            return
        _fired.add((spec, key))
    elif mode and mode != str(chunk):
        return
    raise InjectedFault(f"fault injected in {target}")


def step_handler(workflow: str, step: str, work: Work) -> Callable[[Event, Any], dict[str, Any]]:
    """A Lambda handler for one step: loads the operation, runs `work`; chunk steps place their own
    fault point (before recording their result), the others fail at the start when asked to."""

    def handler(event: Event, context: Any) -> dict[str, Any]:
        logger.append_keys(operationId=event.get("operationId"), step=f"{workflow}.{step}")
        if step != "process_chunk":
            fault_point(workflow, step)
        operation = store.get(str(event["tenantId"]), str(event["operationId"]))
        if operation is None:
            raise JobRefused("The operation does not exist")
        if step != "process_chunk":
            return work(operation, event)
        try:
            return work(operation, event)
        except Exception as error:
            chunk = int(event["chunk"]["chunk"])
            reason = f"{type(error).__name__}: {error}"
            store.put_chunk_failure(operation.tenant_id, operation.operation_id, chunk, reason)
            raise

    return lambda_handler(handler)


# Scratch files -----------------------------------------------------------------------------------


def scratch_prefix(operation: OperationItem) -> str:
    return f"scratch/{operation.tenant_id}/{operation.operation_id}/"


def scratch_key(operation: OperationItem, name: str) -> str:
    return scratch_prefix(operation) + name


def chunk_name(kind: str, number: int, extension: str) -> str:
    return f"{kind}-{number:06d}.{extension}"


def put_scratch(key: str, body: bytes) -> None:
    aws.client("s3").put_object(Bucket=settings().uploads_bucket, Key=key, Body=body)


def read_json_lines(key: str) -> Iterator[Any]:
    from contact_platform.files.s3_files import iter_lines

    for line in iter_lines(aws.client("s3"), settings().uploads_bucket, key):
        if line.strip():
            yield json.loads(line)


def write_chunks(operation: OperationItem, records: Iterable[Any], rows_per_chunk: int) -> dict[str, Any]:
    """Split records into JSON Lines chunk files and write the manifest: the plan step's result."""
    manifest: list[dict[str, Any]] = []
    buffer: list[bytes] = []

    def flush() -> None:
        number = len(manifest) + 1
        key = scratch_key(operation, chunk_name("chunk", number, "jsonl"))
        put_scratch(key, b"".join(buffer))
        manifest.append({"chunk": number, "key": key})
        buffer.clear()

    for record in records:
        buffer.append(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
        if len(buffer) >= rows_per_chunk:
            flush()
    if buffer:
        flush()
    manifest_key = scratch_key(operation, "manifest.json")
    put_scratch(manifest_key, json.dumps(manifest).encode())
    return {"bucket": settings().uploads_bucket, "key": manifest_key, "chunks": len(manifest)}


def begin(operation: OperationItem, **params: Any) -> None:
    """The plan step starts: TRIGGERED (a retried plan may find it so already)."""
    if operation.status in store.ENDED:
        raise JobRefused(f"The operation has ended already ({operation.status})")
    store.update(
        operation,
        store.status_is(store.PENDING, store.TRIGGERED),
        status=store.TRIGGERED,
        params={**operation.params, **params},
        progress={},
        updated_at=clock.iso(clock.now()),
    )


# Chunk results ---------------------------------------------------------------------------------


def progress(operation: OperationItem, chunk: int, rows: int) -> None:
    """A running chunk's rows done so far (one UpdateItem); a retried chunk overwrites its own entry,
    so nothing counts twice. Status reads add it for chunks that have no result yet
    (services/imports._processed_rows)."""
    store.set_chunk_progress(operation, chunk, rows)


def recorded(operation: OperationItem, event: Event) -> ChunkResultItem | None:
    """The result a chunk recorded in an earlier attempt (then its work is done)."""
    return store.get_chunk_result(operation.tenant_id, operation.operation_id, int(event["chunk"]["chunk"]))


def record(
    workflow: str, operation: OperationItem, event: Event, counts: dict[str, int], file_key: str | None = None
) -> dict[str, Any]:
    number = int(event["chunk"]["chunk"])
    fault_point(workflow, "process_chunk", f"{operation.operation_id}#{number}", chunk=number)
    result = ChunkResultItem(chunk=number, counts=counts, file_key=file_key, error_count=counts.get("errors", 0))
    store.put_chunk_result(operation.tenant_id, operation.operation_id, result)
    return {"chunk": number}


def all_chunk_results(operation: OperationItem, expected: int) -> list[ChunkResultItem]:
    """Every chunk's result in chunk order; a missing one fails the job (the emulator's DISTRIBUTED Map
    does not fail when an item fails, so this check is what catches it)."""
    _, chunks, failures = store.get_all(operation.tenant_id, operation.operation_id)
    by_number = {int(chunk.chunk): chunk for chunk in chunks}
    missing = [number for number in range(1, expected + 1) if number not in by_number]
    if missing:
        shown = ", ".join(str(number) for number in missing[:10])
        reasons = {int(failure.chunk): failure.reason for failure in failures}
        known = next((f"chunk {n} failed: {reasons[n]}" for n in missing if n in reasons), "")
        summary = f"{len(missing)} of {expected} chunks reported no result (chunks {shown})"
        raise JobRefused(f"{summary}; {known}" if known else summary)
    return [by_number[number] for number in range(1, expected + 1)]


def summed(chunks: list[ChunkResultItem]) -> dict[str, int]:
    total: dict[str, int] = {}
    for chunk in chunks:
        for key, value in chunk.counts.items():
            total[key] = total.get(key, 0) + int(value)
    return total


def finish(operation: OperationItem, result: dict[str, Any], **changes: Any) -> None:
    """TRIGGERED -> FINISHED with the final counts; due for scratch-file removal now."""
    now = clock.iso(clock.now())
    done = store.update(
        operation,
        store.status_is(store.TRIGGERED),
        status=store.FINISHED,
        result=result,
        finished_at=now,
        updated_at=now,
        **operations.due_keys(operation, now),
        **changes,
    )
    if not done:
        raise JobRefused("The operation is no longer running")


# Failure ---------------------------------------------------------------------------------------


def failure_reason(error: dict[str, Any]) -> str:
    """A sentence from a Catch's `{"Error", "Cause"}`: a refusal's own message, else type and message."""
    name = str(error.get("Error") or "Error")
    cause = error.get("Cause") or ""
    try:
        details = json.loads(cause) if isinstance(cause, str) and cause.startswith("{") else {}
    except ValueError:
        details = {}
    message = str(details.get("errorMessage") or cause or name)
    if details.get("errorType", name) == JobRefused.__name__:
        return message
    return f"A step failed ({details.get('errorType', name)}): {message}"


def mark_failed(operation: OperationItem, event: Event) -> dict[str, Any]:
    operations.fail(operation, failure_reason(event.get("error") or {}))
    return {"status": store.FAILED}
