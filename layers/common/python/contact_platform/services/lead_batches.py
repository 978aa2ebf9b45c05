"""A production run of the lead migration, all or nothing (docs/architecture.md, "Lead migration").

1. `settle_source`: a run of the source still holding its lock answers 409; one whose lease is over
   died, and its import is aborted (never to be counted) before this run writes.
2. `write`: the source's lock and the import as `writing` (one transaction), then the leads with
   their derived items (BatchWriteItem) and key sets (TransactWriteItems of 100), each lead marked
   `pendingImport`: readers do not count them (store/records.py, `settled`).
3. `commit`: one conditional update; every lead appears at once.
4. `roll_forward`: the audit entries, with their events, under IDs derived from the import and the
   lead (writing them again changes nothing), then the import marked `audited`. A run that dies
   between 3 and 4 leaves this to the next run of its source or the next read of its report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from contact_platform import clock, errors
from contact_platform.entities import reads as entity_reads
from contact_platform.entities import service as entity_service
from contact_platform.entities.catalog import entity
from contact_platform.ids import timed_id
from contact_platform.permissions import Caller
from contact_platform.services import audit
from contact_platform.services.lead_checks import Incoming
from contact_platform.store import key_sets, lead_migrations, records
from contact_platform.store.audit import AuditItem
from contact_platform.store.lead_migrations import COMMITTED, LeadMigrationItem
from contact_platform.store.records import RecordItem
from contact_platform.store.table import put_all

LEAD = "lead"
WRITERS = 8  # threads writing a run's items (store/table.put_all)
LEASE = timedelta(seconds=120)  # longer than the route's function may run: a live run is never taken over


@dataclass(frozen=True)
class Actor:
    """Who ran an import, as its audit entries name them (kept in its report for a later roll-forward)."""

    user_id: str
    role: str
    key_id: str | None
    request_id: str
    ip_address: str | None

    @staticmethod
    def of(caller: Caller, ip_address: str | None) -> Actor:
        return Actor(caller.user_id, str(caller.role), caller.key_id or None, caller.request_id, ip_address)


def settle_source(tenant_id: str, source: str, now: datetime) -> None:
    """Raises 409 while another run of the source holds its lock; aborts a dead run's import."""
    holder = lead_migrations.lock_holder(tenant_id, source)
    if holder is None:
        return
    if int(holder.lease_until) >= clock.epoch(now):
        until = clock.iso(clock.from_epoch(int(holder.lease_until)))
        raise errors.conflict(f"Import {holder.import_id} of source '{source}' is running; try again after {until}")
    if not lead_migrations.abort(tenant_id, str(holder.import_id)):
        _roll_forward_stored(tenant_id, str(holder.import_id))


def already_imported(tenant_id: str, lead_ids: list[str]) -> set[str]:
    """The IDs that name a lead that exists for readers; imports committed but not yet audited met
    on the way are rolled forward."""
    written = records.get_records(tenant_id, LEAD, lead_ids, settled_only=False)
    pending = {str(record.pending_import) for record in written.values() if record.pending_import}
    states = lead_migrations.states(tenant_id, pending)
    for import_id, state in states.items():
        if state == COMMITTED:
            _roll_forward_stored(tenant_id, import_id)
    return {
        lead_id
        for lead_id, record in written.items()
        if not record.pending_import or states.get(str(record.pending_import)) == COMMITTED
    }


def _lead_record(caller: Caller, lead: Incoming, lead_id: str, item: LeadMigrationItem) -> RecordItem:
    data = {
        **lead.data,
        "migration": {"importId": item.import_id, "externalId": lead.external_id, "source": item.source},
    }
    record = entity_service.prepared(entity(LEAD), caller, data, lead_id, item.created_at)
    record.pending_import = item.import_id
    return record


