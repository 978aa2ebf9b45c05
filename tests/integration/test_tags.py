"""Tags: one model. Every tag a contact carries is a tag of the tenant (made on first use, unique by
name case- and accent-insensitively) with a contact count; reading and changing one tag; tagging and
untagging single contacts; `tag` filters by name or ID."""

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


def test_a_tag_name_holds_neither_comma_nor_semicolon_wherever_it_is_given(api: Api, admin: dict[str, Any]) -> None:
    """`?tag=a,b` names two tags and an exported CSV cell joins tags with `;`: a name holding either
    could be created but not found or exported as one. Each way in refuses it, and writes nothing."""
    key = admin["apiKey"]
    tag = _tag(api, key, "R&D")
    contact = api.create_contact(key, name="Tagged")
    before = business_items()
    issue = "must not contain , or ; (they separate tags in a list filter and in a CSV cell)"
    refused = [
        ("name", api.post("/api/v1/tags", key=key, json={"name": "a,b"})),
        ("name", api.patch(f"/api/v1/tags/{tag['id']}", key=key, json={"name": "R&D; Sales"})),
        ("tags[1]", api.post("/api/v1/contacts", key=key, json={"name": "New", "tags": ["ok", "a;b"]})),
        ("tags[0]", api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"tags": ["x,y"]})),
        ("filter.tag[0]", api.post("/api/v1/segments", key=key, json={"name": "S", "filter": {"tag": ["a,b"]}})),
        ("tag", api.get("/api/v1/contacts", key=key, params={"tag": "ok,a;b"})),
    ]
    for field, reply in refused:
        said = f"tag 2: {issue}" if field == "tag" else issue
        assert (reply.status, reply.error["details"]) == (422, [{"field": field, "issue": said}]), reply.body
    assert business_items() == before


def _tags(api: Api, key: str) -> dict[str, dict[str, Any]]:
    return {tag["name"]: tag for tag in api.get("/api/v1/tags", key=key, params={"limit": 200}).data}


