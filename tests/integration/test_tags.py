"""Tags: unique names per tenant, listing, tagging and untagging single contacts."""

from __future__ import annotations

from typing import Any

from tests.support.fixtures import Api, business_items


def _tag(api: Api, key: str, name: str) -> dict[str, Any]:
    reply = api.post("/api/v1/tags", key=key, json={"name": name})
    assert reply.status == 201, reply.body
    tag: dict[str, Any] = reply.data
    return tag


def test_tag_names_are_unique_per_tenant_case_and_accent_insensitively(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    tag = _tag(api, admin["apiKey"], "Köln")
    before = business_items()
    taken = api.post("/api/v1/tags", key=admin["apiKey"], json={"name": "koln"})
    assert taken.status == 409 and taken.error["code"] == "CONFLICT" and tag["id"] in taken.error["message"]
    assert business_items() == before
    assert api.post("/api/v1/tags", key=other_admin["apiKey"], json={"name": "Köln"}).status == 201


def test_tags_are_listed_by_name_with_a_cursor(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    for name in ("beta", "Alpha", "gamma"):
        _tag(api, key, name)
    first = api.get("/api/v1/tags", key=key, params={"limit": 2})
    assert [t["name"] for t in first.data] == ["Alpha", "beta"]
    rest = api.get("/api/v1/tags", key=key, params={"cursor": first.body["meta"]["pagination"]["nextCursor"]})
    assert [t["name"] for t in rest.data] == ["gamma"]


def test_tagging_a_contact_shows_in_get_list_and_the_tag_filter(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Newsletter")
    contact = api.create_contact(key, name="Reader")
    tagged = api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=key)
    assert tagged.status == 200 and tagged.data["tags"] == ["Newsletter"] and tagged.data["version"] == 2
    again = api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=key)
    assert again.data["version"] == 2, "tagging twice changes nothing"
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).data["tags"] == ["Newsletter"]
    listed = api.get("/api/v1/contacts", key=key, params={"tag": "newsletter"}).data
    assert [c["id"] for c in listed] == [contact["id"]]
    untagged = api.delete(f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=key)
    assert untagged.status == 200 and untagged.data["tags"] == []
    assert api.get("/api/v1/contacts", key=key, params={"tag": "newsletter"}).data == []


def test_unknown_tags_and_contacts_are_404(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Known")
    contact = api.create_contact(key, name="Someone")
    assert api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/tag_unknown", key=key).error["message"] == (
        "Tag not found"
    )
    assert api.call("PUT", f"/api/v1/contacts/con_unknown/tags/{tag['id']}", key=key).status == 404


def test_a_contact_carries_at_most_twenty_tags(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Busy", tags=[f"t{n}" for n in range(20)])
    tag = _tag(api, key, "one more")
    reply = api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=key)
    assert reply.status == 422 and reply.error["details"][0]["field"] == "tags"


def test_bad_tag_bodies_are_422(api: Api, admin: dict[str, Any]) -> None:
    for body in ({}, {"name": ""}, {"name": "x" * 51}, {"name": "ok", "color": "red"}, {"name": "ok", "extra": 1}):
        assert api.post("/api/v1/tags", key=admin["apiKey"], json=body).status == 422, body
