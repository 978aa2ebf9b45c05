"""From an API key or a JWT bearer token to a grant (tenant, user, role, scopes, key) and the
request's number in its rate-limit window: what the authorizer decides on and passes on
(docs/architecture.md, "A request").

An API key (`cdp_live_|cdp_test_` + 32 hex): one conditional UpdateItem on the key's lookup item
reads the key and reserves numbers in its window (`store.api_keys.count_request`; a second one at
the first request of a window). Anything shaped like a JWT: verified without a request
(`services/bearer_tokens.py`), then its numbers are reserved in its subject's window
(`store/token_windows.py`, the same loop, the item made on first use) against the platform's default
limit (`RATE_LIMIT_PER_WINDOW`); its grant has no key id.

**Leases.** What one reservation gets is kept by the instance for at most `LEASE_SECONDS`: the next
requests of that key (or subject) take its numbers without a request. A lease starts at one number;
the next is twice as large when the one before was used up within its time, else as large as the
part of it that was used, at most `RATE_LEASE_MAX` (16), an eighth of what is left of the limit (so
the last numbers of a window go one by one) and an eighth of the burst limit. The same reservation
counts its numbers in the current second, the burst window (`burstLimit` requests a second:
http/rate_limit.py refuses past it). A key used now and then costs one UpdateItem a
request as before; a busy one about one in sixteen. The price, by design: an instance refuses a
revoked key (or uses a key's new role) once its lease ends, within `LEASE_SECONDS`, not on the very
next request; and numbers reserved but not used in their time count in the window, so a client may
meet its 429 a few requests early, never late. Every request is still counted, refused ones included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from contact_platform import clock, errors
from contact_platform.config import settings
from contact_platform.permissions import Role
from contact_platform.services.api_keys import KEY_FORMAT, hash_key
from contact_platform.services.bearer_tokens import looks_like_jwt
from contact_platform.store import api_keys as store
from contact_platform.store import token_windows

LEASE_SECONDS = 1.0  # how long an instance uses the numbers it reserved, and what it read of the key
LEASE_SHARE = 8  # a lease takes at most this share of what is left of the limit
KEPT_LEASES = 10_000  # past this many, the leases whose time is over are dropped


@dataclass(frozen=True)
class Grant:
    tenant_id: str
    user_id: str
    role: Role
    scopes: tuple[str, ...]
    key_id: str
    rate_limit: int
    rate_hits: int  # this request's number in the key's current window (the requests counted up to it)
    rate_reset: int  # when that window ends (epoch seconds)
    rate_window: int  # its length in seconds
    burst_limit: int  # requests a second at most
    burst_hits: int  # this request's number in its second

    def context(self) -> dict[str, str | int]:
        """The authorizer context (API Gateway allows only flat string/number/boolean values)."""
        return {
            "tenantId": self.tenant_id,
            "userId": self.user_id,
            "role": self.role.value,
            "scopes": " ".join(self.scopes),
            "keyId": self.key_id,
            "rateLimit": self.rate_limit,
            "rateHits": self.rate_hits,
            "rateReset": self.rate_reset,
            "rateWindow": self.rate_window,
            "burstLimit": self.burst_limit,
            "burstHits": self.burst_hits,
        }


@dataclass(frozen=True)
class Reserved:
    """What a reservation answered: the window it counted in, the last number it reserved, the
    limit, the same of the second it counted in (the burst window), and what it read of the key
    (None for a token's subject)."""

    window_start: int
    last: int
    limit: int
    second: int
    burst_last: int
    burst_limit: int
    lookup: store.ApiKeyLookup | None = None

    def in_second(self, number: int) -> int:
        """The number in its second of the request with `number` in the window."""
        return self.burst_last - (self.last - number)


@dataclass
class _Lease:
    reserved: Reserved
    size: int
    next: int  # the number the next request takes
    taken: float  # when it was reserved (epoch seconds, `clock.now`)

    def usable(self, window_start: int, now: float) -> bool:
        fresh = now - self.taken < LEASE_SECONDS
        return fresh and self.reserved.window_start == window_start and self.next <= self.reserved.last

    def next_size(self, window_start: int, now: float) -> int:
        """The size of the reservation that follows this lease."""
        used = self.next - (self.reserved.last - self.size + 1)
        size = self.size * 2 if self.next > self.reserved.last and now - self.taken < LEASE_SECONDS else used
        left = (
            self.reserved.limit - self.reserved.last
            if self.reserved.window_start == window_start
            else self.reserved.limit
        )
        burst = self.reserved.burst_limit // LEASE_SHARE
        return max(1, min(size, settings().rate_lease_max, left // LEASE_SHARE, burst))


_leases: dict[str, _Lease] = {}
_lock = threading.Lock()


Reserve = Callable[[int, int, int, bool], "Reserved | None"]


def _numbered(identity: str, reserve: Reserve) -> tuple[Reserved, int]:
    """This request's number in the window of `identity` (a key's hash, a token's subject) and the
    reservation it came from: the instance's lease when one is usable, else `reserve(size,
    window_start, second, same_second)` (one request; None: no such key, 401; `same_second`: this
    instance's last reservation counted in this second, so the item's burst window is this one)."""
    window = settings().rate_window_seconds
    now = clock.now().timestamp()
    epoch = int(now)
    window_start = epoch - epoch % window
    with _lock:
        lease = _leases.get(identity)
        if lease is not None and lease.usable(window_start, now):
            lease.next += 1
            return lease.reserved, lease.next - 1
        size = 1 if lease is None else lease.next_size(window_start, now)
        same_second = lease is not None and lease.reserved.second == epoch
    reserved = reserve(size, window_start, epoch, same_second)
    with _lock:
        if reserved is None:
            _leases.pop(identity, None)
            raise errors.authentication_failed()
        first = reserved.last - size + 1
        if len(_leases) >= KEPT_LEASES:
            for old in [name for name, kept in _leases.items() if now - kept.taken >= LEASE_SECONDS]:
                del _leases[old]
        _leases[identity] = _Lease(reserved, size, first + 1, now)
    return reserved, first


def presented_key(headers: Mapping[str, str]) -> str | None:
    """`Authorization: Bearer <key>` or `X-API-Key: <key>` (header names in any case). Both at once
    must name the same credential: two different ones are none (401), never a silent choice of one."""
    lowered = {name.lower(): value for name, value in (headers or {}).items() if isinstance(value, str)}
    bearer = lowered.get("authorization", "")
    by_bearer = bearer[7:].strip() if bearer[:7].lower() == "bearer " else None
    by_header = lowered.get("x-api-key", "").strip() or None
    if by_bearer and by_header and by_bearer != by_header:
        return None
    return by_bearer or by_header


def authenticate(headers: Mapping[str, str]) -> Grant:
    """The key's grant, with this request counted; 401 for a missing, malformed, unknown, revoked or
    expired key (an expired key's request is counted all the same)."""
    raw = presented_key(headers)
    if raw and not KEY_FORMAT.match(raw) and looks_like_jwt(raw):
        return _bearer_token_grant(raw)
    if not raw or not KEY_FORMAT.match(raw):
        raise errors.authentication_failed()
    key_hash = hash_key(raw)

    def reserve(size: int, window_start: int, second: int, same_second: bool) -> Reserved | None:
        used_at = clock.iso(clock.now())
        lookup = store.count_request(key_hash, window_start, second, used_at, count=size, same_second=same_second)
        if lookup is None:
            return None
        return Reserved(
            int(lookup.window_start or 0),
            int(lookup.window_hits or 0),
            int(lookup.rate_limit),
            int(lookup.burst_second or 0),
            int(lookup.burst_hits or 0),
            int(lookup.burst_limit or settings().rate_burst),
            lookup,
        )

    reserved, number = _numbered(key_hash, reserve)
    lookup = reserved.lookup
    assert lookup is not None
    if lookup.key_expires_at and clock.parse_iso(lookup.key_expires_at) <= clock.now():
        raise errors.authentication_failed()
    window = settings().rate_window_seconds
    return Grant(
        tenant_id=lookup.tenant_id,
        user_id=lookup.user_id,
        role=Role(lookup.role),
        scopes=tuple(lookup.scopes),
        key_id=lookup.key_id,
        rate_limit=reserved.limit,
        rate_hits=number,
        rate_reset=reserved.window_start + window,
        rate_window=window,
        burst_limit=reserved.burst_limit,
        burst_hits=reserved.in_second(number),
    )


def _bearer_token_grant(raw: str) -> Grant:
    """A valid token's grant with this request counted in its subject's window; 401 otherwise
    (nothing is counted for a token that fails verification: it names no trustworthy subject). The
    grant is the token's own; only the numbers are leased."""
    from contact_platform.services.bearer_tokens import verify

    token = verify(raw)
    config = settings()
    window = config.rate_window_seconds

    def reserve(size: int, window_start: int, second: int, same_second: bool) -> Reserved:
        start, last, second_at, burst_last = token_windows.count_request(
            token.tenant_id, token.user_id, window_start, second, window, count=size, same_second=same_second
        )
        return Reserved(start, last, config.rate_limit, second_at, burst_last, config.rate_burst)

    reserved, number = _numbered(f"token#{token.tenant_id}#{token.user_id}", reserve)
    return Grant(
        tenant_id=token.tenant_id,
        user_id=token.user_id,
        role=token.role,
        scopes=token.scopes,
        key_id="",
        rate_limit=reserved.limit,
        rate_hits=number,
        rate_reset=reserved.window_start + window,
        rate_window=window,
        burst_limit=reserved.burst_limit,
        burst_hits=reserved.in_second(number),
    )
