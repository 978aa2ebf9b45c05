"""Key formats of every item type (the access patterns are listed in `store/__init__.py`).

Every tenant-owned partition key starts with `TENANT#<tenantId>#`.
"""

from __future__ import annotations

GUARD_SK = "GUARD"  # the sort key of every uniqueness guard item


def _tenant(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#"


def sortable(moment_iso: str, entity_id: str) -> str:
    """A time-ordered, unique sort key: `<ISO timestamp>#<id>`."""
    return f"{moment_iso}#{entity_id}"


# Tenants (their users are entity records: entities/users.py)
def tenant_pk(tenant_id: str) -> str:
    return _tenant(tenant_id) + "PROFILE"


def user_tally_pk(tenant_id: str) -> str:
    """The tenant's count of active admins."""
    return _tenant(tenant_id) + "USERTALLY"


# API keys: the record is tenant-owned; the lookup by hash is global (the authorizer starts there).
def api_key_pk(tenant_id: str, key_id: str) -> str:
    return _tenant(tenant_id) + f"APIKEY#{key_id}"


def api_keys_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "APIKEYS"


def user_keys_collection(tenant_id: str, user_id: str) -> str:
    """A user's keys not revoked (GSI4): what a deactivation revokes."""
    return _tenant(tenant_id) + f"APIKEYS#USER#{user_id}"


def api_key_lookup_pk(key_hash: str) -> str:
    return f"APIKEYHASH#{key_hash}"


# Bearer tokens (JWT): the rate-limit window of a token's subject is global too (the authorizer writes it).
TOKEN_WINDOW_PREFIX = "TOKENSUB#"


def token_window_pk(tenant_id: str, user_id: str) -> str:
    return f"{TOKEN_WINDOW_PREFIX}{tenant_id}#{user_id}"


# A Cognito app client's registration: the tenant and user its client-credentials tokens act for.
TOKEN_CLIENT_PREFIX = "TOKENCLIENT#"


def token_client_pk(client_id: str) -> str:
    return f"{TOKEN_CLIENT_PREFIX}{client_id}"


# Platform-level items, no tenant's data: the supreme users (docs/data-model.md).
PLATFORM_PK = "PLATFORM"


def supreme_sk(user_id: str) -> str:
    return f"SUPREME#{user_id}"


# Contacts and what hangs on them
def contact_pk(tenant_id: str, contact_id: str) -> str:
    return _tenant(tenant_id) + f"CONTACT#{contact_id}"


def contacts_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "CONTACTS"


def deleted_contacts_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "DELETEDCONTACTS"


def requester_operations_collection(tenant_id: str, job: str, user_id: str) -> str:
    """The jobs of one kind a user requested (GSI4): the list a user or partner reads."""
    return _tenant(tenant_id) + f"OPS#{job}#REQUESTER#{user_id}"


def owner_collection(tenant_id: str, owner_id: str) -> str:
    return _tenant(tenant_id) + f"OWNER#{owner_id}"


def organization_collection(tenant_id: str, organization_id: str) -> str:
    return _tenant(tenant_id) + f"ORG#{organization_id}"


def tag_collection(tenant_id: str, tag_key: str) -> str:
    return _tenant(tenant_id) + f"TAG#{tag_key}"


def contact_email_guard_pk(tenant_id: str, email_key: str) -> str:
    return _tenant(tenant_id) + f"CONTACTEMAIL#{email_key}"


def contact_phone_pk(tenant_id: str, phone_key: str) -> str:
    return _tenant(tenant_id) + f"CONTACTPHONE#{phone_key}"


def search_pk(tenant_id: str, token: str) -> str:
    return _tenant(tenant_id) + f"SEARCH#{token[:2]}"


# Records of the entities declared in entities/ (docs/data-model.md, "Entity records"): the entity's
# upper-case name is part of every key, so two entities never share a partition.
def record_pk(tenant_id: str, entity: str, record_id: str) -> str:
    return _tenant(tenant_id) + f"{entity.upper()}#{record_id}"


def records_collection(tenant_id: str, entity: str) -> str:
    return _tenant(tenant_id) + f"{entity.upper()}S"


def deleted_records_collection(tenant_id: str, entity: str) -> str:
    return _tenant(tenant_id) + f"DELETED{entity.upper()}S"


def record_owner_collection(tenant_id: str, entity: str, owner_id: str) -> str:
    return _tenant(tenant_id) + f"{entity.upper()}S#OWNER#{owner_id}"


def record_link_collection(tenant_id: str, entity: str, field: str, value: str) -> str:
    """The records whose `field` (a reference or a parent) is `value`: `T#DEALS#stageId#stg_1`."""
    return _tenant(tenant_id) + f"{entity.upper()}S#{field}#{value}"


def deal_tally_pk(tenant_id: str, readers: str) -> str:
    """The deal tallies readable by `readers`: `ALL`, `OWNER#u`, `SHARED`, `SHARED#OWNER#u`, `PRIVATE#u`."""
    return _tenant(tenant_id) + f"DEALTALLY#{readers}"


def record_references_pk(tenant_id: str, target: str, target_id: str) -> str:
    """The records of any entity that reference one record: `T#REFS#ORGANIZATION#org_1`."""
    return _tenant(tenant_id) + f"REFS#{target.upper()}#{target_id}"


def record_search_pk(tenant_id: str, entity: str, token: str) -> str:
    return _tenant(tenant_id) + f"{entity.upper()}SEARCH#{token[:2]}"


def unique_guard_pk(tenant_id: str, entity: str, field: str, value_key: str) -> str:
    return _tenant(tenant_id) + f"UNIQUE#{entity.upper()}#{field}#{value_key}"


# Segments, tags, operations (asynchronous jobs)
def segment_pk(tenant_id: str, segment_id: str) -> str:
    return _tenant(tenant_id) + f"SEGMENT#{segment_id}"


def segments_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "SEGMENTS"


# Webhook subscriptions (at most 25 per tenant, counted by the tenant's webhook tally)
def webhook_pk(tenant_id: str, webhook_id: str) -> str:
    return _tenant(tenant_id) + f"WEBHOOK#{webhook_id}"


def webhooks_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "WEBHOOKS"


def webhook_tally_pk(tenant_id: str) -> str:
    """The tenant's count of webhooks."""
    return _tenant(tenant_id) + "WEBHOOKTALLY"


def tag_pk(tenant_id: str, tag_id: str) -> str:
    return _tenant(tenant_id) + f"TAGDEF#{tag_id}"


def tags_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "TAGDEFS"


def tag_name_guard_pk(tenant_id: str, tag_key: str) -> str:
    return _tenant(tenant_id) + f"TAGNAME#{tag_key}"


def operation_pk(tenant_id: str, operation_id: str) -> str:
    return _tenant(tenant_id) + f"OP#{operation_id}"


def operations_collection(tenant_id: str, job: str) -> str:
    return _tenant(tenant_id) + f"OPS#{job}"


# Campaign exports (operations of the `campaign_exports` job): listed per campaign, found per
# requester across tenants (a CCPA erasure), one queued per campaign, type and day.
def campaign_exports_collection(tenant_id: str, campaign_id: str) -> str:
    return _tenant(tenant_id) + f"CAMPAIGNEXPORTS#{campaign_id}"


def requester_exports_collection(user_id: str) -> str:
    """Global, not a tenant's: the supreme user's erasure finds a user's exports in every tenant."""
    return f"EXPORTREQUESTER#{user_id}"


def queued_export_pk(tenant_id: str, campaign_id: str, export_type: str, date_key: str | None) -> str:
    return _tenant(tenant_id) + f"QUEUEDEXPORT#{campaign_id}#{export_type}#{date_key or '-'}"


# Housekeeping (global, not tenant-owned): what the scheduled cleanup has to do on which day.
def due_partition(day: str) -> str:
    """`DUE#2026-11-21`: items whose next housekeeping step falls on that (UTC) day."""
    return f"DUE#{day}"


def due_sort_key(moment_iso: str, tenant_id: str, entity_id: str) -> str:
    return f"{moment_iso}#{tenant_id}#{entity_id}"


HOUSEKEEPING_PK = "HOUSEKEEPING"


# Audit trail, idempotency records
def audit_pk(tenant_id: str, entity_id: str) -> str:
    return _tenant(tenant_id) + f"AUDIT#{entity_id}"


def audit_collection(tenant_id: str) -> str:
    return _tenant(tenant_id) + "AUDIT"


def idempotency_pk(tenant_id: str) -> str:
    return _tenant(tenant_id) + "IDEMPOTENCY"


def key_set_pk(tenant_id: str, entity: str, kind: str, value: str) -> str:
    """The records of an entity with a normalized value (store/key_sets.py): `LEAD`, `email`, `a@b.de`."""
    return _tenant(tenant_id) + f"KEYSET#{entity.upper()}#{kind}#{value}"


# The lead migration's imports and their sources' locks (store/lead_migrations.py).


def lead_migration_pk(tenant_id: str, import_id: str) -> str:
    return _tenant(tenant_id) + f"LEADMIGRATION#{import_id}"


# A campaign's code assignments (store/campaign_codes.py).


def code_assignment_pk(tenant_id: str, campaign_id: str, code: str) -> str:
    """One code of a campaign, held by the entry it went to: `T#CAMPAIGNCODE#camp_1#A1B2`."""
    return _tenant(tenant_id) + f"CAMPAIGNCODE#{campaign_id}#{code}"


def code_assignments_collection(tenant_id: str, campaign_id: str, date_key: str | None = None) -> str:
    """A campaign's assignments (GSI1), or those of one wave's `dateKey` (GSI5)."""
    collection = _tenant(tenant_id) + f"CAMPAIGNCODES#{campaign_id}"
    return collection if date_key is None else f"{collection}#{date_key}"
