"""Imports: take a CSV inline or hand out an upload URL, start the job for any file created under
`tenants/<tenantId>/imports/`, report progress, counts and row errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus

from contact_platform import aws, clock, errors
from contact_platform.config import settings
from contact_platform.errors import Detail
from contact_platform.files.csv_reading import CsvRefused, open_csv
from contact_platform.ids import derived_id
from contact_platform.models.operations import (
    Import,
    ImportAccepted,
    ImportQuery,
    ImportUpload,
    OperationListQuery,
)
from contact_platform.models.paging import Listing
from contact_platform.observability import logger
from contact_platform.permissions import Caller
from contact_platform.services import operations, users
from contact_platform.store import operations as store
from contact_platform.store.operations import ChunkResultItem, OperationItem

JOB = "imports"
UPLOAD_WINDOW = timedelta(days=1)  # an upload URL's job not started by then is FAILED by the cleanup
UPLOAD_CONTENT_TYPE = "text/csv"  # the upload URL is signed over it: the PUT must send exactly this header
_UPLOAD_KEY = re.compile(r"^tenants/(?P<tenant>[^/]+)/imports/(?P<rest>.+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def import_key(tenant_id: str, operation_id: str, file_name: str) -> str:
    """Where an import's file lives; any object created under `tenants/<tenantId>/imports/` starts a job."""
    return f"tenants/{tenant_id}/imports/{operation_id}/{file_name}"


def _safe_name(file_name: str | None) -> str:
    name = _UNSAFE.sub("_", file_name or "").strip("._") or "import"
    return name if name.lower().endswith(".csv") else f"{name}.csv"


def _new_import(caller: Caller, mode: str, file_name: str) -> OperationItem:
    operation = operations.new_operation(caller, JOB, {"mode": mode, "fileName": file_name})
    key = import_key(caller.tenant_id, operation.operation_id, file_name)
    operation.params = {**operation.params, "bucket": settings().uploads_bucket, "fileKey": key}
    return operation


def create_import(caller: Caller, query: ImportQuery, upload: ImportUpload | None, csv: bytes | None) -> ImportAccepted:
    """Inline CSV (checked now, so a file that is not CSV is a 422 and starts nothing), or an upload URL
    with the headers its PUT must carry (the plan step names a wrong content type, see jobs/imports)."""
    if csv is not None:
        try:
            open_csv(lambda: iter([csv]))
        except CsvRefused as refused:
            raise errors.validation_error(refused.reason, [Detail("body", refused.reason)]) from refused
        operation = _new_import(caller, query.mode, _safe_name(query.fileName))
        operations.record(caller, operation, "import.requested")
        aws.client("s3").put_object(
            Bucket=settings().uploads_bucket, Key=operation.params["fileKey"], Body=csv, ContentType="text/csv"
        )
        operations.start_execution(operation)
        return ImportAccepted(**operations.accepted(operation).model_dump())
    if upload is None:
        raise errors.validation_error(
            "Send the CSV file as the body (Content-Type: text/csv) or JSON {fileName} for an upload URL",
            [Detail("body", "a text/csv body or a JSON object with fileName")],
        )
    operation = _new_import(caller, upload.mode, _safe_name(upload.fileName))
    operation.params = {**operation.params, "uploadContentType": UPLOAD_CONTENT_TYPE}
    expires = clock.now() + UPLOAD_WINDOW
    operations.record(caller, operation, "import.requested", due_iso=clock.iso(expires))
    seconds = settings().download_url_seconds
    url = aws.upload_url(settings().uploads_bucket, operation.params["fileKey"], UPLOAD_CONTENT_TYPE, seconds)
    return ImportAccepted(
        **operations.accepted(operation).model_dump(),
        uploadUrl=url,
        uploadHeaders={"Content-Type": UPLOAD_CONTENT_TYPE},
        uploadUrlExpiresAt=clock.iso(clock.now() + timedelta(seconds=seconds)),
    )


