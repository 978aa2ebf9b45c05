"""Route-table helpers for table-driven tests: a route's path filled with records, the list routes."""

from __future__ import annotations

import importlib
import re
import typing

from contact_platform.models.paging import Listing
from contact_platform.route import Route
from contact_platform.routes import ROUTES


def path_of(route: Route, records: dict[str, str]) -> str:
    """The route's path with each `{parameter}` replaced by `records[parameter]`."""
    return re.sub(r"\{(\w+)\}", lambda found: records[found.group(1)], route.path)


def returns_listing(route: Route) -> bool:
    """The route's handler function answers with a `Listing` (a page with `meta.pagination`)."""
    endpoint = getattr(importlib.import_module(route.handler_module), route.name)
    returned = typing.get_type_hints(endpoint.function).get("return")
    return isinstance(returned, type) and issubclass(returned, Listing)


LIST_ROUTES: tuple[Route, ...] = tuple(r for r in ROUTES if r.method == "GET" and not r.public and returns_listing(r))
