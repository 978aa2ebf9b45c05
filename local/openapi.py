"""The OpenAPI document, built from the route table: each route's own resolver contributes its
operation (Powertools OpenAPI merge). `python -m local.openapi docs/openapi.json docs/api.md`
writes the checked-in document and the Markdown API reference generated from it.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer, Server
from pydantic import BaseModel

from contact_platform.events.catalog import SCHEMAS, write_schemas
from contact_platform.http.openapi_operation import RATE_HEADERS
from contact_platform.http.params import Query as QueryParam
from contact_platform.route import Route
from contact_platform.routes import ROUTES

# Headers nearly every answer carries: under components.headers, and said once in the preamble.
SHARED_HEADERS = {*RATE_HEADERS, "Retry-After", "X-Request-Id", "ETag"}
TITLE = "contact-data-platform API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Contacts and CRM data per tenant. Authenticate with `Authorization: Bearer <key or JWT>` or "
    "`X-API-Key: <key>` (a JWT: an RS256 access token of the platform's issuer; `POST /dev/token` in dev mode). "
    "Every response is an envelope: `{success, data, meta}` or `{success: false, error, meta}`. "
    "Every answer of a route that takes a key carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and "
    "`X-RateLimit-Reset` (epoch seconds); a 429 also `Retry-After` (seconds: until the window ends, or 1 "
    "past the key's burst limit of requests a second). Every answer carries `X-Request-Id` (as `meta.requestId`); "
    "one of a versioned record `ETag` (its version: If-Match to change it, If-None-Match to read it once changed)."
)


SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": HTTPBearer(
        description="`Authorization: Bearer cdp_live_...` (an API key) or `Authorization: Bearer <JWT>` "
        "(an RS256 access token: Cognito's client credentials, or the local stack's dev issuer)"
    ),
    "apiKeyHeader": APIKey(name="X-API-Key", in_=APIKeyIn.header),
}


def build(server_url: str | None = None) -> dict[str, Any]:
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        servers=[Server(url=server_url)] if server_url else None,
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    query_models = {}
    csv_routes = {route.name for route in ROUTES if route.csv_body}
    for route in ROUTES:
        endpoint = getattr(importlib.import_module(route.handler_module), route.name)
        merge.add_schema(endpoint.resolver.get_openapi_schema(security_schemes=SECURITY_SCHEMES))
        query_models[route.name] = _query_model(endpoint.function)
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    for operations in document["paths"].values():
        for operation in operations.values():
            _describe_query(operation, query_models.get(operation["operationId"]))
            if operation["operationId"] in csv_routes:
                _accept_csv(operation)
    _link(document)
    _shared_headers(document)
    return document


def _shared_headers(document: dict[str, Any]) -> None:
    """The headers nearly every operation's answers carry (`SHARED_HEADERS`), defined once under
    `components.headers` and referred to."""
    shared: dict[str, Any] = {}
    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for name, spec in response.get("headers", {}).items():
                    if name in SHARED_HEADERS:
                        shared[name] = spec
                        response["headers"][name] = {"$ref": f"#/components/headers/{name}"}
    document["components"]["headers"] = dict(sorted(shared.items()))


PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def _created_id(route: Route) -> str | None:
    """The path parameter naming what a create route makes: `POST /contacts` makes the `contactId` of
    `/contacts/{contactId}` (the route table's item route under the create route's path)."""
    if route.method != "POST" or route.status not in (201, 202):
        return None
    for item in ROUTES:
        found = re.fullmatch(re.escape(route.path) + r"/\{(\w+)\}", item.path)
        if found:
            return found[1]
    return None


def _operation(document: dict[str, Any], route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][route.path][route.method.lower()]
    return operation


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` itself, or what its `$ref` (or the one non-null option of its `anyOf`) points at."""
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        schema = options[0]
    if "$ref" in schema:
        found: dict[str, Any] = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return found
    return schema


def _data_properties(document: dict[str, Any], route: Route) -> dict[str, Any]:
    """The properties of `data` in the route's success response envelope."""
    response = _operation(document, route)["responses"][str(route.status)]
    envelope = _schema(document, response["content"]["application/json"]["schema"])
    found: dict[str, Any] = _schema(document, envelope["properties"]["data"]).get("properties", {})
    return found


def _body_properties(document: dict[str, Any], route: Route) -> set[str]:
    schema = _operation(document, route).get("requestBody", {}).get("content", {}).get("application/json")
    return set(_schema(document, schema["schema"]).get("properties", {})) if schema else set()


