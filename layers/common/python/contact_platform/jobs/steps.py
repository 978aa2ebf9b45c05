"""What every job's steps share: the handler wrapper, scratch files and the chunk manifest, chunk
results, the check that every chunk reported, marking an operation FAILED, and test-only faults.

Step contract (infra/workflows/chunked_job.asl.json): every step gets `{"tenantId", "operationId", ...}`;
plan gets `{"cursor", "chunks"}` (null and 0 on its first call) and returns `{"done", "cursor",
"chunks", "bucket", "key"}`: while `done` is false the state machine calls it again with the cursor
and chunk count it returned, and once it is true `key` is the manifest the Map reads (bucket, key);
process_chunk gets `{"chunk": {"chunk": n, "key": ...}}` and returns `{"chunk": n}`, finalize gets
`{"chunks": n}`, mark_failed gets `{"error": {"Error", "Cause"}}`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from contact_platform import aws, clock
from contact_platform.config import settings
from contact_platform.observability import lambda_handler, logger
from contact_platform.services import operations
from contact_platform.store import operations as store
from contact_platform.store import segments as segment_store
from contact_platform.store.operations import ChunkResultItem, OperationItem
from contact_platform.store.paging import Page
from contact_platform.store.segments import SegmentItem

Event = dict[str, Any]
Work = Callable[[OperationItem, Event], dict[str, Any]]
_fired: set[tuple[str, str]] = set()
# The Lambda context of the step invocation in progress (`plan_call` reads its remaining time).
_context: ContextVar[Any] = ContextVar("step_context", default=None)


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
        if step == "plan":
            token = _context.set(context)
            try:
                return work(operation, event)
            finally:
                _context.reset(token)
        if step != "process_chunk":
            return work(operation, event)
        try:
            return work(operation, event)
        except Exception as error:
            chunk = int(event["chunk"]["chunk"])
            reason = f"{type(error).__name__}: {error}"
            store.put_chunk_failure(operation.tenant_id, operation.operation_id, chunk, reason)
            raise

    return lambda_handler(handler, name=f"{workflow}.{step}")


# Scratch files -----------------------------------------------------------------------------------


def scratch_prefix(operation: OperationItem) -> str:
    return f"scratch/{operation.tenant_id}/{operation.operation_id}/"


def scratch_key(operation: OperationItem, name: str) -> str:
    return scratch_prefix(operation) + name


def chunk_name(kind: str, number: int, extension: str) -> str:
    return f"{kind}-{number:06d}.{extension}"


def put_scratch(key: str, body: bytes) -> None:
    aws.client("s3").put_object(Bucket=settings().uploads_bucket, Key=key, Body=body)


def read_json_lines(key: str, *, ranged: bool = False) -> Iterator[Any]:
    """A scratch file's JSON lines, streamed; `ranged`: in Range GETs of a piece each, for reading
    many files side by side (files/s3_files.iter_pieces)."""
    from contact_platform.files.s3_files import iter_lines

    for line in iter_lines(aws.client("s3"), settings().uploads_bucket, key, ranged=ranged):
        if line.strip():
            yield json.loads(line)


def chunk_key(operation: OperationItem, number: int) -> str:
    return scratch_key(operation, chunk_name("chunk", number, "jsonl"))


def json_line(record: Any) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def planned(operation: OperationItem, chunks: int, cursor: Cursor = None) -> dict[str, Any]:
    """A plan invocation's answer; the last one (no cursor) writes the manifest of chunks 1..n first
    (their keys follow from their numbers, so no invocation needs to carry a list)."""
    manifest_key = scratch_key(operation, "manifest.json")
    if cursor is None:
        manifest = [{"chunk": number, "key": chunk_key(operation, number)} for number in range(1, chunks + 1)]
        put_scratch(manifest_key, json.dumps(manifest).encode())
    return {
        "done": cursor is None,
        "cursor": cursor,
        "chunks": chunks,
        "bucket": settings().uploads_bucket,
        "key": manifest_key,
    }


def write_chunks(operation: OperationItem, records: Iterable[Any], rows_per_chunk: int) -> dict[str, Any]:
    """Split records into JSON Lines chunk files and write the manifest, in one invocation: the
    answer of a plan that is done on its first call (moves)."""
    chunks = 0
    buffer: list[bytes] = []

    def flush() -> None:
        nonlocal chunks
        chunks += 1
        put_scratch(chunk_key(operation, chunks), b"".join(buffer))
        buffer.clear()

    for record in records:
        buffer.append(json_line(record))
        if len(buffer) >= rows_per_chunk:
            flush()
    if buffer:
        flush()
    return planned(operation, chunks)


# A plan of many invocations -----------------------------------------------------------------------

Cursor = Any  # JSON (a DynamoDB key, an offset): where a plan's next invocation goes on; None at the start
# A plan's cursor travels in the execution's state, which Step Functions limits to 256 KB.
MAX_CURSOR_BYTES = 8 * 1024
# What a plan invocation keeps of its Lambda's remaining time: it stops at the end of a chunk once less
# than STOP_SECONDS remain, and even within a chunk (after a page) once less than HALT_SECONDS remain.
STOP_SECONDS = 120.0
HALT_SECONDS = 30.0


@dataclass(frozen=True)
class PlanCall:
    """One invocation of a plan step: where it starts (`cursor`, the chunks written before it) and
    how much it may do: `rows` rows, until `stop_at`, or until `halt_at` (time.monotonic())."""

    cursor: Cursor
    chunks: int
    rows: int
    stop_at: float | None = None
    halt_at: float | None = None

    @property
    def first(self) -> bool:
        """The plan's first invocation (or a retry of it): nothing is written yet."""
        return self.cursor is None


