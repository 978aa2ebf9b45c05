"""`search` on the lists of named things a picker completes as the name is typed (tags, segments):
the beginning of the name, case- and accent-insensitive, A to Z, paged, within the tenant, one Query
(docs/data-model.md: the tag list's GSI1, the segments' GSI3)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests

BODIES = {"tags": {}, "segments": {"filter": {"search": "anna"}}}


def _make(api: Api, key: str, resource: str, name: str) -> dict[str, Any]:
    reply = api.post(f"/api/v1/{resource}", key=key, json={"name": name, **BODIES[resource]})
    assert reply.status == 201, reply.body
    made: dict[str, Any] = reply.data
    return made


def _names(api: Api, key: str, resource: str, **params: Any) -> list[str]:
    reply = api.get(f"/api/v1/{resource}", key=key, params=params)
    assert reply.status == 200, reply.body
    return [shown["name"] for shown in reply.data]


@pytest.mark.parametrize("resource", sorted(BODIES))
def test_searched_by_the_beginning_of_the_name(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], resource: str
) -> None:
    key = admin["apiKey"]
    for name in ("VIP", "Vienna Fair", "Großkunde", "Viehhandel", "Lead"):
        _make(api, key, resource, name)
    _make(api, other_admin["apiKey"], resource, "Vietnam")  # another tenant's
    with dynamodb_requests() as sent:
        assert _names(api, key, resource, search="vi") == ["Viehhandel", "Vienna Fair", "VIP"]
    assert sent.get("Query") == 1 and "Scan" not in sent, sent
    assert _names(api, key, resource, search="GROß") == ["Großkunde"]
    assert _names(api, key, resource, search="vienna f") == ["Vienna Fair"]
    first = api.get(f"/api/v1/{resource}", key=key, params={"search": "vi", "limit": 2})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    rest = api.get(f"/api/v1/{resource}", key=key, params={"search": "vi", "cursor": cursor})
    assert [shown["name"] for shown in first.data + rest.data] == ["Viehhandel", "Vienna Fair", "VIP"]
    assert api.get(f"/api/v1/{resource}", key=key, params={"cursor": cursor}).status == 400  # bound to its search
    assert _names(api, key, resource, search="xy") == []
    short = api.get(f"/api/v1/{resource}", key=key, params={"search": "v"})
    assert (short.status, short.error["details"]) == (422, [{"field": "search", "issue": "at least 2 characters"}])


def test_a_renamed_segment_is_found_by_its_new_name_only(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    segment = _make(api, key, "segments", "Newsletter")
    renamed = api.patch(f"/api/v1/segments/{segment['id']}", key=key, json={"name": "Kundenkarte"})
    assert renamed.status == 200, renamed.body
    assert _names(api, key, "segments", search="news") == []
    assert _names(api, key, "segments", search="kunden") == ["Kundenkarte"]
    assert api.delete(f"/api/v1/segments/{segment['id']}", key=key).status == 200
    assert _names(api, key, "segments", search="kunden") == []


@pytest.mark.parametrize("resource", sorted(BODIES))
def test_ids_list_those_things_in_their_order(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], resource: str
) -> None:
    """As on the record lists (test_list_by_ids.py): in the order given, each once, paged with a cursor
    bound to the IDs, one BatchGetItem a page; unknown, deleted and another tenant's IDs left out (a
    tag being deleted: test_job_error_paths.py)."""
    key = admin["apiKey"]
    a, b, c, gone = (_make(api, key, resource, name)["id"] for name in ("Alpha", "Beta", "Gamma", "Delta"))
    theirs = _make(api, other_admin["apiKey"], resource, "Theirs")["id"]
    prefix = a.split("_")[0]
    if resource == "segments":
        assert api.delete(f"/api/v1/{resource}/{gone}", key=key).status == 200
    else:  # deleting a tag takes a job (not run here): the ID of a tag that never was
        gone = f"{prefix}_never000000000000000"
    asked = ",".join([c, a, f"{prefix}_unknown0000000000000", theirs, gone, c, b])
    pages, cursor = [], None
    with dynamodb_requests() as sent:
        while True:
            params = {"ids": asked, "limit": 2, **({"cursor": cursor} if cursor else {})}
            reply = api.get(f"/api/v1/{resource}", key=key, params=params)
            assert reply.status == 200, reply.body
            pages.append([shown["id"] for shown in reply.data])
            cursor = reply.body["meta"]["pagination"]["nextCursor"]
            if not cursor:
                break
    assert [found for page in pages for found in page] == [c, a, b]
    assert sent.get("BatchGetItem") == 3 and "Query" not in sent, sent  # 6 distinct IDs, 2 a page
    first = api.get(f"/api/v1/{resource}", key=key, params={"ids": f"{a},{b}", "limit": 1})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    assert api.get(f"/api/v1/{resource}", key=key, params={"ids": f"{a},{c}", "cursor": cursor}).status == 400
    assert api.get(f"/api/v1/{resource}", key=other_admin["apiKey"], params={"ids": f"{a},{b}"}).data == []
    for params, detail in (
        ({"ids": "acme"}, {"field": "ids", "issue": f"not an ID of the form {prefix}_...: acme"}),
        ({"ids": a, "search": "al"}, {"field": "search", "issue": "not with ids"}),
    ):
        reply = api.get(f"/api/v1/{resource}", key=key, params=params)
        assert reply.status == 422 and detail in reply.error["details"], reply.body