def _link(document: dict[str, Any]) -> None:
    """OpenAPI links, so that stateful clients (and schemathesis' stateful phase) chain real workflows.

    By rule, from the route table: a create route's response links to every route taking what it
    created (its item route's path parameter, `data.<parameter>` or else `data.id` of the response)
    - as a path parameter under the created item's path (`/contacts/{contactId}`, `.../tags/{tagId}`),
      or anywhere when no other create route makes a parameter of that name (`tag_contact`);
    - as a property of the JSON body when no other create route makes it (`segmentId` of an export).
    No link leads to a restore: it undoes a delete, and a client that deleted expects a 404 after. For
    the same reason none leads to a DELETE that keeps its record readable (`revoke_api_key`,
    `deactivate_user`: the key or user is still read, revoked or inactive).
    """
    creates = {route: name for route in ROUTES if (name := _created_id(route))}
    read_paths = {route.path for route in ROUTES if route.method == "GET"}
    still_read = {
        route
        for route in ROUTES
        if route.method == "DELETE" and not route.name.startswith("delete_") and route.path in read_paths
    }
    makers = list(creates.values())
    for create, name in creates.items():
        field = name if name in _data_properties(document, create) else "id"
        if field not in _data_properties(document, create):
            raise ValueError(f"{create.name}: the response names no `{name}` and no `id` to link by")
        expression = f"$response.body#/data/{field}"
        unique = makers.count(name) == 1
        item = f"{create.path}/{{{name}}}"
        links: dict[str, Any] = {}
        for target in ROUTES:
            if target == create or target.name.startswith("restore_") or target in still_read:
                continue
            if name in PATH_PARAMETER.findall(target.path) and (unique or target.path.startswith(item)):
                links[target.name] = {"operationId": target.name, "parameters": {f"path.{name}": expression}}
            elif unique and name in _body_properties(document, target):
                links[target.name] = {"operationId": target.name, "requestBody": {name: expression}}
        if links:
            _operation(document, create)["responses"][str(create.status)]["links"] = links


def _accept_csv(operation: dict[str, Any]) -> None:
    """A route that also takes a `text/csv` body (Route.csv_body): document it next to the JSON one."""
    body = operation.setdefault("requestBody", {"content": {}})
    body["content"]["text/csv"] = {
        "schema": {"type": "string", "description": "The CSV file itself (UTF-8 or Windows-1252, up to 6 MB)."}
    }


def _query_model(function: Any) -> type[BaseModel] | None:
    """The model a handler takes its query string as (`query: Annotated[Model, Query()]`), if any."""
    for hint in typing.get_type_hints(function, include_extras=True).values():
        if typing.get_origin(hint) is typing.Annotated:
            model, *extras = typing.get_args(hint)
            if any(isinstance(extra, QueryParam) for extra in extras) and issubclass(model, BaseModel):
                found: type[BaseModel] = model
                return found
    return None


