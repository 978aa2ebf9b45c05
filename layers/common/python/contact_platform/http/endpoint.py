"""`@endpoint("<route name>")` turns a thin handler function into a route's Lambda function.

The handler function names its inputs (path parameters, a body model, a query model, headers; see
`http/params.py`) and returns its data; everything else happens here, the same way for every route:

1. the caller from the authorizer context (never from the request), the rate limit (counted by the
   authorizer), the route's permission, the body limit;
2. the request's shape before any model sees it: query parameters the route does not take, or
   sent more than once (422), JSON nested deeper than `MAX_JSON_DEPTH` or with a key twice in one
   object (400: parsers differ on which of the two counts);
3. `Idempotency-Key` replay for POST and PATCH, keyed on what the request really carries;
4. parsing and validation of path, query, headers and body with the handler's pydantic types, with
   the platform's envelope and errors;
5. `ETag` for versioned resources (a GET whose `If-None-Match` names it: 304 without a body),
   `X-RateLimit-*` and `X-Request-Id` on every response;
6. the request in the metrics (`metrics.request`: route, status class, latency; a 5xx is an error),
   whatever the answer, the 500 of an unhandled exception included (docs/architecture.md, "Metrics").

One function serves one route, so no router runs per request; Powertools' resolver is built only
for the OpenAPI document (`resolver`, used by local/openapi.py), never on a cold start
(docs/architecture.md, "Cold start").
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import re
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from contact_platform import errors, metrics
from contact_platform.config import settings
from contact_platform.errors import ApiError, Detail
from contact_platform.http import idempotency, rate_limit, request
from contact_platform.http.envelope import JSON, error_response, meta
from contact_platform.http.params import Body, Header, Query
from contact_platform.http.validation import from_pydantic, with_close_names
from contact_platform.models.base import Document
from contact_platform.models.paging import Listing
from contact_platform.names import closest
from contact_platform.observability import lambda_handler, logger
from contact_platform.route import Route
from contact_platform.routes import route_named

JSON_BODY_LIMIT = 1024 * 1024
LARGE_BODY_LIMIT = CSV_BODY_LIMIT = 6 * 1024 * 1024
CSV = "text/csv"
M = TypeVar("M")
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
_CORRELATION_ID = "requestContext.requestId"  # Powertools' correlation_paths.API_GATEWAY_REST
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class PlainText:
    """What a handler returns to answer with text instead of the JSON envelope (`GET /metrics`); a
    `models.base.Document` is written as is, anything else in the envelope."""

    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass
class _Input:
    """One parameter of the handler: where it comes from and how it is validated (the validator is
    built on first use, so that an import builds none)."""

    name: str
    source: str  # "path", "query", "header", "body"
    annotation: Any
    required: bool
    default: Any
    header: str = ""  # a header's name as declared (`If-Match`); requests' header names are read in any case

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.annotation)


def _inputs(route: Route, function: Callable[..., Any]) -> list[_Input]:
    hints = typing.get_type_hints(function, include_extras=True)
    found = []
    for name, parameter in inspect.signature(function).parameters.items():
        hint = hints[name]
        markers = getattr(hint, "__metadata__", ())
        annotation = typing.get_args(hint)[0] if markers else hint
        required = parameter.default is inspect.Parameter.empty
        default = None if required else parameter.default
        header = next((marker.alias for marker in markers if isinstance(marker, Header)), "")
        if any(isinstance(marker, Query) for marker in markers):
            source = "query"
        elif header:
            source = "header"
        elif f"{{{name}}}" in route.path:
            source = "path"
        elif any(isinstance(marker, Body) for marker in markers) or isinstance(annotation, type):
            source = "body"
        else:
            raise TypeError(f"{function.__name__}: cannot tell where parameter {name} comes from")
        found.append(_Input(name, source, annotation, required, default, header))
    return found


def _field_names(inputs: list[_Input], source: str) -> frozenset[str]:
    """The fields a handler takes from `source`: those of its `Query()` model, or of its body's model."""
    names: set[str] = set()
    for taken in inputs:
        if taken.source == source:
            model = taken.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(field.alias or field_name for field_name, field in model.model_fields.items())
    return frozenset(names)


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    if isinstance(data, list | tuple):
        return [_jsonable(item) for item in data]
    if isinstance(data, dict):
        return {key: _jsonable(value) for key, value in data.items()}
    return data


