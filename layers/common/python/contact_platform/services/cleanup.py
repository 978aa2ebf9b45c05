"""The scheduled cleanup (daily on AWS, a timer locally, `cdp cleanup` at once).

It walks the housekeeping index day by day, from the day after the last one it completed up to
today, and for each item due by `now`:
- a contact soft-deleted 90 days ago: delete it and every item left in its partition (DynamoDB TTL
  may have been first; a contact restored meanwhile is no longer in the index);
- a record of a declared entity (an organization, a product, a note) soft-deleted 90 days ago: delete it;
- an ended operation: remove its scratch files and chunk results; a finished export is then due
  again when its file expires: the file is removed and the export reads EXPIRED;
- an import whose upload URL was never used within a day: FAILED (its end: `import.finished`);
- a production run of the lead migration or a batch of campaign entries whose lease is over and that
  is still in the list: one that committed gets its audit entries (the request died before writing
  them all), one still `writing` died before its commit and is marked aborted.
Every step is conditional or repeatable, so running it twice removes nothing twice; it reports counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from contact_platform import aws, clock
from contact_platform.config import settings
from contact_platform.observability import logger
from contact_platform.services import campaign_entries, lead_batches, operations
from contact_platform.store import audit as audit_store
from contact_platform.store import contacts as contact_store
from contact_platform.store import housekeeping, lead_migrations
from contact_platform.store import operations as operation_store
from contact_platform.store import records as record_store
from contact_platform.store.contacts import ContactItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.lead_migrations import LeadMigrationItem
from contact_platform.store.operations import OperationItem
from contact_platform.store.paging import LastKey
from contact_platform.store.records import RecordItem
from contact_platform.store.table import Item

FIRST_RUN_LOOKBACK = timedelta(days=400)
COUNTS = (
    "contactsPurged",
    "recordsPurged",
    "itemsDeleted",
    "eventsForgotten",
    "exportsExpired",
    "scratchFilesRemoved",
    "importsAbandoned",
    "batchesAudited",
    "batchesAborted",
)


def _days(first: str, last: str) -> list[str]:
    day, end = datetime.fromisoformat(first).date(), datetime.fromisoformat(last).date()
    return [(day + timedelta(days=n)).isoformat() for n in range((end - day).days + 1)]


def run_cleanup(now: datetime) -> dict[str, Any]:
    now_iso = clock.iso(now)
    today = now_iso[:10]
    done = housekeeping.last_complete_day()
    first = (
        (datetime.fromisoformat(done) + timedelta(days=1)).date().isoformat()
        if done
        else clock.iso(now - FIRST_RUN_LOOKBACK)[:10]
    )
    report: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    days = _days(first, today) if first <= today else []
    for day in days:
        start: LastKey | None = None
        while True:
            page = housekeeping.due_items(day, now_iso, start=start)
            for item in page.items:
                _handle(item, now, report)
            start = page.last_key
            if start is None:
                break
    # A run with a `now` in the future must not skip days that real time has not reached yet.
    real_today = clock.iso(clock.now())[:10]
    complete = (datetime.fromisoformat(min(today, real_today)) - timedelta(days=1)).date().isoformat()
    if done is None or complete > done:
        housekeeping.save_last_complete_day(complete)
    report["daysScanned"] = len(days)
    logger.info("cleanup finished", extra=report)
    return report


def _handle(item: Item, now: datetime, report: dict[str, Any]) -> None:
    if isinstance(item, ContactItem):
        _purge(item, now, report)
    elif isinstance(item, RecordItem):
        _purge_record(item, now, report)
    elif isinstance(item, OperationItem):
        _tidy(item, now, report)
    elif isinstance(item, LeadMigrationItem):
        _settle(item, now, report)


def _settle(item: LeadMigrationItem, now: datetime, report: dict[str, Any]) -> None:
    """A run or batch whose lease is over: its audit entries written, or aborted if it never committed."""
    if item.lease_until is not None and int(item.lease_until) > clock.epoch(now):
        return
    if item.state == lead_migrations.WRITING and lead_migrations.abort(item.tenant_id, item.import_id):
        report["batchesAborted"] += 1
    elif item.state == lead_migrations.COMMITTED and not item.audited:
        (campaign_entries if item.mode == lead_migrations.ENTRY_BATCH else lead_batches).roll_forward(item)
        report["batchesAudited"] += 1


def _purge_record(record: RecordItem, now: datetime, report: dict[str, Any]) -> None:
    if record.is_active or record.expires_at is None or record.expires_at > clock.epoch(now):
        return
    try:
        report["itemsDeleted"] += record_store.purge(record)
    except StaleVersion:
        return  # restored or changed since it was read
    report["recordsPurged"] += 1
    report["eventsForgotten"] += audit_store.forget_events(record.tenant_id, record.record_id)


def _purge(contact: ContactItem, now: datetime, report: dict[str, Any]) -> None:
    if contact.is_active or contact.expires_at is None or contact.expires_at > clock.epoch(now):
        return
    try:
        report["itemsDeleted"] += contact_store.purge(contact)
    except StaleVersion:
        return  # restored or changed since it was read: not ours to delete
    report["contactsPurged"] += 1
    report["eventsForgotten"] += audit_store.forget_events(contact.tenant_id, contact.contact_id)


def _remove_prefix(bucket: str, prefix: str) -> int:
    s3 = aws.client("s3")
    removed = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        objects = [{"Key": entry["Key"]} for entry in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            removed += len(objects)
    return removed


EXPORT_JOBS = ("exports", "campaign_exports")  # jobs whose files expire (their `fileExpiresAt`)


def _export_files(operation: OperationItem) -> tuple[str, list[str]]:
    """The bucket of an export's files and their keys."""
    if operation.job == "campaign_exports":
        from contact_platform.services.campaign_exports import stored_files

        return stored_files(operation)
    return settings().exports_bucket, [operation.file_key] if operation.file_key else []


def _tidy(operation: OperationItem, now: datetime, report: dict[str, Any]) -> None:
    now_iso = clock.iso(now)
    if operation.status == operation_store.PENDING:
        if operations.fail(operation, "No file was uploaded to the upload URL within a day"):
            report["importsAbandoned"] += 1
        return
    if operation.status not in operation_store.ENDED:
        return
    if not operation.scratch_removed:
        prefix = f"scratch/{operation.tenant_id}/{operation.operation_id}/"
        report["scratchFilesRemoved"] += _remove_prefix(settings().uploads_bucket, prefix)
        operation_store.delete_chunk_items(operation.tenant_id, operation.operation_id)
    expires = operation.file_expires_at
    if operation.status == operation_store.FINISHED and operation.job in EXPORT_JOBS and expires:
        if expires > now_iso:
            operation_store.update(operation, None, scratch_removed=1, **operations.due_keys(operation, expires))
            return
        bucket, files = _export_files(operation)
        if files:
            aws.client("s3").delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in files]})
        if operation_store.update(
            operation,
            operation_store.status_is(operation_store.FINISHED),
            status=operation_store.EXPIRED,
            scratch_removed=1,
            updated_at=now_iso,
            gsi2pk=None,
            gsi2sk=None,
        ):
            report["exportsExpired"] += 1
            operations.count_export(operation, operation_store.EXPIRED)
        return
    operation_store.update(operation, scratch_removed=1, gsi2pk=None, gsi2sk=None)
