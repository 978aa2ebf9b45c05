"""The request and response models of an entity, derived from its fields model on first use: the
create body (the fields, plus the owner's field and `visibleTo` for owned entities), the patch body (every field
optional), the record as returned (the fields plus the server's), the list query, the answer to a
delete and a deleted record in the admins' list. Built once per process and entity
(docs/architecture.md, "Entities")."""

from __future__ import annotations

import json
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, cast

from pydantic import Field, ValidationError, create_model, field_validator
from pydantic.fields import FieldInfo

from contact_platform.entities.entity import Entity
from contact_platform.errors import Detail
from contact_platform.models.base import Input, Model
from contact_platform.models.fields import (
    CUSTOM_FILTER_DESCRIPTION,
    CustomFieldsFilter,
    DateTimeFilter,
    UserId,
    Version,
    not_null,
)
from contact_platform.models.merges import Merged
from contact_platform.models.paging import IDS_DESCRIPTION, PageQuery, after_bound

Visibility = Literal["owner", "everyone"]
_model = cast(Any, create_model)  # its overloads do not type field definitions built at run time


@dataclass(frozen=True)
class Shapes:
    create: type[Model]
    patch: type[Model]
    public: type[Model]
    query: type[Model]
    deleted: type[Model]
    merged: type[Model]
    in_bin: type[Model]  # a soft-deleted record, as the admins' list of them shows it


def _constrained(info: FieldInfo) -> Any:
    """The field's type with its constraints (pydantic keeps them apart from the annotation)."""
    return Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation


def _optional(info: FieldInfo, *, constrained: bool = True) -> tuple[Any, Any]:
    annotation: Any = _constrained(info) if constrained else info.annotation
    return annotation | None, Field(None, description=info.description, examples=info.examples)


