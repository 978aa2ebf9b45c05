"""Cross-cutting HTTP behaviour: envelope, bad input, body limit, rate limits, idempotency, dev mode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contact_platform.config import settings
from tests.support.entities import make
from tests.support.fixtures import Api, business_items


def test_heartbeat_is_public_and_enveloped(api: Api) -> None:
    reply = api.get("/heartbeat")
    assert reply.status == 200
    assert reply.data["status"] == "ok"
    assert set(reply.body["meta"]) == {"requestId", "timestamp", "version"}
    assert reply.header("X-Request-Id") == reply.body["meta"]["requestId"]


def test_unknown_route_is_404_envelope(api: Api, admin: dict[str, Any]) -> None:
    for method, path in (("GET", "/api/v1/nothing"), ("PUT", "/api/v1/contacts/con_1/nothing"), ("GET", "/")):
        reply = api.call(method, path, key=admin["apiKey"])
        assert reply.status == 404
        assert reply.error == {"code": "RESOURCE_NOT_FOUND", "message": "Route not found"}


@pytest.mark.parametrize(
    "raw",
    ['{"name": "x"', "not json at all", '{"name": "x",}', "\ufeff{"],
)
def test_malformed_json_is_400_and_writes_nothing(api: Api, admin: dict[str, Any], raw: str) -> None:
    before = business_items()
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=raw, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.error["code"] == "INVALID_REQUEST"
    assert business_items() == before


@pytest.mark.parametrize("raw", ["[]", "null", '"a string"', "42"])
def test_json_that_is_not_an_object_is_422(api: Api, admin: dict[str, Any], raw: str) -> None:
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=raw)
    assert reply.status == 422
    assert reply.error["code"] == "VALIDATION_ERROR"


def test_body_without_json_content_type_is_still_read_as_json(api: Api, admin: dict[str, Any]) -> None:
    reply = api.post(
        "/api/v1/contacts",
        key=admin["apiKey"],
        body='{"name": "curl -d"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 201 and reply.data["name"] == "curl -d"


def test_body_over_one_megabyte_is_413_and_writes_nothing(api: Api, admin: dict[str, Any]) -> None:
    before = business_items()
    huge = json.dumps({"name": "x", "customFields": {"blob": "y" * (1024 * 1024)}})
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=huge)
    assert reply.status == 413
    assert reply.error["code"] == "PAYLOAD_TOO_LARGE"
    assert business_items() == before


def test_non_utf8_body_is_400(api: Api, admin: dict[str, Any]) -> None:
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=b'{"name": "\xff\xfe"}')
    assert reply.status == 400


def test_validation_errors_never_use_powertools_bodies(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"limit": "lots"})
    assert reply.status == 422
    assert set(reply.body) == {"success", "error", "meta"}
    assert "detail" not in reply.body and "statusCode" not in reply.body


def test_every_response_carries_rate_limit_headers(api: Api, admin: dict[str, Any]) -> None:
    for reply in (
        api.get("/api/v1/contacts", key=admin["apiKey"]),
        api.get("/api/v1/contacts/con_x", key=admin["apiKey"]),
    ):
        assert reply.header("X-RateLimit-Limit") == str(settings().rate_limit)
        assert reply.header("X-RateLimit-Reset") is not None
    first = int(api.get("/api/v1/contacts", key=admin["apiKey"]).header("X-RateLimit-Remaining") or "0")
    second = int(api.get("/api/v1/contacts", key=admin["apiKey"]).header("X-RateLimit-Remaining") or "0")
    assert second == first - 1


def test_rate_limit_is_per_key_and_configurable(api: Api, admin: dict[str, Any]) -> None:
    limited = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "tight", "rateLimit": 3}).data
    replies = [api.get("/api/v1/contacts", key=limited["key"]) for _ in range(4)]
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert [r.header("X-RateLimit-Remaining") for r in replies] == ["2", "1", "0", "0"]
    refused = replies[-1]
    assert refused.error["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.header("Retry-After") or "0") <= settings().rate_window_seconds
    assert refused.header("X-RateLimit-Limit") == "3"
    before = business_items()
    assert api.post("/api/v1/contacts", key=limited["key"], json={"name": "x"}).status == 429
    assert business_items() == before
    assert api.get("/api/v1/contacts", key=admin["apiKey"]).status == 200


class TestIdempotency:
    def test_replays_the_first_response(self, api: Api, admin: dict[str, Any]) -> None:
        headers = {"Idempotency-Key": "order-42"}
        first = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Once"}, headers=headers)
        again = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Once"}, headers=headers)
        assert first.status == again.status == 201
        assert again.data == first.data
        assert again.header("Idempotent-Replayed") == "true"
        assert first.header("Idempotent-Replayed") is None
        assert len(api.get("/api/v1/contacts", key=admin["apiKey"]).data) == 1

    def test_same_key_other_body_is_422(self, api: Api, admin: dict[str, Any]) -> None:
        headers = {"idempotency-key": "k1"}
        api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "A"}, headers=headers)
        reply = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "B"}, headers=headers)
        assert reply.status == 422
        assert reply.error["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert [c["name"] for c in api.get("/api/v1/contacts", key=admin["apiKey"]).data] == ["A"]

    def test_failed_requests_are_not_stored(self, api: Api, admin: dict[str, Any]) -> None:
        headers = {"Idempotency-Key": "retry-me"}
        bad = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "A", "emails": ["x"]}, headers=headers)
        assert bad.status == 422
        good = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "A", "emails": ["x"]}, headers=headers)
        assert good.status == 422 and good.header("Idempotent-Replayed") is None

    def test_keys_are_per_tenant_and_apply_to_patch(
        self, api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
    ) -> None:
        headers = {"Idempotency-Key": "shared-key"}
        mine = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Mine"}, headers=headers)
        theirs = api.post("/api/v1/contacts", key=other_admin["apiKey"], json={"name": "Mine"}, headers=headers)
        assert theirs.status == 201 and theirs.data["id"] != mine.data["id"]
        path = f"/api/v1/contacts/{mine.data['id']}"
        patch_headers = {"Idempotency-Key": "patch-1"}
        first = api.patch(path, key=admin["apiKey"], json={"name": "Renamed"}, headers=patch_headers)
        api.patch(path, key=admin["apiKey"], json={"name": "Other"})
        replay = api.patch(path, key=admin["apiKey"], json={"name": "Renamed"}, headers=patch_headers)
        assert replay.data == first.data and replay.header("Idempotent-Replayed") == "true"
        assert api.get(path, key=admin["apiKey"]).data["name"] == "Other"

    def test_keys_are_per_caller_so_a_replay_shows_no_one_else_a_record(self, api: Api, admin: dict[str, Any]) -> None:
        """Another user of the tenant sending the same key and body gets its own answer: a replay
        skips the service, so it must never hand over an answer its caller may not see."""
        user = api.token("user", tenant_id=admin["tenantId"])
        hidden = api.create_contact(admin["apiKey"], name="Hidden", emails=["hidden@example.com"])
        path = f"/api/v1/contacts/{hidden['id']}"
        headers = {"Idempotency-Key": "fix-1"}
        assert api.patch(path, key=admin["apiKey"], json={"name": "Hidden Two"}, headers=headers).status == 200
        theirs = api.patch(path, key=user["apiKey"], json={"name": "Hidden Two"}, headers=headers)
        assert theirs.status == 404 and theirs.error["message"] == "Contact not found"
        assert theirs.header("Idempotent-Replayed") is None

        created = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Twice"}, headers=headers)
        own = api.post("/api/v1/contacts", key=user["apiKey"], json={"name": "Twice"}, headers=headers)
        assert own.status == 201 and own.header("Idempotent-Replayed") is None
        assert own.data["id"] != created.data["id"] and own.data["ownerId"] == user["userId"]
        again = api.post("/api/v1/contacts", key=user["apiKey"], json={"name": "Twice"}, headers=headers)
        assert again.data == own.data and again.header("Idempotent-Replayed") == "true"


def test_dev_token_route_is_404_without_dev_mode(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from contact_platform import config

    monkeypatch.setenv("DEV_MODE", "false")
    config.settings.cache_clear()
    try:
        before = business_items()
        reply = api.post("/dev/token", json={"role": "admin"})
        assert reply.status == 404
        assert business_items() == before
    finally:
        monkeypatch.setenv("DEV_MODE", "true")
        config.settings.cache_clear()


def test_dev_token_can_join_an_existing_tenant_with_narrower_scopes(api: Api, admin: dict[str, Any]) -> None:
    reader = api.token("user", admin["tenantId"], scopes=["contacts:read"])
    assert reader["tenantId"] == admin["tenantId"] and reader["scopes"] == ["contacts:read"]
    assert api.post("/api/v1/contacts", key=reader["apiKey"], json={"name": "x"}).status == 403
    assert api.post("/dev/token", json={"role": "user", "scopes": ["apikeys:manage"]}).status == 422
    assert api.post("/dev/token", json={"role": "emperor"}).status == 422


# The resources with an ETag beyond the declared entities (test_entities.py covers those): a create,
# a change, the path of one.
VERSIONED = {
    "contact": ("/api/v1/contacts", {"firstName": "Vera", "emails": ["vera@example.com"]}, {"lastName": "Version"}),
    "segment": ("/api/v1/segments", {"name": "Versioned", "filter": {"tag": ["vip"]}}, {"description": "changed"}),
    "webhook": (
        "/api/v1/webhooks",
        {"event": "deal.won", "targetUrl": "http://127.0.0.1:9/hooks"},
        {"description": "changed"},
    ),
}


@pytest.mark.parametrize("resource", VERSIONED)
def test_conditional_get_and_delete(api: Api, admin: dict[str, Any], resource: str) -> None:
    """A GET whose If-None-Match names the current ETag is 304 without a body; If-Match on DELETE is
    held like on PATCH: 412 for a version changed since, and nothing is deleted."""
    key = admin["apiKey"]
    at, body, change = VERSIONED[resource]
    created = api.post(at, key=key, json=body)
    assert created.status == 201, created.body
    path = f"{at}/{created.data['id']}"
    assert created.header("Location") == path
    held = api.get(path, key=key, headers={"If-None-Match": '"1"'})
    assert (held.status, held.text, held.header("ETag")) == (304, "", '"1"'), held.text
    assert api.get(path, key=key, headers={"If-None-Match": "*"}).status == 304
    assert api.get(path, key=key, headers={"If-None-Match": "not a tag"}).status == 200
    stale_patch = api.patch(path, key=key, json=change, headers={"If-Match": '"2"'})
    assert stale_patch.status == 412 and stale_patch.error["code"] == "PRECONDITION_FAILED"
    assert api.patch(path, key=key, json=change, headers={"If-Match": '"1"'}).status == 200
    fresh = api.get(path, key=key, headers={"If-None-Match": '"1"'})
    assert fresh.status == 200 and fresh.data["version"] == 2 and fresh.header("ETag") == '"2"'
    before = business_items()
    for method in ("PATCH", "DELETE"):  # a value that is no ETag: named as the header, and nothing written
        garbled = api.call(method, path, key=key, json=change, headers={"If-Match": "version 2"})
        issue = 'not an ETag: send the one a read returned ("3" or W/"3"), or *'
        assert garbled.status == 422 and garbled.error["details"] == [{"field": "If-Match", "issue": issue}]
    stale = api.delete(path, key=key, headers={"If-Match": '"1"'})
    assert stale.status == 412 and stale.error["message"].endswith("has changed: its version is 2"), stale.body
    assert business_items() == before and api.get(path, key=key).status == 200
    assert api.delete(path, key=key, headers={"If-Match": 'W/"2"'}).status == 200
    assert api.get(path, key=key).status == 404


def test_location_is_behind_the_stage_the_client_called(api: Api, admin: dict[str, Any]) -> None:
    """On AWS the client calls `/<stage>/api/v1/...` (API Gateway's `requestContext.path`): the
    `Location` of a created record has that stage before it (a job's: test_exports.py)."""
    created = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Staged"}, stage="/v1")
    assert created.status == 201 and created.header("Location") == f"/v1/api/v1/contacts/{created.data['id']}"


def _actions(api: Api, key: str) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """An action on one record at version 2 (changed once since its version 1): method, path, body."""
    contact, survivor = api.create_contact(key, name="Dup"), api.create_contact(key, name="Kept")
    organization, kept = make(api, key, "organization"), make(api, key, "organization")
    tag = api.post("/api/v1/tags", key=key, json={"name": "conditional"}).data["id"]
    webhook = api.post("/api/v1/webhooks", key=key, json={"event": "*", "targetUrl": "http://[::1]/h"}).data["id"]
    for path in (f"/api/v1/contacts/{contact['id']}", f"/api/v1/organizations/{organization['id']}"):
        assert api.patch(path, key=key, json={"name": "Changed"}).status == 200
    assert api.patch(f"/api/v1/webhooks/{webhook}", key=key, json={"description": "changed"}).status == 200
    gone, gone_organization = api.create_contact(key, name="Gone"), make(api, key, "organization")
    assert api.delete(f"/api/v1/contacts/{gone['id']}", key=key).status == 200
    assert api.delete(f"/api/v1/organizations/{gone_organization['id']}", key=key).status == 200
    tagged = api.create_contact(key, name="Tagged", tags=["conditional"])
    assert api.patch(f"/api/v1/contacts/{tagged['id']}", key=key, json={"name": "Tagged again"}).status == 200
    return {
        "merge_contact": ("POST", f"/api/v1/contacts/{contact['id']}/merge", {"mergeWithId": survivor["id"]}),
        "merge_organization": (
            "POST",
            f"/api/v1/organizations/{organization['id']}/merge",
            {"mergeWithId": kept["id"]},
        ),
        "tag_contact": ("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag}", None),
        "untag_contact": ("DELETE", f"/api/v1/contacts/{tagged['id']}/tags/{tag}", None),
        "rotate_webhook_secret": ("POST", f"/api/v1/webhooks/{webhook}/rotate-secret", None),
        "restore_contact": ("POST", f"/api/v1/admin/contacts/{gone['id']}/restore", None),
        "restore_organization": ("POST", f"/api/v1/admin/organizations/{gone_organization['id']}/restore", None),
    }


@pytest.mark.parametrize(
    "action",
    [
        "merge_contact",
        "merge_organization",
        "tag_contact",
        "untag_contact",
        "rotate_webhook_secret",
        "restore_contact",
        "restore_organization",
    ],
)
def test_actions_on_one_record_honour_if_match(api: Api, admin: dict[str, Any], action: str) -> None:
    """A merge (the version of the record merged away), a tag put on or taken off, a secret rotated,
    a restore: 412 for a version changed since, and nothing written; the current one goes through."""
    key = admin["apiKey"]
    method, path, body = _actions(api, key)[action]
    before = business_items()
    stale = api.call(method, path, key=key, json=body, headers={"If-Match": '"1"'})
    assert stale.status == 412 and stale.error["message"].endswith("has changed: its version is 2"), stale.body
    assert business_items() == before
    assert api.call(method, path, key=key, json=body, headers={"If-Match": '"2"'}).status in (200, 201)


_CREATED = {
    "/api/v1/contacts": {"name": "Null Test"},
    "/api/v1/tags": {"name": "null-test"},
    "/api/v1/webhooks": {"event": "deal.won", "targetUrl": "http://127.0.0.1:9/hooks"},  # dev mode: loopback
    "/api/v1/segments": {"name": "Null test", "filter": {}},
}


@pytest.mark.parametrize(
    ("path", "patch", "fields"),
    [
        ("/api/v1/contacts", {"ownerId": None, "emails": ["not-an-email"]}, ["emails[0]", "ownerId"]),
        ("/api/v1/tags", {"name": None, "color": "red"}, ["name", "color"]),
        ("/api/v1/webhooks", {"event": None, "active": None, "description": "x" * 501},
         ["event", "description", "active"]),
        ("/api/v1/segments", {"name": None, "description": 5}, ["name", "description"]),
    ],
)  # fmt: skip
def test_a_null_where_a_patch_takes_none_comes_with_the_other_problems(
    api: Api, admin: dict[str, Any], path: str, patch: dict[str, Any], fields: list[str]
) -> None:
    key = admin["apiKey"]
    created = api.post(path, key=key, json=_CREATED[path])
    assert created.status == 201, created.body
    before = business_items()
    reply = api.patch(f"{path}/{created.data['id']}", key=key, json=patch)
    assert reply.status == 422, reply.body
    found = {detail["field"]: detail["issue"] for detail in reply.error["details"]}
    assert sorted(found) == sorted(fields), found
    assert all(found[name] == "cannot be null" for name, value in patch.items() if value is None), found
    assert business_items() == before
