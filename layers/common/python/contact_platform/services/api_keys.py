"""API keys: issue (shown once, stored as SHA-256), list, revoke."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from contact_platform import clock, errors
from contact_platform.config import settings
from contact_platform.errors import Detail
from contact_platform.ids import new_id
from contact_platform.models.api_keys import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyQuery
from contact_platform.models.paging import Listing
from contact_platform.names import closest
from contact_platform.permissions import ALL_SCOPES, ROLE_SCOPES, Caller, Role
from contact_platform.services import audit
from contact_platform.services.listing import listing
from contact_platform.services.users import User, get_active_user
from contact_platform.store import api_keys as store
from contact_platform.store.api_keys import ApiKeyItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page

KEY_FORMAT = re.compile(r"^cdp_(live|test)_[0-9a-f]{32}$")
PREFIX_LENGTH = 13  # "cdp_live_" plus four hex digits
# The lookup item outlives the key's expiry by a day (TTL deletion is lazy; the authorizer checks expiry).
LOOKUP_GRACE_SECONDS = 86_400


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def new_raw_key() -> str:
    return f"cdp_{'test' if settings().dev_mode else 'live'}_{secrets.token_hex(16)}"


def _to_api(item: ApiKeyItem, last_used_at: str | None = None) -> ApiKey:
    return ApiKey(
        id=item.key_id,
        name=item.name,
        prefix=item.prefix,
        userId=item.user_id,
        role=Role(item.role),
        scopes=list(item.scopes),
        rateLimit=int(item.rate_limit),
        burstLimit=int(item.burst_limit or settings().rate_burst),
        expiresAt=item.key_expires_at,
        revokedAt=item.revoked_at,
        createdAt=item.created_at,
        createdBy=item.created_by,
        lastUsedAt=last_used_at,
    )


def allowed_scopes(role: Role, requested: list[str] | None) -> list[str]:
    """The scopes a key of this role gets: `requested`, or every one the role allows; 422 naming those
    that are no scope at all (with the one likely meant) and those the role does not allow."""
    allowed = ROLE_SCOPES[role]
    if requested is None:
        return sorted(allowed)
    unknown = sorted(set(requested) - ALL_SCOPES)
    refused = sorted(set(requested) - allowed - set(unknown))
    problems = [Detail("scopes", _unknown_scope(scope)) for scope in unknown]
    if refused:
        problems.append(Detail("scopes", f"not allowed for role {role.value}: {', '.join(refused)}"))
    if problems:
        raise errors.invalid(problems)
    return sorted(set(requested))


def _unknown_scope(scope: str) -> str:
    """The scope likely meant; else, for a resource that has scopes, those it has."""
    meant = closest(scope, ALL_SCOPES)
    if meant:
        return f"unknown scope {scope}; did you mean {meant}?"
    resource = scope.partition(":")[0]
    its = sorted(known for known in ALL_SCOPES if known.partition(":")[0] == resource)
    if its:
        return f"unknown scope {scope}; {resource} has {', '.join(its)}"
    return f"unknown scope {scope} (resource:action, as contacts:read)"


def issue_key(
    caller: Caller,
    *,
    user: User,
    name: str,
    scopes: list[str] | None,
    expires_at: datetime | None = None,
    rate_limit: int | None = None,
    burst_limit: int | None = None,
    raw_key: str | None = None,
) -> ApiKeyCreated:
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise errors.invalid([Detail("expiresAt", "must be in the future")])
    raw = raw_key or new_raw_key()
    if not KEY_FORMAT.match(raw):
        raise errors.invalid([Detail("key", "must look like cdp_live_<32 hex digits>")])
    role = user.role
    record = ApiKeyItem(
        tenant_id=caller.tenant_id,
        key_id=new_id("key"),
        user_id=user.user_id,
        role=role.value,
        scopes=allowed_scopes(role, scopes),
        rate_limit=rate_limit or settings().rate_limit,
        burst_limit=burst_limit,
        key_expires_at=clock.iso(expires_at) if expires_at else None,
        name=name,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=hash_key(raw),
        created_at=clock.iso(now),
        created_by=caller.user_id,
    )
    lookup_ttl = clock.epoch(expires_at) + LOOKUP_GRACE_SECONDS if expires_at else None
    entry = audit.entry(
        caller, entity_type="apikey", entity_id=record.key_id, action="apikey.created", at=now, changed=["scopes"]
    )
    store.create_key(record, store.lookup_for(record, lookup_ttl), entry)
    return ApiKeyCreated(**_to_api(record).model_dump(), key=raw)


def create_api_key(caller: Caller, body: ApiKeyCreate) -> ApiKeyCreated:
    user = get_active_user(caller.tenant_id, body.userId or caller.user_id)
    if user is None:
        raise errors.invalid([Detail("userId", "no active user with this id")])
    return issue_key(
        caller,
        user=user,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expiresAt,
        rate_limit=body.rateLimit,
        burst_limit=body.burstLimit,
    )


def list_api_keys(caller: Caller, query: ApiKeyQuery) -> Listing[ApiKey]:
    """The tenant's keys, newest first, each with its last use (one BatchGetItem a page: the lookup
    items of the keys not revoked, which the authorizer stamps with every count); `userId` and
    `active` filter the pages read."""
    now = clock.iso(clock.now())

    def page(size: int, start: LastKey | None) -> Page[tuple[ApiKeyItem, str | None]]:
        found = store.list_keys(caller.tenant_id, limit=size, start=start)
        used = store.last_used(item.key_hash for item in found.items if item.revoked_at is None)
        return Page([(item, used.get(item.key_hash)) for item in found.items], found.last_key)

    def kept(listed: tuple[ApiKeyItem, str | None]) -> bool:
        item = listed[0]
        works = item.revoked_at is None and (item.key_expires_at is None or item.key_expires_at > now)
        return (query.userId is None or item.user_id == query.userId) and query.active in (None, works)

    return listing(
        page,
        lambda listed: _to_api(*listed),
        binding=f"apikeys|{caller.tenant_id}|{query.userId}|{query.active}",
        limit=query.limit,
        cursor=query.cursor,
        keep=kept,
    )


def get_api_key(caller: Caller, key_id: str) -> ApiKey:
    """One key of the tenant with its last use (a GetItem of the key, one of its lookup item unless
    revoked); 404 for another tenant's."""
    record = store.get_key(caller.tenant_id, key_id)
    if record is None:
        raise errors.not_found("API key")
    used = store.last_used([record.key_hash] if record.revoked_at is None else [])
    return _to_api(record, used.get(record.key_hash))


def revoke_api_key(caller: Caller, key_id: str) -> ApiKey:
    record = store.get_key(caller.tenant_id, key_id)
    if record is None or record.revoked_at is not None or not _revoked(caller, record):
        raise errors.not_found("API key")
    return _to_api(record)


def revoke_user_keys(caller: Caller, user_id: str) -> int:
    """Revoke every key of a user (a deactivated one), page by page of the user's keys not revoked;
    how many were revoked."""
    revoked, start = 0, None
    while True:
        page = store.user_keys(caller.tenant_id, user_id, limit=100, start=start)
        # The index may lag behind a revoke: a key revoked meanwhile is not counted.
        revoked += sum(_revoked(caller, record) for record in page.items if record.revoked_at is None)
        start = page.last_key
        if start is None:
            return revoked


def _revoked(caller: Caller, record: ApiKeyItem) -> bool:
    """Mark the key revoked and delete its lookup item; False for a key revoked meanwhile."""
    key_id, now = record.key_id, clock.now()
    entry = audit.entry(
        caller, entity_type="apikey", entity_id=key_id, action="apikey.revoked", at=now, changed=["revokedAt"]
    )
    try:
        store.revoke_key(record, clock.iso(now), entry)
    except StaleVersion:
        return False
    return True
