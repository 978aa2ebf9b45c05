"""Where a handler parameter comes from, besides path parameters (plain `str` parameters named like
the route's `{placeholders}`) and a body (a model annotation): `Annotated[Model, Query()]`,
`Annotated[str | None, Header(alias="If-Match")]`, `Annotated[Model | None, Body()]`.

Plain markers, so that a handler's import does not load Powertools' OpenAPI machinery (about 0.4 s of
a cold start; docs/architecture.md, "Cold start"); `http/openapi_operation.py` translates them for the
document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from contact_platform.models.fields import ETag


@dataclass(frozen=True)
class Query:
    """The query string, validated as the annotated model (its fields are the accepted parameters)."""


@dataclass(frozen=True)
class Header:
    alias: str


@dataclass(frozen=True)
class Body:
    """The JSON body, for annotations that are not a plain model (an optional or union body)."""


# `If-Match` of an update or an action on one record: the `ETag` a read returned, or `*`.
IfMatch = Annotated[ETag | None, Header(alias="If-Match")]
