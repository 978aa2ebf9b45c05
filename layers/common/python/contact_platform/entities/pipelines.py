"""Pipelines: the sales processes of a tenant (their stages: entities/stages.py), ordered by `order`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.models.fields import text


class PipelineFields(Fields):
    name: text(100)  # type: ignore[valid-type]
    order: Annotated[int, Field(ge=0, le=10_000, description="Position among the tenant's pipelines.")] = 0
    active: bool = True


ENTITY = Entity(
    "pipeline",
    "pipe",
    PipelineFields,
    label="Pipeline",
    unique=("name",),
    filters=("active",),
    sort=("order",),
    owned=False,
    summary="A sales process: its stages are the steps a deal moves through.",
    example={"name": "Sales", "order": 1},
)
