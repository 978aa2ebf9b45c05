"""Roles, scopes and the caller of a request.

A key carries scopes (`resource:action`); a route names the one scope it needs. A role bounds which
scopes a key of that user may carry and whether the user sees every record or only its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contact_platform.entities.catalog import PLURALS, scope_resource, verbs
from contact_platform.route import SUPREME_PERMISSION


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    USER = "user"
    PARTNER = "partner"
    MIGRATION_OFFICER = "migration-officer"


CONTACTS_READ = "contacts:read"
CONTACTS_WRITE = "contacts:write"
CONTACTS_DELETE = "contacts:delete"
CONTACTS_RESTORE = "contacts:restore"
APIKEYS_MANAGE = "apikeys:manage"
AUDIT_READ = "audit:read"
SEGMENTS_READ = "segments:read"
SEGMENTS_WRITE = "segments:write"
TAGS_READ = "tags:read"
TAGS_WRITE = "tags:write"  # create and delete tags, tag a segment
EXPORTS_READ = "exports:read"
EXPORTS_WRITE = "exports:write"
IMPORTS_READ = "imports:read"
IMPORTS_WRITE = "imports:write"
MOVES_READ = "moves:read"  # the jobs that move what referenced a deleted or merged record
MOVES_WRITE = "moves:write"  # run a failed one again
EVENTS_READ = "events:read"  # the tenant's events (records as written: for admins and managers)
WEBHOOKS_READ = "webhooks:read"  # webhook subscriptions (they receive every record: admins and managers)
WEBHOOKS_WRITE = "webhooks:write"

# The entities declared in entities/ (their plural, as in `organizations:read`): read, write,
# delete and, for admins, restore.
ENTITY_RESOURCES = tuple(dict.fromkeys(scope_resource(name) for name in PLURALS))
ENTITY_ACTIONS = ("read", "write", "delete")
ENTITY_SCOPES = frozenset(f"{resource}:{action}" for resource in ENTITY_RESOURCES for action in ENTITY_ACTIONS)
ENTITY_RESTORE_SCOPES = frozenset(f"{scope_resource(name)}:restore" for name in PLURALS if "restore" in verbs(name))
USERS_DELETE = "users:delete"  # deactivating a user (entities/users.py) is for admins
LEADS_READ = "leads:read"  # leads (entities/leads.py): partners read and write their own
LEADS_WRITE = "leads:write"
LEADS_MIGRATE = "leads:migrate"  # importing leads with their history from older systems
# A campaign's exports (the export service's REPORT permission): its entries with their contacts'
# email and phone, so admins and managers only; campaigns and entries themselves: `campaigns:*`.
CAMPAIGNS_REPORT = "campaigns:report"
# Routes for supreme users only (`Route(..., supreme=True)`): not a scope, never in ALL_SCOPES.
SUPREME = SUPREME_PERMISSION

ALL_SCOPES: frozenset[str] = (
    ENTITY_SCOPES
    | ENTITY_RESTORE_SCOPES
    | frozenset(
        {
            CONTACTS_READ,
            CONTACTS_WRITE,
            CONTACTS_DELETE,
            CONTACTS_RESTORE,
            APIKEYS_MANAGE,
            AUDIT_READ,
            SEGMENTS_READ,
            SEGMENTS_WRITE,
            TAGS_READ,
            TAGS_WRITE,
            EXPORTS_READ,
            EXPORTS_WRITE,
            IMPORTS_READ,
            IMPORTS_WRITE,
            MOVES_READ,
            MOVES_WRITE,
            EVENTS_READ,
            WEBHOOKS_READ,
            WEBHOOKS_WRITE,
            LEADS_MIGRATE,
            CAMPAIGNS_REPORT,
        }
    )
)
_CRM = (ENTITY_SCOPES - {USERS_DELETE}) | {MOVES_READ, MOVES_WRITE}  # managers' and users' CRM scopes
_WEBHOOKS = frozenset({WEBHOOKS_READ, WEBHOOKS_WRITE})  # admins and managers
_AUDIENCES = frozenset({SEGMENTS_READ, SEGMENTS_WRITE, TAGS_READ, EXPORTS_READ, EXPORTS_WRITE})

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.ADMIN: ALL_SCOPES,
    Role.MANAGER: frozenset({CONTACTS_READ, CONTACTS_WRITE, CONTACTS_DELETE, TAGS_WRITE, IMPORTS_READ, EVENTS_READ})
    | _WEBHOOKS
    | _AUDIENCES
    | _CRM
    | {CAMPAIGNS_REPORT},
    Role.USER: frozenset({CONTACTS_READ, CONTACTS_WRITE, CONTACTS_DELETE}) | _AUDIENCES | _CRM,
    # Imports are for registered partners (and admins) only.
    Role.PARTNER: frozenset(
        {CONTACTS_READ, CONTACTS_WRITE, TAGS_READ, IMPORTS_READ, IMPORTS_WRITE, LEADS_READ, LEADS_WRITE}
    ),
    # Reads every lead (entities/leads.py: `readers`) to check what it migrated.
    Role.MIGRATION_OFFICER: frozenset({CONTACTS_READ, LEADS_READ, LEADS_MIGRATE}),
}

# Roles that see and change every record of the tenant; the others only records they own.
ROLES_SEEING_ALL: frozenset[Role] = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True)
class Caller:
    """Who is asking: resolved by the authorizer from the API key, never from the request itself."""

    tenant_id: str
    user_id: str
    role: Role
    scopes: frozenset[str]
    key_id: str
    request_id: str

    @property
    def sees_all_records(self) -> bool:
        return self.role in ROLES_SEEING_ALL

    def may_access(self, owner_id: str | None) -> bool:
        return self.sees_all_records or owner_id == self.user_id
