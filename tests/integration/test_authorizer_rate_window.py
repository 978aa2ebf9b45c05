"""The authorizer reads the key and counts the request in one conditional UpdateItem of the key's
lookup item (docs/architecture.md, "A request"). With leases off (RATE_LEASE_MAX=1, the tests'
setting) every request makes its count, so a revoked key is refused on its next request; the count
holds across window changes, when requests race at a window's start, and when an instance's clock
is behind; an unknown key writes nothing. With leases on (the default, 16; the `leased` tests at the
end) a busy key's numbers are reserved several at a time: consecutive, never past the limit, a
revoked key refused once its lease's second is over, an expired one at its expiry, a token's grant
its own. The burst limit (at the end): the same request counts the key in its second, a request
past the limit is 429 until the next second, and racing starts of a second count each request once.

Time is moved by replacing `clock.now` (the authorizer and the route functions read time there);
windows are a minute long here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from contact_platform import clock, config
from contact_platform.errors import ApiError
from contact_platform.services.authentication import Grant, authenticate
from contact_platform.store.api_keys import COUNT_ATTEMPTS, CountContention
from tests.support.fixtures import Api, Reply, business_items, table_items
from tests.support.interleave import before_each
from tests.support.request_counter import dynamodb_requests

T = TypeVar("T")
WINDOW = 60
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a window's start
START_EPOCH = clock.epoch(START)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def at(self, seconds: float) -> None:
        """`seconds` after START."""
        self.moment = START + timedelta(seconds=seconds)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch, aws: None) -> Iterator[Clock]:
    now = Clock()
    monkeypatch.setattr(clock, "now", now)
    monkeypatch.setenv(config.ENV_RATE_WINDOW, str(WINDOW))
    config.settings.cache_clear()
    yield now
    monkeypatch.undo()
    config.settings.cache_clear()


def _new_key(api: Api, admin: dict[str, Any], **fields: Any) -> dict[str, Any]:
    reply = api.post("/api/v1/api-keys", key=admin["apiKey"], json={"name": "counted", **fields})
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.data
    return created


def _grant(key: str) -> Grant:
    """The authorizer's decision, as another instance of it would make it."""
    return authenticate({"Authorization": f"Bearer {key}"})


def _window_of(key_id: str) -> tuple[int, int]:
    """(windowStart, windowHits) of the key's lookup item."""
    (lookup,) = [i for i in table_items() if i["kind"]["S"] == "apikey-lookup" and i["keyId"]["S"] == key_id]
    return int(lookup["windowStart"]["N"]), int(lookup["windowHits"]["N"])


def _limits(reply: Reply) -> tuple[str | None, ...]:
    return tuple(reply.header(name) for name in ("X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"))


