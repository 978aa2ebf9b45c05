"""Pydantic validation errors as the platform's 400/422 errors with `details[{field, issue}]`."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from contact_platform import errors
from contact_platform.errors import ApiError, Detail
from contact_platform.models.problems import field_of, issue_of
from contact_platform.names import closest

_BOUNDS = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}


def _number(value: Any) -> Any:
    """A bound as a client wrote it: 0 and 1000000000000000, not pydantic's 0.0 and 1e+15."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _sentence(problem: Mapping[str, Any]) -> str:
    """One problem in words: `limit must be at most 200`, `name is required`, `search: String should ...`."""
    field, issue = field_of(problem), issue_of(problem)
    context = (problem.get("ctx") or {}).items()
    bounds = [f"{_BOUNDS[name]} {_number(value)}" for name, value in context if name in _BOUNDS]
    if issue in ("min", "max") and bounds:
        return f"{field} must be {' and '.join(bounds)}"
    if issue == "required":
        return f"{field} is required"
    return f"{field}: {issue}"


def _model_at(annotation: Any, path: Sequence[Any]) -> type[BaseModel] | None:
    """The model that `path` leads to from `annotation`, through fields, lists, maps and optionals."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _model_at(inner[0], path) if len(inner) == 1 else None
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    if not path:
        return annotation if is_model else None
    if is_model:
        fields = {field.alias or name: field for name, field in annotation.model_fields.items()}
        return _model_at(fields[path[0]].annotation, path[1:]) if path[0] in fields else None
    if origin in (list, dict):  # the step is an index or a key
        return _model_at(typing.get_args(annotation)[-1], path[1:])
    return None


def with_close_names(
    problems: list[dict[str, Any]], annotation: Any, query: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Each unknown field of a body of type `annotation` with the field of its model it was most
    likely meant as (`ctx.meant`, `closest`), or as the route's query parameter of its name (one of
    `query`: `ctx.query_parameter`, as a merge's `dryRun`)."""
    for problem in problems:
        loc = problem.get("loc", ())
        if problem.get("type") != "extra_forbidden" or not loc:
            continue
        if len(loc) == 1 and loc[0] in query:
            problem["ctx"] = {**(problem.get("ctx") or {}), "query_parameter": loc[0]}
            continue
        model = _model_at(annotation, loc[:-1])
        meant = (
            closest(str(loc[-1]), [field.alias or name for name, field in model.model_fields.items()])
            if model
            else None
        )
        if meant:
            problem["ctx"] = {**(problem.get("ctx") or {}), "meant": meant}
    return problems


def details_of(problems: Sequence[Any]) -> list[Detail]:
    """Each problem once, as `{field, issue}` (`contact.email`, `activities[1].activityDate`)."""
    return list(dict.fromkeys(Detail(field_of(p), issue_of(p)) for p in problems))


def from_pydantic(problems: Sequence[Any], *, csv_hint: bool = False) -> ApiError:
    """Malformed JSON is a 400 INVALID_REQUEST (`csv_hint`: on a route that also takes a CSV body,
    which was not sent as one); everything else a 422 VALIDATION_ERROR."""
    if any(p.get("type") == "json_invalid" for p in problems):
        issue = "malformed JSON; a CSV body needs Content-Type: text/csv" if csv_hint else "malformed JSON"
        return errors.invalid_request("Malformed JSON in request body", [Detail("body", issue)])
    return errors.invalid(details_of(problems), [_sentence(problem) for problem in problems])
