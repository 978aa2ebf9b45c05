"""Pipelines: the sales processes of a tenant (their stages: entities/stages.py), ordered by `order`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.entities.references import Move
from contact_platform.models.deals import MoveDeals
from contact_platform.models.fields import text


class PipelineFields(Fields):
    name: text(100)  # type: ignore[valid-type]
    order: Annotated[int, Field(ge=0, le=10_000, description="Position among the tenant's pipelines.")] = 0
    active: bool = True


def _deals_moved(caller: Any, pipeline: dict[str, Any], query: MoveDeals | None) -> list[Move]:
    from contact_platform.services.deals import moving_deals  # only a delete needs it

    return moving_deals(caller, "pipeline", pipeline, query.moveDealsTo if query else None)


ENTITY = Entity(
    "pipeline",
    "pipe",
    PipelineFields,
    label="Pipeline",
    unique=("name",),
    filters=("active",),
    sort=("order",),
    search=("name",),
    owner=None,
    before_delete=_deals_moved,
    delete_query=MoveDeals,
    summary="A sales process: its stages are the steps a deal moves through.",
    example={"name": "Sales", "order": 1},
)
