"""Merging duplicates (`POST /contacts/{contactId}/merge`, `/organizations/{organizationId}/merge`):
the body, the query and the answer, one for both (docs/architecture.md, "Merging duplicates")."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import ConfigDict, Field

from contact_platform.models.base import Input, Model
from contact_platform.models.fields import AnyRecordId

T = TypeVar("T")


class MergeBody(Input):
    mergeWithId: AnyRecordId = Field(
        description="The record that survives: it wins field conflicts; the one in the path is merged into it.",
        examples=["con_hfh5BK0ImfcP7mqujsVC"],
    )


class MergeQuery(Model):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    dryRun: bool = Field(False, description="true: answer the merged record without writing anything.")


class Merged(Model, Generic[T]):
    merged: T = Field(description="The surviving record as the merge leaves it (or would, on a dry run).")
    mergedId: str = Field(description="The record merged into it: soft-deleted with `mergedInto`.")
    dryRun: bool
    operationId: str | None = Field(
        None, description="Set when its related records move in a job: GET /api/v1/moves/{operationId}."
    )
