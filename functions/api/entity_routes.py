"""The Lambda entry points of the routes derived from entity declarations (contact_platform/entities/).

Still one function per route on AWS: a function's handler setting names its route
(`functions.api.entity_routes.create_organization`), and the attribute of that name is the route's
endpoint, built on first access from that entity's declaration alone (no other entity is imported).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from contact_platform.entities.catalog import entity_of_route


@cache
def _endpoint(name: str) -> Any:
    from contact_platform.entities.endpoints import endpoint_for

    entity = entity_of_route(name)
    if entity is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return endpoint_for(entity, name)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return _endpoint(name)
