"""`@endpoint("<route name>")` turns a thin handler function into a route's Lambda function.

The handler function names its inputs (path parameters, a body model, a query model, headers) and
returns its data; everything else happens here, the same way for every route:

1. the caller from the authorizer context (never from the request), the rate limit, the route's
   permission, the body limit;
2. the request's shape before any model sees it: query parameters the route does not take (422),
   JSON nested deeper than `MAX_JSON_DEPTH` (400);
3. `Idempotency-Key` replay for POST and PATCH, keyed on what the request really carries;
4. Powertools' resolver for parsing and validation, with the platform's envelope and errors
   (never Powertools' default bodies);
5. `ETag` for versioned resources, `X-RateLimit-*` and `X-Request-Id` on every response.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.errors import ApiError, Detail
from contact_platform.http import idempotency, rate_limit, request
from contact_platform.http.envelope import JSON, error_body, error_response, meta
from contact_platform.http.validation import from_pydantic
from contact_platform.models.envelope import (
    Envelope,
    ErrorEnvelope,
    ListEnvelope,
    Listing,
)
from contact_platform.observability import logger, tracer
from contact_platform.routes import ROUTES_BY_NAME, Route

JSON_BODY_LIMIT = 1024 * 1024
CSV_BODY_LIMIT = 6 * 1024 * 1024
CSV = "text/csv"
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
ERROR_STATUSES = {
    400: "Body not JSON or nested deeper than 32 levels, or a tampered cursor",
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


def _powertools_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def _envelope_model(returned: Any) -> Any:
    """`Contact` -> `Envelope[Contact]`; `Listing[Contact]` -> `ListEnvelope[Contact]`."""
    if isinstance(returned, type) and issubclass(returned, Listing):
        (item,) = returned.__pydantic_generic_metadata__["args"]
        return ListEnvelope[item]  # type: ignore[valid-type]
    return Envelope[returned]


def _body(data: Any) -> Any:
    """The envelope around a handler's result (lists carry `meta.pagination`)."""
    if isinstance(data, Listing):
        pagination = {"nextCursor": data.nextCursor, "limit": data.limit}
        return {"success": True, "data": data.items, "meta": {**meta(), "pagination": pagination}}
    return {"success": True, "data": data, "meta": meta()}


def _headers(data: Any) -> dict[str, str]:
    """`ETag` for versioned resources, `Location` for an accepted job's status."""
    if not isinstance(data, BaseModel):
        return {}
    version, status_url = getattr(data, "version", None), getattr(data, "statusUrl", None)
    headers = {"ETag": f'"{version}"'} if isinstance(version, int) else {}
    if isinstance(status_url, str):
        headers["Location"] = status_url
    return headers


def _query_names(hints: dict[str, Any]) -> frozenset[str]:
    """The query parameters a handler takes: the fields of its `Query()` models, or the parameter itself."""
    names: set[str] = set()
    for name, hint in hints.items():
        if not any(isinstance(meta, Query) for meta in getattr(hint, "__metadata__", ())):
            continue
        model = typing.get_args(hint)[0]
        if isinstance(model, type) and issubclass(model, BaseModel):
            names.update(field.alias or field_name for field_name, field in model.model_fields.items())
        else:
            names.add(name)
    return frozenset(names)


