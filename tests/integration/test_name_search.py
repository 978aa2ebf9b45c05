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