def write(
    caller: Caller,
    item: LeadMigrationItem,
    leads: list[tuple[Incoming, str]],
    now: datetime,
    sets_found: dict[str, set[str] | None],
) -> list[RecordItem]:
    """Steps 1-2: the run's leads written, none of them counted yet. `sets_found`: what the duplicate
    check read of the leads' key sets (those it did not find are put whole; `key_sets.add_all`).
    Raises 409 when another run of the source took the lock meanwhile."""
    lease_until = clock.epoch(now + LEASE)
    try:
        lead_migrations.begin(item, [lead_id for _, lead_id in leads], now=clock.epoch(now), lease_until=lease_until)
    except lead_migrations.SourceLocked as locked:
        raise errors.conflict(
            f"Import {locked.holder} of source '{item.source}' is running; try again later"
        ) from locked
    written = [_lead_record(caller, lead, lead_id, item) for lead, lead_id in leads]
    records.put_written(written, workers=WRITERS)
    joined = {m for record in written for m in entity_service.memberships(entity(LEAD), record)}
    key_sets.add_all(joined, sets_found)
    return written


def _audit_entries(
    item: LeadMigrationItem, report: dict[str, Any], written: list[RecordItem] | None
) -> list[AuditItem]:
    actor = Actor(**report["actor"])
    at = clock.parse_iso(item.created_at)
    if written is None:  # a later roll-forward: read them (committed, so counted by readers now)
        leads = records.get_records(item.tenant_id, LEAD, item.lead_ids)
    else:
        leads = {record.record_id: record for record in written}
    lead = entity(LEAD)
    entry = partial(
        audit.item,
        tenant_id=item.tenant_id,
        actor_user_id=actor.user_id,
        actor_key_id=actor.key_id,
        request_id=actor.request_id,
        at=at,
        changed_fields=[],
    )
    entries = []
    for lead_id in item.lead_ids:
        record = leads.get(lead_id)
        if record is None:
            continue
        data = records.data_of(record)
        migration = data.get("migration") or {}
        entries.append(
            entry(
                entity_type=LEAD,
                entity_id=lead_id,
                action="lead_created_via_migration",
                event={"data": entity_reads.to_api(lead, record).model_dump(mode="json"), "previous": None},
                event_type="lead.created",
                details={
                    "importId": item.import_id,
                    "externalId": migration.get("externalId"),
                    "source": item.source,
                    "registeredAtBackdated": data.get("registeredAt"),
                    "activitiesImported": len(data.get("activities") or []),
                },
                seed=f"{item.import_id}#{lead_id}",
            )
        )
    summary = report["summary"]
    entries.append(
        entry(
            entity_type="lead_migration",
            entity_id=item.import_id,
            action="leads_batch_import",
            event={
                "data": {key: report[key] for key in ("importId", "mode", "timestamp", "summary", "importedLeadIds")}
            },
            event_type="lead_migration.finished",
            details={
                "userRole": actor.role,
                "importId": item.import_id,
                "source": item.source,
                "mode": "production",
                **summary,
                "importedLeadIds": report["importedLeadIds"],
                "duplicateWarnings": len(report["duplicateWarnings"]),
                "batchDurationMs": report["batchDurationMs"],
                "ipAddress": actor.ip_address,
            },
            seed=_batch_seed(item),
        )
    )
    return entries


def _batch_seed(item: LeadMigrationItem) -> str:
    """What the run's `leads_batch_import` entry's ID is derived from."""
    return f"{item.import_id}#batch"


def batch_audit_id(item: LeadMigrationItem) -> str:
    """The ID of the run's `leads_batch_import` entry (derived, like the entry itself)."""
    return timed_id("aud", clock.parse_iso(item.created_at), _batch_seed(item))


def roll_forward(item: LeadMigrationItem, written: list[RecordItem] | None = None) -> None:
    """Step 4 for a committed import whose audit entries may be missing (a no-op once `audited`);
    `written`: its leads, when the run that wrote them rolls forward itself."""
    if item.state != COMMITTED or item.audited:
        return
    put_all(_audit_entries(item, lead_migrations.unpack(item), written), workers=WRITERS)
    lead_migrations.mark_audited(item)


def _roll_forward_stored(tenant_id: str, import_id: str) -> None:
    item = lead_migrations.get_import(tenant_id, import_id)
    if item is not None:
        roll_forward(item)
