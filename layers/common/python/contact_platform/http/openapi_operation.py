"""A route as a Powertools resolver, for the OpenAPI document only (local/openapi.py merges them).

The handler's markers (`http/params.py`) become Powertools' parameters here, and the response is
described as the envelope around the handler's return type. Request handling never imports this
module (docs/architecture.md, "Cold start").
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi import params as powertools

from contact_platform.http.endpoint import PlainText
from contact_platform.http.params import Body, Header, Query
from contact_platform.models.base import Document
from contact_platform.models.envelope import Envelope, ErrorEnvelope, ListEnvelope
from contact_platform.models.paging import Listing
from contact_platform.route import Route

JSON = "application/json"
TEXT = "text/plain"
ERROR_STATUSES = {
    400: "Body not JSON, nested deeper than 32 levels or with a key twice in one object, or a tampered cursor",
    401: "Invalid or expired API key",
    403: "Missing permission",
    404: "Not found",
    409: "Conflict",
    412: "If-Match does not match",
    413: "Body too large",
    422: "Validation failed (body, or an unknown or bad query parameter)",
    429: "Rate limit exceeded",
    500: "Internal error",
}
PUBLIC_ERROR_STATUSES = (400, 404, 413, 422, 500)
ALSO_STATUS = "The same resource as asked for before, answered again (nothing new was created)"
LOCATION = {
    "description": "Where the created record, or the accepted job's status, is read",
    "schema": {"type": "string"},
}
NOT_MODIFIED = "If-None-Match names the current ETag: the version the client holds, no body"
_SECONDS = {"type": "string", "pattern": "^[0-9]+$"}  # a header's whole number, as the header's text
# What every answer of a route that takes a key carries (http/rate_limit.py), and a 429 besides.
RATE_HEADERS = {
    name: {"description": description, "required": True, "schema": _SECONDS}
    for name, description in (
        ("X-RateLimit-Limit", "Requests the key may make in its rate-limit window"),
        ("X-RateLimit-Remaining", "Requests left in the window"),
        ("X-RateLimit-Reset", "When the window ends (epoch seconds)"),
    )
}
REQUEST_ID = {
    "description": "The request's ID, as `meta.requestId` (what its logs carry)",
    "required": True,
    "schema": {"type": "string", "pattern": "^req_[0-9a-f]+$"},
}
ETAG = {
    "description": 'The record\'s version, quoted (`"3"`): send it as If-Match to change the record, as '
    "If-None-Match to read it only once it has changed",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
RETRY_AFTER = {
    "description": "Seconds to wait: until the window ends, or 1 past the burst limit (requests a second)",
    "required": True,
    "schema": _SECONDS,
}
# A GET of a versioned resource answers 304 to the ETag the client holds (http/endpoint.py).
IfNoneMatch = Annotated[
    str | None, powertools.Header(alias="If-None-Match", description="An ETag a read returned (or *)")
]


def _powertools_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def _envelope_model(returned: Any) -> Any:
    """`Contact` -> `Envelope[Contact]`; `Listing[Contact]` -> `ListEnvelope[Contact]`;
    `WithStatus[Contact]` -> `Envelope[Contact]`."""
    from contact_platform.http.endpoint import WithStatus

    if typing.get_origin(returned) is WithStatus:
        (returned,) = typing.get_args(returned)
    if isinstance(returned, type) and issubclass(returned, Listing):
        (item,) = returned.__pydantic_generic_metadata__["args"]
        return ListEnvelope[item]  # type: ignore[valid-type]
    return Envelope[returned]


def _powertools_hint(hint: Any) -> Any:
    """`Annotated[M, Query()]` -> `Annotated[M, powertools.Query()]` (and Header, Body)."""
    markers = getattr(hint, "__metadata__", ())
    if not markers:
        return hint
    annotation = typing.get_args(hint)[0]
    for marker in markers:
        if isinstance(marker, Query):
            return Annotated[annotation, powertools.Query()]
        if isinstance(marker, Header):
            return Annotated[annotation, powertools.Header(alias=marker.alias)]
        if isinstance(marker, Body):
            return Annotated[annotation, powertools.Body()]
    return hint


def resolver_for(route: Route, function: Callable[..., Any]) -> APIGatewayRestResolver:
    hints = typing.get_type_hints(function, include_extras=True)
    signature = inspect.signature(function)
    answer = hints.get("return", Any)
    text = answer is PlainText  # text instead of the envelope (`GET /metrics`)
    if text:
        returned: Any = str
    else:
        bare = isinstance(answer, type) and issubclass(answer, Document)  # as is (`/.well-known/jwks.json`)
        returned = answer if bare else _envelope_model(answer)
    parameters = [
        parameter.replace(annotation=_powertools_hint(hints[name])) for name, parameter in signature.parameters.items()
    ]
    # A versioned record (an int `version`): its answers carry an ETag, and its GET answers 304.
    versioned = typing.get_type_hints(answer).get("version") is int if isinstance(answer, type) else False
    conditional = route.method == "GET" and versioned
    if conditional:
        parameters.append(
            inspect.Parameter("if_none_match", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=IfNoneMatch)
        )

    def call(*args: Any, **kwargs: Any) -> Response[Any]:
        raise NotImplementedError("documentation only: requests are handled by http/endpoint.py")

    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters,
        return_annotation=Response[returned],
    )
    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    error_model = {JSON: {"model": ErrorEnvelope}}
    statuses = PUBLIC_ERROR_STATUSES if route.public else ERROR_STATUSES
    located = route.location is not None or "statusUrl" in getattr(answer, "model_fields", {})
    counted = {} if route.public else RATE_HEADERS
    headers = {
        **({"Location": LOCATION} if located else {}),
        **({"ETag": ETAG} if versioned else {}),
        **counted,
        "X-Request-Id": REQUEST_ID,
    }
    responses: dict[int, Any] = {
        route.status: {
            "description": route.summary,
            "content": {TEXT: {"schema": {"type": "string"}}} if text else {JSON: {"model": returned}},
            "headers": headers,
        },
        **(
            {route.also_status: {"description": ALSO_STATUS, "content": {JSON: {"model": returned}}}}
            if route.also_status
            else {}
        ),
        **({304: {"description": NOT_MODIFIED}} if conditional else {}),
        **{status: {"description": ERROR_STATUSES[status], "content": error_model} for status in statuses},
    }
    if 429 in responses:
        responses[429]["headers"] = {**counted, "Retry-After": RETRY_AFTER}
    resolver = APIGatewayRestResolver(enable_validation=True)
    resolver.route(
        _powertools_path(route.path),
        route.method,
        summary=route.summary,
        description=function.__doc__,
        operation_id=route.name,
        tags=[route.resource],
        responses=responses,
        security=None if route.public else [{"bearerAuth": []}, {"apiKeyHeader": []}],
    )(call)
    return resolver
