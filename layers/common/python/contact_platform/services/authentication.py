"""From an API key to a grant (tenant, user, role, scopes, key): what the authorizer decides on.

One consistent GetItem on the key's lookup item. Warm authorizer instances may keep a grant for
`AUTH_CACHE_SECONDS` (0 by default, so revocation takes effect at once;
`config.DEPLOYED_AUTH_CACHE_SECONDS` on AWS). A cached grant is checked against its key's expiry on
every use, so an expired key is refused at once; a revoked key keeps working on an instance that
cached it for at most the cache time, the bound docs/architecture.md ("A request") documents.
At most `MAX_CACHED_GRANTS` grants are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from contact_platform import clock, errors
from contact_platform.config import settings
from contact_platform.permissions import Role
from contact_platform.services.api_keys import KEY_FORMAT, hash_key
from contact_platform.store import api_keys as store


@dataclass(frozen=True)
class Grant:
    tenant_id: str
    user_id: str
    role: Role
    scopes: tuple[str, ...]
    key_id: str
    rate_limit: int

    def context(self) -> dict[str, str | int]:
        """The authorizer context (API Gateway allows only flat string/number/boolean values)."""
        return {
            "tenantId": self.tenant_id,
            "userId": self.user_id,
            "role": self.role.value,
            "scopes": " ".join(self.scopes),
            "keyId": self.key_id,
            "rateLimit": self.rate_limit,
        }


MAX_CACHED_GRANTS = 1000


@dataclass(frozen=True)
class _Cached:
    grant: Grant
    until: datetime  # the earlier of the cache time's end and the key's expiry


_cache: OrderedDict[str, _Cached] = OrderedDict()


def presented_key(headers: Mapping[str, str]) -> str | None:
    """`Authorization: Bearer <key>` or `X-API-Key: <key>` (header names in any case)."""
    lowered = {name.lower(): value for name, value in (headers or {}).items() if isinstance(value, str)}
    bearer = lowered.get("authorization", "")
    if bearer[:7].lower() == "bearer ":
        return bearer[7:].strip()
    return lowered.get("x-api-key", "").strip() or None


def authenticate(headers: Mapping[str, str]) -> Grant:
    """The key's grant; 401 for a missing, malformed, unknown, revoked or expired key."""
    raw = presented_key(headers)
    if not raw or not KEY_FORMAT.match(raw):
        raise errors.authentication_failed()
    key_hash = hash_key(raw)
    now = clock.now()
    cached = _cache.pop(key_hash, None)
    if cached is not None and cached.until > now:
        _cache[key_hash] = cached
        return cached.grant
    lookup = store.find_by_hash(key_hash)
    if lookup is None:
        raise errors.authentication_failed()
    expires_at = clock.parse_iso(lookup.key_expires_at) if lookup.key_expires_at else None
    if expires_at is not None and expires_at <= now:
        raise errors.authentication_failed()
    grant = Grant(
        tenant_id=lookup.tenant_id,
        user_id=lookup.user_id,
        role=Role(lookup.role),
        scopes=tuple(lookup.scopes),
        key_id=lookup.key_id,
        rate_limit=int(lookup.rate_limit),
    )
    if settings().auth_cache_seconds > 0:
        until = now + timedelta(seconds=settings().auth_cache_seconds)
        _cache[key_hash] = _Cached(grant, min(until, expires_at) if expires_at else until)
        while len(_cache) > MAX_CACHED_GRANTS:
            _cache.popitem(last=False)
    return grant
