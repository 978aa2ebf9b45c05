"""A lead migration's import item and its source's lock (docs/architecture.md, "Lead migration").

The import item keeps the run's report (gzip'd JSON) and, for a production run, the state that
decides whether its leads exist for readers: `writing` while its leads are written (invisible: each
carries `pendingImport`), then `committed` (one conditional update: every lead appears at once) or
`aborted` (none ever does). `committed` and `aborted` are final.

The lock (`LOCK`, one per tenant and source) lets one production run of a source write at a time;
a run that dies holding it leaves it to expire (`leaseUntil`), and the next run of the source aborts
the dead run's import before writing.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError

from contact_platform import clock
from contact_platform.store import keys
from contact_platform.store.table import Item, get_item, string_list, transaction

IMPORT_SK = "IMPORT"
LOCK_SK = "LOCK"
WRITING, COMMITTED, ABORTED, REPORTED = "writing", "committed", "aborted", "reported"
ENTRY_BATCH = "entry_batch"  # the mode of a batch of campaign entries (services/campaign_entries.py)
FINAL = frozenset({COMMITTED, ABORTED})


class LeadMigrationItem(Item, discriminator="lead-migration"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    import_id = UnicodeAttribute(attr_name="importId")
    source = UnicodeAttribute()
    mode = UnicodeAttribute()  # dry_run | production
    state = UnicodeAttribute()  # reported (nothing written) | writing | committed | aborted
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    lease_until = NumberAttribute(null=True, attr_name="leaseUntil")  # epoch seconds
    lead_ids = string_list("leadIds")  # what a production run writes (rolled back if it dies)
    audited = BooleanAttribute(default=False)  # its audit entries are written (after the commit)
    report = BinaryAttribute(null=True, legacy_encoding=False)  # gzip'd JSON


class SourceLock(Item, discriminator="lead-migration-lock"):
    import_id = UnicodeAttribute(attr_name="importId")
    lease_until = NumberAttribute(attr_name="leaseUntil")


class SourceLocked(Exception):
    def __init__(self, holder: str, lease_until: int) -> None:
        super().__init__(holder)
        self.holder = holder
        self.lease_until = lease_until


def _lock_pk(tenant_id: str, source: str) -> str:
    return keys.lead_migration_pk(tenant_id, f"SOURCE#{source}")


def pack(report: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(report, separators=(",", ":"), ensure_ascii=False).encode(), mtime=0)


def unpack(item: LeadMigrationItem) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(gzip.decompress(bytes(item.report))) if item.report is not None else {}
    return report


def new_import(
    tenant_id: str, import_id: str, *, source: str, mode: str, state: str, at: str, by: str, expires_at: int | None
) -> LeadMigrationItem:
    """An import item (None: kept for good, as a batch of campaign entries' is: its records are counted
    by readers only while it says `committed`)."""
    return LeadMigrationItem(
        pk=keys.lead_migration_pk(tenant_id, import_id),
        sk=IMPORT_SK,
        tenant_id=tenant_id,
        import_id=import_id,
        source=source,
        mode=mode,
        state=state,
        created_at=at,
        created_by=by,
        expires_at=expires_at,
    )


def get_import(tenant_id: str, import_id: str) -> LeadMigrationItem | None:
    return get_item(LeadMigrationItem, keys.lead_migration_pk(tenant_id, import_id), IMPORT_SK)


def states(tenant_id: str, import_ids: Iterable[str]) -> dict[str, str]:
    """The state of each import that exists (BatchGetItem, consistent)."""
    wanted = [(keys.lead_migration_pk(tenant_id, import_id), IMPORT_SK) for import_id in dict.fromkeys(import_ids)]
    if not wanted:
        return {}
    return {item.import_id: item.state for item in LeadMigrationItem.batch_get(wanted, consistent_read=True)}


def put_report(item: LeadMigrationItem, report: dict[str, Any]) -> None:
    item.report = pack(report)
    item.save()


def lock_holder(tenant_id: str, source: str) -> SourceLock | None:
    return get_item(SourceLock, _lock_pk(tenant_id, source), LOCK_SK)


def begin(item: LeadMigrationItem, lead_ids: list[str], *, now: int, lease_until: int, locked: bool = True) -> None:
    """Take the source's lock (free, or its lease over) and record the run as `writing`, together.
    Raises SourceLocked with the holder when another run's lease still holds it. Without `locked`
    (a batch of campaign entries: many may run at once) only the import is recorded."""
    lock = SourceLock(pk=_lock_pk(item.tenant_id, item.source), sk=LOCK_SK, import_id=item.import_id)
    lock.lease_until = lease_until
    item.state, item.lead_ids, item.lease_until = WRITING, lead_ids, lease_until
    # In the cleanup's list once its lease is over, until its audit entries are written (or it is
    # aborted): the cleanup settles a run that died (services/cleanup.py).
    due = clock.iso(clock.from_epoch(lease_until))
    item.gsi2pk, item.gsi2sk = keys.due_partition(due[:10]), keys.due_sort_key(due, item.tenant_id, item.import_id)
    try:
        with transaction() as tx:
            if locked:
                tx.save(lock, condition=SourceLock.pk.does_not_exist() | (SourceLock.lease_until < now))
            tx.save(item, condition=LeadMigrationItem.pk.does_not_exist())
    except TransactWriteError as error:
        holder = lock_holder(item.tenant_id, item.source)
        if holder is not None and int(holder.lease_until) >= now:
            raise SourceLocked(str(holder.import_id), int(holder.lease_until)) from error
        raise


def commit(item: LeadMigrationItem, report: dict[str, Any], *, locked: bool = True) -> bool:
    """`writing` -> `committed` and the lock released (if `locked`), together: every lead of the run
    appears at once. The item loses its expiry: readers count the run's records only while it says
    `committed` (`store/records.settled`), so it stays as long as they do. False when the run was
    aborted meanwhile (its lease ran out and another run took over)."""
    item.report = pack(report)
    lock = SourceLock(pk=_lock_pk(item.tenant_id, item.source), sk=LOCK_SK)
    try:
        with transaction() as tx:
            tx.update(
                item,
                actions=[
                    LeadMigrationItem.state.set(COMMITTED),
                    LeadMigrationItem.report.set(item.report),
                    LeadMigrationItem.expires_at.remove(),
                ],
                condition=LeadMigrationItem.state == WRITING,
            )
            if locked:
                tx.delete(lock, condition=SourceLock.import_id == item.import_id)
    except TransactWriteError:
        return False
    item.state, item.expires_at = COMMITTED, None
    return True


def abort(tenant_id: str, import_id: str) -> bool:
    """`writing` -> `aborted` (a run whose lease ran out): none of its leads will ever appear. False
    when it had committed or was aborted already."""
    try:
        LeadMigrationItem(pk=keys.lead_migration_pk(tenant_id, import_id), sk=IMPORT_SK).update(
            actions=[
                LeadMigrationItem.state.set(ABORTED),
                LeadMigrationItem.gsi2pk.remove(),
                LeadMigrationItem.gsi2sk.remove(),
            ],
            condition=LeadMigrationItem.state == WRITING,
        )
    except UpdateError:
        return False
    return True


def mark_audited(item: LeadMigrationItem) -> None:
    """Its audit entries are written: out of the cleanup's list."""
    item.update(
        actions=[
            LeadMigrationItem.audited.set(True),
            LeadMigrationItem.gsi2pk.remove(),
            LeadMigrationItem.gsi2sk.remove(),
        ]
    )
