"""The scheduled cleanup (daily on AWS, a timer locally, `cdp cleanup` at once).

It walks the housekeeping index day by day, from the day after the last one it completed up to
today, and for each item due by `now`:
- a contact soft-deleted 90 days ago: delete it and every item left in its partition (DynamoDB TTL
  may have been first; a contact restored meanwhile is no longer in the index), after the records
  that go with it (`Entity.purged_with_reference`: its campaign entries);
- a record of a declared entity (an organization, a campaign, a pipeline) soft-deleted 90 days ago:
  delete it with what hangs on it: its nested records (a campaign's entries, a pipeline's stages, a
  deal's products, each with its derived items, its events forgotten) and what its entity purges with
  it (`purged_with`: a campaign's code assignments), the record itself last;
- an ended operation: remove its scratch files and chunk results; a finished export is then due
  again when its file expires: the file is removed and the export reads EXPIRED;
- an import whose upload URL was never used within a day: FAILED (its end: `import.finished`);
- a production run of the lead migration or a batch of campaign entries whose lease is over and that
  is still in the list: one that committed gets its audit entries (the request died before writing
  them all), one still `writing` died before its commit and is marked aborted.
Every step is conditional or repeatable, so running it twice removes nothing twice; it reports counts.
A run stops a minute before its function's time is up (`time_left`), in the middle of a record's
nested records if need be, and the next run goes on from the day it stopped in (`finished` false).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from contact_platform import aws, clock, metrics
from contact_platform.config import settings
from contact_platform.entities.catalog import all_entities, entity
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
from contact_platform.store.paging import LastKey, Page
from contact_platform.store.records import RecordItem
from contact_platform.store.table import Item, delete_all

FIRST_RUN_LOOKBACK = timedelta(days=400)
STOP_SECONDS = 60  # left to the function when a run stops: more than a page of nested records takes
COUNTS = (
    "contactsPurged",
    "recordsPurged",
    "nestedPurged",
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


class _OutOfTime(Exception):
    """The run's time is nearly up: it stops where it is."""


def run_cleanup(now: datetime, time_left: Callable[[], float] = lambda: math.inf) -> dict[str, Any]:
    """One run up to `now`; `time_left`: the seconds its function has left."""
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
    run = _Run(now, report, time_left)
    stopped = None
    for day in days:
        try:
            run.walk(day)
        except _OutOfTime:
            stopped = day
            break
    # A run with a `now` in the future must not skip days that real time has not reached yet.
    real_today = clock.iso(clock.now())[:10]
    last = min(stopped or today, real_today)
    complete = (datetime.fromisoformat(last) - timedelta(days=1)).date().isoformat()
    if done is None or complete > done:
        housekeeping.save_last_complete_day(complete)
    report["daysScanned"] = len(days) if stopped is None else days.index(stopped) + 1
    report["finished"] = stopped is None
    logger.info("cleanup finished", extra=report)
    metrics.cleanup_run(report["finished"], report["contactsPurged"] + report["recordsPurged"])
    return report


class _Run:
    def __init__(self, now: datetime, report: dict[str, Any], time_left: Callable[[], float]) -> None:
        self.now, self.report, self.time_left = now, report, time_left

    def go_on(self) -> None:
        """Raises _OutOfTime when the function has less than STOP_SECONDS left."""
        if self.time_left() < STOP_SECONDS:
            raise _OutOfTime

    def pages(self, fetch: Callable[[LastKey | None], Page[Any]]) -> Iterator[list[Any]]:
        """The items of each page `fetch` answers from where the last one ended, the time checked
        before each page."""
        start: LastKey | None = None
        while True:
            self.go_on()
            page = fetch(start)
            yield page.items
            start = page.last_key
            if start is None:
                return

    def walk(self, day: str) -> None:
        start: LastKey | None = None
        while True:
            page = housekeeping.due_items(day, clock.iso(self.now), start=start)
            for item in page.items:
                self.go_on()
                _handle(item, self)
            start = page.last_key
            if start is None:
                return


def _handle(item: Item, run: _Run) -> None:
    now, report = run.now, run.report
    if isinstance(item, ContactItem):
        _purge(item, run)
    elif isinstance(item, RecordItem):
        _purge_record(item, run)
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


def _purge_record(record: RecordItem, run: _Run) -> None:
    if record.is_active or record.expires_at is None or record.expires_at > clock.epoch(run.now):
        return
    _purge_attached(record, run)
    try:
        run.report["itemsDeleted"] += record_store.purge(record)
    except StaleVersion:
        return  # restored or changed since it was read
    run.report["recordsPurged"] += 1
    run.report["eventsForgotten"] += audit_store.forget_events(record.tenant_id, record.record_id)


def _purge_attached(record: RecordItem, run: _Run) -> None:
    """What hangs on a record due for purging, before the record (a run that stops midway leaves the
    record due, and the next run goes on): its nested records, each with its own, the records that go
    with it (`_purge_followers`), then its entity's `purged_with`. No reader sees any of it once its
    expiry passed (a restore answers 404)."""
    tenant_id, record_id = record.tenant_id, record.record_id
    for nested in _nested_in(record.entity):

        def children(start: LastKey | None, nested: Any = nested) -> Page[RecordItem]:
            return record_store.nested_page(tenant_id, nested.name, str(nested.parent), record_id, start=start)

        for page in run.pages(children):
            for child in page:
                _purge_attached(child, run)
                _purge_nested(child, run)
    _purge_followers(record.entity, tenant_id, record_id, run)
    purged_with = entity(record.entity).purged_with
    if purged_with is not None:
        for items in run.pages(lambda start: purged_with(tenant_id, record_id, start)):
            run.report["itemsDeleted"] += delete_all(items)


def _purge_nested(child: RecordItem, run: _Run) -> None:
    """A nested record as it is now: read again when it changed since its page was read (a merge
    moves a campaign entry to another contact), until it is gone."""
    current: RecordItem | None = child
    while current is not None:
        try:
            run.report["itemsDeleted"] += record_store.purge(current)
        except StaleVersion:
            current = record_store.reread(current)
            continue
        run.report["nestedPurged"] += 1
        run.report["eventsForgotten"] += audit_store.forget_events(current.tenant_id, current.record_id)
        return


def _nested_in(name: str) -> list[Any]:
    """The entities nested under records of `name` (their parent reference names it)."""
    return [nested for nested in all_entities() if nested.parent and nested.references[nested.parent] == name]


def _purge_followers(target: str, tenant_id: str, target_id: str, run: _Run) -> None:
    """The records that go with a purged record of `target` (their `purged_with_reference` names it:
    a contact's campaign entries), each with what hangs on it, found by their reference entries."""
    for follower in all_entities():
        field = follower.purged_with_reference
        if field is None or follower.references[field] != target:
            continue

        def references(start: LastKey | None, name: str = follower.name, field: str = field) -> Page[Any]:
            return record_store.referencing(
                tenant_id, target, target_id, name, field, limit=record_store.PURGE_PAGE, start=start
            )

        for page in run.pages(references):
            ids = [str(reference.record_id) for reference in page]
            for record in record_store.get_records(tenant_id, follower.name, ids, settled_only=False).values():
                _purge_attached(record, run)
                _purge_nested(record, run)


def _purge(contact: ContactItem, run: _Run) -> None:
    now, report = run.now, run.report
    if contact.is_active or contact.expires_at is None or contact.expires_at > clock.epoch(now):
        return
    _purge_followers("contact", contact.tenant_id, contact.contact_id, run)
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
