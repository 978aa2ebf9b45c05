"""API keys: a tenant-owned record per key, plus a global lookup item keyed by the key's SHA-256.

The authorizer reads only the lookup item (one GetItem); revoking deletes it in the same
transaction that marks the record revoked.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, string_list, transaction

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
    key_expires_at = UnicodeAttribute(null=True, attr_name="keyExpiresAt")


class ApiKeyItem(_KeyGrant, discriminator="apikey"):
    name = UnicodeAttribute()
    prefix = UnicodeAttribute()
    key_hash = UnicodeAttribute(attr_name="keyHash")
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    revoked_at = UnicodeAttribute(null=True, attr_name="revokedAt")


class ApiKeyLookup(_KeyGrant, discriminator="apikey-lookup"):
    pass


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
        key_expires_at=record.key_expires_at,
        expires_at=ttl_epoch,
    )


def create_key(record: ApiKeyItem, lookup: ApiKeyLookup, audit: AuditItem) -> None:
    record.pk = keys.api_key_pk(record.tenant_id, record.key_id)
    record.sk = RECORD_SK
    record.gsi1pk = keys.api_keys_collection(record.tenant_id)
    record.gsi1sk = keys.sortable(record.created_at, record.key_id)
    with transaction() as tx:
        tx.save(record, condition=ApiKeyItem.pk.does_not_exist())
        tx.save(lookup, condition=ApiKeyLookup.pk.does_not_exist())
        tx.save(audit)


def find_by_hash(key_hash: str) -> ApiKeyLookup | None:
    try:
        return ApiKeyLookup.get(keys.api_key_lookup_pk(key_hash), LOOKUP_SK, consistent_read=True)
    except DoesNotExist:
        return None


def get_key(tenant_id: str, key_id: str) -> ApiKeyItem | None:
    try:
        return ApiKeyItem.get(keys.api_key_pk(tenant_id, key_id), RECORD_SK, consistent_read=True)
    except DoesNotExist:
        return None


def list_keys(tenant_id: str, *, limit: int, start: LastKey | None) -> Page[ApiKeyItem]:
    return query_page(ApiKeyItem.gsi1, keys.api_keys_collection(tenant_id), limit=limit, start=start, forward=False)


def revoke_key(record: ApiKeyItem, revoked_at: str, audit: AuditItem) -> None:
    """Mark the record revoked and delete its lookup item, atomically; only once."""
    try:
        with transaction() as tx:
            tx.update(
                record,
                actions=[ApiKeyItem.revoked_at.set(revoked_at)],
                condition=ApiKeyItem.revoked_at.does_not_exist(),
            )
            tx.delete(ApiKeyLookup(pk=keys.api_key_lookup_pk(record.key_hash), sk=LOOKUP_SK))
            tx.save(audit)
    except TransactWriteError as error:
        if error.cause_response_code == "TransactionCanceledException":
            raise StaleVersion(record.key_id) from error
        raise
    record.revoked_at = revoked_at
