"""Error paths of segments, untagging and contact search, route by route: each answers the documented
status and envelope and writes nothing (docs/architecture.md, API conventions). One tenant for the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fixtures import Api, account, business_items

Tenant = dict[str, Any]


@pytest.fixture(scope="module")
def tenant() -> Iterator[Tenant]:
    with account():
        api = Api()
        key = api.token("admin")["apiKey"]
        contact = api.create_contact(key, name="Anna Search", tags=["kept"])
        tag = next(t for t in api.get("/api/v1/tags", key=key).data if t["name"] == "kept")  # made on first use
        segment = api.post("/api/v1/segments", key=key, json={"name": "Annas", "filter": {"search": "anna"}}).data
        yield {"api": api, "key": key, "contact": contact, "tag": tag, "segment": segment}


def _unchanged(tenant: Tenant, reply: Any, status: int, message: str | None = None) -> None:
    assert reply.status == status, reply.body
    if message is not None:
        assert reply.error["message"] == message


@pytest.mark.parametrize("sort", ["lastName", "-lastName", "-createdAt", "updatedAt"])
def test_sort_with_search_is_a_validation_error_naming_sort(tenant: Tenant, sort: str) -> None:
    reply = tenant["api"].get("/api/v1/contacts", key=tenant["key"], params={"search": "anna", "sort": sort})
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    assert [d["field"] for d in reply.error["details"]] == ["sort"]
    found = tenant["api"].get("/api/v1/contacts", key=tenant["key"], params={"search": "anna", "sort": "createdAt"})
    assert [c["id"] for c in found.data] == [tenant["contact"]["id"]], "the default order is allowed with search"


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/contacts"), ("GET", "/count")]
)
def test_an_unknown_segment_is_404_on_every_segment_route(tenant: Tenant, method: str, suffix: str) -> None:
    before = business_items()
    body = {"name": "Renamed"} if method == "PATCH" else None
    reply = tenant["api"].call(method, f"/api/v1/segments/seg_unknown{suffix}", key=tenant["key"], json=body)
    assert reply.status == 404 and reply.error == {"code": "RESOURCE_NOT_FOUND", "message": "Segment not found"}
    assert business_items() == before


@pytest.mark.parametrize(
    "body",
    [
        {"filter": {"tag": ["a"]}, "contactIds": ["con_a"]},
        {"filter": {"colour": "red"}},
        {"contactIds": ["not-a-contact"]},
        {"name": ""},
        {"filter": {"search": "a"}},
        {"version": 7},
    ],
)
def test_a_bad_segment_update_is_422_and_changes_nothing(tenant: Tenant, body: dict[str, Any]) -> None:
    path = f"/api/v1/segments/{tenant['segment']['id']}"
    before = business_items()
    reply = tenant["api"].patch(path, key=tenant["key"], json=body)
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR" and reply.error["details"], reply.body
    assert business_items() == before
    assert tenant["api"].get(path, key=tenant["key"]).data == tenant["segment"]


def test_a_segment_update_changes_what_it_counts(tenant: Tenant) -> None:
    api, key = tenant["api"], tenant["key"]
    segment = api.post("/api/v1/segments", key=key, json={"name": "Moving", "filter": {"tag": ["kept"]}}).data
    count = f"/api/v1/segments/{segment['id']}/count"
    assert api.get(count, key=key).data["count"] == 1
    changed = api.patch(f"/api/v1/segments/{segment['id']}", key=key, json={"filter": {"tag": ["nobody"]}})
    assert changed.status == 200 and changed.data["version"] == segment["version"] + 1
    assert api.get(count, key=key).data["count"] == 0
    assert api.get(f"/api/v1/segments/{segment['id']}/contacts", key=key).data == []
    as_list = api.patch(f"/api/v1/segments/{segment['id']}", key=key, json={"contactIds": [tenant["contact"]["id"]]})
    assert as_list.data["type"] == "list" and api.get(count, key=key).data["count"] == 1


def test_untag_with_an_unknown_tag_or_contact_is_404_and_writes_nothing(tenant: Tenant) -> None:
    api, key = tenant["api"], tenant["key"]
    before = business_items()
    contact, tag = tenant["contact"]["id"], tenant["tag"]["id"]
    for path, message in (
        (f"/api/v1/contacts/{contact}/tags/tag_unknown", "Tag not found"),
        (f"/api/v1/contacts/con_unknown/tags/{tag}", "Contact not found"),
    ):
        reply = api.delete(path, key=key)
        assert reply.status == 404 and reply.error["message"] == message, reply.body
    assert business_items() == before
    assert api.get(f"/api/v1/contacts/{contact}", key=key).data["tags"] == ["kept"]


def test_untagging_a_tag_the_contact_does_not_carry_changes_nothing(tenant: Tenant) -> None:
    api, key = tenant["api"], tenant["key"]
    other = api.post("/api/v1/tags", key=key, json={"name": "elsewhere"}).data
    before = business_items()
    reply = api.delete(f"/api/v1/contacts/{tenant['contact']['id']}/tags/{other['id']}", key=key)
    assert reply.status == 200 and reply.data["tags"] == ["kept"], reply.body
    assert reply.data["version"] == tenant["contact"]["version"]
    assert business_items() == before
