"""docs/openapi.json: valid, fresh, complete, and documenting the platform's envelopes only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from contact_platform.route import Route
from contact_platform.routes import ROUTES
from local.openapi import build, render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _checked_in() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DOCS / "openapi.json").read_text())
    return document


def test_checked_in_document_is_fresh() -> None:
    assert _checked_in() == build(), "docs/openapi.json is stale: run `make openapi`"
    assert (DOCS / "api.md").read_text() == render_markdown(build()), "docs/api.md is stale: run `make openapi`"


def test_document_is_valid_openapi() -> None:
    validate(_checked_in())


def test_every_route_is_documented_once_with_its_security() -> None:
    document = _checked_in()
    operations = {(method.upper(), path): op for path, ops in document["paths"].items() for method, op in ops.items()}
    assert set(operations) == {(route.method, route.path) for route in ROUTES}
    for route in ROUTES:
        operation = operations[(route.method, route.path)]
        assert operation["operationId"] == route.name
        assert str(route.status) in operation["responses"]
        assert bool(operation.get("security")) is not route.public, route.name
        if not route.public:
            assert {"401", "403", "429"} <= set(operation["responses"]), route.name


def test_errors_are_documented_as_the_platform_envelope() -> None:
    for ops in _checked_in()["paths"].values():
        for operation in ops.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (operation["operationId"], status)


def _links(document: dict[str, Any], route: Route) -> dict[str, Any]:
    operation = document["paths"][route.path][route.method.lower()]
    links: dict[str, Any] = operation["responses"][str(route.status)].get("links", {})
    return links


def test_every_create_route_links_to_the_get_update_and_delete_of_what_it_created() -> None:
    document = _checked_in()
    checked = 0
    for create in ROUTES:
        items = {route.path for route in ROUTES if route.path.startswith(create.path + "/{")}
        item = min(items, key=len, default=None)
        if create.method != "POST" or item is None or item.count("/") != create.path.count("/") + 1:
            continue
        parameter = item.rsplit("/", 1)[1].strip("{}")
        links = _links(document, create)
        for route in ROUTES:
            if route.path == item and route.method == "DELETE" and not route.name.startswith("delete_"):
                # a revoke or a deactivation leaves the record readable: a client following a link to a
                # DELETE expects a 404 after (schemathesis' stateful check), so none leads there
                assert route.name not in links, (create.name, route.name)
            elif route.path == item:
                assert links[route.name]["operationId"] == route.name, (create.name, route.name)
                expression = links[route.name]["parameters"][f"path.{parameter}"]
                assert expression in ("$response.body#/data/id", f"$response.body#/data/{parameter}"), route.name
                checked += 1
    assert checked >= 10  # api keys, contacts, segments, tags, the jobs' get routes


def test_workflows_chain_through_links_segment_to_its_jobs_and_an_operation_to_its_retry() -> None:
    document = _checked_in()
    by_name = {route.name: route for route in ROUTES}
    segment = _links(document, by_name["create_segment"])
    for job in ("create_export", "create_tag_assignment"):
        assert segment[job]["requestBody"] == {"segmentId": "$response.body#/data/id"}
    assert _links(document, by_name["create_tag"])["create_tag_assignment"]["requestBody"] == {
        "tagId": "$response.body#/data/id"
    }
    contact = _links(document, by_name["create_contact"])
    assert {"tag_contact", "untag_contact"} <= set(contact)
    assert not any(name.startswith("restore_") for route in ROUTES for name in _links(document, route)), (
        "a restore undoes a delete: no link leads to one"
    )
    for job in ("export", "import", "tag_assignment"):
        links = _links(document, by_name[f"create_{job}"])
        assert set(links) >= {f"get_{job}", f"retry_{job}"}, job
        assert links[f"retry_{job}"]["parameters"] == {"path.operationId": "$response.body#/data/operationId"}
    # An operation ID of one job never names another job's operation.
    assert not {"get_import", "retry_import"} & set(_links(document, by_name["create_export"]))


def test_every_link_names_an_operation_its_parameters_and_a_field_of_the_response() -> None:
    document = _checked_in()
    schemas = document["components"]["schemas"]
    operations = {op["operationId"]: (path, op) for path, ops in document["paths"].items() for op in ops.values()}
    found = 0
    for route in ROUTES:
        links = _links(document, route)
        if not links:
            continue
        envelope = schemas[_ref(_operation_response(document, route))]
        data = schemas[_ref(envelope["properties"]["data"])]["properties"]
        for link in links.values():
            path, target = operations[link["operationId"]]
            for parameter, expression in link.get("parameters", {}).items():
                assert parameter.removeprefix("path.") in path, (route.name, link)
                assert expression.removeprefix("$response.body#/data/") in data, (route.name, link)
            for field, expression in link.get("requestBody", {}).items():
                body = target["requestBody"]["content"]["application/json"]["schema"]
                assert field in schemas[_ref(body)]["properties"], (route.name, link)
                assert expression.removeprefix("$response.body#/data/") in data, (route.name, link)
            found += 1
    assert found >= 20


def _operation_response(document: dict[str, Any], route: Route) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][route.path][route.method.lower()]["responses"][str(route.status)]
    return schema["content"]["application/json"]["schema"]


def _ref(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[1]


def test_the_reference_names_each_parameter_and_body_field_with_what_it_takes() -> None:
    """docs/api.md: a body's fields and a route's parameters, each with its type, limits, whether it
    is required, its default and its description; the headers a success answers with, and what its
    `data` is, its model's fields under Models."""
    reference = render_markdown(_checked_in())

    def section(heading: str) -> str:
        """The lines under a heading (`## POST /api/v1/deals`, `### Contact`) up to the next one."""
        return reference.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]

    create = section("## POST /api/v1/deals")
    assert "- Body (`DealCreate`):" in create
    assert "  - `title`: string, 1 to 200 characters; required" in create
    assert "  - `value`: number, 0 to 1e+15; default `0.0`. What the deal is worth, at least 0." in create
    assert '  - `status`: one of `open`, `won`, `lost`; default `"open"`' in create
    assert "- Header of 201: `Location`:" in create
    listing = section("## GET /api/v1/contacts")
    assert "  - `limit`: integer, 1 to 200; default `50`" in listing
    assert "  - `cursor`: string. `meta.pagination.nextCursor` of the previous page." in listing
    assert "- Answer `data`: list of `Contact` (Models, below)" in listing
    get = section("## GET /api/v1/contacts/{contactId}")
    assert "  - `contactId`: string; required" in get and "  - `if-none-match`: string (or null)." in get
    assert "- Answer `data`: `Contact` (Models, below)" in get
    assert "- `firstName`: string (or null); required" in section("### Contact")
    version = "- `version`: integer; required. Send it back in `If-Match` to update only this version."
    assert version in section("### Contact") and version in section("### Deal")
    assert "- `artistEmail`: boolean; default `false`" in section("### OptIns"), "a model an answer nests"
    assert section("### Role").strip() == "One of `admin`, `manager`, `user`, `partner`, `migration-officer`."
