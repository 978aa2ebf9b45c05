"""`ids` on the contact list and on every entity's list: the records of up to 100 IDs the caller may
see, in the order given, each once, narrowed by the other filters, paged by `limit` with a cursor
bound to them, one BatchGetItem a page; an ID of no such record (unknown, deleted, another tenant's)
is left out without a word; malformed, too many, or with `search` or `sort`, a 422 naming it."""

from __future__ import annotations

from typing import Any

import pytest

from contact_platform.entities.entity import Entity
from tests.support.entities import DELETED, ENTITIES, collection, make
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests

LISTS = ["contact", *(entity.name for entity in ENTITIES)]
BY_NAME = {entity.name: entity for entity in ENTITIES}


def _three(api: Api, key: str, name: str) -> tuple[str, list[dict[str, Any]]]:
    """Where the list is, and three records in it (a nested entity's under one parent)."""
    if name == "contact":
        return "/api/v1/contacts", [api.create_contact(key, name=f"Listed {n}") for n in range(3)]
    entity: Entity = BY_NAME[name]
    at = collection(api, key, entity)
    return at, [make(api, key, name, at=at) for _ in range(3)]


def _pages(api: Api, key: str, at: str, params: dict[str, Any]) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        reply = api.get(at, key=key, params={**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        pages.append([record["id"] for record in reply.data])
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if not cursor:
            return pages


@pytest.mark.parametrize("name", LISTS)
def test_the_records_of_the_ids_in_their_order_paged(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], name: str
) -> None:
    key = admin["apiKey"]
    at, (a, b, c) = _three(api, key, name)
    theirs = _three(api, other_admin["apiKey"], name)[1][0]["id"]
    prefix = a["id"].split("_")[0]
    unknown = f"{prefix}_unknown0000000000000"
    asked = ",".join([c["id"], a["id"], unknown, theirs, c["id"], b["id"]])
    if name == "contact" or name in DELETED:  # a deleted record is left out too
        gone = _three(api, key, name)[1][0] if name == "contact" else make(api, key, name, at=at)
        path = "/api/v1/contacts" if name == "contact" else BY_NAME[name].path
        assert api.delete(f"{path}/{gone['id']}", key=key).status == 200
        asked += f",{gone['id']}"
    with dynamodb_requests() as sent:
        pages = _pages(api, key, at, {"ids": asked, "limit": 2})
    assert pages == [[c["id"], a["id"]], [b["id"]]]
    # One BatchGetItem per `limit` IDs read (the second page reads on past those it may not see)
    read = len(set(asked.split(",")))
    assert sent.get("BatchGetItem") == (read + 1) // 2 and "Query" not in sent and "Scan" not in sent, sent
    mine = ",".join(record["id"] for record in (a, b, c))
    theirs_asking = api.get(at, key=other_admin["apiKey"], params={"ids": mine})
    if name != "contact" and BY_NAME[name].parent is not None:
        assert theirs_asking.status == 404, "another tenant's parent"
    else:
        assert (theirs_asking.status, theirs_asking.data) == (200, []), "another tenant sees none"


@pytest.mark.parametrize("name", ["contact", "organization", "deal"])
def test_the_other_filters_narrow_and_a_cursor_keeps_to_its_ids(api: Api, admin: dict[str, Any], name: str) -> None:
    key = admin["apiKey"]
    at, (a, b, c) = _three(api, key, name)
    mine = api.token("user", admin["tenantId"])
    narrowed = _pages(api, key, at, {"ids": f"{a['id']},{b['id']}", "ownerId": mine["userId"]})
    assert narrowed == [[]]
    first = api.get(at, key=key, params={"ids": f"{a['id']},{b['id']},{c['id']}", "limit": 1})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    assert api.get(at, key=key, params={"ids": f"{a['id']},{c['id']}", "limit": 1, "cursor": cursor}).status == 400


@pytest.mark.parametrize("name", ["contact", "organization"])
def test_bad_ids_are_422_naming_them(api: Api, admin: dict[str, Any], name: str) -> None:
    key = admin["apiKey"]
    at, (a, _, _) = _three(api, key, name)
    prefix = a["id"].split("_")[0]
    cases = [
        ({"ids": "acme"}, {"field": "ids", "issue": f"not an ID of the form {prefix}_...: acme"}),
        ({"ids": " , "}, {"field": "ids", "issue": "1 to 100 IDs, comma-separated"}),
        (
            {"ids": ",".join(f"{prefix}_x{n}" for n in range(101))},
            {"field": "ids", "issue": "1 to 100 IDs, comma-separated"},
        ),
        ({"ids": a["id"], "search": "li"}, {"field": "search", "issue": "not with ids"}),
        ({"ids": a["id"], "sort": "-updatedAt"}, {"field": "sort", "issue": "not with ids"}),
    ]
    for params, detail in cases:
        reply = api.get(at, key=key, params=params)
        assert reply.status == 422 and detail in reply.error["details"], (params, reply.body)
