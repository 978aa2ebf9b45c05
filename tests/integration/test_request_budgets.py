"""DynamoDB requests per operation, counted through botocore events, the authorizer's included: one
UpdateItem on the key's lookup item reads the key and counts the request (docs/data-model.md,
"Request budgets"); the first request of a key in a window makes one more, so each test uses its
key once before it counts."""

from __future__ import annotations

from typing import Any

from tests.support.entities import make
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests


def _start_window(api: Api, caller: dict[str, Any]) -> None:
    """The key's first request of the window, which starts it (test_a_keys_first_request_in_a_window_starts_it)."""
    assert api.get("/api/v1/users/me", key=caller["apiKey"]).status == 200


def test_get_contact_costs_two_requests(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Budget")
    with dynamodb_requests() as sent:
        assert api.get(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).status == 200
    assert sent == {"UpdateItem": 1, "GetItem": 1}, "the key read and the request counted, the contact"


def test_a_keys_first_request_in_a_window_starts_it(api: Api, admin: dict[str, Any]) -> None:
    """The count's condition names the current window, which a new key has none of yet: one more
    UpdateItem starts it (and at the first request of every later window)."""
    with dynamodb_requests() as sent:
        assert api.get("/api/v1/contacts", key=admin["apiKey"]).status == 200
    assert sent == {"UpdateItem": 2, "Query": 1}
    with dynamodb_requests() as sent:
        assert api.get("/api/v1/contacts", key=admin["apiKey"]).status == 200
    assert sent == {"UpdateItem": 1, "Query": 1}


def test_a_list_page_is_one_query(api: Api, admin: dict[str, Any]) -> None:
    for i in range(6):
        api.create_contact(admin["apiKey"], name=f"Page {i}")
    for params in ({"limit": 5}, {"limit": 50}, {"limit": 5, "sort": "-lastName"}, {"limit": 5, "sort": "updatedAt"}):
        with dynamodb_requests() as sent:
            assert api.get("/api/v1/contacts", key=admin["apiKey"], params=params).status == 200
        assert sent == {"UpdateItem": 1, "Query": 1}, params


def test_search_and_tag_pages_are_one_query_and_one_batch_get(api: Api, admin: dict[str, Any]) -> None:
    for i in range(3):
        api.create_contact(admin["apiKey"], name=f"Searchable {i}", tags=["t"])
    for params in ({"search": "sea"}, {"tag": "t"}):
        with dynamodb_requests() as sent:
            assert len(api.get("/api/v1/contacts", key=admin["apiKey"], params=params).data) == 3
        assert sent == {"UpdateItem": 1, "Query": 1, "BatchGetItem": 1}, params


def test_delete_is_one_transaction_plus_reads(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Budget", emails=["b@example.com"], tags=["a", "b"])
    with dynamodb_requests() as sent:
        assert api.delete(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).status == 200
    # The contact gives up its tags: one BatchGetItem of their name guards finds the tags whose
    # contactCount the transaction moves (docs/data-model.md, Tags).
    assert sent == {"UpdateItem": 1, "GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}


def test_a_write_that_changes_tags_reads_their_name_guards_once(api: Api, admin: dict[str, Any]) -> None:
    """Taking or giving up tags needs to know which tags hold those names (to make a new one or move
    its count): one BatchGetItem for all of them; a write that leaves the tags alone reads none."""
    _start_window(api, admin)
    with dynamodb_requests() as sent:
        contact = api.create_contact(admin["apiKey"], name="Tagged", tags=["a", "b", "c"])
    assert sent == {"UpdateItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    with dynamodb_requests() as sent:
        api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"tags": ["a", "d"]})
    assert sent == {"UpdateItem": 1, "GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    with dynamodb_requests() as sent:
        api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"name": "Renamed"})
    assert sent == {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1}


def test_a_tag_filter_by_id_reads_the_tags_once(api: Api, admin: dict[str, Any]) -> None:
    """A tag ID stands for the tag's name: one BatchGetItem for every ID of the filter."""
    api.create_contact(admin["apiKey"], name="Tagged", tags=["t", "u"])
    ids = ",".join(tag["id"] for tag in api.get("/api/v1/tags", key=admin["apiKey"]).data)
    with dynamodb_requests() as sent:
        reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"tagsAll": ids})
    assert len(reply.data) == 1
    assert sent == {"UpdateItem": 1, "BatchGetItem": 2, "Query": 1}


