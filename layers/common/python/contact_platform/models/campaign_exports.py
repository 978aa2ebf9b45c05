"""Campaign exports as the export service's contract has them (docs/architecture.md, "Campaign
exports"): the request, the export (`date.created`, `path` signed when FINISHED, `key`, `count`), the
list's query with the seed's page numbers and sort besides the cursor, and the CCPA answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from contact_platform.campaign_export_types import EXPORT_TYPE_NAMES, EXPORT_TYPES
from contact_platform.errors import Detail
from contact_platform.models.base import Input, Model
from contact_platform.models.fields import Day
from contact_platform.models.operations import Status
from contact_platform.models.paging import PageQuery

DateKey = Field(
    None, description="The day of a code wave (`YYYY-MM-DD`); required for `codeWaves`.", examples=["2026-12-01"]
)


class CampaignExportCreate(Input):
    exportType: str = Field(description=f"One of: {', '.join(EXPORT_TYPE_NAMES)}.", examples=["entries"])
    dateKey: Day | None = DateKey
    includeAllMarkets: bool = Field(False, description="Every market's entries, not only the campaign's markets.")

    @field_validator("exportType")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EXPORT_TYPES:
            raise PydanticCustomError(
                "export_type", "unknown export type; one of: {types}", {"types": ", ".join(EXPORT_TYPE_NAMES)}
            )
        return value

    @model_validator(mode="after")
    def _date_key_when_needed(self) -> CampaignExportCreate:
        problem = _date_key_problem(self.exportType, self.dateKey)
        if problem is not None:
            raise problem
        return self

    @classmethod
    def rule_problems(cls, sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        """With field errors elsewhere, a body whose type needs a dateKey it lacks (or takes none it
        sends) hears of that too (`Input.rule_problems`)."""
        export_type = sent.get("exportType")
        if unknown & {"exportType", "dateKey"} or export_type not in EXPORT_TYPES:
            return []
        problem = _date_key_problem(str(export_type), sent.get("dateKey"))
        return [] if problem is None else [Detail("dateKey", problem.message())]


def _date_key_problem(export_type: str, date_key: object) -> PydanticCustomError | None:
    """A code wave's export names its day; no other export takes one."""
    if EXPORT_TYPES[export_type].needs_date_key and date_key is None:
        return PydanticCustomError(
            "date_key_required", "{type} exports need a dateKey", {"type": export_type, "field": "dateKey"}
        )
    if not EXPORT_TYPES[export_type].needs_date_key and date_key is not None:
        return PydanticCustomError(
            "date_key_unused", "only codeWaves exports take a dateKey", {"type": export_type, "field": "dateKey"}
        )
    return None


class ExportDate(Model):
    created: str = Field(description="When the export was queued (ISO 8601).")


class CampaignExport(Model):
    id: str = Field(examples=["op_hfh5BK0ImfcP7mqujsVC"])
    exportType: str
    campaignId: str
    campaignName: str | None = Field(None, description="The campaign's name (null once it is deleted).")
    date: ExportDate
    status: Status
    requesterUserId: str
    failureReason: str | None = Field(None, description="Why the export FAILED.")
    path: str | None = Field(None, description="When FINISHED (one file): a download URL signed at this request.")
    key: str | None = Field(None, description="The file's S3 key; for one file per market, the prefix of the files.")
    files: list[str] | None = Field(None, description="One file per market: the S3 keys of the files, when FINISHED.")
    count: int | None = Field(None, description="Rows written, when FINISHED.")
    dateKey: str | None = None
    includeAllMarkets: bool = False


SortField = Literal["date.created", "exportType", "status"]


class CampaignExportListQuery(PageQuery):
    exportType: str | None = Field(None, description="Only exports of this type.")
    sort: SortField = Field("date.created", description="What the list is ordered by.")
    sortOrder: Literal["asc", "desc"] = Field("desc", description="Ascending or descending.")
    page: int | None = Field(None, ge=1, le=1000, description="Page number (from 1) of `limit` exports; or `cursor`.")

    @field_validator("exportType")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        return CampaignExportCreate._known_type(value) if value is not None else None

    @model_validator(mode="after")
    def _page_or_cursor(self) -> CampaignExportListQuery:
        if self.page is not None and self.cursor is not None:
            raise PydanticCustomError("page_or_cursor", "give page or cursor, not both", {"field": "page"})
        return self


class ErasureAnswer(Model):
    message: str = Field(examples=["User exports deleted successfully"])
