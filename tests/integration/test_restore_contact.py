"""POST /api/v1/admin/contacts/{contactId}/restore and GET /api/v1/admin/contacts/deleted."""

from __future__ import annotations

from typing import Any

from tests.support.fixtures import Api


def test_restore_brings_back_everything(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, firstName="Rita", lastName="Rück", emails=["rita@example.com"], tags=["vip"])
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    reply = api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=key)
    assert reply.status == 200
    restored = reply.data
    assert restored["isActive"] is True and restored["deletedAt"] is None and restored["deletedBy"] is None
    assert restored["version"] == 3
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).status == 200
    assert [c["id"] for c in api.get("/api/v1/contacts", key=key, params={"search": "ruck"}).data] == [contact["id"]]
    assert [c["id"] for c in api.get("/api/v1/contacts", key=key, params={"tag": "vip"}).data] == [contact["id"]]
    assert api.post("/api/v1/contacts", key=key, json={"name": "x", "emails": ["rita@example.com"]}).status == 409
    actions = [
        e["action"] for e in api.get("/api/v1/admin/audit-log", key=key, params={"entityId": contact["id"]}).data
    ]
    assert actions == ["contact.restored", "contact.deleted", "contact.created"]


def test_restore_is_409_when_the_email_was_taken_meanwhile(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Old", emails=["reused@example.com"])
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    newer = api.create_contact(key, name="New", emails=["reused@example.com"])
    reply = api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=key)
    assert reply.status == 409
    assert newer["id"] in reply.error["message"]
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).status == 404


def test_restore_of_active_unknown_or_foreign_contact(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Active")
    assert api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=key).status == 409
    assert api.post("/api/v1/admin/contacts/con_nope/restore", key=key).status == 404
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    assert api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=other_admin["apiKey"]).status == 404
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).status == 404


def test_restore_is_for_admins_only(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", admin["tenantId"])
    contact = api.create_contact(admin["apiKey"], name="Gone")
    api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"])
    reply = api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=manager["apiKey"])
    assert reply.status == 403
    assert reply.error["message"] == "Missing required permission: contacts:restore"
    assert api.get("/api/v1/admin/contacts/deleted", key=manager["apiKey"]).status == 403


def test_deleted_contacts_are_listed_by_deletion_time(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    contacts = [api.create_contact(key, name=f"D{i}") for i in range(4)]
    stamps = []
    for contact in contacts[:3]:
        api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
        stamps.append(api.get("/api/v1/admin/contacts/deleted", key=key).data[-1]["deletedAt"])
    listed = api.get("/api/v1/admin/contacts/deleted", key=key, params={"limit": 2})
    assert [c["id"] for c in listed.data] == [contacts[0]["id"], contacts[1]["id"]]
    cursor = listed.body["meta"]["pagination"]["nextCursor"]
    rest = api.get("/api/v1/admin/contacts/deleted", key=key, params={"limit": 2, "cursor": cursor}).data
    assert [c["id"] for c in rest] == [contacts[2]["id"]]
    since = api.get("/api/v1/admin/contacts/deleted", key=key, params={"deletedSince": stamps[1]}).data
    assert [c["id"] for c in since] == [contacts[1]["id"], contacts[2]["id"]]
    assert api.get("/api/v1/admin/contacts/deleted", key=other_admin["apiKey"]).data == []


def test_a_date_before_year_one_in_utc_is_422(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get(
        "/api/v1/admin/contacts/deleted", key=admin["apiKey"], params={"deletedSince": "0001-01-01T00:00:00+00:01"}
    )
    assert reply.status == 422
    assert reply.error["details"] == [{"field": "deletedSince", "issue": "date-time out of range"}]