def _body(data: Any) -> Any:
    """The envelope around a handler's result (lists carry `meta.pagination`)."""
    if isinstance(data, Listing):
        pagination = {"nextCursor": data.nextCursor, "limit": data.limit}
        return {"success": True, "data": _jsonable(data.items), "meta": {**meta(), "pagination": pagination}}
    return {"success": True, "data": _jsonable(data), "meta": meta()}


def _headers(data: Any, location: str | None) -> dict[str, str]:
    """`ETag` for versioned resources, and `Location` where there is one."""
    version = getattr(data, "version", None) if isinstance(data, BaseModel) else None
    headers = {"ETag": f'"{version}"'} if isinstance(version, int) else {}
    if location is not None:
        headers["Location"] = location
    return headers


def _location(route: Route, status: int, event: dict[str, Any], data: Any) -> str | None:
    """An accepted job's status (`statusUrl`), or where the record of a 201 is read (`Route.location`:
    its ID from the answer, the other placeholders from the request's path), behind the stage the
    client called."""
    status_url, record_id = getattr(data, "statusUrl", None), getattr(data, "id", None)
    if isinstance(status_url, str):
        path = status_url
    elif route.location is not None and status == 201 and isinstance(record_id, str):
        known = event.get("pathParameters") or {}
        path = _PLACEHOLDER.sub(lambda found: str(known.get(found.group(1), record_id)), route.location)
    else:
        return None
    return request.base_path_of(event) + path


@dataclass(frozen=True)
class WithStatus(Generic[M]):
    """A handler's result with the route's other success status (`Route.also_status`)."""

    data: M
    status: int


