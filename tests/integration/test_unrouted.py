"""A path of the API called with a method it does not take is 405 `METHOD_NOT_ALLOWED`, with
`Allow` naming the methods it takes, after the caller's key was checked (every path of the route
table); a path the API does not have is 404, naming the one likely meant (docs/architecture.md, API
conventions)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contact_platform.routes import ROUTES, methods_at, public_path
from tests.support.fixtures import Api, business_items

PATHS = sorted({route.path for route in ROUTES})
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", "xyz_unknown0000000000000", path)


@pytest.fixture(scope="module")
def caller(aws_module: None) -> tuple[Api, dict[str, Any]]:
    api = Api()
    return api, api.token("admin")


@pytest.mark.parametrize("path", PATHS)
def test_a_method_the_path_does_not_take_is_405_naming_those_it_does(
    caller: tuple[Api, dict[str, Any]], path: str
) -> None:
    api, admin = caller
    allowed = methods_at(path, dev_mode=True)
    method = next(method for method in METHODS if method not in allowed)
    before = business_items()
    reply = api.call(method, _concrete(path), key=admin["apiKey"], body='{"name": "x"}')
    assert reply.status == 405, (path, reply.body)
    assert reply.headers["Allow"] == ", ".join(allowed)
    assert reply.error == {
        "code": "METHOD_NOT_ALLOWED",
        "message": f"{method} is not a method of {path}; it takes {', '.join(allowed)}",
    }
    assert reply.headers["X-Request-Id"] == reply.body["meta"]["requestId"]
    assert ("X-RateLimit-Remaining" in reply.headers) is not public_path(path), "counted where a key is needed"
    assert business_items() == before


def test_the_key_is_checked_first_on_a_path_the_api_has(caller: tuple[Api, dict[str, Any]]) -> None:
    api, admin = caller
    assert api.call("PUT", "/api/v1/contacts/con_x", key=None).status == 401
    assert api.call("POST", "/heartbeat", key=None).status == 405, "a public path's 405 takes no key either"
    assert api.call("PUT", "/api/v1/contacts/con_x", key="cdp_test_" + "0" * 32).status == 401
    assert api.call("POST", "/api/v1/contacts/con_x", key=admin["apiKey"]).headers["Allow"] == "GET, PATCH, DELETE"


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("/api/v1/persons", "/api/v1/contacts"),  # the CRM seed's word
        ("/api/v1/person/per_456", "/api/v1/contacts/{contactId}"),
        ("/api/v1/orgs", "/api/v1/organizations"),
        ("/api/v1/organisations", "/api/v1/organizations"),
        ("/api/v1/deals/deal_1/product", "/api/v1/deals/{dealId}/products"),
        ("/api/v1/apikeys", "/api/v1/api-keys"),
        ("/api/v1/activity", "/api/v1/activities"),
        ("/api/v1/Deals", "/api/v1/deals"),
        ("/api/v1/stages", "/api/v1/pipelines/{pipelineId}/stages"),  # not `tags`: only under its parent
        ("/api/v1/deliveries", "/api/v1/webhooks/{webhookId}/deliveries"),
        ("/api/v1/entries", "/api/v1/campaigns/{campaignId}/entries"),
        ("/api/v2/contacts", None),
        ("/api/v1/segments/seg_1/export", "/api/v1/exports"),  # not nested under the segment
        ("/api/v1/contacts/con_1/notes", "/api/v1/notes"),
        ("/api/v1/contacts/con_1/nothing", None),
        ("/api/v1/contacts/nothing/notes", None),
        ("/", None),
    ],
)
def test_a_path_the_api_does_not_have_is_404_naming_the_one_likely_meant(
    caller: tuple[Api, dict[str, Any]], path: str, meant: str | None
) -> None:
    """No key needed (as API Gateway's own 404 did not), whatever the method."""
    api, admin = caller
    for method, key in (("GET", None), ("DELETE", admin["apiKey"])):
        reply = api.call(method, path, key=key)
        message = "Route not found" if meant is None else f"Route not found; did you mean {meant}?"
        assert (reply.status, reply.error) == (404, {"code": "RESOURCE_NOT_FOUND", "message": message}), reply.body
