"""The bodies of the deal actions (`POST /deals/{dealId}/won`, `/lost`) and the deal summary; the
deal itself is derived from its declaration (`entities/deals.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from contact_platform.models.base import Input, Model
from contact_platform.models.fields import PipelineId, StageId, UserId, text

DealStatus = Literal["open", "won", "lost"]


class DealLost(Input):
    lostReason: Annotated[text(500) | None, Field(description="Why the deal was lost.")] = None  # type: ignore[valid-type]


class DealSummaryQuery(Model):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    status: DealStatus | None = None
    pipelineId: PipelineId | None = None
    stageId: StageId | None = None
    ownerId: UserId | None = None


class MoveDeals(Model):
    """The query of a pipeline's or stage's delete: where its deals go (entities/pipelines.py)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    moveDealsTo: StageId | None = Field(
        None,
        description="A stage of another pipeline (or, for a stage, another stage): the deals move there first, "
        "open and closed; in a job when there are more than 100 (the answer's operationId). Only admins and "
        "managers delete a pipeline or stage (the deals in it are everyone's).",
    )


class CurrencyTotal(Model):
    currency: str
    count: int
    value: float
    weightedValue: float = Field(description="Open deals at their stage's probability, won ones in full, lost ones 0.")


class DealSummary(Model):
    count: int = Field(description="Deals counted, in every currency.")
    totals: list[CurrencyTotal] = Field(description="Per currency, by currency code.")
