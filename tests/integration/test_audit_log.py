"""GET /api/v1/admin/audit-log: the append-only trail, filtered and paginated."""

from __future__ import annotations

from typing import Any

from tests.support.fixtures import Api


def test_every_write_leaves_an_entry(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Trail")
    api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"name": "Trail 2"})
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    created_key = api.post("/api/v1/api-keys", key=key, json={"name": "k"}).data
    api.delete(f"/api/v1/api-keys/{created_key['id']}", key=key)
    actions = [e["action"] for e in api.get("/api/v1/admin/audit-log", key=key).data]
    assert actions[:5] == ["apikey.revoked", "apikey.created", "contact.deleted", "contact.updated", "contact.created"]
    assert set(actions[5:]) == {"apikey.created", "user.created", "tenant.created"}


def test_filters_by_action_since_and_paginates(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contacts = [api.create_contact(key, name=f"A{i}") for i in range(5)]
    pages: list[str] = []
    cursor = None
    while True:
        params = {"action": "contact.created", "limit": 2, **({"cursor": cursor} if cursor else {})}
        reply = api.get("/api/v1/admin/audit-log", key=key, params=params)
        pages += [e["entityId"] for e in reply.data]
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if not cursor:
            break
    assert pages == [c["id"] for c in reversed(contacts)]
    since = api.get("/api/v1/admin/audit-log", key=key, params={"since": contacts[3]["createdAt"]}).data
    assert [e["entityId"] for e in since] == [contacts[4]["id"], contacts[3]["id"]]


def test_audit_log_is_admin_only(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", admin["tenantId"])
    reply = api.get("/api/v1/admin/audit-log", key=manager["apiKey"])
    assert reply.status == 403
    assert reply.error["message"] == "Missing required permission: audit:read"
