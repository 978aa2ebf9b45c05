"""Asynchronous operations: the 202 answer, and the status of exports, imports and tag assignments."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from contact_platform.models.base import Model
from contact_platform.models.fields import FileName, record_id
from contact_platform.models.paging import PageQuery

Status = Literal["PENDING", "TRIGGERED", "FINISHED", "FAILED", "EXPIRED"]
SegmentId = Annotated[str, record_id("seg")]
ExportField = Literal[
    "id",
    "firstName",
    "lastName",
    "name",
    "email",
    "emails",
    "phones",
    "organizationId",
    "organization",  # the organization's name: another tenant's import links or creates one by it
    "ownerId",
    "tags",
    "consentGivenAt",
    "customFields",
    "createdAt",
    "updatedAt",
]
EXPORT_FIELDS: tuple[str, ...] = get_args(ExportField)  # every column, in the default order


class OperationAccepted(Model):
    operationId: str = Field(examples=["op_hfh5BK0ImfcP7mqujsVC"])
    status: Status
    statusUrl: str = Field(examples=["/api/v1/exports/op_hfh5BK0ImfcP7mqujsVC"])


class Operation(Model):
    operationId: str
    status: Status
    failureReason: str | None = Field(None, description="Why the operation FAILED.")
    requestedBy: str
    createdAt: str
    updatedAt: str
    finishedAt: str | None


class OperationListQuery(PageQuery):
    status: Status | None = Field(
        None, description="Only the jobs in this status, as they read now (`FAILED`: the ones to run again)."
    )


# Tag assignments -------------------------------------------------------------------------------


class TagAssignmentCreate(Model):
    model_config = ConfigDict(extra="forbid")

    tagId: Annotated[str, record_id("tag")]
    segmentId: SegmentId


class TagAssignment(Operation):
    action: Literal["add", "remove", "rename"] = Field(
        description="add: tag a segment; remove: a deleted tag leaves contacts; rename: contacts take the new name."
    )
    tagId: str
    tagName: str
    segmentId: str | None
    matched: int = Field(description="Contacts of the segment (or holders of the deleted tag) found so far.")
    tagged: int
    alreadyTagged: int
    untagged: int
    renamed: int = Field(description="Contacts moved to the tag's new name (action rename).")
    failed: int = Field(description="Contacts that could not take the tag (they carry the most tags allowed).")


# Moves -----------------------------------------------------------------------------------------


class MoveOperation(Operation):
    reason: str = Field(description="What asked for the move: `organization.deleted`, `contact.merged`, ...")
    moved: int = Field(description="Records that now reference the new record (or none).")
    unchanged: int = Field(description="Records that had moved already, changed or were deleted meanwhile.")
    failed: int = Field(description="Records that kept changing under the move; a retry moves them.")


# Exports ---------------------------------------------------------------------------------------


CsvDialect = Literal["rfc4180", "excel-de"]
DIALECT_DESCRIPTION = (
    "CSV only. rfc4180 (default): `,` delimiter, UTF-8 without BOM; "
    "excel-de: `;` delimiter, UTF-8 with BOM (German spreadsheets). Both CRLF; the importer reads both."
)


class ExportCreate(Model):
    model_config = ConfigDict(extra="forbid")

    segmentId: SegmentId
    format: Literal["csv", "jsonl"] = "csv"
    dialect: CsvDialect | None = Field(None, description=DIALECT_DESCRIPTION)
    fields: list[ExportField] | None = Field(
        None, min_length=1, max_length=len(EXPORT_FIELDS), description="Columns in this order; default: all."
    )

    @model_validator(mode="after")
    def _dialect_for_csv(self) -> ExportCreate:
        if self.dialect is not None and self.format != "csv":
            raise PydanticCustomError("dialect_csv_only", "a dialect applies to CSV exports only", {"field": "dialect"})
        return self


class Export(Operation):
    segmentId: str
    format: Literal["csv", "jsonl"]
    dialect: CsvDialect | None = Field(None, description="The CSV dialect written (null for JSON Lines).")
    fields: list[str]
    rowCount: int | None
    downloadUrl: str | None = Field(None, description="Presigned when FINISHED, signed at the time of this request.")
    downloadUrlExpiresAt: str | None
    fileExpiresAt: str | None = Field(None, description="After this the file is removed and the export EXPIRED.")


# Imports ---------------------------------------------------------------------------------------

ImportMode = Literal["skip", "upsert"]


class ImportUpload(Model):
    """`POST /imports` with JSON: ask for a presigned upload URL for a larger file."""

    model_config = ConfigDict(extra="forbid")

    fileName: FileName
    mode: ImportMode = "skip"


class ImportQuery(Model):
    model_config = ConfigDict(extra="forbid")

    mode: ImportMode = Field("skip", description="skip: duplicates are reported and skipped; upsert: updated.")
    fileName: str | None = Field(None, max_length=200, description="A name for an inline CSV body.")


class ImportAccepted(OperationAccepted):
    statusUrl: str = Field(examples=["/api/v1/imports/op_hfh5BK0ImfcP7mqujsVC"])
    uploadUrl: str | None = Field(
        None,
        description="PUT the CSV file here with the uploadHeaders (JSON requests only); the upload starts the job.",
    )
    uploadHeaders: dict[str, str] | None = Field(
        None,
        description=(
            "Headers the upload must carry: the URL is signed over them. "
            """`curl -X PUT -H 'Content-Type: text/csv' --data-binary @big.csv "$uploadUrl"`"""
        ),
        examples=[{"Content-Type": "text/csv"}],
    )
    uploadUrlExpiresAt: str | None = None


class ImportRowError(Model):
    row: int = Field(description="Record number in the file; the header is 1.")
    field: str
    issue: str
    value: str


class Import(Operation):
    fileName: str
    mode: ImportMode
    totalRows: int | None
    processedRows: int
    created: int
    updated: int
    skippedDuplicates: int
    organizationsCreated: int = Field(description="Organizations the company column named that were created.")
    organizationsLinked: int = Field(description="Contacts created or updated with the organization of their company.")
    failed: int
    errors: list[ImportRowError] = Field(description="The first 100 row errors.")
    errorCount: int
    errorReportUrl: str | None = Field(None, description="All row errors as CSV (presigned, signed now).")
    unknownColumns: list[str] = Field(description="Header cells that name no field: their values were not read.")
    ignoredColumns: list[str] = Field(
        description="Header cells of an export's columns the importing tenant sets itself (`id`, `ownerId`, "
        "`createdAt`, `updatedAt`): recognised, not read; the import gives its contacts IDs and times of their "
        "own, owned by the user the import acts as."
    )


# The links a status answer signs for its caller: left out of the job's `<job>.finished` event.
SIGNED_LINKS = ("downloadUrl", "downloadUrlExpiresAt", "errorReportUrl")
# The event of a job's end, in any terminal state (services/operations.end): the API's name of the
# job's operations.
FINISHED = {
    "exports": "export.finished",
    "imports": "import.finished",
    "tagging": "tag_assignment.finished",
    "moves": "move.finished",
    "campaign_exports": "campaign_export.finished",
}
# Job -> the API's model of its operations.
BY_JOB: dict[str, type[Operation]] = {
    "exports": Export,
    "imports": Import,
    "tagging": TagAssignment,
    "moves": MoveOperation,
}
