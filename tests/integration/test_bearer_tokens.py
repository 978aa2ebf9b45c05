"""JWT bearer tokens (docs/architecture.md, "Bearer tokens"): `POST /dev/token`'s access token works
like its API key; the role bounds the token's scopes; app clients and the resource server's scope
prefix (Cognito's tokens); the subject's requests are counted and limited like a key's. The refused
kinds of token: test_bearer_token_refusals.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from contact_platform import clock, config
from contact_platform.services import dev_issuer
from tests.support import issuer
from tests.support.fixtures import Api, business_items, table_items
from tests.support.request_counter import dynamodb_requests

UNAUTHORIZED = {"code": "AUTHENTICATION_FAILED", "message": "Invalid or expired API key"}


def claims_for(token: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Valid claims for the user of a `POST /dev/token` answer, with `changes` (None: left out)."""
    now = clock.epoch(clock.now())
    claims: dict[str, Any] = {
        "iss": issuer.ISSUER,
        "aud": issuer.AUDIENCE,
        "sub": token["userId"],
        "iat": now,
        "exp": now + 300,
        "cdp:tenant": token["tenantId"],
        "cdp:user": token["userId"],
        "cdp:role": token["role"],
        "scope": " ".join(token["scopes"]),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def test_the_dev_tokens_access_token_works_like_its_key(api: Api) -> None:
    token = api.token("user")
    assert token["tokenType"] == "Bearer" and token["expiresIn"] == dev_issuer.EXPIRES_IN_SECONDS
    claims = jwt.decode(token["accessToken"], options={"verify_signature": False})
    assert claims["cdp:tenant"] == token["tenantId"] and claims["cdp:user"] == claims["sub"] == token["userId"]
    assert claims["cdp:role"] == "user" and claims["scope"].split() == token["scopes"]
    assert claims["exp"] - claims["iat"] == dev_issuer.EXPIRES_IN_SECONDS
    assert jwt.get_unverified_header(token["accessToken"])["alg"] == "RS256"

    created = api.create_contact(token["accessToken"], name="Made with a JWT")
    assert created["ownerId"] == token["userId"]
    by_key = api.get(f"/api/v1/contacts/{created['id']}", key=token["apiKey"])
    assert by_key.status == 200 and by_key.data["name"] == "Made with a JWT"
    me = api.get("/api/v1/users/me", key=token["accessToken"])
    assert me.status == 200 and me.data["id"] == token["userId"]


def test_the_role_bounds_the_tokens_scopes(api: Api) -> None:
    partner = api.token("partner")
    greedy = issuer.sign(claims_for(partner, scope="contacts:read apikeys:manage audit:read"))
    refused = api.get("/api/v1/api-keys", key=greedy)
    assert refused.status == 403 and refused.error["message"] == "Missing required permission: apikeys:manage"
    assert api.get("/api/v1/contacts", key=greedy).status == 200
    narrow = issuer.sign(claims_for(partner, scope="contacts:read"))
    assert api.post("/api/v1/contacts", key=narrow, json={"name": "No"}).status == 403


def test_client_ids_and_the_scope_prefix_of_cognito_tokens(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """With JWT_CLIENT_IDS, only tokens of those app clients count; JWT_SCOPE_PREFIX is the resource
    server's (`cdp/contacts:read`), and scopes of another resource server count for nothing."""
    admin = api.token("admin")
    monkeypatch.setenv(config.ENV_JWT_CLIENT_IDS, "client-a, client-b")
    monkeypatch.setenv(config.ENV_JWT_SCOPE_PREFIX, "cdp/")
    config.settings.cache_clear()
    try:
        scoped = {"scope": "cdp/contacts:read other/apikeys:manage apikeys:manage"}
        assert (
            api.get("/api/v1/contacts", key=issuer.sign(claims_for(admin, client_id="client-b", **scoped))).status
            == 200
        )
        assert (
            api.get("/api/v1/contacts", key=issuer.sign(claims_for(admin, client_id="client-c", **scoped))).status
            == 401
        )
        assert api.get("/api/v1/contacts", key=issuer.sign(claims_for(admin, **scoped))).status == 401
        keys = api.get("/api/v1/api-keys", key=issuer.sign(claims_for(admin, client_id="client-a", **scoped)))
        assert keys.status == 403
    finally:
        monkeypatch.undo()
        config.settings.cache_clear()


def test_no_issuer_configured_means_no_tokens(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token = api.token("admin")
    monkeypatch.delenv(config.ENV_JWT_ISSUER)
    config.settings.cache_clear()
    try:
        assert api.get("/api/v1/contacts", key=token["accessToken"]).status == 401
        assert api.get("/api/v1/contacts", key=token["apiKey"]).status == 200
    finally:
        monkeypatch.undo()
        config.settings.cache_clear()


@pytest.fixture
def minute_windows(monkeypatch: pytest.MonkeyPatch, aws: None) -> Iterator[Callable[[float], None]]:
    """Windows of a minute, 3 requests each, and a clock moved by the test."""
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    moment = [start]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    monkeypatch.setenv(config.ENV_RATE_WINDOW, "60")
    monkeypatch.setenv(config.ENV_RATE_LIMIT, "3")
    config.settings.cache_clear()

    def at(seconds: float) -> None:
        moment[0] = start + timedelta(seconds=seconds)

    yield at
    monkeypatch.undo()
    config.settings.cache_clear()


def test_a_token_subject_is_rate_limited_like_a_key(api: Api, minute_windows: Callable[[float], None]) -> None:
    token = api.token("admin")
    start = clock.epoch(clock.now())
    access = issuer.sign(claims_for(token))
    with dynamodb_requests() as sent:
        first = api.get("/api/v1/contacts", key=access)
    assert sent["UpdateItem"] == 2, "no window yet: the count fails, the subject's window is made"
    assert (first.header("X-RateLimit-Limit"), first.header("X-RateLimit-Remaining")) == ("3", "2")
    assert first.header("X-RateLimit-Reset") == str(start + 60)
    with dynamodb_requests() as sent:
        second = api.get("/api/v1/contacts", key=issuer.sign(claims_for(token)))  # another token, the same subject
    assert sent["UpdateItem"] == 1 and second.header("X-RateLimit-Remaining") == "1"
    assert api.get("/api/v1/contacts", key=access).status == 200
    before = business_items()
    refused = api.post("/api/v1/contacts", key=access, json={"name": "Over the limit"})
    assert refused.status == 429 and refused.error["code"] == "RATE_LIMITED"
    assert refused.header("Retry-After") == "60"
    assert [i for i in business_items() if i not in before and i["kind"]["S"] != "token-window"] == []
    (window,) = [i for i in table_items() if i["kind"]["S"] == "token-window"]
    assert window["PK"]["S"] == f"TOKENSUB#{token['tenantId']}#{token['userId']}"
    assert (window["windowStart"]["N"], window["windowHits"]["N"]) == (str(start), "4")
    assert window["expiresAt"]["N"] == str(start + 120)
    assert api.get("/api/v1/contacts", key=token["apiKey"]).status == 200, "the key has a window of its own"

    minute_windows(61)  # the next window (the token is still valid: 5 minutes)
    again = api.get("/api/v1/contacts", key=access)
    assert again.status == 200 and again.header("X-RateLimit-Remaining") == "2"
