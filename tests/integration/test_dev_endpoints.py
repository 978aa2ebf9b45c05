"""The dev-mode routes (docs/architecture.md, "Dev endpoints"): the dev issuer's JWKS, `/dev/auth`,
`/dev/internalServerError` and `/dev/supremes`, each a 404 outside dev mode; supreme users are a
platform-level flag set by an operator only (services/supremes.py), checked with one GetItem on
the routes that need it."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import jwt
import pytest

from contact_platform import config
from contact_platform import permissions as p
from contact_platform.demo_tenant import DEMO_ADMIN_ID, DEMO_TENANT_ID
from contact_platform.observability import logger
from contact_platform.routes import ROUTES
from contact_platform.services import supremes
from contact_platform.services.dev_tokens import ensure_demo_admin
from tests.support.fixtures import Api, business_items
from tests.support.request_counter import dynamodb_requests

DEV_ROUTES = [route for route in ROUTES if route.dev_only]


def _statuses(api: Api, credential: str | None) -> dict[str, int]:
    return {
        route.name: api.call(route.method, route.path, key=credential, json={"role": "admin"}).status
        for route in DEV_ROUTES
    }


def test_the_dev_routes_answer_in_dev_mode(api: Api, admin: dict[str, Any]) -> None:
    supremes.set_supreme(admin["userId"], granted_by="test")
    assert _statuses(api, admin["accessToken"]) == {
        "create_dev_token": 201,
        "get_jwks": 200,
        "get_dev_auth": 200,
        "trigger_internal_server_error": 500,
        "get_dev_supremes": 200,
    }


def test_the_dev_routes_are_not_found_outside_dev_mode(api: Api, admin: dict[str, Any]) -> None:
    supremes.set_supreme(admin["userId"], granted_by="test")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DEV_MODE, "false")
        config.settings.cache_clear()
        try:
            before = business_items()
            for credential in (admin["apiKey"], admin["accessToken"], None):
                assert set(_statuses(api, credential).values()) == {404}
                for route in DEV_ROUTES:
                    reply = api.call(route.method, route.path, key=credential)
                    assert reply.error == {"code": "RESOURCE_NOT_FOUND", "message": "Route not found"}
            assert business_items() == before
        finally:
            config.settings.cache_clear()


def test_the_jwks_verifies_the_dev_tokens(api: Api) -> None:
    reply = api.get("/.well-known/jwks.json")
    assert reply.status == 200 and set(reply.body) == {"keys"}, "a JWKS document, not the envelope"
    (key,) = reply.body["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    token = api.token("user")["accessToken"]
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    public = jwt.PyJWK.from_dict(key).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=config.settings().jwt_audience)
    assert claims["iss"] == config.settings().jwt_issuer


def test_dev_auth_shows_the_demo_tenant_without_secrets(api: Api) -> None:
    demo = ensure_demo_admin(None, "req_test")
    user = api.post("/dev/token", json={"role": "partner"}).data
    reply = api.get("/dev/auth")
    assert reply.status == 200
    data = reply.data
    assert data["tenantId"] == DEMO_TENANT_ID
    users = {u["id"]: u for u in data["users"]}
    assert users[DEMO_ADMIN_ID]["role"] == "admin" and users[user["userId"]]["role"] == "partner"
    assert data["usersTruncated"] is False
    assert {r["role"] for r in data["roles"]} == {role.value for role in p.Role}
    assert data["issuer"] == config.settings().jwt_issuer and data["jwksUrl"] == config.settings().jwt_jwks_url
    assert "cdp:tenant" in data["claims"] and any("/dev/token" in step for step in data["howToGetAToken"])
    assert "cdp users set-supreme" in data["howToBecomeSupreme"]
    text = json.dumps(reply.body)
    for secret in (demo.apiKey, user["apiKey"], user["accessToken"], "cdp_test_", "cdp_live_", "PRIVATE KEY"):
        assert secret not in text


def test_internal_server_error_goes_through_the_error_path(api: Api) -> None:
    """The 500 envelope, and the log line any unhandled error gets (with the request's correlation id)."""
    printed = io.StringIO()
    handler = logging.StreamHandler(printed)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    logger.setLevel("ERROR")
    try:
        reply = api.get("/dev/internalServerError")
    finally:
        logger.setLevel("CRITICAL")
        logger.removeHandler(handler)
    assert reply.status == 500
    assert reply.body == {
        "success": False,
        "error": {"code": "INTERNAL_ERROR", "message": "Internal server error"},
        "meta": reply.body["meta"],
    }
    request_id = reply.header("X-Request-Id")
    assert request_id and reply.body["meta"]["requestId"] == request_id
    lines = [json.loads(line) for line in printed.getvalue().splitlines() if line.startswith("{")]
    (logged,) = [line for line in lines if line.get("message") == "unhandled error"]
    assert logged["level"] == "ERROR" and logged["route"] == "trigger_internal_server_error"
    assert "req_" + str(logged["correlation_id"]).replace("-", "") == request_id
    assert "DeliberateFailure" in logged["exception"]


def test_only_a_supreme_user_passes_dev_supremes(api: Api, admin: dict[str, Any]) -> None:
    for credential in (admin["apiKey"], admin["accessToken"]):
        with dynamodb_requests() as sent:
            refused = api.get("/dev/supremes", key=credential)
        assert refused.status == 403
        assert refused.error == {"code": "INSUFFICIENT_PERMISSIONS", "message": supremes.NOT_SUPREME}
        assert sent["GetItem"] == 1, "one read of the caller's flag"
    assert api.get("/dev/supremes").status == 401

    supremes.set_supreme(admin["userId"], granted_by="operator")
    for credential in (admin["apiKey"], admin["accessToken"]):
        with dynamodb_requests() as sent:
            reply = api.get("/dev/supremes", key=credential)
        assert reply.status == 200, reply.body
        assert reply.data == {
            "message": "You are a supreme user",
            "userId": admin["userId"],
            "tenantId": admin["tenantId"],
        }
        assert sent == {"UpdateItem": 1, "GetItem": 1}
    with dynamodb_requests() as sent:
        assert api.get("/api/v1/contacts", key=admin["apiKey"]).status == 200
    assert "GetItem" not in sent, "other routes do not read the flag"

    assert supremes.revoke_supreme(admin["userId"]) is True
    assert api.get("/dev/supremes", key=admin["accessToken"]).status == 403
    assert supremes.revoke_supreme(admin["userId"]) is False


def test_the_supreme_flag_cannot_be_had_through_the_tenant_api(api: Api, admin: dict[str, Any]) -> None:
    """It is no scope: neither a key, a dev token nor a token's `scope` claim carries it."""
    before = business_items()
    created = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "s", "scopes": [p.SUPREME]})
    assert created.status == 422
    assert api.post("/dev/token", json={"role": "admin", "scopes": [p.SUPREME]}).status == 422
    assert business_items() == before
    assert p.SUPREME not in p.ALL_SCOPES
    assert all(p.SUPREME not in scopes for scopes in p.ROLE_SCOPES.values())
    assert supremes.is_supreme(admin["userId"]) is False
    assert supremes.list_supremes() == []
