"""GET /api/v1/admin/audit-log: the append-only trail, filtered and paginated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contact_platform.services import audit
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


def test_filters_by_actor_and_a_window_of_time(api: Api, admin: dict[str, Any]) -> None:
    """What one user did, and what happened between two moments: `since` included, `until` not."""
    key = admin["apiKey"]
    colleague = api.token("admin", admin["tenantId"])
    mine = [api.create_contact(key, name=f"Mine {i}") for i in range(3)]
    theirs = api.create_contact(colleague["apiKey"], name="Theirs")
    for who, expected in ((admin, mine[::-1]), (colleague, [theirs])):
        params = {"actorUserId": who["userId"], "action": "contact.created", "limit": 2}
        shown = [e["entityId"] for e in _all_pages(api, key, params)]
        assert shown == [contact["id"] for contact in expected], who["userId"]
    window = {"since": mine[1]["createdAt"], "until": theirs["createdAt"], "action": "contact.created"}
    assert [e["entityId"] for e in _all_pages(api, key, window)] == [mine[2]["id"], mine[1]["id"]]
    before = {"until": mine[1]["createdAt"], "entityId": mine[1]["id"]}
    assert _all_pages(api, key, before) == [], "an entry of the very moment of until is left out"
    on_its_own = {"since": mine[1]["createdAt"], "until": theirs["createdAt"], "entityId": mine[1]["id"]}
    assert [e["action"] for e in _all_pages(api, key, on_its_own)] == ["contact.created"]
    assert api.get("/api/v1/admin/audit-log", key=key, params={"actorUserId": "system"}).status == 200
    for bad, field in (
        ({"actorUserId": "nobody"}, "actorUserId"),
        ({"since": theirs["createdAt"], "until": mine[0]["createdAt"]}, "until"),
        ({"since": theirs["createdAt"], "until": theirs["createdAt"]}, "until"),
    ):
        reply = api.get("/api/v1/admin/audit-log", key=key, params=bad)
        assert reply.status == 422 and reply.error["details"][0]["field"] == field, reply.body


def test_a_cursor_is_bound_to_the_actor_and_the_window(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    for i in range(3):
        api.create_contact(key, name=f"Bound {i}")
    first = api.get("/api/v1/admin/audit-log", key=key, params={"actorUserId": admin["userId"], "limit": 1})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    other = {"actorUserId": "system", "limit": 1, "cursor": cursor}
    assert api.get("/api/v1/admin/audit-log", key=key, params=other).status == 400


def _all_pages(api: Api, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = api.get("/api/v1/admin/audit-log", key=key, params={**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        entries += reply.data
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if not cursor:
            return entries


def test_audit_log_is_admin_only(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", admin["tenantId"])
    reply = api.get("/api/v1/admin/audit-log", key=manager["apiKey"])
    assert reply.status == 403
    assert reply.error["message"] == "Missing required permission: audit:read"


def test_an_unknown_action_is_refused_with_the_one_meant(api: Api, admin: dict[str, Any]) -> None:
    """A misspelt action would list nothing, which reads as "it never happened": a 422 instead."""
    key = admin["apiKey"]
    api.create_contact(key, name="Trail")
    reply = api.get("/api/v1/admin/audit-log", key=key, params={"action": "contact.deleeted"})
    assert reply.status == 422
    assert reply.error["details"] == [
        {
            "field": "action",
            "issue": "unknown action 'contact.deleeted': did you mean contact.deleted? "
            "give an entry's action, as contact.deleted or leads_batch_import",
        }
    ]
    nothing_near = api.get("/api/v1/admin/audit-log", key=key, params={"action": "weather.changed"})
    assert nothing_near.status == 422
    assert "did you mean" not in nothing_near.error["details"][0]["issue"]
    # Known actions with no entry yet are an empty page, not an error.
    for action in ("leads_batch_import", "deal.won", "webhook.secret_rotated"):
        assert api.get("/api/v1/admin/audit-log", key=key, params={"action": action}).data == []


def test_an_entry_of_an_unregistered_action_is_not_written() -> None:
    """Every action written is one the filter knows: an entry of a new one fails at once, in the
    first test that writes it, until it is registered."""
    with pytest.raises(ValueError, match=r"'contact\.archived' is not known"):
        audit.item(
            tenant_id="ten_a",
            entity_type="contact",
            entity_id="con_1",
            action="contact.archived",
            actor_user_id="usr_1",
            actor_key_id=None,
            request_id="req_1",
            at=datetime.now(UTC),
            changed_fields=[],
        )
    assert {"contact.created", "deal.won", "import.finished", "tag.renamed"} <= audit.known_actions()
