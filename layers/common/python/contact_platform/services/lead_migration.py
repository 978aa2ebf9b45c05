"""The lead migration (docs/architecture.md, "Lead migration"): historical leads from spreadsheets
and older CRMs, checked (services/lead_checks.py), matched against the tenant's leads and the batch
(services/lead_duplicates.py), then either reported (a dry run) or imported all or nothing.

All or nothing, whatever fails and wherever: the run takes its source's lock and records its import
as `writing`; it writes its leads, each marked with the import (`pendingImport`), which no reader
counts while the import is not committed (store/records.py, `settled`); one conditional update
commits the import, and every lead appears at once. Only then are the audit entries (and with them
the events) written, each with an ID derived from the import and the lead, so writing them again
changes nothing. A run that dies before its commit leaves an import no reader will ever count; the
next run of the source, once the dead run's lease is over, aborts it and writes those leads again.
A run that dies after its commit leaves its audit entries to the next run of the source, or to the
report's next read (`roll_forward`).

A lead's ID is derived from the tenant, the source and its `externalId`, so the same lead sent again
is found, never created twice: it is reported as `alreadyImported`.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from contact_platform import clock, errors
from contact_platform.entities.catalog import entity
from contact_platform.errors import Detail
from contact_platform.ids import derived_id, timed_id
from contact_platform.models.lead_migration import (
    SAMPLE_SIZE,
    DryRunResult,
    MigrationReport,
    MigrationRequest,
    ProductionResult,
)
from contact_platform.permissions import Caller
from contact_platform.services import lead_batches, lead_checks, lead_duplicates
from contact_platform.services.lead_batches import Actor
from contact_platform.services.lead_checks import Incoming
from contact_platform.services.lead_matching import HARD
from contact_platform.store import lead_migrations
from contact_platform.store.lead_migrations import LeadMigrationItem

LEAD = "lead"
KEPT = timedelta(days=90)  # a report, as long as a deleted record


def lead_id_of(tenant_id: str, source: str, external_id: str) -> str:
    return derived_id("lead", f"{tenant_id}|{source}|{external_id}")


def _sample(lead: Incoming, now: str) -> dict[str, Any]:
    on_write = entity(LEAD).on_write
    dates = on_write(None, lead.data, now) if on_write else {}
    return {
        "externalId": lead.external_id,
        "companyName": lead.data["companyName"],
        "protectionUntil": dates["protectionUntil"],
        "progressDeadline": dates["progressDeadline"],
    }


def _import_item(caller: Caller, import_id: str, source: str, mode: str, at: datetime) -> LeadMigrationItem:
    return lead_migrations.new_import(
        caller.tenant_id,
        import_id,
        source=source,
        mode=mode,
        state=lead_migrations.REPORTED,
        at=clock.iso(at),
        by=caller.user_id,
        expires_at=clock.epoch(at + KEPT),
    )


def _report(result: dict[str, Any], source: str, caller: Caller, **extra: Any) -> dict[str, Any]:
    """The run's answer as kept, with the external IDs to correct and send again."""
    failed = [str(problem["externalId"]) for problem in result["validationErrors"] if problem["externalId"]]
    return {
        **result,
        "source": source,
        "requestedBy": caller.user_id,
        "failedExternalIds": list(dict.fromkeys(failed)),
        **extra,
    }


