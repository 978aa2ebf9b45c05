"""Exports: start one for a segment, read its status with a download URL signed at read time, list them."""

from __future__ import annotations

from datetime import timedelta

from contact_platform import aws, clock
from contact_platform.config import settings
from contact_platform.files.csv_writing import DEFAULT_DIALECT
from contact_platform.models.operations import (
    EXPORT_FIELDS,
    Export,
    ExportCreate,
    OperationAccepted,
    OperationListQuery,
)
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services import operations, segments
from contact_platform.store import operations as store
from contact_platform.store.operations import ChunkResultItem, OperationItem

JOB = "exports"


def create_export(caller: Caller, body: ExportCreate) -> OperationAccepted:
    segments.found(caller, body.segmentId)
    fields = list(dict.fromkeys(body.fields or EXPORT_FIELDS))
    dialect = (body.dialect or DEFAULT_DIALECT) if body.format == "csv" else None
    operation = operations.new_operation(
        caller, JOB, {"segmentId": body.segmentId, "format": body.format, "dialect": dialect, "fields": fields}
    )
    operations.start(caller, operation, "export.requested")
    return operations.accepted(operation)


def dialect_of(operation: OperationItem) -> str | None:
    """The CSV dialect of an export (operations from before dialects: the default), None for JSON Lines."""
    if operation.params["format"] != "csv":
        return None
    return str(operation.params.get("dialect") or DEFAULT_DIALECT)


def is_expired(operation: OperationItem, now_iso: str) -> bool:
    """A finished export whose file is past its expiry is EXPIRED, even before the cleanup has run."""
    return operation.status == store.EXPIRED or (
        operation.status == store.FINISHED and bool(operation.file_expires_at) and operation.file_expires_at <= now_iso
    )


def view(operation: OperationItem, chunks: list[ChunkResultItem]) -> Export:
    """The export as its GET returns it (from the operation alone: `chunks` are not read)."""
    now = clock.now()
    expired = is_expired(operation, clock.iso(now))
    url = url_expires = None
    if operation.status == store.FINISHED and operation.file_key and not expired:
        seconds = settings().download_url_seconds
        file_name = f"export-{operation.operation_id}.{operation.params['format']}"
        url = aws.download_url(settings().exports_bucket, operation.file_key, file_name, seconds)
        url_expires = clock.iso(now + timedelta(seconds=seconds))
    fields = operations.common_fields(operation)
    if expired:
        fields["status"] = store.EXPIRED
    row_count = operation.result.get("rowCount") if operation.result else None
    return Export(
        **fields,
        segmentId=str(operation.params["segmentId"]),
        format=operation.params["format"],
        dialect=dialect_of(operation),
        fields=list(operation.params["fields"]),
        rowCount=int(row_count) if row_count is not None else None,
        downloadUrl=url,
        downloadUrlExpiresAt=url_expires,
        fileExpiresAt=operation.file_expires_at,
    )


def get_export(caller: Caller, operation_id: str) -> Export:
    return view(*operations.visible(caller, JOB, operation_id))


def list_exports(caller: Caller, query: OperationListQuery) -> Listing[Export]:
    now = clock.iso(clock.now())

    def status_of(item: OperationItem) -> str:
        return store.EXPIRED if is_expired(item, now) else item.status

    return operations.list_operations(caller, JOB, query, lambda item: view(item, []), status_of)


def retry_export(caller: Caller, operation_id: str) -> OperationAccepted:
    """Run a FAILED export again."""
    return operations.retry(caller, JOB, operation_id)
