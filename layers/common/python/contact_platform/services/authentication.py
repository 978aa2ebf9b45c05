"""From an API key or a JWT bearer token to a grant (tenant, user, role, scopes, key) and the
request's count in its rate-limit window: what the authorizer decides on and passes on.

An API key (`cdp_live_|cdp_test_` + 32 hex): one conditional UpdateItem on the key's lookup item
reads the key and counts the request (`store.api_keys.count_request`; a second one at the first
request of a window). Nothing is cached: a revoked key (its lookup item deleted) is refused on the
very next request, and every request is counted, refused ones included (docs/architecture.md,
"A request").

Anything shaped like a JWT: verified without a request (`services/bearer_tokens.py`), then counted in
its subject's window (`store/token_windows.py`, the same loop, the item made on first use) against
the platform's default limit (`RATE_LIMIT_PER_WINDOW`). Its grant has no key id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contact_platform import clock, errors
from contact_platform.config import settings
from contact_platform.permissions import Role
from contact_platform.services.api_keys import KEY_FORMAT, hash_key
from contact_platform.services.bearer_tokens import looks_like_jwt
from contact_platform.store import api_keys as store
from contact_platform.store import token_windows


@dataclass(frozen=True)
class Grant:
    tenant_id: str
    user_id: str
    role: Role
    scopes: tuple[str, ...]
    key_id: str
    rate_limit: int
    rate_hits: int  # requests counted in the key's current window, this one included
    rate_reset: int  # when that window ends (epoch seconds)
    rate_window: int  # its length in seconds

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
        }


def presented_key(headers: Mapping[str, str]) -> str | None:
    """`Authorization: Bearer <key>` or `X-API-Key: <key>` (header names in any case)."""
    lowered = {name.lower(): value for name, value in (headers or {}).items() if isinstance(value, str)}
    bearer = lowered.get("authorization", "")
    if bearer[:7].lower() == "bearer ":
        return bearer[7:].strip()
    return lowered.get("x-api-key", "").strip() or None


def authenticate(headers: Mapping[str, str]) -> Grant:
    """The key's grant, with this request counted; 401 for a missing, malformed, unknown, revoked or
    expired key (an expired key's request is counted all the same)."""
    raw = presented_key(headers)
    if raw and not KEY_FORMAT.match(raw) and looks_like_jwt(raw):
        return _bearer_token_grant(raw)
    if not raw or not KEY_FORMAT.match(raw):
        raise errors.authentication_failed()
    now = clock.now()
    window = settings().rate_window_seconds
    epoch = clock.epoch(now)
    lookup = store.count_request(hash_key(raw), epoch - epoch % window)
    if lookup is None:
        raise errors.authentication_failed()
    if lookup.key_expires_at and clock.parse_iso(lookup.key_expires_at) <= now:
        raise errors.authentication_failed()
    return Grant(
        tenant_id=lookup.tenant_id,
        user_id=lookup.user_id,
        role=Role(lookup.role),
        scopes=tuple(lookup.scopes),
        key_id=lookup.key_id,
        rate_limit=int(lookup.rate_limit),
        rate_hits=int(lookup.window_hits or 0),
        rate_reset=int(lookup.window_start or 0) + window,
        rate_window=window,
    )


def _bearer_token_grant(raw: str) -> Grant:
    """A valid token's grant with this request counted in its subject's window; 401 otherwise
    (nothing is counted for a token that fails verification: it names no trustworthy subject)."""
    from contact_platform.services.bearer_tokens import verify

    token = verify(raw)
    config = settings()
    window = config.rate_window_seconds
    epoch = clock.epoch(clock.now())
    window_start, hits = token_windows.count_request(token.tenant_id, token.user_id, epoch - epoch % window, window)
    return Grant(
        tenant_id=token.tenant_id,
        user_id=token.user_id,
        role=token.role,
        scopes=token.scopes,
        key_id="",
        rate_limit=config.rate_limit,
        rate_hits=hits,
        rate_reset=window_start + window,
        rate_window=window,
    )