def import_leads(caller: Caller, body: MigrationRequest, source_ip: str | None) -> DryRunResult | ProductionResult:
    """A dry run or a production import of `body` by `caller`, whose IP address (as API Gateway saw it)
    the production run's audit event names."""
    started, at = time.monotonic(), clock.now()
    import_id = timed_id("lmi", at)
    passed, problems = lead_checks.check(caller.tenant_id, body.leads)
    own_ids = {lead.external_id: lead_id_of(caller.tenant_id, body.source, lead.external_id) for lead in passed}
    duplicates, sets_read = lead_duplicates.find(caller.tenant_id, passed, own_ids)
    warnings = [
        duplicates[lead.external_id].warning(lead.external_id) for lead in passed if lead.external_id in duplicates
    ]
    total, invalid = len(body.leads), len(body.leads) - len(passed)
    if body.dryRun:
        dry = DryRunResult.model_validate(
            {
                "importId": import_id,
                "timestamp": clock.iso(at),
                "summary": {
                    "totalLeads": total,
                    "validLeads": len(passed),
                    "invalidLeads": invalid,
                    "duplicateWarnings": len(warnings),
                },
                "validationErrors": problems,
                "duplicateWarnings": warnings,
                "validLeadsSample": [_sample(lead, clock.iso(at)) for lead in passed[:SAMPLE_SIZE]],
            }
        )
        kept = _import_item(caller, import_id, body.source, "dry_run", at)
        lead_migrations.put_report(kept, _report(dry.model_dump(mode="json"), body.source, caller))
        return dry
    result: dict[str, Any] = {
        "importId": import_id,
        "mode": "production",
        "timestamp": clock.iso(at),
        "summary": {
            "totalLeads": total,
            "importedLeads": 0,
            "failedLeads": invalid,
            "skippedDuplicates": 0,
            "alreadyImported": 0,
        },
        "importedLeadIds": [],
        "alreadyImported": [],
        "validationErrors": problems,
        "duplicateWarnings": warnings,
    }
    if problems and not body.skipOnError:
        kept = _import_item(caller, import_id, body.source, "production", at)
        lead_migrations.put_report(kept, _report(result, body.source, caller))
        raise errors.validation_error(
            f"{invalid} of {total} leads are invalid and skipOnError is false: nothing was imported "
            f"(GET /api/v1/admin/migration/leads/imports/{import_id})",
            [Detail(f"{problem['externalId']}: {problem['field']}", problem["error"]) for problem in problems],
        )
    return _produce(caller, body, result, passed, own_ids, (duplicates, sets_read), started, at, source_ip)


def _produce(
    caller: Caller,
    body: MigrationRequest,
    result: dict[str, Any],
    passed: list[Incoming],
    own_ids: dict[str, str],
    matched: tuple[dict[str, lead_duplicates.Found], dict[str, set[str] | None]],
    started: float,
    at: datetime,
    source_ip: str | None,
) -> ProductionResult:
    duplicates, sets_read = matched
    skipped = {
        external_id
        for external_id, found in duplicates.items()
        if body.skipDuplicates and found.match.recommendation == HARD
    }
    lead_batches.settle_source(caller.tenant_id, body.source, at)
    wanted = [lead for lead in passed if lead.external_id not in skipped]
    already = lead_batches.already_imported(caller.tenant_id, [own_ids[lead.external_id] for lead in wanted])
    to_write = [(lead, own_ids[lead.external_id]) for lead in wanted if own_ids[lead.external_id] not in already]
    item = _import_item(caller, str(result["importId"]), body.source, "production", at)
    item.report = lead_migrations.pack(_report(result, body.source, caller))  # until the commit replaces it
    written = lead_batches.write(caller, item, to_write, at, sets_read)
    result["importedLeadIds"] = [record.record_id for record in written]
    result["alreadyImported"] = [
        {"externalId": lead.external_id, "leadId": own_ids[lead.external_id]}
        for lead in wanted
        if own_ids[lead.external_id] in already
    ]
    result["summary"].update(
        importedLeads=len(written), skippedDuplicates=len(skipped), alreadyImported=len(result["alreadyImported"])
    )
    result["auditLogId"] = lead_batches.batch_audit_id(item)
    report = _report(
        result,
        body.source,
        caller,
        batchDurationMs=round((time.monotonic() - started) * 1000),
        actor=asdict(Actor.of(caller, source_ip)),
    )
    if not lead_migrations.commit(item, report):
        raise errors.conflict(f"Import {item.import_id} ran out of time and was taken over: nothing was imported")
    lead_batches.roll_forward(item, written)
    return ProductionResult.model_validate(result)


def get_report(caller: Caller, import_id: str) -> MigrationReport:
    item = lead_migrations.get_import(caller.tenant_id, import_id)
    if item is None or item.mode not in ("dry_run", "production"):  # a batch of campaign entries is none
        raise errors.not_found("Lead import")
    lead_batches.roll_forward(item)
    report = lead_migrations.unpack(item)
    return MigrationReport.model_validate({**report, "state": item.state})
