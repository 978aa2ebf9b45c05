"""API keys: a tenant-owned record per key, plus a global lookup item keyed by the key's SHA-256.

The authorizer touches only the lookup item: one conditional UpdateItem reads the key and counts the
request in the key's rate-limit window (`count_request`). Revoking deletes the lookup item in the
same transaction that marks the record revoked, so the key's next count is refused (an authorizer
instance counts a busy key's requests several at a time, for a second at most:
services/authentication.py, "Leases").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.rate_windows import COUNT_ATTEMPTS as COUNT_ATTEMPTS
from contact_platform.store.rate_windows import CountContention as CountContention
from contact_platform.store.rate_windows import count_in_window
from contact_platform.store.table import Item, get_item, string_list, transaction

RECORD_SK = "APIKEY"
LOOKUP_SK = "LOOKUP"


class _KeyGrant(Item):
    """What a key grants; shared by the record and the lookup item."""

    tenant_id = UnicodeAttribute(attr_name="tenantId")
    key_id = UnicodeAttribute(attr_name="keyId")
    user_id = UnicodeAttribute(attr_name="userId")
    role = UnicodeAttribute()
    scopes = string_list()
    rate_limit = NumberAttribute(attr_name="rateLimit")
    burst_limit = NumberAttribute(null=True, attr_name="burstLimit")  # absent: the default (RATE_BURST_PER_SECOND)
    key_expires_at = UnicodeAttribute(null=True, attr_name="keyExpiresAt")


class ApiKeyItem(_KeyGrant, discriminator="apikey"):
    name = UnicodeAttribute()
    prefix = UnicodeAttribute()
    key_hash = UnicodeAttribute(attr_name="keyHash")
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    revoked_at = UnicodeAttribute(null=True, attr_name="revokedAt")


class ApiKeyLookup(_KeyGrant, discriminator="apikey-lookup"):
    """The grant, and the key's current rate-limit window and burst second: their starts (epoch
    seconds) and the requests counted in each (absent until the key's first request)."""

    window_start = NumberAttribute(null=True, attr_name="windowStart")
    window_hits = NumberAttribute(null=True, attr_name="windowHits")
    burst_second = NumberAttribute(null=True, attr_name="burstSecond")
    burst_hits = NumberAttribute(null=True, attr_name="burstHits")
    last_used_at = UnicodeAttribute(null=True, attr_name="lastUsedAt")  # set by every count


def lookup_for(record: ApiKeyItem, ttl_epoch: int | None) -> ApiKeyLookup:
    return ApiKeyLookup(
        pk=keys.api_key_lookup_pk(record.key_hash),
        sk=LOOKUP_SK,
        tenant_id=record.tenant_id,
        key_id=record.key_id,
        user_id=record.user_id,
        role=record.role,
        scopes=record.scopes,
        rate_limit=record.rate_limit,
        burst_limit=record.burst_limit,
        key_expires_at=record.key_expires_at,
        expires_at=ttl_epoch,
    )


def create_key(record: ApiKeyItem, lookup: ApiKeyLookup, audit: AuditItem) -> None:
    record.pk = keys.api_key_pk(record.tenant_id, record.key_id)
    record.sk = RECORD_SK
    record.gsi1pk = keys.api_keys_collection(record.tenant_id)
    record.gsi1sk = keys.sortable(record.created_at, record.key_id)
    record.gsi4pk = keys.user_keys_collection(record.tenant_id, record.user_id)  # until it is revoked
    record.gsi4sk = record.gsi1sk
    with transaction() as tx:
        tx.save(record, condition=ApiKeyItem.pk.does_not_exist())
        tx.save(lookup, condition=ApiKeyLookup.pk.does_not_exist())
        tx.save(audit)


def find_by_hash(key_hash: str) -> ApiKeyLookup | None:
    return get_item(ApiKeyLookup, keys.api_key_lookup_pk(key_hash), LOOKUP_SK)


def count_request(
    key_hash: str, window_start: int, second: int, used_at: str, *, count: int = 1, same_second: bool = False
) -> ApiKeyLookup | None:
    """Count `count` requests (the numbers an authorizer leases) in the rate-limit window starting at
    `window_start` and in the second `second` (epoch seconds) of the key with this hash, noting
    `used_at` as its last use, and return its lookup item as it is after the count; None when no key
    has this hash (unknown, or revoked: the lookup item is gone). No item is ever created
    (`store/rate_windows.py`: one UpdateItem, a second at a window's start)."""
    found = count_in_window(
        ApiKeyLookup,
        keys.api_key_lookup_pk(key_hash),
        LOOKUP_SK,
        window_start,
        second,
        same_second=same_second,
        count=count,
        also=[ApiKeyLookup.last_used_at.set(used_at)],
    )
    return None if found is None else _lookup_of(found)


def last_used(key_hashes: Iterable[str]) -> dict[str, str]:
    """Key hash -> when the key last authenticated a request, for the keys of those hashes that have
    (BatchGetItem of their lookup items, 100 a request; a revoked key has none)."""
    wanted = [(keys.api_key_lookup_pk(key_hash), LOOKUP_SK) for key_hash in dict.fromkeys(key_hashes)]
    if not wanted:
        return {}
    lookups = ApiKeyLookup.batch_get(wanted, consistent_read=False, attributes_to_get=["PK", "lastUsedAt"])
    prefix = keys.api_key_lookup_pk("")
    return {lookup.pk.removeprefix(prefix): str(lookup.last_used_at) for lookup in lookups if lookup.last_used_at}


def _lookup_of(attributes: dict[str, Any]) -> ApiKeyLookup:
    return ApiKeyLookup.from_raw_data(attributes)


def get_key(tenant_id: str, key_id: str) -> ApiKeyItem | None:
    return get_item(ApiKeyItem, keys.api_key_pk(tenant_id, key_id), RECORD_SK)


def list_keys(tenant_id: str, *, limit: int, start: LastKey | None) -> Page[ApiKeyItem]:
    return query_page(ApiKeyItem.gsi1, keys.api_keys_collection(tenant_id), limit=limit, start=start, forward=False)


def user_keys(tenant_id: str, user_id: str, *, limit: int, start: LastKey | None) -> Page[ApiKeyItem]:
    """A page of the user's keys not revoked (GSI4, oldest first)."""
    collection = keys.user_keys_collection(tenant_id, user_id)
    return query_page(ApiKeyItem.gsi4, collection, limit=limit, start=start, forward=True)


def revoke_key(record: ApiKeyItem, revoked_at: str, audit: AuditItem) -> None:
    """Mark the record revoked (out of its user's index) and delete its lookup item, atomically; only once."""
    try:
        with transaction() as tx:
            tx.update(
                record,
                actions=[ApiKeyItem.revoked_at.set(revoked_at), ApiKeyItem.gsi4pk.remove(), ApiKeyItem.gsi4sk.remove()],
                condition=ApiKeyItem.revoked_at.does_not_exist(),
            )
            tx.delete(ApiKeyLookup(pk=keys.api_key_lookup_pk(record.key_hash), sk=LOOKUP_SK))
            tx.save(audit)
    except TransactWriteError as error:
        if error.cause_response_code == "TransactionCanceledException":
            raise StaleVersion(record.key_id) from error
        raise
    record.revoked_at = revoked_at
