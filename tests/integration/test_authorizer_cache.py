"""The authorizer's grant cache as deployed (`config.DEPLOYED_AUTH_CACHE_SECONDS`, what infra/api.py
sets): an expired key is refused at once even when its grant is cached; a revoked key works on a warm
instance for at most the cache time, the documented revocation delay. Time moves by a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contact_platform import clock, config
from contact_platform.services import authentication
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, aws: None) -> Iterator[Clock]:
    now = Clock()
    monkeypatch.setattr(clock, "now", now)
    monkeypatch.setenv(config.ENV_AUTH_CACHE_SECONDS, str(config.DEPLOYED_AUTH_CACHE_SECONDS))
    config.settings.cache_clear()
    authentication._cache.clear()
    yield now
    authentication._cache.clear()
    config.settings.cache_clear()


def _works(api: Api, key: str) -> bool:
    status = api.get("/api/v1/contacts", key=key).status
    assert status in (200, 401)
    return status == 200


def test_a_cached_grant_saves_the_lookup(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    assert _works(api, admin["apiKey"])
    with dynamodb_requests() as sent:
        assert _works(api, admin["apiKey"])
    assert sent == {"UpdateItem": 1, "Query": 1}, "rate-limit counter and the list page: no key lookup"


def test_an_expired_key_is_refused_at_once_though_cached(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    expires = clock.iso(START + timedelta(seconds=5))
    created = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "short", "expiresAt": expires}).data
    assert _works(api, created["key"])  # cached now, for up to the cache time
    frozen.advance(4)
    assert _works(api, created["key"])
    frozen.advance(1)
    assert not _works(api, created["key"])


def test_a_revoked_key_works_for_at_most_the_cache_time(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    created = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "revoked"}).data
    assert _works(api, created["key"])
    assert api.delete(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"]).status == 200
    frozen.advance(config.DEPLOYED_AUTH_CACHE_SECONDS - 1)
    assert _works(api, created["key"]), "the documented delay: a warm instance still holds the grant"
    frozen.advance(1)
    assert not _works(api, created["key"])


def test_the_cache_is_bounded(frozen: Clock, api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(authentication, "MAX_CACHED_GRANTS", 2)
    keys = [api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": f"k{n}"}).data["key"] for n in range(3)]
    for key in keys:
        assert _works(api, key)
    assert len(authentication._cache) == 2
