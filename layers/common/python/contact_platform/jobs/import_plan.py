"""The import job's plan (docs/architecture.md, "The import plan's loop"): a loop of invocations
through three stages.

- read: the first invocation reads the CSV's layout (encoding, delimiter, header mapping; a file that
  is not CSV fails the job and writes nothing); each invocation parses rows from its cursor's byte
  offset into chunk files (PLAN_ROWS or its time) and writes their first email and phone keys into
  PARTITIONS key files by a hash of the key.
- dedupe: each partition's in-file duplicates. A row is a duplicate by email when an earlier row
  (lower row number) without problems has the same email key, the earliest such row named; else by
  phone likewise. A row that is itself a duplicate still counts as an earlier row, so the rule is
  decided per key.
- split: the findings merged into one duplicates file per chunk, email before phone; the manifest.

A file the first invocation reads to its end (up to PLAN_ROWS rows, most files) skips the key and
findings files: its partitions are deduplicated from the keys it holds, then split.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Iterator
from typing import Any

from contact_platform import aws
from contact_platform.config import settings
from contact_platform.files.csv_reading import CsvRefused, open_csv, resume_csv
from contact_platform.files.s3_files import head_object, object_source
from contact_platform.jobs import steps
from contact_platform.jobs.import_rows import listed
from contact_platform.services import search_terms
from contact_platform.store import operations as operation_store
from contact_platform.store.operations import OperationItem

# The plan spreads the rows' duplicate keys over so many partitions by a hash of the key, and finds
# the in-file duplicates of each partition on its own (docs/architecture.md, Jobs).
PARTITIONS = 64


def _dedupe_keys(values: dict[str, str]) -> tuple[str | None, str | None]:
    email = next(iter(listed(values, "email", "emails")), None)
    phone = next(iter(listed(values, "phone", "phones")), None)
    return (search_terms.email_key(email) if email else None, search_terms.phone_key(phone) if phone else None)


def _check_upload(operation: OperationItem) -> None:
    """A file PUT to an upload URL must have come with the content type the URL is signed over. AWS
    refuses a PUT without it (403); an emulator may store the object anyway, empty when the client sent
    a form type (curl's `--data-binary` default): say so instead of "the file is empty"."""
    required = operation.params.get("uploadContentType")
    head = head_object(aws.client("s3"), str(operation.params["bucket"]), str(operation.params["fileKey"]))
    if required and head.media_type != required:
        raise steps.JobRefused(
            f"The upload was sent with Content-Type {head.content_type or '(none)'}; the upload URL requires "
            f"Content-Type: {required} (the uploadHeaders). PUT the file again with that header, then retry the import"
        )
    if head.size == 0:
        raise steps.JobRefused("The uploaded object is empty (0 bytes)")


def plan(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    """The file into chunk files, its in-file duplicates into a file per chunk, in as many
    invocations as it takes; each goes on from the cursor the one before returned, through the stages
    read, dedupe and split, as far as its budget allows (docs/architecture.md, Jobs). A file that the
    first invocation reads to its end is deduplicated from the keys it holds, without key and
    findings files."""
    call = steps.plan_call(event)
    cursor: dict[str, Any] = call.cursor or {"stage": "read"}
    chunks = call.chunks
    if cursor["stage"] == "read":
        chunks, cursor, keys = _read(operation, call)
        if call.first and cursor["stage"] == "dedupe":
            findings = (_findings(_lines(bytes(keys[part]))) for part in sorted(keys))
            _split(operation, [_lines(found) for found in findings if found])
            return _finished(operation, chunks, cursor)
        for part, lines in sorted(keys.items()):
            steps.put_scratch(steps.scratch_key(operation, _keys_name(part, call.chunks + 1)), bytes(lines))
        if cursor["stage"] == "read" or steps.late(call.stop_at):
            return steps.planned(operation, chunks, steps.checked(cursor))
    if cursor["stage"] == "dedupe":
        cursor = _dedupe(operation, call, cursor)
        if cursor["stage"] == "dedupe" or steps.late(call.stop_at):
            return steps.planned(operation, chunks, steps.checked(cursor))
    streams = [steps.read_json_lines(name, ranged=True) for name in steps.scratch_keys(operation, "finds-")]
    _split(operation, streams)
    return _finished(operation, chunks, cursor)


def _finished(operation: OperationItem, chunks: int, cursor: dict[str, Any]) -> dict[str, Any]:
    """The plan's last answer: `totalRows` stored, the manifest written."""
    operation.refresh(consistent_read=True)
    operation_store.update(operation, params={**operation.params, "totalRows": int(cursor["records"])})
    return steps.planned(operation, chunks)


def _lines(data: bytes) -> Iterator[Any]:
    """The JSON lines of a file held in memory."""
    return (json.loads(line) for line in data.splitlines() if line.strip())


def _partition(field: str, key: str) -> int:
    """The partition of a duplicate key: a stable hash (the same in every invocation and process)."""
    digest = hashlib.blake2b(f"{field}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % PARTITIONS


def _keys_name(part: int, first_chunk: int) -> str:
    """`keys-<partition>-<first chunk of the invocation>.jsonl`"""
    return f"keys-{part:03d}-{first_chunk:06d}.jsonl"


def _finds_name(part: int) -> str:
    return f"finds-{part:03d}.jsonl"


def dups_key(operation: OperationItem, chunk: int) -> str:
    """The chunk's in-file duplicates: lines `[row, field, earlier row]` (none: no file)."""
    return steps.scratch_key(operation, steps.chunk_name("dups", chunk, "jsonl"))


def _read(operation: OperationItem, call: steps.PlanCall) -> tuple[int, dict[str, Any], dict[int, bytearray]]:
    """Stage read: rows from the cursor's byte offset into chunk files (the first invocation checks
    the upload and reads the file's layout first). Returns the chunks so far, the cursor (the next
    row's byte offset, or stage dedupe once the file is read) and the duplicate keys of the rows it
    wrote by partition, as the lines of their key files."""
    bucket, key = str(operation.params["bucket"]), str(operation.params["fileKey"])
    source = object_source(aws.client("s3"), bucket, key)
    if call.first:
        _check_upload(operation)
        try:
            layout, rows = open_csv(source)
        except CsvRefused as refused:
            raise steps.JobRefused(refused.reason) from refused
        steps.begin(
            operation,
            unknownColumns=list(layout.unknown_columns),
            ignoredColumns=list(layout.ignored_columns),
            encoding=layout.encoding,
            delimiter=layout.delimiter,
        )
        for stale in ("keys-", "finds-", "dups-"):  # of an earlier execution of this operation (a retry)
            steps.remove_scratch(operation, stale)
        records = 0
    else:
        encoding, delimiter = str(operation.params["encoding"]), str(operation.params["delimiter"])
        try:
            _, rows = resume_csv(source, encoding, delimiter, int(call.cursor["offset"]), int(call.cursor["row"]))
        except CsvRefused as refused:
            raise steps.JobRefused(f"The file changed while it was being imported: {refused.reason}") from refused
        records = int(call.cursor["records"])
    buffers: dict[int, bytearray] = {}
    count = records

    def items() -> Iterator[tuple[dict[str, Any], tuple[int, int, int]]]:
        nonlocal count
        for index, row in enumerate(rows, start=records):
            record: dict[str, Any] = {"row": row.number, "values": row.values}
            if row.problems:
                record["problems"] = [[p.field, p.issue, p.value] for p in row.problems]
            else:
                for field, found in zip(("email", "phone"), _dedupe_keys(row.values), strict=True):
                    if found:
                        buffers.setdefault(_partition(field, found), bytearray()).extend(
                            steps.json_line([field, found, index, row.number])
                        )
            count = index + 1
            yield record, (row.end, row.number, count)

    chunks, after = steps.chunk_records(operation, call, [(items(), None)], settings().chunk_rows)
    if after is None:
        return chunks, {"stage": "dedupe", "part": 0, "records": count}, buffers
    offset, row, written = after
    return chunks, {"stage": "read", "offset": offset, "row": row, "records": written}, buffers


def _dedupe(operation: OperationItem, call: steps.PlanCall, cursor: dict[str, Any]) -> dict[str, Any]:
    """Stage dedupe: the partitions from the cursor's on, one after the other, until the time is short
    (at least one an invocation; their key files listed once). Returns the cursor: the next
    partition, or stage split."""
    part = int(cursor["part"])
    files: dict[int, list[str]] = {}  # partition -> its key files: one listing for the invocation
    for name in steps.scratch_keys(operation, "keys-"):
        files.setdefault(int(name.rsplit("/", 1)[1].split("-")[1]), []).append(name)
    while part < PARTITIONS:
        _dedupe_partition(operation, part, files.get(part, []))
        part += 1
        if part < PARTITIONS and steps.late(call.stop_at):
            return {**cursor, "part": part}
    return {"stage": "split", "records": cursor["records"]}


def _dedupe_partition(operation: OperationItem, part: int, files: list[str]) -> None:
    """One partition's findings (`_findings`) from its key files, into `finds-<partition>.jsonl`
    (none: no file)."""
    findings = _findings(entry for name in files for entry in steps.read_json_lines(name))
    if findings:
        steps.put_scratch(steps.scratch_key(operation, _finds_name(part)), findings)


def _findings(entries: Iterable[list[Any]]) -> bytes:
    """The in-file duplicates among one partition's key entries `[field, key, record index, row]`
    (docs/architecture.md, Jobs): a record is a duplicate by a field when an earlier record (lower
    row) without problems has the same key, and the earliest such row is the one named. The lines
    `[record index, row, field, earlier row]`, sorted by record index (email before phone)."""
    held: set[tuple[int, int, str, str]] = set()  # a retried read may have written an entry twice
    first: dict[tuple[str, str], int] = {}
    for field, key, index, row in entries:
        held.add((int(index), int(row), str(field), str(key)))
        earliest = first.get((field, key))
        if earliest is None or row < earliest:
            first[(field, key)] = int(row)
    found = sorted(
        (index, field, row, first[(field, key)]) for index, row, field, key in held if row > first[(field, key)]
    )
    return b"".join(steps.json_line([index, row, field, earlier]) for index, field, row, earlier in found)


def _split(operation: OperationItem, streams: list[Iterator[Any]]) -> None:
    """Stage split: the partitions' findings (each stream sorted by record index) merged in record
    order, so memory holds a piece of each; the email finding of a record kept over its phone
    finding, into one duplicates file per chunk (`dups_key`)."""
    rows_per_chunk = settings().chunk_rows

    def findings(lines: Iterator[Any]) -> Iterator[tuple[int, str, int, int]]:
        for index, row, field, earlier in lines:
            yield int(index), str(field), int(row), int(earlier)

    chunk, last = 0, -1
    buffer: list[bytes] = []
    for index, field, row, earlier in heapq.merge(*(findings(stream) for stream in streams)):
        if index == last:
            continue  # the record's email finding came first
        last = index
        number = index // rows_per_chunk + 1
        if number != chunk and buffer:
            steps.put_scratch(dups_key(operation, chunk), b"".join(buffer))
            buffer.clear()
        chunk = number
        buffer.append(steps.json_line([row, field, earlier]))
    if buffer:
        steps.put_scratch(dups_key(operation, chunk), b"".join(buffer))
