"""The handler of each route derived from an entity declaration: a function with the parameters and
types the endpoint reads (`http/endpoint.py`), calling the generic service (docs/architecture.md,
"Entities"). Built when the route's Lambda function first imports it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from contact_platform.entities import lists, reads, service
from contact_platform.entities.catalog import route_verb
from contact_platform.entities.entity import Entity
from contact_platform.entities.routes import entity_routes
from contact_platform.entities.shapes import shapes
from contact_platform.http.endpoint import Endpoint, caller
from contact_platform.http.params import IfMatch, Query
from contact_platform.models.merges import MergeBody, MergeQuery
from contact_platform.models.paging import DeletedQuery, Listing


def _signed(function: Callable[..., Any], name: str, parameters: dict[str, Any], returns: Any) -> Callable[..., Any]:
    """Name the function like its route and give it the parameters the endpoint validates."""
    function.__name__ = function.__qualname__ = name
    function.__annotations__ = {**parameters, "return": returns}
    function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                parameter,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation,
                default=None if annotation is IfMatch else inspect.Parameter.empty,
            )
            for parameter, annotation in parameters.items()
        ],
        return_annotation=returns,
    )
    return function


def _function(entity: Entity, verb: str, name: str) -> Callable[..., Any]:
    models, id_ = shapes(entity), entity.id_param
    parent = {entity.parent: str} if entity.parent else {}  # nested routes: the parent's ID from the path
    if verb == "create":
        return _signed(
            lambda body, **path: service.create(entity, caller(), body, path.get(str(entity.parent))),
            name,
            {**parent, "body": models.create},
            models.public,
        )
    if verb == "list":
        return _signed(
            lambda query, **path: lists.list_records(entity, caller(), query, path.get(str(entity.parent))),
            name,
            {**parent, "query": Annotated[models.query, Query()]},
            Listing[models.public],  # type: ignore[name-defined]
        )
    if verb == "list_deleted":
        return _signed(
            lambda query: lists.list_deleted(entity, caller(), query),
            name,
            {"query": Annotated[DeletedQuery, Query()]},
            Listing[models.in_bin],  # type: ignore[name-defined]
        )
    if verb == "update":
        return _signed(
            lambda body, if_match=None, **path: service.update(entity, caller(), path[id_], body, if_match),
            name,
            {id_: str, "body": models.patch, "if_match": IfMatch},
            models.public,
        )
    if verb == "merge":
        return _signed(
            lambda body, query, if_match=None, **path: service.merge(
                entity, caller(), path[id_], body.mergeWithId, query.dryRun, if_match
            ),
            name,
            {id_: str, "body": MergeBody, "query": Annotated[MergeQuery, Query()], "if_match": IfMatch},
            models.merged,
        )
    if verb == "delete":
        query = {"query": Annotated[entity.delete_query, Query()]} if entity.delete_query is not None else {}
        return _signed(
            lambda if_match=None, query=None, **path: service.delete(entity, caller(), path[id_], if_match, query),
            name,
            {id_: str, **query, "if_match": IfMatch},
            models.deleted,
        )
    if verb == "restore":
        return _signed(
            lambda if_match=None, **path: service.restore(entity, caller(), path[id_], if_match),
            name,
            {id_: str, "if_match": IfMatch},
            models.public,
        )
    return _signed(lambda **path: reads.get(entity, caller(), path[id_]), name, {id_: str}, models.public)


def endpoint_for(entity: Entity, route_name: str) -> Endpoint:
    route = next(route for route in entity_routes(entity) if route.name == route_name)
    return Endpoint(route, _function(entity, route_verb(route_name), route_name))