def start_from_upload(bucket: str, raw_key: str, etag: str) -> str | None:
    """An object was created in the uploads bucket: start its import (once, however often S3 tells us).
    Returns the operation ID, or None when the object is not an import."""
    key = unquote_plus(raw_key)
    found = _UPLOAD_KEY.match(key)
    if not found:
        return None
    tenant_id, rest = found["tenant"], found["rest"]
    operation_id = rest.split("/", 1)[0] if "/" in rest else ""
    existing = store.get(tenant_id, operation_id) if operation_id.startswith("op_") else None
    if existing is not None and existing.job == JOB and existing.params.get("fileKey") == key:
        if existing.status == store.PENDING:
            operations.start_execution(existing)
        return existing.operation_id
    admin = users.first_admin(tenant_id)
    if admin is None:
        logger.warning("upload for an unknown tenant ignored", extra={"key": key})
        return None
    caller = Caller(tenant_id, admin.user_id, admin.role, frozenset(), "", f"s3:{etag}")
    operation = operations.new_operation(
        caller,
        JOB,
        {"mode": "skip", "fileName": key.rsplit("/", 1)[-1], "bucket": bucket, "fileKey": key, "source": "s3"},
        operation_id=derived_id("op", f"{bucket}/{key}#{etag}"),
    )
    operations.start(caller, operation, "import.requested")
    return operation.operation_id


def _processed_rows(operation: OperationItem, chunks: list[ChunkResultItem]) -> int:
    """While the job runs: the reported chunks' rows plus the progress of chunks still running."""
    reported = {int(chunk.chunk): int(chunk.counts.get("processedRows", 0)) for chunk in chunks}
    running = store.chunk_progress(operation)
    return sum(reported.values()) + sum(rows for number, rows in running.items() if number not in reported)


def _counts(operation: OperationItem, chunks: list[ChunkResultItem]) -> dict[str, Any]:
    totals = operations.totals(operation, chunks)
    running = not operation.result and operation.status == store.TRIGGERED
    return {
        "processedRows": _processed_rows(operation, chunks) if running else totals.get("processedRows", 0),
        "created": totals.get("created", 0),
        "updated": totals.get("updated", 0),
        "skippedDuplicates": totals.get("skippedDuplicates", 0),
        "failed": totals.get("failed", 0),
        "errorCount": totals.get("errors", 0),
        "organizationsCreated": totals.get("organizationsCreated", 0),
        "organizationsLinked": totals.get("organizationsLinked", 0),
    }


def view(operation: OperationItem, chunks: list[ChunkResultItem]) -> Import:
    """The import as its GET returns it."""
    params = operation.params
    report_url = None
    if operation.error_report_key:
        report_url = aws.download_url(
            settings().exports_bucket,
            operation.error_report_key,
            f"import-{operation.operation_id}-errors.csv",
            settings().download_url_seconds,
        )
    total = params.get("totalRows")
    return Import(
        **operations.common_fields(operation),
        fileName=str(params["fileName"]),
        mode=params.get("mode", "skip"),
        totalRows=int(total) if total is not None else None,
        **_counts(operation, chunks),
        errors=list(operation.errors),
        errorReportUrl=report_url,
        unknownColumns=list(params.get("unknownColumns") or []),
        ignoredColumns=list(params.get("ignoredColumns") or []),
    )


def get_import(caller: Caller, operation_id: str) -> Import:
    operation, chunks = operations.visible(caller, JOB, operation_id)
    return view(operation, chunks)


def list_imports(caller: Caller, query: OperationListQuery) -> Listing[Import]:
    return operations.list_operations(caller, JOB, query, lambda item: view(item, []))


def retry_import(caller: Caller, operation_id: str) -> ImportAccepted:
    """Run a FAILED import again (it reads the file where it is: no upload URL)."""
    return ImportAccepted(**operations.retry(caller, JOB, operation_id).model_dump())