class Endpoint:
    """One route's Lambda function: `handler` is its entry point."""

    def __init__(self, route: Route, function: Callable[..., Any]) -> None:
        self.route = route
        self.function = function
        self.inputs = _inputs(route, function)
        self.query_names = _field_names(self.inputs, "query")
        self.handler = lambda_handler(self._handle, correlation_id_path=_CORRELATION_ID)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Lambda calls the endpoint itself where a route has no handler file (functions/api/entity_routes.py)."""
        return self.handler(event, context)

    @cached_property
    def resolver(self) -> Any:
        """The route as a Powertools resolver, for the OpenAPI document only."""
        from contact_platform.http.openapi_operation import resolver_for

        return resolver_for(self.route, self.function)

    # Per request -----------------------------------------------------------------------------------

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return answered(event, self.route.name, lambda state, headers: self._guarded(event, context, state, headers))

    def _guarded(
        self, event: dict[str, Any], context: Any, state: request.RequestState, headers: dict[str, str]
    ) -> dict[str, Any]:
        route = self.route
        if route.dev_only and not settings().dev_mode:
            raise errors.not_found("Route")
        if not route.public:
            authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
            state.caller = request.caller_from_context(authorizer, state.request_id)
            headers.update(rate_limit.check(authorizer))
            if route.supreme:
                from contact_platform.services.supremes import require_supreme

                require_supreme(state.caller)
            elif not route.any_caller and route.permission not in state.caller.scopes:
                raise errors.missing_permission(str(route.permission))
        _refuse_unknown_query(event, self.query_names, lambda: _field_names(self.inputs, "body"))
        _refuse_repeated_query(event)
        if route.csv_body and _content_type(event) == CSV:
            state.csv_body = _raw_body(event, CSV_BODY_LIMIT)
            text: str | None = "null"
        else:
            text = _json_text(event, LARGE_BODY_LIMIT if route.large_json_body else JSON_BODY_LIMIT)
        key = idempotency.key_of(event.get("headers")) if route.method in ("POST", "PATCH") else None
        if key is None or state.caller is None:
            return self._respond(event, text)
        return idempotency.run_once(
            state.caller,
            route.name,
            key,
            _fingerprint(event),
            context,
            lambda: self._respond(event, text),
            sealed=route.seals_webhook_secrets,
        )

    def _respond(self, event: dict[str, Any], text: str | None) -> dict[str, Any]:
        data = self.function(**self._arguments(event, text))
        if isinstance(data, PlainText):
            return {"statusCode": self.route.status, "headers": {"Content-Type": data.content_type}, "body": data.body}
        status = self.route.status
        if isinstance(data, WithStatus):
            if data.status not in (status, self.route.also_status):
                raise ValueError(f"{self.route.name} may not answer {data.status}")
            status, data = data.status, data.data
        headers = _headers(data, _location(self.route, status, event, data))
        if self.route.method == "GET" and _not_modified(event, headers.get("ETag")):
            return {"statusCode": 304, "headers": headers, "body": ""}
        body = _jsonable(data) if isinstance(data, Document) else _body(data)
        return {
            "statusCode": status,
            "headers": {"Content-Type": JSON, **headers},
            "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        }

    def _arguments(self, event: dict[str, Any], text: str | None) -> dict[str, Any]:
        """Every input validated; all problems together as one 422 (malformed JSON: 400)."""
        path = event.get("pathParameters") or {}
        query = event.get("queryStringParameters") or {}
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        arguments: dict[str, Any] = {}
        problems: list[dict[str, Any]] = []
        for taken in self.inputs:
            try:
                if taken.source == "body":
                    if text is None:
                        if taken.required:
                            problems.append({"type": "missing", "loc": ("body",), "msg": "required"})
                            continue
                        arguments[taken.name] = taken.adapter.validate_python(taken.default)
                    else:
                        arguments[taken.name] = taken.adapter.validate_json(text)
                elif taken.source == "query":
                    arguments[taken.name] = taken.adapter.validate_python(query)
                elif taken.source == "header":
                    value = headers.get(taken.header.lower(), taken.default)
                    arguments[taken.name] = taken.adapter.validate_python(value)
                else:
                    arguments[taken.name] = taken.adapter.validate_python(path.get(taken.name))
            except ValidationError as error:
                found: list[dict[str, Any]] = [dict(problem) for problem in error.errors()]
                if taken.source in ("header", "path"):  # one value: the problem is named after it
                    found = [{**problem, "loc": (taken.header or taken.name, *problem["loc"])} for problem in found]
                if taken.source == "body":
                    problems += with_close_names(found, taken.annotation, self.query_names)
                    problems += _rule_problems(taken.annotation, text, found)
                else:
                    problems += found
        if problems:
            raise from_pydantic(problems, csv_hint=self.route.csv_body)
        return arguments


def _rule_problems(annotation: Any, text: str | None, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the body's model says of its fields that did validate, when others did not
    (`Input.rule_problems`; a model of its own may have one too), as problems named by their fields."""
    unknown = frozenset(str(problem["loc"][0]) for problem in found if problem.get("loc"))
    rule_problems = getattr(annotation, "rule_problems", None) if isinstance(annotation, type) else None
    if rule_problems is None or text is None:
        return []
    if any(not problem.get("loc") for problem in found):
        return []  # a problem of the whole body (not JSON, not an object): no field of it validated
    sent = json.loads(text)
    if not isinstance(sent, dict):
        return []
    return [
        {"type": "rule", "loc": (), "msg": detail.issue, "ctx": {"field": detail.field}}
        for detail in rule_problems(sent, unknown)
    ]


def answered(
    event: dict[str, Any],
    name: str,
    respond: Callable[[request.RequestState, dict[str, str]], dict[str, Any]],
) -> dict[str, Any]:
    """A request's answer as every API function gives it: `respond` (which may add headers), an
    `ApiError` in the envelope, anything else a 500; `X-Request-Id`, and the request in the metrics."""
    started = time.perf_counter()
    state = request.begin(request.request_id_of(event), request.source_ip_of(event))
    headers = {"X-Request-Id": state.request_id}
    try:
        response = respond(state, headers)
    except ApiError as error:
        headers.update(error.headers)
        response = error_response(error)
    except Exception:
        logger.exception("unhandled error", extra={"route": name})
        response = error_response(ApiError(500, "INTERNAL_ERROR", "Internal server error"))
    answer = _with_headers(response, headers)
    metrics.request(name, answer["statusCode"], time.perf_counter() - started)
    return answer