def test_a_tag_used_on_a_contact_is_a_tag_of_the_tenant_with_its_count(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    first = api.create_contact(key, name="First", tags=["lead"])
    second = api.create_contact(key, name="Second", tags=["Lead", "vip", "LEAD"])
    assert second["tags"] == ["lead", "vip"], "one tag per folded name, in the tag's own spelling"
    tags = _tags(api, key)
    assert sorted(tags) == ["lead", "vip"]
    assert (tags["lead"]["contactCount"], tags["vip"]["contactCount"]) == (2, 1)
    assert tags["lead"]["createdBy"] == admin["userId"]
    patched = api.patch(f"/api/v1/contacts/{first['id']}", key=key, json={"tags": ["VIP", "new one"]})
    assert patched.status == 200 and patched.data["tags"] == ["vip", "new one"]
    tags = _tags(api, key)
    assert {name: tag["contactCount"] for name, tag in tags.items()} == {"lead": 1, "vip": 2, "new one": 1}
    one = api.get(f"/api/v1/tags/{tags['vip']['id']}", key=key)
    assert one.status == 200 and one.data == tags["vip"]


def test_a_taken_name_is_409_and_names_the_tag_which_every_key_of_the_tenant_may_read(
    api: Api, admin: dict[str, Any]
) -> None:
    """A uniqueness conflict names the existing record only when the caller may read it. Tags are
    tenant-wide: a `user` key that cannot see the contact holding a tag still reads the tag itself, so
    a 409 on a tag name names the tag."""
    holder = api.create_contact(admin["apiKey"], name="Holder", tags=["Partner"])
    tag = _tags(api, admin["apiKey"])["Partner"]
    user = api.token("user", tenant_id=admin["tenantId"])
    assert api.get(f"/api/v1/contacts/{holder['id']}", key=user["apiKey"]).status == 404
    assert api.get(f"/api/v1/tags/{tag['id']}", key=user["apiKey"]).data["name"] == "Partner"
    manager = api.token("manager", tenant_id=admin["tenantId"])
    taken = api.post("/api/v1/tags", key=manager["apiKey"], json={"name": "partner"})
    assert taken.status == 409 and tag["id"] in taken.error["message"]
    assert taken.error["details"] == [{"field": "name", "issue": f"already used by tag {tag['id']}"}]


def test_only_roles_that_see_every_contact_are_told_how_many_hold_a_tag(api: Api, admin: dict[str, Any]) -> None:
    """The count is the tenant's: to a user or a partner it would tell of contacts they may not see."""
    api.create_contact(admin["apiKey"], name="Hidden", tags=["vip"])
    tag = _tags(api, admin["apiKey"])["vip"]
    path = f"/api/v1/tags/{tag['id']}"
    for role, told in (("admin", 1), ("manager", 1), ("user", None), ("partner", None)):
        key = api.token(role, tenant_id=admin["tenantId"])["apiKey"]
        one, listed = api.get(path, key=key), api.get("/api/v1/tags", key=key)
        found = api.get(f"/api/v1/tags?ids={tag['id']}", key=key)
        assert one.status == listed.status == found.status == 200, role
        assert [t["contactCount"] for t in (one.data, *listed.data, *found.data)] == [told] * 3, role
    manager = api.token("manager", tenant_id=admin["tenantId"])["apiKey"]
    patched = api.patch(path, key=manager, json={"color": "#FF8800"})
    assert patched.status == 200 and patched.data["contactCount"] == 1


def test_counts_follow_untagging_soft_delete_and_restore(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Counted")
    people = [api.create_contact(key, name=f"Person {n}", tags=["counted"]) for n in range(3)]
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 3
    api.delete(f"/api/v1/contacts/{people[0]['id']}/tags/{tag['id']}", key=key)
    api.delete(f"/api/v1/contacts/{people[0]['id']}/tags/{tag['id']}", key=key)
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 2, "untagging twice counts once"
    assert api.delete(f"/api/v1/contacts/{people[1]['id']}", key=key).status == 200
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 1, "a deleted contact holds none"
    restored = api.post(f"/api/v1/admin/contacts/{people[1]['id']}/restore", key=key)
    assert restored.status == 200 and restored.data["tags"] == ["Counted"]
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 2
    api.call("PUT", f"/api/v1/contacts/{people[0]['id']}/tags/{tag['id']}", key=key)
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 3


def test_colour_and_description_change_at_once_and_null_clears(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Styled")
    path = f"/api/v1/tags/{tag['id']}"
    changed = api.patch(path, key=key, json={"color": "#FF8800", "description": "Paints things"})
    assert changed.status == 200
    assert (changed.data["color"], changed.data["description"], changed.data["name"]) == (
        "#FF8800",
        "Paints things",
        "Styled",
    )
    assert changed.data["renameOperationId"] is None and changed.data["updatedAt"] >= tag["updatedAt"]
    assert api.get(path, key=key).data == changed.data
    cleared = api.patch(path, key=key, json={"color": None})
    assert (cleared.data["color"], cleared.data["description"]) == (None, "Paints things")
    before = business_items()
    assert api.patch(path, key=key, json={"description": "Paints things"}).status == 200
    assert business_items() == before, "an unchanged value writes nothing"


def test_reading_or_changing_an_unknown_tag_is_404_and_bad_patches_are_422(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    assert api.get("/api/v1/tags/tag_unknown", key=key).error["message"] == "Tag not found"
    assert api.patch("/api/v1/tags/tag_unknown", key=key, json={"color": "#000000"}).status == 404
    tag = _tag(api, key, "Strict")
    for body in ({"name": None}, {"name": ""}, {"color": "red"}, {"contactCount": 3}, {"description": "x" * 501}):
        reply = api.patch(f"/api/v1/tags/{tag['id']}", key=key, json=body)
        assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", body


def test_the_tag_filters_take_tag_names_and_tag_ids_alike(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    both = api.create_contact(key, name="Both", tags=["alpha", "beta"])
    alpha = api.create_contact(key, name="Alpha only", tags=["alpha"])
    gamma = api.create_contact(key, name="Gamma only", tags=["gamma"])
    tags = _tags(api, key)
    alpha_id, beta_id = tags["alpha"]["id"], tags["beta"]["id"]

    def ids(**params: str) -> list[str]:
        reply = api.get("/api/v1/contacts", key=key, params=params)
        assert reply.status == 200, reply.body
        return sorted(contact["id"] for contact in reply.data)

    assert ids(tag=alpha_id) == ids(tag="ALPHA") == sorted([both["id"], alpha["id"]])
    assert ids(tagsAll=f"{alpha_id},beta") == ids(tagsAll=f"alpha,{beta_id}") == [both["id"]]
    assert ids(tag=f"{beta_id},gamma") == sorted([both["id"], gamma["id"]])
    assert ids(tag="tag_NoSuchTag0000000000") == []
    segment = api.post("/api/v1/segments", key=key, json={"name": "By ID", "filter": {"tagsAll": [alpha_id, beta_id]}})
    assert segment.status == 201, segment.body
    assert api.get(f"/api/v1/segments/{segment.data['id']}/count", key=key).data["count"] == 1


def test_another_tenants_tag_id_filters_nothing(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    api.create_contact(admin["apiKey"], name="Mine", tags=["shared name"])
    api.create_contact(other_admin["apiKey"], name="Theirs", tags=["shared name"])
    foreign = _tags(api, other_admin["apiKey"])["shared name"]["id"]
    assert api.get("/api/v1/contacts", key=admin["apiKey"], params={"tag": foreign}).data == []


def test_twenty_tags_replaced_by_twenty_new_ones_in_one_update(api: Api, admin: dict[str, Any]) -> None:
    """The largest tag change: 40 assignment items and 60 tag items would not fit one transaction,
    so the new tags are made first and the contact write moves the counts."""
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Busy", tags=[f"old {n}" for n in range(20)])
    reply = api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"tags": [f"new {n}" for n in range(20)]})
    assert reply.status == 200, reply.body
    counts = {name: tag["contactCount"] for name, tag in _tags(api, key).items()}
    assert counts == {f"old {n}": 0 for n in range(20)} | {f"new {n}": 1 for n in range(20)}
    assert len(api.get("/api/v1/contacts", key=key, params={"tag": "new 19"}).data) == 1
