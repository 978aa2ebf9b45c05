"""DELETE /api/v1/contacts/{contactId}: everything delete-contact-endpoint.md promises."""

from __future__ import annotations

import time
from typing import Any

import boto3

from contact_platform.store import keys
from tests.support.fixtures import Api, business_items, table_items

NINETY_DAYS = 90 * 24 * 3600


def _raw_contact(tenant_id: str, contact_id: str) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb").get_item(
        TableName="cdp-test", Key={"PK": {"S": keys.contact_pk(tenant_id, contact_id)}, "SK": {"S": "CONTACT"}}
    )["Item"]
    return item


def test_delete_answers_with_the_seed_body(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], firstName="Jan", lastName="Beispiel", emails=["jan@example.com"])
    reply = api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"])
    assert reply.status == 200
    assert reply.body["success"] is True
    assert reply.data == {"message": "Contact deleted successfully", "contactId": contact["id"]}
    assert reply.body["meta"]["requestId"].startswith("req_")
    assert reply.body["meta"]["version"] == "v1"
    assert reply.body["meta"]["timestamp"].endswith("Z")


def test_delete_is_soft_with_flags_and_ttl(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Jan Beispiel")
    before = int(time.time())
    api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"])
    item = _raw_contact(admin["tenantId"], contact["id"])
    assert item["isActive"] == {"BOOL": False}
    assert item["deletedBy"]["S"] == admin["userId"]
    assert item["deletedAt"]["S"].endswith("Z")
    expires = int(item["expiresAt"]["N"])
    assert before + NINETY_DAYS - 5 <= expires <= int(time.time()) + NINETY_DAYS + 5


def test_deleted_contact_is_gone_from_get_list_and_search_at_once(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, firstName="Zora", lastName="Quist", emails=["zora@example.com"], tags=["vip"])
    keep = api.create_contact(key, firstName="Zoran", lastName="Other")
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).status == 404
    listed = [c["id"] for c in api.get("/api/v1/contacts", key=key).data]
    assert listed == [keep["id"]]
    assert [c["id"] for c in api.get("/api/v1/contacts", key=key, params={"search": "zor"}).data] == [keep["id"]]
    assert api.get("/api/v1/contacts", key=key, params={"search": "zora@"}).data == []
    assert api.get("/api/v1/contacts", key=key, params={"tag": "vip"}).data == []
    for sort in ("updatedAt", "-lastName"):
        assert [c["id"] for c in api.get("/api/v1/contacts", key=key, params={"sort": sort}).data] == [keep["id"]]


def test_delete_frees_the_email_and_removes_tag_assignments(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="First", emails=["shared@example.com"], tags=["a", "b"])

    def hanging() -> list[str]:
        return sorted(i["kind"]["S"] for i in table_items() if i.get("contactId", {}).get("S") == contact["id"])

    assert hanging().count("contact-tag") == 2 and "contact-email" in hanging()
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    assert hanging() == [], "guard, search and tag items are released with the delete"
    again = api.post("/api/v1/contacts", key=key, json={"name": "Second", "emails": ["SHARED@example.com"]})
    assert again.status == 201


def test_delete_writes_an_audit_entry(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Audited")
    deleted = api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    trail = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": contact["id"]}).data
    assert [entry["action"] for entry in trail] == ["contact.deleted", "contact.created"]
    entry = trail[0]
    assert entry["actorUserId"] == admin["userId"]
    assert entry["actorKeyId"] == admin["keyId"]
    assert entry["requestId"] == deleted.body["meta"]["requestId"]
    assert entry["changedFields"] == ["deletedAt", "deletedBy", "isActive"]


def test_second_delete_is_404(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Twice")
    api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"])
    reply = api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"])
    assert reply.status == 404
    assert reply.error == {"code": "RESOURCE_NOT_FOUND", "message": "Contact not found"}


def test_delete_needs_the_delete_scope(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Kept")
    reader = api.token("manager", admin["tenantId"], scopes=["contacts:read", "contacts:write"])
    reply = api.delete(f"/api/v1/contacts/{contact['id']}", key=reader["apiKey"])
    assert reply.status == 403
    assert reply.error == {
        "code": "INSUFFICIENT_PERMISSIONS",
        "message": "Missing required permission: contacts:delete",
    }
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).status == 200


def test_another_tenants_contact_is_404_and_untouched(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    contact = api.create_contact(admin["apiKey"], name="Mine", emails=["mine@example.com"])
    before = business_items()
    reply = api.delete(f"/api/v1/contacts/{contact['id']}", key=other_admin["apiKey"])
    assert reply.status == 404
    assert reply.error["message"] == "Contact not found"
    assert "data" not in reply.body
    assert business_items() == before
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).data["isActive"] is True


def test_unknown_or_missing_key_is_401_with_the_seed_body(api: Api) -> None:
    for key in (None, "cdp_live_00000000000000000000000000000000", "not-a-key"):
        reply = api.delete("/api/v1/contacts/con_x", key=key)
        assert reply.status == 401
        assert reply.error == {"code": "AUTHENTICATION_FAILED", "message": "Invalid or expired API key"}