def _numeric(annotation: Any) -> bool:
    """A number (int or float, not bool), under `Annotated` and optional."""
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_numeric(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return isinstance(annotation, type) and issubclass(annotation, int | float) and annotation is not bool


def _owner_fields(entity: Entity, *, public: bool) -> dict[str, Any]:
    if entity.owner is None:
        return {}
    owner = "The user who owns the record." if public else "Defaults to the calling user."
    fields: dict[str, Any] = {entity.owner: (str | None if public else UserId | None, Field(None, description=owner))}
    if entity.shared:
        visibility = "`owner`: only its owner (and admins, managers) see it; `everyone` (the default): the tenant."
        fields["visibleTo"] = (Visibility | None, Field(None, description=visibility))
    return fields


def _filter(entity: Entity, name: str) -> tuple[Any, Any]:
    """A list filter on a field of `fields` or of the server's, held to the field's own constraints:
    a value no record could hold is a 422 (`stageId=`, `currency=euro`), not an empty list, and a
    value the field normalizes is normalized (`market=de` lists the `DE` campaigns)."""
    declared = entity.fields.model_fields.get(name)
    if declared is not None:
        return _optional(declared)
    return entity.server_fields[name] | None, Field(None)


def _checked_input(entity: Entity, patch: type[Model]) -> type[Input]:
    """The base of the create body: with the entity's checks on the fields that validated when others
    did not (`Input.rule_problems`), unless a create fills fields in from what it reads first
    (`defaults`: a deal's stage), which a body with field errors never gets to."""
    checks = entity.checks
    if checks is None or entity.defaults is not None:
        return Input

    def rule_problems(cls: type[Input], sent: dict[str, Any], unknown: frozenset[str]) -> list[Detail]:
        rest = {name: value for name, value in sent.items() if name not in unknown}
        try:
            valid = patch.model_validate_json(json.dumps(rest)).model_dump(
                mode="json", exclude_none=True, exclude=set(entity.owner_fields)
            )
        except ValidationError:
            return []
        problems = checks(valid, set(valid), unknown=unknown)
        return [problem for problem in problems if re.split(r"[.\[]", problem.field)[0] not in unknown]

    checked = type(f"{entity.name}CheckedInput", (Input,), {"rule_problems": classmethod(rule_problems)})
    return cast(type[Input], checked)


@cache
def shapes(entity: Entity) -> Shapes:
    label = "".join(word[:1].upper() + word[1:] for word in entity.label.split())  # "Deal product": DealProduct
    fields = entity.fields.model_fields
    written = {name: info for name, info in fields.items() if name != entity.parent}  # the parent: from the path
    owner_in = _owner_fields(entity, public=False)
    required = [name for name, info in written.items() if info.is_required()]
    not_nulls = {"_required_not_null": not_null(*required, issue="required; may not be null")} if required else {}
    patch = _model(
        f"{label}Patch",
        __base__=Input,
        __validators__=not_nulls,
        **{name: _optional(info) for name, info in written.items()},
        **owner_in,
    )
    create = _model(
        f"{label}Create",
        __base__=_checked_input(entity, patch),
        **{
            name: _optional(info) if name in entity.inherit else (_constrained(info), info)
            for name, info in written.items()
        },
        **owner_in,
    )
    if entity.example:
        create.model_config["json_schema_extra"] = {"examples": [dict(entity.example)]}
    public = _model(
        label,
        __base__=Model,
        id=(str, Field(examples=[f"{entity.prefix}_hfh5BK0ImfcP7mqujsVC"])),
        **{name: _optional(info, constrained=False) for name, info in fields.items()},
        **_owner_fields(entity, public=True),
        **{
            name: (kind | None, Field(None, description="Set by the server."))
            for name, kind in entity.server_fields.items()
        },
        createdAt=(str, ...),
        updatedAt=(str, ...),
        version=(Version, ...),
    )
    filters: dict[str, Any] = {name: _filter(entity, name) for name in entity.filters}
    if entity.owner is not None:
        filters[entity.owner] = (UserId | None, Field(None, description="Records of this owner."))
    for name, (kind, _) in entity.matches.items():
        filters[name] = (kind | None, Field(None))
    in_order: dict[str, Any] = {}
    for field, (low, high) in entity.ranges.items():
        bound, _ = _filter(entity, field)
        sides = ("at least", "at most") if _numeric(bound) else ("at or after", "at or before")
        for parameter, side in zip((low, high), sides, strict=True):
            if parameter is not None:
                filters[parameter] = (bound, Field(None, description=f"Only records whose {field} is {side} this."))
        if low is not None and high is not None:
            in_order[f"_{high}_in_order"] = field_validator(high)(after_bound(low, f"must be {sides[0]} {low}"))
    if entity.search:
        searched = " or ".join(" + ".join(entry.split()) for entry in entity.search)
        filters["search"] = (str | None, Field(None, description=f"Prefix of the {searched} (at least 2 characters)."))
    filters["ids"] = (str | None, Field(None, max_length=4200, description=IDS_DESCRIPTION))
    if "customFields" in fields:
        filters["customFields"] = (CustomFieldsFilter | None, Field(None, description=CUSTOM_FILTER_DESCRIPTION))
    sorts = ", ".join(entity.sort_fields)
    query = _model(
        f"{label}ListQuery",
        __base__=PageQuery,
        __validators__=in_order,
        sort=(
            str | None,
            Field(None, description=f"`field` or `-field`, one of {sorts}; default {entity.default_sort}."),
        ),
        updatedSince=(DateTimeFilter | None, Field(None, description="Only records changed at or after this time.")),
        **filters,
    )
    moving = "Set when the records that referenced it move in a job: GET /api/v1/moves/{operationId}."
    deleted = _model(
        f"{label}Deleted",
        __base__=Model,
        id=(str, ...),
        message=(str, ...),
        operationId=(str | None, Field(None, description=moving)),
    )
    merged = Merged[public]  # type: ignore[valid-type]
    in_bin = _model(
        f"Deleted{label}",
        __base__=public,
        deletedAt=(str, ...),
        deletedBy=(str | None, Field(None, description="The user who deleted it.")),
        mergedInto=(str | None, Field(None, description="Deleted by a merge into this record: not restorable.")),
    )
    return Shapes(create=create, patch=patch, public=public, query=query, deleted=deleted, merged=merged, in_bin=in_bin)
