"""GET /api/v1/events and /events/{eventId}: every write of a record emits one event, carried by its
audit entry in the write's own transaction (docs/architecture.md, "Events")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contact_platform import clock
from contact_platform.events.catalog import schema_for
from tests.support.entities import BY_NAME, DELETED, make, make_each
from tests.support.fixtures import Api


def _events(api: Api, key: str, **params: Any) -> list[dict[str, Any]]:
    """The events listed, each checked against its type's JSON Schema."""
    reply = api.get("/api/v1/events", key=key, params=params)
    assert reply.status == 200, reply.body
    events: list[dict[str, Any]] = reply.data
    for event in events:
        validator = Draft202012Validator(schema_for(event["type"]), format_checker=Draft202012Validator.FORMAT_CHECKER)
        validator.validate(event)
    return events


def test_a_contact_s_life_is_a_series_of_events_with_the_record_and_its_old_values(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Eva Event", emails=["eva@example.com"])
    updated = api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"name": "Eva Events"}).data
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=key)
    api.post("/api/v1/api-keys", key=key, json={"name": "not an event"})

    events = _events(api, key, type="contact.*")
    assert [event["type"] for event in events] == [
        "contact.restored",
        "contact.deleted",
        "contact.updated",
        "contact.created",
    ]
    restored, deleted, changed, created = events
    assert created["data"] == contact and created["previous"] is None
    assert changed["data"] == updated and changed["previous"] == {"name": "Eva Event"}
    assert deleted["data"]["isActive"] is False and deleted["previous"]["isActive"] is True
    assert restored["data"]["isActive"] is True and restored["previous"]["deletedBy"] == admin["userId"]
    assert {event["tenantId"] for event in events} == {admin["tenantId"]}
    assert all(event["id"].startswith("evt_") for event in events)
    assert len({event["id"] for event in events}) == 4
    assert "apikey.created" not in {event["type"] for event in _events(api, key)}

    one = api.get(f"/api/v1/events/{changed['id']}", key=key)
    assert one.status == 200 and one.data == changed


def test_a_deal_that_closes_is_won_or_lost_and_a_merge_names_the_merged_record(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    won = make(api, key, "deal")
    lost = make(api, key, "deal")
    assert api.post(f"/api/v1/deals/{won['id']}/won", key=key).status == 200
    assert api.post(f"/api/v1/deals/{lost['id']}/lost", key=key, json={"lostReason": "price"}).status == 200
    closing = _events(api, key, type="deal.*")[:2]
    assert [(event["type"], event["data"]["id"]) for event in closing] == [
        ("deal.lost", lost["id"]),
        ("deal.won", won["id"]),
    ]
    assert closing[1]["previous"]["status"] == "open" and closing[1]["data"]["status"] == "won"

    kept, duplicate = make(api, key, "organization"), make(api, key, "organization")
    merged = api.post(f"/api/v1/organizations/{duplicate['id']}/merge", key=key, json={"mergeWithId": kept["id"]})
    assert merged.status == 200, merged.body
    (event,) = _events(api, key, type="organization.merged")
    assert event["data"]["id"] == kept["id"] and event["mergedId"] == duplicate["id"]
    about_duplicate = [
        e["type"] for e in _events(api, key, type="organization.*") if e["data"]["id"] == duplicate["id"]
    ]
    assert about_duplicate == ["organization.created"], "the merge is one event, not also a delete"

    first, second = api.create_contact(key, name="Mia One"), api.create_contact(key, name="Mia Two")
    assert api.post(f"/api/v1/contacts/{second['id']}/merge", key=key, json={"mergeWithId": first["id"]}).status == 200
    (event,) = _events(api, key, type="contact.merged")
    assert event["data"]["id"] == first["id"] and event["mergedId"] == second["id"]
    assert [e["type"] for e in _events(api, key, type="contact.*") if e["data"]["id"] == second["id"]] == [
        "contact.created"
    ]


def test_the_list_pages_and_starts_where_asked(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contacts = [api.create_contact(key, name=f"Paged {i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"type": "contact.created", "limit": 2, **({"cursor": cursor} if cursor else {})}
        reply = api.get("/api/v1/events", key=key, params=params)
        seen += [event["data"]["id"] for event in reply.data]
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if not cursor:
            break
    assert seen == [contact["id"] for contact in reversed(contacts)]
    since = _events(api, key, since=contacts[3]["createdAt"])
    assert [event["data"]["id"] for event in since] == [contacts[4]["id"], contacts[3]["id"]]
    long_ago = clock.iso(clock.now() - timedelta(days=400))
    assert len(_events(api, key, since=long_ago, type="contact.created")) == 5  # the last 30 days, whatever is asked
    window = _events(api, key, since=contacts[1]["createdAt"], until=contacts[3]["createdAt"])
    assert [event["data"]["id"] for event in window] == [contacts[2]["id"], contacts[1]["id"]], "until left out"
    before = _events(api, key, until=contacts[1]["createdAt"], type="contact.created")
    assert [event["data"]["id"] for event in before] == [contacts[0]["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"type": "contact"},
        {"type": "Contact.created"},
        {"type": "*.created"},
        {"since": "yesterday"},
        {"entity": "x"},
        {"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
    ],
)
def test_a_malformed_query_is_422(api: Api, admin: dict[str, Any], params: dict[str, str]) -> None:
    reply = api.get("/api/v1/events", key=admin["apiKey"], params=params)
    assert reply.status == 422, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"


def test_another_tenant_sees_none_of_the_events(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    api.create_contact(admin["apiKey"], name="Mine Only")
    (event,) = _events(api, admin["apiKey"], type="contact.created")
    assert _events(api, other_admin["apiKey"], type="contact.created") == []
    stranger = api.get(f"/api/v1/events/{event['id']}", key=other_admin["apiKey"])
    assert stranger.status == 404 and stranger.error["message"] == "Event not found"
    for unknown in ("evt_unknown", "evt_" + "A" * 20, event["id"].replace("evt_", "aud_"), "x" * 300):
        assert api.get(f"/api/v1/events/{unknown}", key=admin["apiKey"]).status == 404


def test_events_are_for_admins_and_managers(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", admin["tenantId"])
    user = api.token("user", admin["tenantId"])
    assert api.get("/api/v1/events", key=manager["apiKey"]).status == 200
    reply = api.get("/api/v1/events", key=user["apiKey"])
    assert reply.status == 403 and reply.error["message"] == "Missing required permission: events:read"


def test_every_entity_s_writes_emit_events_that_match_their_schemas(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    records = make_each(api, key)
    for name in sorted(DELETED - {"contact"}):
        entity = BY_NAME[name]
        record_id = records[name]["id"]
        assert api.delete(f"{entity.path}/{record_id}", key=key).status == 200, name
        restore = entity.path.replace("/api/v1/", "/api/v1/admin/", 1)
        assert api.post(f"{restore}/{record_id}/restore", key=key).status == 200, name
    types = {event["type"] for event in _events(api, key, limit=200)}  # each one validated
    for name in DELETED - {"contact"}:
        assert {f"{name}.created", f"{name}.deleted", f"{name}.restored"} <= types, name
    assert "user.created" in types
