"""The export job: plan the segment's contact IDs into chunks, render each chunk's rows into a part
file, concatenate header and parts into one file in the exports bucket (S3 multipart, bounded memory)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from contact_platform import aws, clock
from contact_platform.config import EXPORT_FILE_DAYS, settings
from contact_platform.files.csv_writing import BOM, DIALECTS, csv_line, jsonl_line, list_cell
from contact_platform.files.s3_files import MultipartWriter, iter_object
from contact_platform.jobs import steps
from contact_platform.services import operations, segments
from contact_platform.services.exports import dialect_of
from contact_platform.store import contact_reads
from contact_platform.store import records as record_store
from contact_platform.store.operations import OperationItem

WORKFLOW = "exports"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def file_key(operation: OperationItem) -> str:
    return f"tenants/{operation.tenant_id}/exports/{operation.operation_id}.{operation.params['format']}"


# Export column -> the contact item's attribute it is written from (store/contacts.py).
COLUMN_ATTRIBUTES = {
    "id": "id",
    "firstName": "firstName",
    "lastName": "lastName",
    "name": "name",
    "email": "emails",
    "emails": "emails",
    "phones": "phones",
    "organizationId": "organizationId",
    "organization": "organizationId",
    "ownerId": "ownerId",
    "tags": "tags",
    "consentGivenAt": "consentGivenAt",
    "customFields": "customFields",
    "createdAt": "createdAt",
    "updatedAt": "updatedAt",
}


def _cell(contact: dict[str, Any], field: str, organizations: dict[str, str]) -> Any:
    """A contact's value for one export column (lists stay lists; CSV joins them with `;`)."""
    value = contact.get(COLUMN_ATTRIBUTES[field])
    if field == "organization":
        return organizations.get(value or "")
    if field == "email":
        return value[0] if value else None
    if field == "customFields":
        return value or {}
    if field in ("emails", "phones", "tags"):
        return value or []
    return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return list_cell([str(part) for part in value])
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""
    return str(value)


def render(contact: dict[str, Any], fields: list[str], dialect: str | None, organizations: dict[str, str]) -> bytes:
    """One row of a contact (its stored attributes as plain values): a JSON Lines record (no dialect)
    or a CSV record in the dialect; `organizations`: the names of the organizations the chunk's
    contacts name."""
    if dialect is None:
        return jsonl_line({field: _cell(contact, field, organizations) for field in fields})
    return csv_line([_csv_text(_cell(contact, field, organizations)) for field in fields], DIALECTS[dialect].delimiter)


def _organization_names(tenant_id: str, contacts: list[dict[str, Any]]) -> dict[str, str]:
    """Organization ID -> name for the contacts' organizations (one BatchGetItem, none without any)."""
    wanted = {str(contact["organizationId"]) for contact in contacts if contact.get("organizationId")}
    found = record_store.get_records(tenant_id, "organization", wanted)
    return {record_id: str(record_store.data_of(record)["name"]) for record_id, record in found.items()}


# Steps -----------------------------------------------------------------------------------------


def plan(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    """The segment's contact IDs into chunk files, in as many invocations as it takes: each goes on
    from the cursor the one before returned (docs/architecture.md, Jobs)."""
    call = steps.plan_call(event)
    segment = steps.planned_segment(operation, call, "export")
    ids = segments.member_ids(segment, operations.acting_caller(operation), start=call.cursor)
    return steps.write_chunk_pages(operation, call, ids, settings().chunk_rows)


def process_chunk(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    if steps.recorded(operation, event) is not None:
        return {"chunk": int(event["chunk"]["chunk"])}
    number = int(event["chunk"]["chunk"])
    ids = [str(contact_id) for contact_id in steps.read_json_lines(str(event["chunk"]["key"]))]
    scope = operations.acting_caller(operation)
    fields, fmt, dialect = list(operation.params["fields"]), str(operation.params["format"]), dialect_of(operation)
    rows: list[bytes] = []
    read = ["ownerId", *(COLUMN_ATTRIBUTES[field] for field in fields)]  # only these (store/contact_reads.py)
    for offset in range(0, len(ids), 100):
        found = contact_reads.contact_values(operation.tenant_id, ids[offset : offset + 100], read)
        contacts = [found[i] for i in ids[offset : offset + 100] if i in found]
        contacts = [contact for contact in contacts if scope.may_access(contact.get("ownerId"))]
        names = _organization_names(operation.tenant_id, contacts) if "organization" in fields else {}
        rows.extend(render(contact, fields, dialect, names) for contact in contacts)
    part = steps.scratch_key(operation, steps.chunk_name("part", number, fmt))
    steps.put_scratch(part, b"".join(rows))
    return steps.record(WORKFLOW, operation, event, {"rows": len(rows)}, file_key=part)


def _parts(operation: OperationItem, keys: list[str]) -> Iterator[bytes]:
    s3 = aws.client("s3")
    for key in keys:
        yield from iter_object(s3, settings().uploads_bucket, key)


def finalize(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    chunks = steps.all_chunk_results(operation, int(event["chunks"]))
    fmt, fields = str(operation.params["format"]), list(operation.params["fields"])
    key = file_key(operation)
    with MultipartWriter(aws.client("s3"), settings().exports_bucket, key, content_type=CONTENT_TYPES[fmt]) as writer:
        dialect = dialect_of(operation)
        if dialect is not None:
            writer.write((BOM if DIALECTS[dialect].bom else b"") + csv_line(fields, DIALECTS[dialect].delimiter))
        for piece in _parts(operation, [str(chunk.file_key) for chunk in chunks]):
            writer.write(piece)
    rows = steps.summed(chunks).get("rows", 0)
    expires = clock.iso(clock.now() + timedelta(days=EXPORT_FILE_DAYS))
    steps.finish(operation, {"rowCount": rows}, file_key=key, file_expires_at=expires)
    return {"status": "FINISHED"}