def test_a_tag_page_is_one_query_searched_or_not(api: Api, admin: dict[str, Any]) -> None:
    """Tags are kept by folded name: a search is a prefix of the same Query's sort key."""
    for name in ("vip", "vienna", "lead"):
        assert api.post("/api/v1/tags", key=admin["apiKey"], json={"name": name}).status == 201
    for params in ({}, {"search": "vi"}, {"search": "vi", "limit": 1}):
        with dynamodb_requests() as sent:
            assert api.get("/api/v1/tags", key=admin["apiKey"], params=params).status == 200
        assert sent == {"UpdateItem": 1, "Query": 1}, params


def test_create_and_update_are_one_transaction(api: Api, admin: dict[str, Any]) -> None:
    _start_window(api, admin)
    with dynamodb_requests() as sent:
        contact = api.create_contact(admin["apiKey"], name="Budget", emails=["c@example.com"])
    assert sent == {"UpdateItem": 1, "TransactWriteItems": 1}
    with dynamodb_requests() as sent:
        api.patch(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"], json={"emails": ["d@example.com"]})
    assert sent == {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1}


def test_no_request_path_ever_scans(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    with dynamodb_requests() as sent:
        contact = api.create_contact(key, name="Everything", emails=["e@example.com"], tags=["x"])
        for params in ({}, {"search": "ev"}, {"tag": "x"}, {"ownerId": admin["userId"]}, {"organizationId": "org_1"}):
            api.get("/api/v1/contacts", key=key, params=params)
        api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"name": "Changed"})
        api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
        api.get("/api/v1/admin/contacts/deleted", key=key)
        api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=key)
        api.get("/api/v1/admin/audit-log", key=key, params={"action": "contact.created"})
        api.get("/api/v1/api-keys", key=key)
        api.get(f"/api/v1/contacts/{contact['id']}", key=other_admin["apiKey"])
    assert sent["Query"] >= 8
    assert "Scan" not in sent


def test_webhook_routes_are_one_read_and_one_transaction_at_most(api: Api, admin: dict[str, Any]) -> None:
    """A create writes the webhook and adds to the tenant's count in one conditional transaction, with
    nothing read first; the limit of 25 is the count's condition (docs/data-model.md, Webhooks)."""
    key = admin["apiKey"]
    _start_window(api, admin)
    body = {"event": "deal.won", "targetUrl": "http://127.0.0.1:9/hooks"}
    with dynamodb_requests() as sent:
        hook = api.post("/api/v1/webhooks", key=key, json=body).data
    assert sent == {"UpdateItem": 1, "TransactWriteItems": 1}
    path = f"/api/v1/webhooks/{hook['id']}"
    for method, at, payload, expected in (
        ("GET", "/api/v1/webhooks", None, {"UpdateItem": 1, "Query": 1}),
        ("GET", path, None, {"UpdateItem": 1, "GetItem": 1}),
        ("PATCH", path, {"active": False}, {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1}),
        ("POST", f"{path}/rotate-secret", None, {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1}),
        ("DELETE", path, None, {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1}),
    ):
        with dynamodb_requests() as sent:
            assert api.call(method, at, key=key, json=payload).status in (200, 201)
        assert sent == expected, (method, at)


def test_a_lead_activity_is_one_read_and_one_transaction(api: Api, admin: dict[str, Any]) -> None:
    """Added to the lead as read (its version the transaction's condition); a list filtered on the
    protection status, derived when read, reads the index page it fills (docs/data-model.md, "Leads")."""
    key = admin["apiKey"]
    lead = make(api, key, "lead")
    activity = {"activityType": "CALL", "activityDate": lead["registeredAt"], "summary": "x", "countsAsProgress": True}
    _start_window(api, admin)
    with dynamodb_requests() as sent:
        assert api.post(f"/api/v1/leads/{lead['id']}/activities", key=key, json=activity).status == 201
    assert sent == {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    with dynamodb_requests() as sent:
        listed = api.get("/api/v1/leads", key=key, params={"protectionStatus": "PROTECTED", "limit": 5})
    assert [found["id"] for found in listed.data] == [lead["id"]]
    assert sent == {"UpdateItem": 1, "Query": 1}
