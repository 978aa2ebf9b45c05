"""Stages of a pipeline, created and listed under it (`/pipelines/{pipelineId}/stages`); `order`
unique within the pipeline (a create without it: after the pipeline's last stage), `probability` the
chance a deal in the stage is won (0..1)."""

from __future__ import annotations

from typing import Annotated, Any, cast

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.entities.references import Move
from contact_platform.errors import Detail
from contact_platform.models.deals import MoveDeals
from contact_platform.models.fields import Ratio, text
from contact_platform.models.paging import PageQuery

MOST_ORDER = 10_000


class StageFields(Fields):
    pipelineId: str | None = None  # set from the path
    name: text(100)  # type: ignore[valid-type]
    order: Annotated[
        int | None,
        Field(
            ge=0,
            le=MOST_ORDER,
            description="Position in the pipeline, unique within it; a create without it: after the last stage.",
        ),
    ] = None
    probability: Annotated[Ratio, Field(description="Chance a deal in this stage is won, 0 to 1.")] = 0.0


def stage_at_end(caller: Any, pipeline_id: str, *, last: bool = False) -> Any | None:
    """The pipeline's stage of the lowest `order` (`last`: the highest) that the caller may see, or
    None when it has none: one Query. Raises 404 for a pipeline the caller may not see."""
    from contact_platform.entities.catalog import entity  # only creates that leave out a place read it
    from contact_platform.entities.lists import list_records
    from contact_platform.entities.shapes import shapes

    stages = entity("stage")
    query = cast(PageQuery, shapes(stages).query(limit=1, sort="-order" if last else "order"))
    found = list_records(stages, caller, query, parent_id=pipeline_id).items
    return found[0] if found else None


def _after_last(caller: Any, sent: dict[str, Any]) -> dict[str, Any]:
    """A stage created without `order` comes after the pipeline's last stage, or first in a
    pipeline without stages."""
    if sent.get("order") is not None:
        return {}
    last = stage_at_end(caller, str(sent["pipelineId"]), last=True)
    after = 0 if last is None else int(last.order) + 1
    return {"order": after} if after <= MOST_ORDER else {}


def _rules(stage: dict[str, Any], changed: set[str], *, unknown: frozenset[str] = frozenset()) -> list[Detail]:
    """A stage has its place; never asked about a body with field errors (`order` may come from
    `defaults`, which read)."""
    if stage.get("order") is not None:
        return []
    if "order" in changed:
        return [Detail("order", "required; may not be null")]
    return [Detail("order", f"required: the pipeline's last stage is at {MOST_ORDER}, the highest order")]


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
    default_sort="order",
    references={"pipelineId": "pipeline"},
    parent="pipelineId",
    owner=None,
    checks=_rules,
    defaults=_after_last,
    before_delete=_deals_moved,
    delete_query=MoveDeals,
    summary="A step of a pipeline.",
    example={"name": "Qualifizierung", "order": 1, "probability": 0.2},
)