class Endpoint:
    """One route's Lambda function: `handler` is its entry point, `resolver` its Powertools app."""

    def __init__(self, route: Route, function: Callable[..., Any]) -> None:
        self.route = route
        self.function = function
        self.resolver = APIGatewayRestResolver(enable_validation=True)
        self._register()
        self.handler = logger.inject_lambda_context(
            correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
        )(tracer.capture_lambda_handler(self._handle))

    # Registration with Powertools (parsing, validation, OpenAPI) ---------------------------------

    def _register(self) -> None:
        route, function = self.route, self.function
        hints = typing.get_type_hints(function, include_extras=True)
        signature = inspect.signature(function)
        returned = _envelope_model(hints.get("return", Any))
        parameters = [parameter.replace(annotation=hints[name]) for name, parameter in signature.parameters.items()]
        self.query_names = _query_names({name: hints[name] for name in signature.parameters})

        def call(*args: Any, **kwargs: Any) -> Response[Any]:
            data = function(*args, **kwargs)
            return Response(route.status, JSON, _body(data), headers=_headers(data))

        call.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=parameters,
            return_annotation=Response[returned],  # type: ignore[valid-type]
        )
        call.__name__ = function.__name__
        call.__doc__ = function.__doc__
        error_model = {"application/json": {"model": ErrorEnvelope}}
        statuses = PUBLIC_ERROR_STATUSES if route.public else ERROR_STATUSES
        responses: dict[int, Any] = {
            route.status: {"description": route.summary, "content": {"application/json": {"model": returned}}},
            **{status: {"description": ERROR_STATUSES[status], "content": error_model} for status in statuses},
        }
        self.resolver.route(
            _powertools_path(route.path),
            route.method,
            summary=route.summary,
            description=function.__doc__,
            operation_id=route.name,
            tags=[route.resource],
            responses=responses,
            security=None if route.public else [{"bearerAuth": []}, {"apiKeyHeader": []}],
        )(call)

        def api_error(error: ApiError) -> Response[Any]:
            return Response(error.status, JSON, error_body(error), headers=error.headers)

        def invalid(error: RequestValidationError) -> Response[Any]:
            return api_error(from_pydantic(error.errors()))

        def no_route(_: NotFoundError) -> Response[Any]:
            return api_error(errors.not_found("Route"))

        def unexpected(_: Exception) -> Response[Any]:
            logger.exception("unhandled error", extra={"route": route.name})
            return api_error(ApiError(500, "INTERNAL_ERROR", "Internal server error"))

        self.resolver.exception_handler(ApiError)(api_error)
        self.resolver.exception_handler(RequestValidationError)(invalid)
        self.resolver.not_found(no_route)
        self.resolver.exception_handler(Exception)(unexpected)

    # Per request -----------------------------------------------------------------------------------

    def _handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        state = request.begin(request.request_id_of(event))
        headers = {"X-Request-Id": state.request_id}
        try:
            response = self._guarded(event, context, state, headers)
        except ApiError as error:
            headers.update(error.headers)
            response = error_response(error)
        except Exception:
            logger.exception("unhandled error", extra={"route": self.route.name})
            response = error_response(ApiError(500, "INTERNAL_ERROR", "Internal server error"))
        return _with_headers(response, headers)

    def _guarded(
        self, event: dict[str, Any], context: LambdaContext, state: request.RequestState, headers: dict[str, str]
    ) -> dict[str, Any]:
        route = self.route
        if route.dev_only and not settings().dev_mode:
            raise errors.not_found("Route")
        if not route.public:
            authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
            state.caller = request.caller_from_context(authorizer, state.request_id)
            headers.update(rate_limit.check(state.caller))
            if route.permission not in state.caller.scopes:
                raise errors.missing_permission(str(route.permission))
        _refuse_unknown_query(event, self.query_names)
        fingerprint = _fingerprint(event)
        if route.csv_body and _content_type(event) == CSV:
            state.csv_body = _raw_body(event, CSV_BODY_LIMIT)
            event = _as_json_request({**event, "body": "null", "isBase64Encoded": False})
        else:
            event = _as_json_request(event)
        key = idempotency.key_of(event.get("headers")) if route.method in ("POST", "PATCH") else None
        if key is None or state.caller is None:
            return self.resolver.resolve(event, context)
        return idempotency.run_once(
            state.caller, route.name, key, fingerprint, context, lambda: self.resolver.resolve(event, context)
        )


def _refuse_unknown_query(event: dict[str, Any], accepted: frozenset[str]) -> None:
    """422 naming every query parameter the route does not take, and listing those it does."""
    sent = {**(event.get("queryStringParameters") or {}), **(event.get("multiValueQueryStringParameters") or {})}
    unknown = sorted(name for name in sent if name not in accepted)
    if not unknown:
        return
    issue = (
        f"unknown query parameter; accepted: {', '.join(sorted(accepted))}"
        if accepted
        else "unknown query parameter; this route takes none"
    )
    raise errors.validation_error(
        f"Unknown query parameter: {', '.join(unknown)}", [Detail(name, issue) for name in unknown]
    )


def _fingerprint(event: dict[str, Any]) -> str:
    """What the request carries, for `Idempotency-Key`: path, query, content type and the body's bytes."""
    query = event.get("multiValueQueryStringParameters") or {
        name: [value] for name, value in (event.get("queryStringParameters") or {}).items()
    }
    digest = hashlib.sha256()
    for part in (str(event.get("path")), repr(sorted(query.items())), _content_type(event)):
        digest.update(part.encode() + b"\0")
    body = event.get("body") or ""
    digest.update(base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode())
    return digest.hexdigest()


def _json_depth(text: str) -> int:
    """How deep arrays and objects nest, counted without parsing (so without recursion)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _content_type(event: dict[str, Any]) -> str:
    headers = {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _raw_body(event: dict[str, Any], limit: int) -> bytes:
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode()
    if len(raw) > limit:
        raise errors.payload_too_large(limit)
    return raw


def _as_json_request(event: dict[str, Any]) -> dict[str, Any]:
    """Enforce the 1 MB body limit and read every body as JSON, whatever Content-Type says."""
    if event.get("body") is None:
        return event
    raw = _raw_body(event, JSON_BODY_LIMIT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise errors.invalid_request("Request body is not UTF-8") from error
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise errors.invalid_request(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels", [Detail("body", f"at most {MAX_JSON_DEPTH} levels")]
        )
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = JSON
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    multi["Content-Type"] = [JSON]
    return {**event, "body": text, "isBase64Encoded": False, "headers": headers, "multiValueHeaders": multi}


def _with_headers(response: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    """One flat `headers` map (API Gateway REST proxy format) with the cross-cutting headers added."""
    headers: dict[str, str] = {}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(values) if isinstance(values, list) else str(values)
    headers.update(response.get("headers") or {})
    headers.update(extra)
    return {
        "statusCode": int(response["statusCode"]),
        "headers": headers,
        "body": response.get("body") or "",
        "isBase64Encoded": bool(response.get("isBase64Encoded", False)),
    }


def endpoint(route_name: str) -> Callable[[Callable[..., Any]], Endpoint]:
    """Register the decorated function as the handler of the route of that name in `routes.py`."""
    route = ROUTES_BY_NAME[route_name]

    def register(function: Callable[..., Any]) -> Endpoint:
        if function.__name__ != route.name:
            raise ValueError(f"handler {function.__name__} must be named like its route {route.name}")
        return Endpoint(route, function)

    return register


caller = request.caller