def _present(field: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is sent or not; it is never null: `anyOf [T, null]` becomes `T`."""
    options = [option for option in field.pop("anyOf", []) if option.get("type") != "null"]
    if field.get("default", "") is None:
        del field["default"]
    return {**options[0], **field} if len(options) == 1 else field | ({"anyOf": options} if options else {})


def _describe_query(operation: dict[str, Any], model: type[BaseModel] | None) -> None:
    """Powertools documents a query model's fields as bare types; give them the model's constraints."""
    if model is None:
        return
    # An enum of the model (a user's role) is one of the document's components.
    properties = model.model_json_schema(ref_template="#/components/schemas/{model}")["properties"]
    for parameter in operation.get("parameters", []):
        field = properties.get(parameter["name"]) if parameter["in"] == "query" else None
        if field is not None:
            description = field.pop("description", None)
            field.pop("title", None)
            parameter["schema"] = _present(field)
            if description:
                parameter["description"] = description


def _kind(schema: dict[str, Any]) -> str:
    """What a value of `schema` is, in a few words: `string, 1 to 200 characters`, `one of open, won`."""
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[-1]}`"
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if options:
        nullable = " (or null)" if len(options) < len(schema["anyOf"]) else ""
        return " or ".join(_kind(option) for option in options) + nullable
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    kind = str(schema.get("type", "any"))
    limits = []
    if kind == "array":
        kind = f"list of {_kind(schema.get('items', {}))}"
    if "format" in schema:
        kind += f" ({schema['format']})"
    for low, high, unit in (
        ("minLength", "maxLength", " characters"),
        ("minimum", "maximum", ""),
        ("minItems", "maxItems", " items"),
    ):
        if low in schema or high in schema:
            least, most = (f"{schema[side]:g}" if side in schema else None for side in (low, high))
            span = f"{least} to {most}" if least and most else f"at least {least}" if least else f"at most {most}"
            limits.append(span + unit)
    if "pattern" in schema:
        limits.append(f"matching `{schema['pattern']}`")
    return ", ".join([kind, *limits])


def _described(name: str, schema: dict[str, Any], required: bool, description: str | None) -> str:
    """One line of a parameter or body field: name, what it takes, whether required, its default."""
    facts = [_kind(schema)] + (["required"] if required else [])
    if schema.get("default") is not None:
        facts.append(f"default `{json.dumps(schema['default'], ensure_ascii=False)}`")
    return f"  - `{name}`: {'; '.join(facts)}" + (f". {description}" if description else "")


def _body_fields(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """The fields of a request body's model, one line each."""
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    model = document["components"]["schemas"].get(name, {})
    required = set(model.get("required", []))
    return [
        _described(field, spec, field in required, spec.get("description"))
        for field, spec in model.get("properties", {}).items()
    ]


def _answer(operation: dict[str, Any], document: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of a success answer's `data` (the envelope's), if it is JSON in the envelope."""
    for status, response in sorted(operation.get("responses", {}).items()):
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        envelope = document["components"]["schemas"].get(schema.get("$ref", "").rsplit("/", 1)[-1], {})
        if status.startswith("2") and "data" in envelope.get("properties", {}):
            data: dict[str, Any] = envelope["properties"]["data"]
            return data
    return None


def _refs(schema: Any) -> set[str]:
    """The names of the models a schema names anywhere in it."""
    if isinstance(schema, dict):
        own = {schema["$ref"].rsplit("/", 1)[-1]} if isinstance(schema.get("$ref"), str) else set()
        return own.union(*(_refs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(value) for value in schema))
    return set()


def _models(answers: list[dict[str, Any]], document: dict[str, Any]) -> list[str]:
    """A section per model the answers' data are, and per model those nest, with its fields."""
    schemas = document["components"]["schemas"]
    names: set[str] = set()
    waiting = _refs(answers)
    while waiting:
        name = waiting.pop()
        names.add(name)
        waiting |= {nested for nested in _refs(schemas.get(name, {})) if nested not in names}
    lines = ["## Models", "", "What the `data` of the answers above holds, and what it nests.", ""]
    for name in sorted(names):
        fields = [line.removeprefix("  ") for line in _body_fields({"$ref": f"#/components/schemas/{name}"}, document)]
        kind = _kind(schemas.get(name, {}))  # a model without fields: an enum (`Role`)
        lines += [f"### {name}", "", *(fields or [kind[:1].upper() + kind[1:] + "."]), ""]
    return lines


def render_markdown(document: dict[str, Any]) -> str:
    """A compact API reference: one section per operation, generated from the document, then the
    models its answers hold."""
    lines = [f"# {document['info']['title']}", "", document["info"].get("description", ""), ""]
    lines += ["Generated from `docs/openapi.json` by `make openapi`; do not edit by hand.", ""]
    answers: list[dict[str, Any]] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            lines += [f"## {method.upper()} {path}", "", operation.get("summary", ""), ""]
            if operation.get("description"):
                lines += [operation["description"].strip(), ""]
            lines += ["- Auth: " + ("API key or JWT" if operation.get("security") else "none")]
            for where in ("path", "query", "header"):
                params = [p for p in operation.get("parameters", []) if p["in"] == where]
                if params:
                    lines += [f"- {where.capitalize()} parameters:"]
                    lines += [_described(p["name"], p["schema"], p["required"], p.get("description")) for p in params]
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            if body and "$ref" in body:
                lines += [f"- Body ({_kind(body)}):", *_body_fields(body, document)]
            elif body:
                lines += [f"- Body: {_kind(body)}"]
            if "text/csv" in content:
                lines += ["- Body: a CSV file (`Content-Type: text/csv`)"]
            statuses = ", ".join(sorted(operation.get("responses", {})))
            lines += [f"- Responses: {statuses}"]
            answer = _answer(operation, document)
            if answer is not None:
                answers.append(answer)
                lines += [
                    f"- Answer `data`: {_kind(answer)} (Models, below)"
                    if "$ref" in answer.get("items", answer)
                    else f"- Answer `data`: {_kind(answer)}"
                ]
            for status, response in sorted(operation.get("responses", {}).items()):
                for header, spec in response.get("headers", {}).items():
                    if header not in SHARED_HEADERS:  # in the preamble
                        lines += [f"- Header of {status}: `{header}`: {spec.get('description', '')}"]
            links = [name for response in operation["responses"].values() for name in response.get("links", {})]
            if links:
                lines += ["- Links (what the created ID is used by): " + ", ".join(f"`{name}`" for name in links)]
            lines += [""]
    return "\n".join(lines + _models(answers, document))


def main(argv: list[str]) -> None:
    document = build()
    json_path, markdown_path = Path(argv[0]), Path(argv[1])
    json_path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    markdown_path.write_text(render_markdown(document))
    schemas = write_schemas()
    print(f"wrote {json_path}, {markdown_path} and {len(schemas)} event schemas in {SCHEMAS}")


if __name__ == "__main__":
    main(sys.argv[1:])
