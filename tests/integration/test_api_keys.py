"""API keys: create (shown once, stored hashed), list, revoke; the authorizer's view of them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.fixtures import Api, business_items, table_items
from tests.support.request_counter import dynamodb_requests


def test_created_key_works_and_only_its_hash_is_stored(api: Api, admin: dict[str, Any]) -> None:
    reply = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "CRM sync", "scopes": ["contacts:read"]})
    assert reply.status == 201
    created = reply.data
    assert reply.header("Location") == f"/api/v1/api-keys/{created['id']}"
    assert created["key"].startswith("cdp_test_") and len(created["key"]) == len("cdp_test_") + 32
    assert created["prefix"] == created["key"][:13]
    assert created["scopes"] == ["contacts:read"] and created["role"] == "admin"
    dump = str(table_items())
    assert created["key"] not in dump
    assert hashlib.sha256(created["key"].encode()).hexdigest() in dump
    assert api.get("/api/v1/contacts", key=created["key"]).status == 200
    assert api.post("/api/v1/contacts", key=created["key"], json={"name": "x"}).status == 403
    listed = api.get("/api/v1/api-keys", key=admin["apiKey"]).data
    assert {k["id"] for k in listed} == {admin["keyId"], created["id"]}
    assert all("key" not in k for k in listed)


def test_a_key_shows_when_it_was_last_used(api: Api, admin: dict[str, Any]) -> None:
    """`lastUsedAt`: set by the authorizer's count (no request of its own), null before a key's first
    request and once it is revoked; the list reads it with one BatchGetItem a page."""
    key = admin["apiKey"]
    idle = api.post("/api/v1/api-keys", key=key, json={"name": "idle"}).data
    used = api.post("/api/v1/api-keys", key=key, json={"name": "used"}).data
    assert idle["lastUsedAt"] is None
    before = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert api.get("/api/v1/contacts", key=used["key"]).status == 200
    with dynamodb_requests() as sent:
        listed = {k["id"]: k for k in api.get("/api/v1/api-keys", key=key).data}
    assert sent == {"UpdateItem": 1, "Query": 1, "BatchGetItem": 1}
    assert listed[idle["id"]]["lastUsedAt"] is None
    assert listed[used["id"]]["lastUsedAt"] >= before
    assert listed[admin["keyId"]]["lastUsedAt"] >= listed[used["id"]]["lastUsedAt"], "this very request"
    one = api.get(f"/api/v1/api-keys/{used['id']}", key=key)
    assert one.status == 200 and one.data == listed[used["id"]] and "key" not in one.data
    assert api.delete(f"/api/v1/api-keys/{used['id']}", key=key).status == 200
    after = {k["id"]: k for k in api.get("/api/v1/api-keys", key=key).data}
    assert after[used["id"]]["lastUsedAt"] is None and after[used["id"]]["revokedAt"]
    revoked = api.get(f"/api/v1/api-keys/{used['id']}", key=key).data
    assert revoked["lastUsedAt"] is None and revoked["revokedAt"] == after[used["id"]]["revokedAt"]
    assert api.get("/api/v1/api-keys/key_unknown", key=key).status == 404


def test_x_api_key_header_works_too(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get("/api/v1/contacts", headers={"x-api-key": admin["apiKey"]})
    assert reply.status == 200


def test_two_different_keys_in_one_request_are_refused(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    """Authorization and X-API-Key naming two keys (say a proxy adds one): which caller the request
    acts for would be a silent guess, so it acts for none. The same key twice is one credential."""
    both = {"Authorization": f"Bearer {admin['apiKey']}", "X-API-Key": other_admin["apiKey"]}
    refused = api.get("/api/v1/contacts", headers=both)
    assert refused.status == 401 and refused.error["code"] == "AUTHENTICATION_FAILED"
    same = {"Authorization": f"Bearer {admin['apiKey']}", "X-API-Key": admin["apiKey"]}
    assert api.get("/api/v1/contacts", headers=same).status == 200


def test_revoked_key_is_401_at_once_and_revoking_twice_is_404(api: Api, admin: dict[str, Any]) -> None:
    created = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "temp"}).data
    assert api.get("/api/v1/contacts", key=created["key"]).status == 200
    revoked = api.delete(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"])
    assert revoked.status == 200 and revoked.data["revokedAt"]
    denied = api.get("/api/v1/contacts", key=created["key"])
    assert denied.status == 401
    assert denied.error == {"code": "AUTHENTICATION_FAILED", "message": "Invalid or expired API key"}
    assert api.delete(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"]).status == 404
    listed = {k["id"]: k for k in api.get("/api/v1/api-keys", key=admin["apiKey"]).data}
    assert listed[created["id"]]["revokedAt"] == revoked.data["revokedAt"]


def test_expired_key_is_401(api: Api, admin: dict[str, Any]) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    created = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "short", "expiresAt": soon}).data
    assert api.get("/api/v1/contacts", key=created["key"]).status == 200
    lookup = next(i for i in table_items() if i["kind"]["S"] == "apikey-lookup" and i["keyId"]["S"] == created["id"])
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    boto3.client("dynamodb").update_item(
        TableName="cdp-test",
        Key={"PK": lookup["PK"], "SK": lookup["SK"]},
        UpdateExpression="SET keyExpiresAt = :past",
        ExpressionAttributeValues={":past": {"S": past}},
    )
    assert api.get("/api/v1/contacts", key=created["key"]).status == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scopes": ["apikeys:manage"], "userId": "USER"}, "scopes"),
        ({"name": "x", "expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"name": "x", "userId": "usr_unknown"}, "userId"),
        ({"name": "x", "scopes": ["Not A Scope"]}, "scopes[0]"),
        ({"name": "x", "rateLimit": 0}, "rateLimit"),
        ({"name": ""}, "name"),
        ({"name": "x", "role": "admin"}, "role"),
    ],
)
def test_invalid_key_requests_are_422(api: Api, admin: dict[str, Any], body: dict[str, Any], field: str) -> None:
    if body.get("userId") == "USER":
        body = {**body, "userId": api.token("user", admin["tenantId"])["userId"]}
    before = business_items()
    reply = api.post("/api/v1/api-keys", key=admin["apiKey"], json=body)
    assert reply.status == 422, reply.body
    assert field in {d["field"] for d in reply.error["details"]}
    assert business_items() == before


@pytest.mark.parametrize(
    ("scopes", "issues"),
    [
        (["contact:read"], ["unknown scope contact:read; did you mean contacts:read?"]),
        (["bogus:scope"], ["unknown scope bogus:scope (resource:action, as contacts:read)"]),
        (["contacts:fly"],
         ["unknown scope contacts:fly; contacts has contacts:delete, contacts:read, contacts:restore, contacts:write"]),
        (["apikeys:manage"], ["not allowed for role user: apikeys:manage"]),
        (["contacts:reed", "apikeys:manage", "contacts:read"],
         ["unknown scope contacts:reed; did you mean contacts:read?", "not allowed for role user: apikeys:manage"]),
    ],
)  # fmt: skip
def test_a_scope_that_is_none_is_told_apart_from_one_the_role_may_not_have(
    api: Api, admin: dict[str, Any], scopes: list[str], issues: list[str]
) -> None:
    user = api.token("user", admin["tenantId"])["userId"]
    reply = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "x", "userId": user, "scopes": scopes})
    assert reply.status == 422, reply.body
    assert reply.error["details"] == [{"field": "scopes", "issue": issue} for issue in issues]


def test_key_administration_is_admin_only(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", admin["tenantId"])
    for reply in (
        api.get("/api/v1/api-keys", key=manager["apiKey"]),
        api.post("/api/v1/api-keys", key=manager["apiKey"], json={"name": "x"}),
        api.delete(f"/api/v1/api-keys/{admin['keyId']}", key=manager["apiKey"]),
    ):
        assert reply.status == 403
        assert reply.error["message"] == "Missing required permission: apikeys:manage"


def test_admin_can_issue_a_key_for_a_user_limited_to_the_users_role(api: Api, admin: dict[str, Any]) -> None:
    user = api.token("user", admin["tenantId"])
    created = api.post(
        "/api/v1/api-keys", key=admin["apiKey"], json={"name": "for user", "userId": user["userId"]}
    ).data
    assert created["role"] == "user" and created["userId"] == user["userId"]
    assert "apikeys:manage" not in created["scopes"]
    assert api.get("/api/v1/api-keys", key=created["key"]).status == 403


def test_keys_of_another_tenant_cannot_be_listed_or_revoked(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    assert admin["keyId"] not in {k["id"] for k in api.get("/api/v1/api-keys", key=other_admin["apiKey"]).data}
    theirs = api.get("/api/v1/api-keys", key=other_admin["apiKey"], params={"userId": admin["userId"]})
    assert theirs.status == 200 and theirs.data == []
    assert api.delete(f"/api/v1/api-keys/{admin['keyId']}", key=other_admin["apiKey"]).status == 404
    assert api.get("/api/v1/contacts", key=admin["apiKey"]).status == 200


def test_the_list_filters_by_user_and_by_whether_a_key_works(api: Api, admin: dict[str, Any]) -> None:
    """Which keys of a departing user still work, which keys of the tenant do: `userId` and `active`
    (neither revoked nor expired), over every page."""
    key = admin["apiKey"]
    user = api.token("user", admin["tenantId"])

    def made(name: str, **body: Any) -> str:
        return str(api.post("/api/v1/api-keys", key=key, json={"name": name, **body}).data["id"])

    working, revoked, expired = (made(name, userId=user["userId"]) for name in ("working", "revoked", "expired"))
    assert api.delete(f"/api/v1/api-keys/{revoked}", key=key).status == 200
    record = next(i for i in table_items() if i["kind"]["S"] == "apikey" and i["keyId"]["S"] == expired)
    boto3.client("dynamodb").update_item(
        TableName="cdp-test",
        Key={"PK": record["PK"], "SK": record["SK"]},
        UpdateExpression="SET keyExpiresAt = :past",
        ExpressionAttributeValues={":past": {"S": "2020-01-01T00:00:00.000Z"}},
    )

    def listed(**params: Any) -> list[str]:
        ids, cursor = [], None
        while True:
            page = api.get(
                "/api/v1/api-keys", key=key, params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
            )
            assert page.status == 200, page.body
            ids += [shown["id"] for shown in page.data]
            cursor = page.body["meta"]["pagination"]["nextCursor"]
            if not cursor:
                return ids

    users_key = user["keyId"]
    assert listed(userId=user["userId"]) == [expired, revoked, working, users_key]
    assert listed(userId=user["userId"], active="true") == [working, users_key]
    assert listed(userId=user["userId"], active="false") == [expired, revoked]
    assert admin["keyId"] in listed(active="true") and user["keyId"] not in listed(userId=admin["userId"])
    assert api.get("/api/v1/api-keys", key=key, params={"userId": "someone"}).status == 422
    first = api.get("/api/v1/api-keys", key=key, params={"userId": user["userId"], "limit": 1}).body
    rebound = {"active": "true", "limit": 1, "cursor": first["meta"]["pagination"]["nextCursor"]}
    assert api.get("/api/v1/api-keys", key=key, params=rebound).status == 400
