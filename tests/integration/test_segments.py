"""Segments: saved filters and ID lists, preview pages, counts, the shared filter grammar, validation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api, business_items


def _ids(reply: Any) -> list[str]:
    return [contact["id"] for contact in reply.data]


def _segment(api: Api, key: str, **body: Any) -> dict[str, Any]:
    reply = api.post("/api/v1/segments", key=key, json={"name": "Audience", **body})
    assert reply.status == 201, reply.body
    segment: dict[str, Any] = reply.data
    return segment


def test_a_filter_segment_previews_and_counts_the_matching_active_contacts(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    acme = make(api, key, "organization")["id"]
    vip = api.create_contact(key, name="Vip One", tags=["VIP", "Berlin"], organizationId=acme)
    api.create_contact(key, name="Vip Two", tags=["vip"])
    api.create_contact(key, name="Other", tags=["berlin"], organizationId=acme)
    gone = api.create_contact(key, name="Vip Gone", tags=["vip", "berlin"])
    api.delete(f"/api/v1/contacts/{gone['id']}", key=key)

    both = _segment(api, key, filter={"tagsAll": ["vip", "berlin"]})
    assert both["type"] == "filter" and both["filter"] == {"tagsAll": ["vip", "berlin"]}
    assert _ids(api.get(f"/api/v1/segments/{both['id']}/contacts", key=key)) == [vip["id"]]
    assert api.get(f"/api/v1/segments/{both['id']}/count", key=key).data == {"segmentId": both["id"], "count": 1}

    any_of = _segment(api, key, filter={"tag": "vip,berlin"})  # comma-separated, as in the list query
    assert api.get(f"/api/v1/segments/{any_of['id']}/count", key=key).data["count"] == 3
    org_vips = _segment(api, key, filter={"tag": ["vip"], "organizationId": acme})
    assert _ids(api.get(f"/api/v1/segments/{org_vips['id']}/contacts", key=key)) == [vip["id"]]


def test_the_list_query_takes_the_same_grammar(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    first = api.create_contact(key, name="First", tags=["a", "b"])
    second = api.create_contact(key, name="Second", tags=["a"])
    api.create_contact(key, name="Third", tags=["c"])
    assert _ids(api.get("/api/v1/contacts", key=key, params={"tagsAll": "a,b"})) == [first["id"]]
    assert _ids(api.get("/api/v1/contacts", key=key, params={"tag": "b,a"})) == [first["id"], second["id"]]
    since = second["createdAt"]
    after = _ids(api.get("/api/v1/contacts", key=key, params={"createdAfter": since}))
    before = _ids(api.get("/api/v1/contacts", key=key, params={"createdBefore": since}))
    assert second["id"] in after and first["id"] not in after
    assert before == [first["id"]]


def test_an_id_list_segment_pages_through_active_visible_contacts_in_list_order(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    people = [api.create_contact(key, name=f"Person {n}") for n in range(5)]
    api.delete(f"/api/v1/contacts/{people[1]['id']}", key=key)
    listed = [people[4]["id"], people[1]["id"], people[0]["id"], "con_doesnotexist", people[2]["id"]]
    segment = _segment(api, key, contactIds=listed)
    assert segment["type"] == "list" and segment["contactIds"] == listed
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        reply = api.get(f"/api/v1/segments/{segment['id']}/contacts", key=key, params=params)
        seen += _ids(reply)
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert seen == [people[4]["id"], people[0]["id"], people[2]["id"]]
    assert api.get(f"/api/v1/segments/{segment['id']}/count", key=key).data["count"] == 3


def test_a_user_sees_only_own_contacts_of_a_segment(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    user = api.token("user", tenant_id=admin["tenantId"])
    api.create_contact(key, name="Admin's", tags=["x"])
    mine = api.create_contact(user["apiKey"], name="User's", tags=["x"])
    segment = _segment(api, key, filter={"tag": ["x"]})
    assert api.get(f"/api/v1/segments/{segment['id']}/count", key=key).data["count"] == 2
    assert _ids(api.get(f"/api/v1/segments/{segment['id']}/contacts", key=user["apiKey"])) == [mine["id"]]


def test_only_its_creator_admins_and_managers_see_a_lists_ids_and_change_it(api: Api, admin: dict[str, Any]) -> None:
    """Another user reads the segment and its contacts as far as it may see them, but not the IDs of
    contacts it may not see, and cannot rename or delete what someone else saved."""
    hidden = api.create_contact(admin["apiKey"], name="Board Member")
    segment = _segment(api, admin["apiKey"], name="Board", contactIds=[hidden["id"]])
    path = f"/api/v1/segments/{segment['id']}"
    user = api.token("user", tenant_id=admin["tenantId"])
    manager = api.token("manager", tenant_id=admin["tenantId"])
    read, listed = api.get(path, key=user["apiKey"]), api.get("/api/v1/segments", key=user["apiKey"])
    assert read.status == 200 and read.data["type"] == "list" and read.data["contactIds"] is None
    assert [s["contactIds"] for s in listed.data] == [None]
    assert api.get(f"{path}/count", key=user["apiKey"]).data["count"] == 0
    before = business_items()
    for method, body in (("PATCH", {"name": "Mine now"}), ("DELETE", None)):
        refused = api.call(method, path, key=user["apiKey"], json=body)
        assert refused.status == 403, (method, refused.body)
        assert refused.error["message"] == "Only its creator, an admin or a manager may change this segment"
    assert business_items() == before
    assert api.get(path, key=manager["apiKey"]).data["contactIds"] == [hidden["id"]]
    assert api.patch(path, key=manager["apiKey"], json={"name": "Board 2"}).status == 200
    own = _segment(api, user["apiKey"], name="Mine", contactIds=[hidden["id"]])
    assert api.get(f"/api/v1/segments/{own['id']}", key=user["apiKey"]).data["contactIds"] == [hidden["id"]]
    assert api.patch(f"/api/v1/segments/{own['id']}", key=user["apiKey"], json={"name": "Mine 2"}).status == 200
    assert api.delete(f"/api/v1/segments/{own['id']}", key=user["apiKey"]).status == 200
    assert api.delete(path, key=admin["apiKey"]).status == 200


def test_update_list_and_delete(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    segment = _segment(api, key, filter={"search": "anna"})
    changed = api.patch(
        f"/api/v1/segments/{segment['id']}", key=key, json={"name": "Renamed", "contactIds": ["con_x1"]}
    )
    assert changed.status == 200, changed.body
    assert changed.data["name"] == "Renamed" and changed.data["type"] == "list" and changed.data["version"] == 2
    second = _segment(api, key, filter={"ownerId": admin["userId"]})
    page = api.get("/api/v1/segments", key=key, params={"limit": 1})
    assert _ids(page) == [second["id"]] and page.body["meta"]["pagination"]["nextCursor"]
    rest = api.get("/api/v1/segments", key=key, params={"cursor": page.body["meta"]["pagination"]["nextCursor"]})
    assert _ids(rest) == [segment["id"]]
    deleted = api.delete(f"/api/v1/segments/{segment['id']}", key=key)
    assert deleted.data == {"message": "Segment deleted successfully", "segmentId": segment["id"]}
    assert api.get(f"/api/v1/segments/{segment['id']}", key=key).status == 404
    assert api.delete(f"/api/v1/segments/{segment['id']}", key=key).status == 404


def test_bad_definitions_are_422_and_write_nothing(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    before = business_items()
    bad_bodies: list[dict[str, Any]] = [
        {"name": "No definition"},
        {"name": "Both", "filter": {"tag": ["a"]}, "contactIds": ["con_a"]},
        {"name": "Unknown filter", "filter": {"colour": "red"}},
        {"name": "Bad date", "filter": {"createdAfter": 12345}},
        {"name": "Too many", "contactIds": [f"con_{n}" for n in range(10_001)]},
        {"name": "Bad id", "contactIds": ["not-a-contact"]},
        {"name": "", "filter": {}},
        {"name": "Short search", "filter": {"search": "a"}},
    ]
    for body in bad_bodies:
        reply = api.post("/api/v1/segments", key=key, json=body)
        assert reply.status == 422, (body["name"], reply.body)
        assert reply.error["code"] == "VALIDATION_ERROR" and reply.error["details"]
    assert business_items() == before


@pytest.mark.parametrize(
    ("body", "issue"),
    [
        ({"name": "Neither"}, "give filter or contactIds"),
        ({"name": "Both", "filter": {}, "contactIds": ["con_a"]}, "give either filter or contactIds, not both"),
    ],
)
def test_a_missing_or_double_definition_says_which(
    api: Api, admin: dict[str, Any], body: dict[str, Any], issue: str
) -> None:
    reply = api.post("/api/v1/segments", key=admin["apiKey"], json=body)
    assert reply.status == 422
    assert reply.error["details"] == [{"field": "filter", "issue": issue}]


def test_segments_need_their_scopes(api: Api, admin: dict[str, Any]) -> None:
    partner = api.token("partner", tenant_id=admin["tenantId"])
    reply = api.post("/api/v1/segments", key=partner["apiKey"], json={"name": "x", "filter": {}})
    assert reply.status == 403 and reply.error["message"] == "Missing required permission: segments:write"
    assert api.get("/api/v1/segments", key=partner["apiKey"]).status == 403


def test_a_segment_saved_with_a_range_no_contact_is_in_still_reads(api: Api, admin: dict[str, Any]) -> None:
    """Saved before inverted ranges became a 422 (test_list_ranges.py): it reads, matches nothing."""
    import boto3

    from contact_platform.store import keys
    from contact_platform.store.segments import SEGMENT_SK

    key = admin["apiKey"]
    make(api, key, "contact")
    segment = _segment(api, key, filter={"createdAfter": "2026-01-01T00:00:00Z"})
    boto3.client("dynamodb").update_item(
        TableName="cdp-test",
        Key={"PK": {"S": keys.segment_pk(admin["tenantId"], segment["id"])}, "SK": {"S": SEGMENT_SK}},
        UpdateExpression="SET #filter.createdBefore = :before",
        ExpressionAttributeNames={"#filter": "filter"},
        ExpressionAttributeValues={":before": {"S": "2025-01-01T00:00:00Z"}},
        ConditionExpression="attribute_exists(PK)",
    )
    reply = api.get(f"/api/v1/segments/{segment['id']}/contacts", key=key)
    assert reply.status == 200 and reply.data == [], reply.body
    assert api.get(f"/api/v1/segments/{segment['id']}", key=key).data["filter"]["createdBefore"].startswith("2025")


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("POST", {"name": ""}, [("name", None), ("filter", "give filter or contactIds")]),
        ("POST", {"name": "", "filter": {"colour": "red"}}, [("name", None), ("filter.colour", None)]),
        ("POST", {"name": "", "filter": {}, "contactIds": ["bad"]},
         [("name", None), ("contactIds[0]", None), ("filter", "give either filter or contactIds, not both")]),
        ("PATCH", {"name": "", "filter": {}, "contactIds": ["bad"]},
         [("name", None), ("contactIds[0]", None), ("filter", "give either filter or contactIds, not both")]),
        ("PATCH", {"name": ""}, [("name", None)]),
    ],
)  # fmt: skip
def test_a_body_with_field_errors_also_hears_of_its_definition(
    api: Api, admin: dict[str, Any], method: str, body: dict[str, Any], expected: list[tuple[str, str | None]]
) -> None:
    key = admin["apiKey"]
    path = "/api/v1/segments"
    if method == "PATCH":
        path += "/" + _segment(api, key, filter={})["id"]
    before = business_items()
    reply = api.call(method, path, key=key, json=body)
    assert reply.status == 422, reply.body
    found = [(detail["field"], detail["issue"]) for detail in reply.error["details"]]
    assert [field for field, _ in found] == [field for field, _ in expected], found
    assert all(issue is None or (field, issue) in found for field, issue in expected), found
    assert business_items() == before
