"""GET /api/v1/contacts: cursor pagination, sorting, filters and prefix search."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests


def _ids(reply: Any) -> list[str]:
    return [contact["id"] for contact in reply.data]


def _all_pages(api: Api, key: str, params: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        reply = api.get("/api/v1/contacts", key=key, params={**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        assert len(reply.data) <= params.get("limit", 50)
        seen += _ids(reply)
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.fixture
def people(api: Api, admin: dict[str, Any]) -> list[dict[str, Any]]:
    key = admin["apiKey"]
    names = [("Anna", "Zeller"), ("Bernd", "Adler"), ("Jörg", "Müller"), ("Clara", "Mueller"), ("Dana", "Berg")]
    return [
        api.create_contact(
            key,
            firstName=first,
            lastName=last,
            emails=[f"{first.lower()}@example.com"],
            tags=["even" if i % 2 else "odd"],
        )
        for i, (first, last) in enumerate(names)
    ]


def test_pages_cover_every_contact_once_in_creation_order(api: Api, admin: dict[str, Any], people: list[Any]) -> None:
    assert _all_pages(api, admin["apiKey"], {"limit": 2}) == [p["id"] for p in people]
    assert _all_pages(api, admin["apiKey"], {"limit": 2, "sort": "-createdAt"}) == [p["id"] for p in reversed(people)]
    first = api.get("/api/v1/contacts", key=admin["apiKey"], params={"limit": 2})
    assert first.body["meta"]["pagination"]["limit"] == 2


def test_sort_by_last_name_is_accent_and_case_insensitive(api: Api, admin: dict[str, Any], people: list[Any]) -> None:
    names = [c["lastName"] for c in api.get("/api/v1/contacts", key=admin["apiKey"], params={"sort": "lastName"}).data]
    assert names == ["Adler", "Berg", "Mueller", "Müller", "Zeller"]
    descending = api.get("/api/v1/contacts", key=admin["apiKey"], params={"sort": "-lastName"}).data
    assert [c["lastName"] for c in descending] == list(reversed(names))


def test_sort_by_updated_at_and_updated_since(api: Api, admin: dict[str, Any], people: list[Any]) -> None:
    key = admin["apiKey"]
    touched = api.patch(f"/api/v1/contacts/{people[0]['id']}", key=key, json={"name": "Anna Z."}).data
    assert _ids(api.get("/api/v1/contacts", key=key, params={"sort": "-updatedAt", "limit": 1})) == [touched["id"]]
    since = api.get("/api/v1/contacts", key=key, params={"updatedSince": touched["updatedAt"], "sort": "updatedAt"})
    assert _ids(since) == [touched["id"]]
    since_default_sort = api.get("/api/v1/contacts", key=key, params={"updatedSince": touched["updatedAt"]})
    assert _ids(since_default_sort) == [touched["id"]]


def test_unknown_sort_field_is_422_listing_the_allowed(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"sort": "email"})
    assert reply.status == 422
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert "createdAt, updatedAt, lastName" in reply.error["message"]
    assert reply.error["details"] == [{"field": "sort", "issue": "one of createdAt, updatedAt, lastName"}]
    snake = api.get("/api/v1/contacts", key=admin["apiKey"], params={"sort": "-updated_at"})
    assert snake.error["message"] == (
        "Cannot sort by updated_at (did you mean updatedAt?); allowed: createdAt, updatedAt, lastName"
    )


@pytest.mark.parametrize(
    ("term", "expected_first_names"),
    [
        ("mu", ["Clara", "Jörg"]),
        ("MÜL", ["Jörg"]),
        ("joerg", ["Jörg"]),  # an umlaut spelled out, as keyboards without one write it
        ("mue", ["Clara", "Jörg"]),
        ("mul", ["Jörg"]),
        ("jorg mu", ["Jörg"]),
        ("clara@", ["Clara"]),
        ("dana@example.com", ["Dana"]),
        ("zz", []),
    ],
)
def test_search_by_prefix_of_name_or_email(
    api: Api, admin: dict[str, Any], people: list[Any], term: str, expected_first_names: list[str]
) -> None:
    found = api.get("/api/v1/contacts", key=admin["apiKey"], params={"search": term}).data
    assert sorted(c["firstName"] for c in found) == expected_first_names


def test_search_by_phone_in_any_format(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Phone Person", phones=["+49 170 1234567"])
    for term in ("0170 123", "+49170", "0049 170 12", "49 170"):
        assert _ids(api.get("/api/v1/contacts", key=key, params={"search": term})) == [contact["id"]], term


def test_search_lists_a_contact_once_even_when_several_fields_match(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, firstName="Maria", lastName="Mayer", emails=["maria@example.com", "ma@x.de"])
    others = [api.create_contact(key, name=f"Mats {i}") for i in range(3)]
    for limit in (1, 2, 10):
        seen = _all_pages(api, key, {"search": "ma", "limit": limit})
        assert sorted(seen) == sorted([contact["id"]] + [o["id"] for o in others]), limit


def test_search_needs_two_characters(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"search": "m"})
    assert reply.status == 422
    assert reply.error["details"] == [{"field": "search", "issue": "String should have at least 2 characters"}]
    folded = api.get("/api/v1/contacts", key=admin["apiKey"], params={"search": " M "})  # "m" once folded
    assert (folded.status, folded.error["details"]) == (422, [{"field": "search", "issue": "at least 2 characters"}])


def test_search_is_not_sorted(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"search": "ma", "sort": "-createdAt"})
    assert (reply.status, reply.error["details"]) == (422, [{"field": "sort", "issue": "not with search"}])


def test_filters_by_tag_owner_and_organization(api: Api, admin: dict[str, Any], people: list[Any]) -> None:
    key = admin["apiKey"]
    assert _all_pages(api, key, {"tag": "ODD", "limit": 1}) == [people[0]["id"], people[2]["id"], people[4]["id"]]
    colleague = api.token("user", admin["tenantId"])
    acme = make(api, key, "organization")["id"]
    owned = api.create_contact(key, name="Owned", ownerId=colleague["userId"], organizationId=acme, tags=["odd"])
    assert _ids(api.get("/api/v1/contacts", key=key, params={"ownerId": colleague["userId"]})) == [owned["id"]]
    assert _ids(api.get("/api/v1/contacts", key=key, params={"organizationId": acme})) == [owned["id"]]
    combined = {"tag": "odd", "organizationId": acme, "ownerId": colleague["userId"]}
    assert _ids(api.get("/api/v1/contacts", key=key, params=combined)) == [owned["id"]]
    assert api.get("/api/v1/contacts", key=key, params={"tag": "odd", "sort": "lastName"}).status == 422


def test_any_of_rare_tags_reads_only_their_assignments_in_full_pages(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tagged = {3: ["rare"], 20: ["seldom"], 41: ["rare", "seldom"], 59: ["seldom"], 77: ["rare"]}
    made = [api.create_contact(key, name=f"Person {n}", tags=tagged.get(n, ["common"])) for n in range(80)]
    wanted = [made[n]["id"] for n in sorted(tagged)]
    for tags in ("rare,seldom", "seldom,rare,nobody"):
        with dynamodb_requests() as sent:
            first = api.get("/api/v1/contacts", key=key, params={"tag": tags, "limit": 2})
        assert _ids(first) == wanted[:2], "a full page, not what 200 contacts of the list index held"
        assert sent["Query"] == len(tags.split(",")) and sent["BatchGetItem"] == 1, sent
        assert _all_pages(api, key, {"tag": tags, "limit": 2}) == wanted, "each contact once"
        assert _all_pages(api, key, {"tag": tags, "limit": 2, "sort": "-createdAt"}) == wanted[::-1]
    sorted_by_name = api.get("/api/v1/contacts", key=key, params={"tag": "rare,seldom", "sort": "lastName"})
    assert sorted_by_name.status == 200 and len(sorted_by_name.data) == len(wanted), "other sorts read the list index"


def test_filtered_pages_stay_complete(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    a, b = (make(api, key, "organization", name=name)["id"] for name in ("A", "B"))
    wanted = [api.create_contact(key, name=f"P{i}", organizationId=a if i % 3 == 0 else b) for i in range(9)]
    expected = [c["id"] for c in wanted if c["organizationId"] == a]
    assert _all_pages(api, key, {"organizationId": a, "sort": "updatedAt", "limit": 2}) == expected


def test_limit_bounds_are_validated(api: Api, admin: dict[str, Any]) -> None:
    for limit in ("0", "201", "ten"):
        reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"limit": limit})
        assert reply.status == 422, limit
        assert reply.error["details"][0]["field"] == "limit"


def test_tampered_or_foreign_cursors_are_400(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    for i in range(3):
        api.create_contact(key, name=f"C{i}")
    cursor = api.get("/api/v1/contacts", key=key, params={"limit": 1}).body["meta"]["pagination"]["nextCursor"]
    assert cursor
    body, _, signature = cursor.partition(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    for bad in (forged, "garbage", cursor + "x", "é" * 10):
        reply = api.get("/api/v1/contacts", key=key, params={"limit": 1, "cursor": bad})
        assert reply.status == 400, bad
        assert reply.error["code"] == "INVALID_REQUEST"
    other_query = api.get("/api/v1/contacts", key=key, params={"limit": 1, "cursor": cursor, "sort": "-createdAt"})
    assert other_query.status == 400
    foreign = api.get("/api/v1/contacts", key=other_admin["apiKey"], params={"limit": 1, "cursor": cursor})
    assert foreign.status == 400


def test_lists_never_show_another_tenant(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    my_org, their_org = (make(api, who["apiKey"], "organization")["id"] for who in (admin, other_admin))
    mine = api.create_contact(
        admin["apiKey"], name="Shared Name", emails=["a@example.com"], tags=["t"], organizationId=my_org
    )
    theirs = api.create_contact(other_admin["apiKey"], name="Shared Name", tags=["t"], organizationId=their_org)
    for params in ({}, {"search": "shared"}, {"tag": "t"}, {"organizationId": "both"}, {"sort": "lastName"}):
        for who, contact, org in ((admin, mine, my_org), (other_admin, theirs, their_org)):
            query = {**params, "organizationId": org} if "organizationId" in params else params
            assert _ids(api.get("/api/v1/contacts", key=who["apiKey"], params=query)) == [contact["id"]], query
        if "organizationId" in params:  # and the other tenant's organization finds nobody
            assert api.get("/api/v1/contacts", key=admin["apiKey"], params={"organizationId": their_org}).data == []