def _in_another_thread(call: Callable[[], T]) -> T:
    """`call` on a thread of its own, as another client or authorizer instance would run it (neither
    counted nor interleaved with this thread's requests)."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    thread.join()
    assert len(results) == 1, "the other request failed"
    return results[0]


def test_a_revoked_key_is_refused_on_its_very_next_request(api: Api, admin: dict[str, Any]) -> None:
    created = _new_key(api, admin)
    for _ in range(3):  # a warm authorizer that has seen the key several times
        assert api.get("/api/v1/contacts", key=created["key"]).status == 200
    assert api.delete(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"]).status == 200
    with dynamodb_requests() as sent:
        refused = api.get("/api/v1/contacts", key=created["key"])
    assert refused.status == 401
    assert refused.error == {"code": "AUTHENTICATION_FAILED", "message": "Invalid or expired API key"}
    assert sent == {"UpdateItem": 1}, "the count's condition finds no lookup item: nothing else is read"
    assert not [i for i in table_items() if i.get("keyId", {}).get("S") == created["id"] and "windowHits" in i]


def test_an_unknown_key_creates_no_item(api: Api, admin: dict[str, Any]) -> None:
    before = table_items()
    for key in ("cdp_test_" + "0" * 32, "cdp_live_" + "f" * 32):
        with dynamodb_requests() as sent:
            assert api.get("/api/v1/contacts", key=key).status == 401
        assert sent == {"UpdateItem": 1}
    assert table_items() == before


def test_a_key_revoked_while_its_request_starts_a_window_leaves_no_item(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    """The count finds the key in an old window; it is revoked before the new window's start is
    written, whose condition then fails as well: 401, and nothing of the key's lookup item is left."""
    created = _new_key(api, admin)
    assert _grant(created["key"]).rate_hits == 1
    frozen.at(WINDOW)
    calls = 0

    def revoke() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            revoked = _in_another_thread(lambda: api.delete(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"]))
            assert revoked.status == 200

    with before_each("UpdateItem", revoke), dynamodb_requests() as sent, pytest.raises(ApiError) as refused:
        _grant(created["key"])
    assert refused.value.status == 401
    assert sent == {"UpdateItem": 2}
    assert [i for i in table_items() if i["PK"]["S"].startswith("APIKEYHASH#") and "tenantId" not in i] == []
    assert [i["kind"]["S"] for i in table_items() if i.get("keyId", {}).get("S") == created["id"]] == ["apikey"]


def test_an_expired_key_is_refused_from_its_expiry_on(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    created = _new_key(api, admin, expiresAt=clock.iso(START + timedelta(seconds=5)))
    frozen.at(4.999)
    assert api.get("/api/v1/contacts", key=created["key"]).status == 200
    frozen.at(5)
    assert api.get("/api/v1/contacts", key=created["key"]).status == 401


def test_the_limit_holds_across_a_window_change(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    created = _new_key(api, admin, rateLimit=3)
    key = created["key"]
    reset = str(START_EPOCH + WINDOW)
    frozen.at(10)
    replies = [api.get("/api/v1/contacts", key=key) for _ in range(4)]
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert [_limits(r) for r in replies] == [
        ("2", reset, None),
        ("1", reset, None),
        ("0", reset, None),
        ("0", reset, "50"),
    ]
    refused = replies[-1]
    assert refused.error == {"code": "RATE_LIMITED", "message": f"Rate limit of 3 requests per {WINDOW} s exceeded"}
    assert refused.header("X-RateLimit-Limit") == "3"
    before = business_items()
    assert api.post("/api/v1/contacts", key=key, json={"name": "Refused"}).status == 429
    assert business_items() == before, "a refused request writes nothing but its count"

    frozen.at(WINDOW - 0.5)  # the window's last moment: still refused, a second to wait
    assert _limits(api.get("/api/v1/contacts", key=key)) == ("0", reset, "1")
    assert _window_of(created["id"]) == (START_EPOCH, 6)

    frozen.at(WINDOW)  # the next window: the count starts again
    with dynamodb_requests() as sent:
        first = api.get("/api/v1/contacts", key=key)
    assert sent == {"UpdateItem": 2, "Query": 1}, "the old window's condition fails, the new one is started"
    next_reset = str(START_EPOCH + 2 * WINDOW)
    assert first.status == 200 and _limits(first) == ("2", next_reset, None)
    replies = [api.get("/api/v1/contacts", key=key) for _ in range(3)]
    assert [(r.status, *_limits(r)) for r in replies] == [
        (200, "1", next_reset, None),
        (200, "0", next_reset, None),
        (429, "0", next_reset, str(WINDOW)),
    ]

    frozen.at(10 * WINDOW + 1)  # windows without a request in between
    assert _limits(api.get("/api/v1/contacts", key=key)) == ("2", str(START_EPOCH + 11 * WINDOW), None)
    assert _window_of(created["id"]) == (START_EPOCH + 10 * WINDOW, 1)


def test_a_request_losing_the_race_to_start_a_window_is_counted_in_it(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    """Both requests find the old window; the other one starts the new window between this one's
    failed count and its own start, so this one's start fails too and it adds to the other's."""
    created = _new_key(api, admin)
    assert _grant(created["key"]).rate_hits == 1
    frozen.at(WINDOW + 1)
    calls = 0
    other: list[Grant] = []

    def the_other_request() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # before this request's second UpdateItem, the window's start
            other.append(_in_another_thread(lambda: _grant(created["key"])))

    with before_each("UpdateItem", the_other_request), dynamodb_requests() as sent:
        mine = _grant(created["key"])
    assert sent == {"UpdateItem": 3}, "count (old window), start (lost), count"
    assert [g.rate_hits for g in other] == [1] and mine.rate_hits == 2
    assert mine.rate_reset == other[0].rate_reset == START_EPOCH + 2 * WINDOW
    assert _window_of(created["id"]) == (START_EPOCH + WINDOW, 2)


def test_requests_racing_at_a_window_start_are_each_counted_once(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    created = _new_key(api, admin)
    assert _grant(created["key"]).rate_hits == 1  # the old window
    frozen.at(WINDOW)
    racers = 8
    ready = threading.Barrier(racers)
    hits: list[int] = []
    failures: list[BaseException] = []

    def request() -> None:
        ready.wait()
        try:
            hits.append(_grant(created["key"]).rate_hits)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=request) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(hits) == list(range(1, racers + 1))
    assert _window_of(created["id"]) == (START_EPOCH + WINDOW, racers)


def test_an_instance_whose_clock_is_behind_counts_in_the_later_window(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    """A window is never started again once a later one has begun: a request that still sees the old
    window (its instance's clock behind, or the window turned while it was on its way) adds to the new one."""
    created = _new_key(api, admin)
    frozen.at(WINDOW + 1)
    assert _grant(created["key"]).rate_hits == 1
    frozen.at(WINDOW - 1)
    with dynamodb_requests() as sent:
        late = _grant(created["key"])
    assert sent == {"UpdateItem": 2}
    assert (late.rate_hits, late.rate_reset) == (2, START_EPOCH + 2 * WINDOW)
    assert _window_of(created["id"]) == (START_EPOCH + WINDOW, 2)


def test_the_attempts_are_bounded_when_the_window_keeps_moving(frozen: Clock, api: Api, admin: dict[str, Any]) -> None:
    """Each attempt finds a window another request started meanwhile, a later one each time: after
    COUNT_ATTEMPTS the request gives up (the authorizer fails, API Gateway answers 500) uncounted,
    and every other request was counted once."""
    created = _new_key(api, admin)
    others: list[Grant] = []

    def a_later_window_starts() -> None:
        frozen.at((len(others) + 1) * WINDOW)
        others.append(_in_another_thread(lambda: _grant(created["key"])))
        frozen.at(0)

    with before_each("UpdateItem", a_later_window_starts), pytest.raises(CountContention):
        _grant(created["key"])
    assert len(others) == COUNT_ATTEMPTS
    assert [g.rate_hits for g in others] == [1] * COUNT_ATTEMPTS
    assert _window_of(created["id"]) == (START_EPOCH + COUNT_ATTEMPTS * WINDOW, 1)


# Leases (services/authentication.py, "Leases") -------------------------------------------------


@pytest.fixture
def leased(frozen: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The frozen clock, and leases of up to 16 numbers as the platform runs by default."""
    monkeypatch.setenv(config.ENV_RATE_LEASE_MAX, "16")
    config.settings.cache_clear()
    yield frozen
    config.settings.cache_clear()


def test_a_busy_key_reserves_its_numbers_in_growing_leases(leased: Clock, api: Api, admin: dict[str, Any]) -> None:
    created = _new_key(api, admin)
    with dynamodb_requests() as sent:
        numbers = [_grant(created["key"]).rate_hits for _ in range(31)]
    assert numbers == list(range(1, 32)), "each request its own number, in order"
    assert sent == {"UpdateItem": 6}, "leases of 1, 2, 4, 8 and 16 numbers, and the window's start"
    assert _window_of(created["id"]) == (START_EPOCH, 31)
    with dynamodb_requests() as sent:
        numbers = [_grant(created["key"]).rate_hits for _ in range(32)]
    assert numbers == list(range(32, 64))
    assert sent == {"UpdateItem": 2}, "16 numbers at most"


def test_the_last_numbers_of_a_limit_go_one_by_one(leased: Clock, api: Api, admin: dict[str, Any]) -> None:
    """A lease takes at most an eighth of what is left: no request is admitted past the limit and
    none is refused before it; X-RateLimit-Remaining counts down by one."""
    created = _new_key(api, admin, rateLimit=40)
    replies = [api.get("/api/v1/contacts", key=created["key"]) for _ in range(44)]
    assert [r.status for r in replies] == [200] * 40 + [429] * 4
    assert [r.header("X-RateLimit-Remaining") for r in replies[:40]] == [str(40 - n) for n in range(1, 41)]
    with dynamodb_requests() as sent:
        assert api.get("/api/v1/contacts", key=created["key"]).status == 429
    assert sent == {"UpdateItem": 1}, "past the limit, one number at a time"
    assert _window_of(created["id"]) == (START_EPOCH, 45), "every request counted, none reserved unused"


def test_numbers_left_when_a_lease_ends_count_and_the_next_lease_is_what_was_used(
    leased: Clock, api: Api, admin: dict[str, Any]
) -> None:
    created = _new_key(api, admin)
    assert [_grant(created["key"]).rate_hits for _ in range(10)] == list(range(1, 11))  # lease of 8 from 8
    leased.at(1)  # its second is over with 5 numbers unused (11..15)
    with dynamodb_requests() as sent:
        assert _grant(created["key"]).rate_hits == 16
    assert sent == {"UpdateItem": 1}
    assert _window_of(created["id"]) == (START_EPOCH, 18), "a lease of 3, the numbers the last one used"


def test_a_revoked_key_is_refused_once_its_lease_is_over(leased: Clock, api: Api, admin: dict[str, Any]) -> None:
    created = _new_key(api, admin)
    assert [_grant(created["key"]).rate_hits for _ in range(4)] == [1, 2, 3, 4]  # a lease of 4 from 4
    assert api.delete(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"]).status == 200
    leased.at(0.5)
    assert _grant(created["key"]).rate_hits == 5, "within its lease's second this instance still admits it"
    leased.at(1)
    with dynamodb_requests() as sent, pytest.raises(ApiError) as refused:
        _grant(created["key"])
    assert refused.value.status == 401 and sent == {"UpdateItem": 1}
    with pytest.raises(ApiError):
        _grant(created["key"])


def test_an_expired_key_is_refused_at_its_expiry_whatever_its_lease_holds(
    leased: Clock, api: Api, admin: dict[str, Any]
) -> None:
    created = _new_key(api, admin, expiresAt=clock.iso(START + timedelta(seconds=5)))
    leased.at(4.9)
    assert [_grant(created["key"]).rate_hits for _ in range(4)] == [1, 2, 3, 4]  # numbers 5..7 left
    leased.at(5)
    with dynamodb_requests() as sent, pytest.raises(ApiError) as refused:
        _grant(created["key"])
    assert refused.value.status == 401 and sent == {}, "refused from the lease, without a request"


def test_a_tokens_numbers_are_leased_and_its_grant_is_its_own(leased: Clock, api: Api) -> None:
    from tests.integration.test_bearer_tokens import claims_for
    from tests.support import issuer

    token = api.token("manager")
    now = clock.epoch(leased())
    wide = issuer.sign(claims_for(token, iat=now, exp=now + 300))
    narrow = issuer.sign(claims_for(token, iat=now, exp=now + 300, scope="contacts:read"))
    grants = [_grant(wide if n % 2 else narrow) for n in range(7)]
    assert [g.rate_hits for g in grants] == list(range(1, 8)), "one subject, one count"
    assert [g.scopes == ("contacts:read",) for g in grants] == [n % 2 == 0 for n in range(7)]
    assert grants[1].scopes == tuple(token["scopes"])


# The burst limit: at most so many requests a second (the burst window, counted beside the window) ----


def _burst_of(key_id: str) -> tuple[int, int]:
    """(burstSecond, burstHits) of the key's lookup item."""
    (lookup,) = [i for i in table_items() if i["kind"]["S"] == "apikey-lookup" and i["keyId"]["S"] == key_id]
    return int(lookup["burstSecond"]["N"]), int(lookup["burstHits"]["N"])


def test_a_key_past_its_burst_limit_is_429_until_the_next_second(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    """Counted in the same UpdateItem as the window (one a request, the first of a second included);
    a refused request counts in both, and the window's headers stay as they are."""
    created = _new_key(api, admin, burstLimit=3)
    assert created["burstLimit"] == 3
    frozen.at(0.1)
    _grant(created["key"])  # the window's start
    frozen.at(1.2)
    with dynamodb_requests() as sent:
        replies = [api.get("/api/v1/contacts", key=created["key"]) for _ in range(4)]
    assert [reply.status for reply in replies] == [200, 200, 200, 429]
    assert sent.get("UpdateItem") == 4, "one count a request, the second's first one too"
    assert replies[3].error["message"] == "Burst limit of 3 requests a second exceeded"
    assert _limits(replies[3]) == ("995", str(START_EPOCH + WINDOW), "1")
    assert _burst_of(created["id"]) == (START_EPOCH + 1, 4) and _window_of(created["id"]) == (START_EPOCH, 5)
    frozen.at(2)
    assert api.get("/api/v1/contacts", key=created["key"]).status == 200
    assert _burst_of(created["id"]) == (START_EPOCH + 2, 1)


def test_the_default_burst_limit_holds_for_keys_and_tokens(
    frozen: Clock, monkeypatch: pytest.MonkeyPatch, api: Api, admin: dict[str, Any]
) -> None:
    """RATE_BURST_PER_SECOND for a key made without a burstLimit (as every key made before there was
    one) and for a bearer token's subject."""
    from tests.integration.test_bearer_tokens import claims_for
    from tests.support import issuer

    created = _new_key(api, admin)
    token = api.token("manager")
    now = clock.epoch(frozen())
    jwt = issuer.sign(claims_for(token, iat=now, exp=now + 300))
    monkeypatch.setenv(config.ENV_RATE_BURST, "2")
    config.settings.cache_clear()
    assert api.get(f"/api/v1/api-keys/{created['id']}", key=admin["apiKey"]).data["burstLimit"] == 2
    for credential in (created["key"], jwt):
        statuses = [api.get("/api/v1/contacts", key=credential).status for _ in range(3)]
        assert statuses == [200, 200, 429], credential[:12]
    frozen.at(1)
    assert api.get("/api/v1/contacts", key=jwt).status == 200


def test_a_request_losing_the_race_to_start_a_second_is_counted_in_it(
    frozen: Clock, api: Api, admin: dict[str, Any]
) -> None:
    """This request expects a new second; another one starts it first: the start's condition fails and
    this one adds to the other's, each counted once."""
    created = _new_key(api, admin)
    _grant(created["key"])
    frozen.at(1)
    other: list[Grant] = []

    def the_other_request() -> None:
        if not other:
            other.append(_in_another_thread(lambda: _grant(created["key"])))

    with before_each("UpdateItem", the_other_request), dynamodb_requests() as sent:
        mine = _grant(created["key"])
    assert sent == {"UpdateItem": 2}, "the second's start (lost), then the count in it"
    assert (other[0].burst_hits, mine.burst_hits) == (1, 2) and (other[0].rate_hits, mine.rate_hits) == (2, 3)
    assert _burst_of(created["id"]) == (START_EPOCH + 1, 2)


def test_a_busy_keys_leases_admit_no_request_past_its_burst(leased: Clock, api: Api, admin: dict[str, Any]) -> None:
    """A lease takes at most an eighth of the burst limit, so a second's requests stop at the limit."""
    created = _new_key(api, admin, burstLimit=16)
    with dynamodb_requests() as sent:
        replies = [api.get("/api/v1/contacts", key=created["key"]) for _ in range(20)]
    assert [reply.status for reply in replies] == [200] * 16 + [429] * 4
    assert sent.get("UpdateItem") == 12, "two at the window's start, then leases of 2 numbers (an eighth of 16)"
    leased.at(1)
    assert api.get("/api/v1/contacts", key=created["key"]).status == 200
