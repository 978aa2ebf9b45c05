"""The lead migration's request, answers and kept report (docs/architecture.md, "Lead migration").

The request is read strictly at its top level; each lead is checked on its own, so that one bad
lead is an entry of `validationErrors` naming its `externalId` and field, not a 422 of the batch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from contact_platform.models.base import Input, Model

MAX_LEADS = 1000  # a request's leads: larger files are split (`cdp migrate leads --batch-size`)
SAMPLE_SIZE = 10  # valid leads shown with their computed dates in a dry run's answer

Source = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class MigrationRequest(Input):
    source: Source = Field(
        description="Where the leads come from (`excel-export-2024`); with each lead's "
        "`externalId` it identifies a lead across imports.",
        examples=["excel-export-2024"],
    )
    dryRun: bool = Field(description="Required: true validates and checks duplicates without writing.")
    skipOnError: bool = Field(True, description="false: one invalid lead and nothing is imported (422).")
    skipDuplicates: bool = Field(True, description="true: hard duplicates (email) are skipped.")
    leads: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_LEADS,
        description="Each lead as POST /api/v1/leads takes it, with `externalId` (its ID in the old system), "
        "`ownerUserId` and the historical `registeredAt`; each is checked on its own (`validationErrors`).",
    )


class LeadError(Model):
    externalId: str | None
    field: str = Field(examples=["contact.email", "activities[1].activityDate"])
    error: str = Field(examples=["Invalid email format: 'max.mustermann@'"])


class DuplicateWarning(Model):
    externalId: str
    matchedLeadId: str | None = Field(description="The existing lead matched; null for a lead earlier in the batch.")
    matchedExternalId: str | None = Field(None, description="The lead of the same batch matched, if so.")
    matchScore: float = Field(examples=[1.0, 0.9, 0.8])
    matchReason: Literal["email_exact_match", "phone_normalized", "company_fuzzy"]
    recommendation: Literal["skip_or_merge", "review_manually"]


class SampleLead(Model):
    externalId: str
    companyName: str
    protectionUntil: str
    progressDeadline: str


class AlreadyImported(Model):
    externalId: str
    leadId: str


class DryRunSummary(Model):
    totalLeads: int
    validLeads: int
    invalidLeads: int
    duplicateWarnings: int


class ProductionSummary(Model):
    totalLeads: int
    importedLeads: int
    failedLeads: int
    skippedDuplicates: int
    alreadyImported: int


class DryRunResult(Model):
    importId: str
    mode: Literal["dry_run"] = "dry_run"
    timestamp: str
    summary: DryRunSummary
    validationErrors: list[LeadError]
    duplicateWarnings: list[DuplicateWarning]
    validLeadsSample: list[SampleLead]


class ProductionResult(Model):
    importId: str
    mode: Literal["production"] = "production"
    timestamp: str
    summary: ProductionSummary
    importedLeadIds: list[str]
    alreadyImported: list[AlreadyImported]
    validationErrors: list[LeadError]
    duplicateWarnings: list[DuplicateWarning]
    auditLogId: str = Field(description="The `leads_batch_import` entry of GET /api/v1/admin/audit-log.")


class LeadMigrationFinished(Model):
    """The `lead_migration.finished` event's data: a production run, once its leads exist."""

    importId: str
    mode: Literal["production"]
    timestamp: str
    summary: ProductionSummary
    importedLeadIds: list[str]


class MigrationReport(Model):
    """What GET /api/v1/admin/migration/leads/imports/{importId} answers: the run's result, kept, with
    the external IDs to correct and send again."""

    importId: str
    mode: Literal["dry_run", "production"]
    state: Literal["reported", "writing", "committed", "aborted"] = Field(
        description="reported: nothing was written (a dry run, or a run refused whole); writing: a run under "
        "way, or one that died (its leads never appear); committed: its leads exist; aborted: they never will."
    )
    timestamp: str
    source: str
    requestedBy: str
    summary: dict[str, int]
    validationErrors: list[LeadError]
    duplicateWarnings: list[DuplicateWarning]
    failedExternalIds: list[str]
    importedLeadIds: list[str] = []