def plan_call(event: Event) -> PlanCall:
    """The invocation's start from its event, its budget from the settings (PLAN_ROWS) and from the
    Lambda context's remaining time."""
    context = _context.get()
    stop_at = halt_at = None
    if context is not None:
        now, left = time.monotonic(), context.get_remaining_time_in_millis() / 1000
        stop_at, halt_at = now + max(0.0, left - STOP_SECONDS), now + max(0.0, left - HALT_SECONDS)
    chunks = int(event.get("chunks") or 0)
    return PlanCall(event.get("cursor"), chunks, settings().plan_rows, stop_at, halt_at)


def planned_segment(operation: OperationItem, call: PlanCall, job: str) -> SegmentItem:
    """The segment a plan lists (`params.segmentId`). The first invocation begins the job and notes
    the segment's version; the next ones refuse a segment changed or deleted since, whose listing the
    cursor would no longer fit."""
    segment = segment_store.get_segment(operation.tenant_id, str(operation.params["segmentId"]))
    if call.first:
        if segment is None:
            raise JobRefused(f"The segment was deleted before the {job} started")
        begin(operation, segmentVersion=int(segment.version))
    elif segment is None or int(segment.version) != int(operation.params.get("segmentVersion", -1)):
        raise JobRefused(f"The segment was changed or deleted while the {job} was being planned")
    return segment


def checked(cursor: Cursor) -> Cursor:
    size = len(json.dumps(cursor))
    if size > MAX_CURSOR_BYTES:
        raise ValueError(f"a plan cursor of {size} bytes is too large for the execution's state")
    return cursor


def chunk_records(
    operation: OperationItem,
    call: PlanCall,
    pages: Iterable[tuple[Iterable[tuple[Any, Cursor]], Cursor]],
    rows_per_chunk: int,
) -> tuple[int, Cursor]:
    """Chunk files of `rows_per_chunk` records numbered on from `call.chunks`, from `pages` (which
    start at `call.cursor`; each page its records, each with the cursor that resumes right after it,
    and the cursor after the page, None after the last). It stops at the end of a chunk once it has
    written `call.rows` rows or its time is short, within a chunk only when its time is nearly gone
    (after a page whose cursor is not None: it then writes a shorter chunk). Returns the chunks
    written so far and the cursor to go on from: right after the last record written, None once the
    source is done. Records are read only as far as they are written: a record source that keeps
    something of each record (the import's duplicate keys) keeps exactly what the chunks hold. An
    invocation run again with the same cursor and count writes its chunks again under the same
    numbers from the same records, so nothing is listed twice."""
    chunks, written = call.chunks, 0
    buffer: list[bytes] = []

    def flush() -> None:
        nonlocal chunks, written
        chunks += 1
        put_scratch(chunk_key(operation, chunks), b"".join(buffer))
        written += len(buffer)
        buffer.clear()

    for items, page_end in pages:
        for record, after in items:
            buffer.append(json_line(record))
            if len(buffer) >= rows_per_chunk:
                flush()
                if written >= call.rows or late(call.stop_at):
                    return chunks, after
        if page_end is not None and late(call.halt_at):
            if buffer:
                flush()
            return chunks, page_end
    if buffer:
        flush()
    return chunks, None


def late(deadline: float | None) -> bool:
    """A plan invocation's deadline (`PlanCall.stop_at`, `halt_at`) has passed."""
    return deadline is not None and time.monotonic() >= deadline


def write_chunk_pages(
    operation: OperationItem, call: PlanCall, pages: Iterable[Page[tuple[Any, Cursor]]], rows_per_chunk: int
) -> dict[str, Any]:
    """The answer of a plan whose source is Query pages (`chunk_records`; each page with the cursor
    after it, None after the last): it is done when the source is."""
    chunks, after = chunk_records(operation, call, ((page.items, page.last_key) for page in pages), rows_per_chunk)
    return planned(operation, chunks, None if after is None else checked(after))


def scratch_keys(operation: OperationItem, prefix: str) -> list[str]:
    """The keys of the operation's scratch files whose names start with `prefix`, in order (ListObjectsV2)."""
    s3, found = aws.client("s3"), []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=settings().uploads_bucket, Prefix=scratch_key(operation, prefix)
    ):
        found += [str(entry["Key"]) for entry in page.get("Contents", [])]
    return sorted(found)


def remove_scratch(operation: OperationItem, prefix: str) -> None:
    """Remove the operation's scratch files whose names start with `prefix`."""
    keys = scratch_keys(operation, prefix)
    for start in range(0, len(keys), 1000):
        objects = [{"Key": key} for key in keys[start : start + 1000]]
        aws.client("s3").delete_objects(Bucket=settings().uploads_bucket, Delete={"Objects": objects, "Quiet": True})


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
    """TRIGGERED -> FINISHED with the final counts (`services/operations.end`: with the job's event)."""
    # With `result` set, the API's answer reads its counts from it: no chunk results are needed.
    if not operations.end(operation, store.status_is(store.TRIGGERED), store.FINISHED, [], result=result, **changes):
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
