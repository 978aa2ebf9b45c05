"""PATCH /api/v1/contacts/{contactId}: partial updates, If-Match, uniqueness, derived state."""

from __future__ import annotations

from typing import Any

from tests.support.entities import make
from tests.support.fixtures import Api, business_items


def test_patch_changes_only_the_fields_sent(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, firstName="Jan", lastName="Beispiel", emails=["jan@example.com"], tags=["a"])
    reply = api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"lastName": "Muster", "tags": ["b", "b"]})
    assert reply.status == 200
    updated = reply.data
    assert updated["lastName"] == "Muster"
    assert updated["name"] == "Jan Muster", "a derived name follows first and last name"
    assert updated["tags"] == ["b"]
    assert updated["emails"] == ["jan@example.com"]
    assert updated["version"] == 2 and reply.header("ETag") == '"2"'
    assert updated["updatedAt"] > contact["updatedAt"]
    assert updated["createdAt"] == contact["createdAt"]
    assert api.get("/api/v1/contacts", key=key, params={"tag": "b"}).data[0]["id"] == contact["id"]
    assert api.get("/api/v1/contacts", key=key, params={"tag": "a"}).data == []
    assert [c["id"] for c in api.get("/api/v1/contacts", key=key, params={"search": "muster"}).data] == [contact["id"]]
    assert api.get("/api/v1/contacts", key=key, params={"search": "beispiel"}).data == []


def test_an_explicit_name_survives_a_first_name_change(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], firstName="Jan", lastName="Beispiel", name="Dr. Jan Beispiel")
    reply = api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"firstName": "Johann"})
    assert reply.data["name"] == "Dr. Jan Beispiel"
    cleared = api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"name": None})
    assert cleared.data["name"] == "Johann Beispiel"


def test_patch_null_clears_optional_fields_but_not_the_owner(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    organization = make(api, key, "organization")["id"]
    contact = api.create_contact(key, name="Org person", organizationId=organization)
    assert (
        api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"organizationId": None}).data["organizationId"]
        is None
    )
    assert api.get("/api/v1/contacts", key=key, params={"organizationId": organization}).data == []
    reply = api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"ownerId": None})
    assert reply.status == 422
    assert reply.error["details"] == [{"field": "ownerId", "issue": "cannot be null"}]


def test_patch_cannot_remove_every_name(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], firstName="Only")
    reply = api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"firstName": None})
    assert reply.status == 422
    assert reply.error["details"][0]["field"] == "name"


def test_if_match_must_be_the_current_version(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Versioned")
    path = f"/api/v1/contacts/{contact['id']}"
    assert api.patch(path, key=key, json={"name": "v2"}, headers={"If-Match": '"1"'}).status == 200
    stale = api.patch(path, key=key, json={"name": "lost update"}, headers={"If-Match": '"1"'})
    assert stale.status == 412
    assert stale.error["code"] == "PRECONDITION_FAILED"
    assert api.get(path, key=key).data["name"] == "v2"
    assert api.patch(path, key=key, json={"name": "v3"}, headers={"If-Match": 'W/"2"'}).status == 200
    assert api.patch(path, key=key, json={"name": "v4"}, headers={"If-Match": "*"}).status == 200
    assert api.patch(path, key=key, json={"name": "v5"}, headers={"If-Match": "banana"}).status == 422


def test_an_unchanged_patch_does_not_write(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Same", tags=["x"])
    before = business_items()
    reply = api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"name": "Same", "tags": ["x"]})
    assert reply.status == 200 and reply.data["version"] == 1
    assert business_items() == before


def test_email_change_moves_the_guard(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    first = api.create_contact(key, name="First", emails=["old@example.com"])
    second = api.create_contact(key, name="Second", emails=["taken@example.com"])
    clash = api.patch(f"/api/v1/contacts/{first['id']}", key=key, json={"emails": ["taken@example.com"]})
    assert clash.status == 409 and second["id"] in clash.error["message"]
    assert api.get(f"/api/v1/contacts/{first['id']}", key=key).data["emails"] == ["old@example.com"]
    assert api.patch(f"/api/v1/contacts/{first['id']}", key=key, json={"emails": ["new@example.com"]}).status == 200
    assert api.post("/api/v1/contacts", key=key, json={"name": "Third", "emails": ["old@example.com"]}).status == 201
    assert api.post("/api/v1/contacts", key=key, json={"name": "Fourth", "emails": ["new@example.com"]}).status == 409


def test_patch_of_unknown_deleted_or_foreign_contact_is_404(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    contact = api.create_contact(admin["apiKey"], name="Mine")
    assert api.patch("/api/v1/contacts/con_missing", key=admin["apiKey"], json={"name": "x"}).status == 404
    foreign = api.patch(f"/api/v1/contacts/{contact['id']}", key=other_admin["apiKey"], json={"name": "stolen"})
    assert foreign.status == 404
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).data["name"] == "Mine"
    api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"])
    assert api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"name": "x"}).status == 404


def test_patch_records_changed_fields_in_the_audit_trail(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Before", phones=["+49 30 123456"])
    api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"name": "After", "phones": ["+49 30 123456"]})
    latest = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": contact["id"], "limit": 1}).data[0]
    assert latest["action"] == "contact.updated"
    assert latest["changedFields"] == ["name"]


def test_null_for_a_list_or_map_clears_it(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Full", phones=["+49 30 123456"], tags=["a"], customFields={"k": 1})
    reply = api.patch(
        f"/api/v1/contacts/{contact['id']}", key=key, json={"phones": None, "tags": None, "customFields": None}
    )
    assert reply.status == 200, reply.body
    assert (reply.data["phones"], reply.data["tags"], reply.data["customFields"]) == ([], [], {})
    assert api.get("/api/v1/contacts", key=key, params={"tag": "a"}).data == []
