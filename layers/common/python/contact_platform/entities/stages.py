"""Stages of a pipeline, created and listed under it (`/pipelines/{pipelineId}/stages`); `order`
unique within the pipeline, `probability` the chance a deal in the stage is won (0..1)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.entities.references import Move
from contact_platform.models.deals import MoveDeals
from contact_platform.models.fields import Ratio, text


class StageFields(Fields):
    pipelineId: str | None = None  # set from the path
    name: text(100)  # type: ignore[valid-type]
    order: Annotated[int, Field(ge=0, le=10_000, description="Position in the pipeline, unique within it.")]
    probability: Annotated[Ratio, Field(description="Chance a deal in this stage is won, 0 to 1.")] = 0.0


def _deals_moved(caller: Any, stage: dict[str, Any], query: MoveDeals | None) -> list[Move]:
    from contact_platform.services.deals import moving_deals  # only a delete needs it

    return moving_deals(caller, "stage", stage, query.moveDealsTo if query else None)


ENTITY = Entity(
    "stage",
    "stage",
    StageFields,
    label="Stage",
    unique=("order",),
    unique_within="pipelineId",
    sort=("order",),
    references={"pipelineId": "pipeline"},
    parent="pipelineId",
    owner=None,
    before_delete=_deals_moved,
    delete_query=MoveDeals,
    summary="A step of a pipeline.",
    example={"name": "Qualifizierung", "order": 1, "probability": 0.2},
)