def _not_modified(event: dict[str, Any], etag: str | None) -> bool:
    """The request's `If-None-Match` names the answer's `ETag` (or is `*`): the client holds this
    version already. Compared weakly (`W/"3"` names `"3"`, RFC 9110 13.1.2); a value of another form
    names nothing, so the answer is sent."""
    if etag is None:
        return False
    sent = next(
        (str(value) for name, value in (event.get("headers") or {}).items() if name.lower() == "if-none-match"), ""
    )
    return any(tag.strip().removeprefix("W/") in ("*", etag) for tag in sent.split(","))


def _refuse_unknown_query(
    event: dict[str, Any], accepted: frozenset[str], body_fields: Callable[[], frozenset[str]]
) -> None:
    """422 naming every query parameter the route does not take, with the one it was likely meant as
    (in the message too: `Unknown query parameter: limt (did you mean limit?)`), and listing those it
    takes; a field of the route's body (`body_fields`) is named as one."""
    sent = {**(event.get("queryStringParameters") or {}), **(event.get("multiValueQueryStringParameters") or {})}
    unknown = sorted(name for name in sent if name not in accepted)
    if not unknown:
        return

    in_body = body_fields()
    meant = {name: closest(name, accepted) if accepted and name not in in_body else None for name in unknown}

    def issue(name: str) -> str:
        if name in in_body:
            return "unknown query parameter; it is a field of this route's JSON body"
        if not accepted:
            return "unknown query parameter; this route takes none"
        hint = f" did you mean {meant[name]}?" if meant[name] else ""
        return f"unknown query parameter;{hint} accepted: {', '.join(sorted(accepted))}"

    named = [f"{name} (did you mean {meant[name]}?)" if meant[name] else name for name in unknown]
    raise errors.validation_error(
        f"Unknown query parameter: {', '.join(named)}", [Detail(name, issue(name)) for name in unknown]
    )


def _refuse_repeated_query(event: dict[str, Any]) -> None:
    """422 naming every query parameter sent more than once: each takes one value (a list is
    comma-separated, `tag=vip,lead`), and reading only one of `tag=vip&tag=lead` would answer another
    question than the one asked."""
    repeated = {
        name: len(values)
        for name, values in (event.get("multiValueQueryStringParameters") or {}).items()
        if isinstance(values, list) and len(values) > 1
    }
    if repeated:
        raise errors.validation_error(
            f"Query parameter given more than once: {', '.join(sorted(repeated))}",
            [
                Detail(name, f"given {count} times; send it once (a list is comma-separated, as in tag=vip,lead)")
                for name, count in sorted(repeated.items())
            ],
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


def _json_text(event: dict[str, Any], limit: int) -> str | None:
    """The body as JSON text (whatever Content-Type says), within the route's limit and 32 levels."""
    if event.get("body") is None:
        return None
    raw = _raw_body(event, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise errors.invalid_request("Request body is not UTF-8") from error
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise errors.invalid_request(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels", [Detail("body", f"at most {MAX_JSON_DEPTH} levels")]
        )
    try:
        json.loads(text, object_pairs_hook=_once_each)  # nested at most 32 levels: no deep recursion
    except _KeyTwice as twice:
        raise errors.invalid_request(
            f"Duplicate key in JSON body: {twice.key}", [Detail("body", f"key {twice.key} given twice in one object")]
        ) from None
    except ValueError:
        pass  # not JSON: the model's parser says what is wrong with it
    return text


class _KeyTwice(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of the body, refused when it has a key twice (`{"name": "A", "name": "B"}`), which
    pydantic's parser would read as the last and another reader as the first."""
    unique = dict(pairs)
    if len(unique) < len(pairs):
        names = [name for name, _ in pairs]
        raise _KeyTwice(next(name for name in names if names.count(name) > 1))
    return unique


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
    route = route_named(route_name)

    def register(function: Callable[..., Any]) -> Endpoint:
        if function.__name__ != route.name:
            raise ValueError(f"handler {function.__name__} must be named like its route {route.name}")
        return Endpoint(route, function)

    return register


caller = request.caller
source_ip = request.source_ip
