"""THE route table. Every API route is listed once here; from it

- CDK creates the API Gateway resources and methods and one function per route (infra/api.py),
- the local gateway dispatches requests (local/gateway.py),
- the OpenAPI document is built (local/openapi.py -> docs/openapi.json),

and each route's handler lives at `functions/api/<resource>/<name>.py`, sharing the route's name
with its service function; the routes of the entities declared in `entities/` are derived from the
declarations and served by `functions/api/entity_routes.py` (docs/architecture.md, "Entities").
"""

from __future__ import annotations

import re
from functools import cache

from contact_platform import permissions as p
from contact_platform.route import ANY_CALLER, Route

# The whole table: the routes written here and those derived from the entity declarations. Built on
# first use (module `__getattr__` below), so that a route's function, which needs only its own route
# (`route_named`), does not import every entity's declaration (docs/architecture.md, "Cold start").
ROUTES: tuple[Route, ...]
ROUTES_BY_NAME: dict[str, Route]

# The paths of the records a written route creates: its `location` and the path of its GET route.
API_KEY = "/api/v1/api-keys/{keyId}"
CONTACT = "/api/v1/contacts/{contactId}"
WEBHOOK = "/api/v1/webhooks/{webhookId}"
SEGMENT = "/api/v1/segments/{segmentId}"
TAG = "/api/v1/tags/{tagId}"
CAMPAIGN_EXPORT = "/api/v1/campaigns/{campaignId}/exports/{exportId}"

WRITTEN_ROUTES: tuple[Route, ...] = (
    Route("get_heartbeat", "GET", "/heartbeat", "health", None, "Service health check"),
    Route(
        "get_metrics",
        "GET",
        "/metrics",
        "health",
        None,
        "Prometheus metrics (platform-wide, no tenant or user labels)",
        reads_metrics=True,
    ),
    Route(
        "create_dev_token",
        "POST",
        "/dev/token",
        "dev",
        None,
        "Issue an API key and an access token (JWT) (dev mode only)",
        status=201,
        dev_only=True,
    ),
    # The local stack's dev issuer (services/dev_issuer.py); on AWS the tokens' JWKS is Cognito's.
    Route(
        "get_jwks",
        "GET",
        "/.well-known/jwks.json",
        "dev",
        None,
        "The dev issuer's public keys (JWKS) (dev mode only)",
        dev_only=True,
    ),
    Route(
        "get_dev_auth",
        "GET",
        "/dev/auth",
        "dev",
        None,
        "The demo tenant, its users and how to get a token (dev mode only)",
        dev_only=True,
    ),
    Route(
        "trigger_internal_server_error",
        "GET",
        "/dev/internalServerError",
        "dev",
        None,
        "Fail with a 500 through the error path (dev mode only)",
        dev_only=True,
    ),
    Route(
        "get_dev_supremes",
        "GET",
        "/dev/supremes",
        "dev",
        p.SUPREME,
        "Answer only a supreme user (dev mode only)",
        dev_only=True,
        supreme=True,
    ),
    Route(
        "create_api_key",
        "POST",
        "/api/v1/api-keys",
        "api_keys",
        p.APIKEYS_MANAGE,
        "Create an API key",
        status=201,
        location=API_KEY,
    ),
    Route("list_api_keys", "GET", "/api/v1/api-keys", "api_keys", p.APIKEYS_MANAGE, "List the tenant's API keys"),
    Route("get_api_key", "GET", API_KEY, "api_keys", p.APIKEYS_MANAGE, "Get an API key, with its last use"),
    Route("revoke_api_key", "DELETE", API_KEY, "api_keys", p.APIKEYS_MANAGE, "Revoke an API key"),
    Route(
        "create_contact",
        "POST",
        "/api/v1/contacts",
        "contacts",
        p.CONTACTS_WRITE,
        "Create a contact",
        status=201,
        location=CONTACT,
    ),
    Route("list_contacts", "GET", "/api/v1/contacts", "contacts", p.CONTACTS_READ, "List and search contacts"),
    Route("get_contact", "GET", CONTACT, "contacts", p.CONTACTS_READ, "Get a contact"),
    Route("update_contact", "PATCH", "/api/v1/contacts/{contactId}", "contacts", p.CONTACTS_WRITE, "Update a contact"),
    Route(
        "delete_contact", "DELETE", "/api/v1/contacts/{contactId}", "contacts", p.CONTACTS_DELETE, "Delete a contact"
    ),
    Route(
        "merge_contact",
        "POST",
        "/api/v1/contacts/{contactId}/merge",
        "contacts",
        p.CONTACTS_WRITE,
        "Merge a duplicate contact into another (dryRun)",
        workflow="moves",
    ),
    Route(
        "restore_contact",
        "POST",
        "/api/v1/admin/contacts/{contactId}/restore",
        "admin",
        p.CONTACTS_RESTORE,
        "Restore a soft-deleted contact",
    ),
    Route(
        "list_deleted_contacts",
        "GET",
        "/api/v1/admin/contacts/deleted",
        "admin",
        p.CONTACTS_RESTORE,
        "List soft-deleted contacts not yet purged",
    ),
    Route("list_audit_log", "GET", "/api/v1/admin/audit-log", "admin", p.AUDIT_READ, "Read the audit trail"),
    # The lead migration (services/lead_migration.py): admins and migration officers.
    Route(
        "import_leads",
        "POST",
        "/api/v1/admin/migration/leads/import",
        "admin",
        p.LEADS_MIGRATE,
        "Migrate up to 1,000 historical leads: a dry run (a report), or an import of them all or none",
        large_json_body=True,
    ),
    Route(
        "get_lead_import",
        "GET",
        "/api/v1/admin/migration/leads/imports/{importId}",
        "admin",
        p.LEADS_MIGRATE,
        "A lead migration's report, with the external IDs to correct and send again",
    ),
    Route("list_events", "GET", "/api/v1/events", "events", p.EVENTS_READ, "List the events of the last 30 days"),
    Route("get_event", "GET", "/api/v1/events/{eventId}", "events", p.EVENTS_READ, "Get an event"),
    # Webhooks (subscriptions to events)
    Route(
        "create_webhook",
        "POST",
        "/api/v1/webhooks",
        "webhooks",
        p.WEBHOOKS_WRITE,
        "Subscribe to events",
        status=201,
        location=WEBHOOK,
        seals_webhook_secrets=True,
    ),
    Route("list_webhooks", "GET", "/api/v1/webhooks", "webhooks", p.WEBHOOKS_READ, "List webhooks"),
    Route("get_webhook", "GET", WEBHOOK, "webhooks", p.WEBHOOKS_READ, "Get a webhook"),
    Route(
        "update_webhook",
        "PATCH",
        "/api/v1/webhooks/{webhookId}",
        "webhooks",
        p.WEBHOOKS_WRITE,
        "Update a webhook (honours If-Match)",
    ),
    Route("delete_webhook", "DELETE", "/api/v1/webhooks/{webhookId}", "webhooks", p.WEBHOOKS_WRITE, "Delete a webhook"),
    Route(
        "rotate_webhook_secret",
        "POST",
        "/api/v1/webhooks/{webhookId}/rotate-secret",
        "webhooks",
        p.WEBHOOKS_WRITE,
        "Rotate a webhook's signing secret (the old one signs 24 hours more)",
        seals_webhook_secrets=True,
    ),
    Route(
        "test_webhook",
        "POST",
        "/api/v1/webhooks/{webhookId}/test",
        "webhooks",
        p.WEBHOOKS_WRITE,
        "Send a webhook.test event to a webhook",
        status=202,
        webhook_queue=True,
    ),
    Route(
        "list_webhook_deliveries",
        "GET",
        "/api/v1/webhooks/{webhookId}/deliveries",
        "webhooks",
        p.WEBHOOKS_READ,
        "List a webhook's deliveries, newest first",
    ),
    Route(
        "get_webhook_delivery",
        "GET",
        "/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}",
        "webhooks",
        p.WEBHOOKS_READ,
        "Get a delivery with its attempts",
    ),
    Route(
        "redeliver_webhook_delivery",
        "POST",
        "/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
        "webhooks",
        p.WEBHOOKS_WRITE,
        "Deliver a finished delivery's event again (a new round of attempts)",
        status=202,
        webhook_queue=True,
    ),
    Route(
        "recover_webhook",
        "POST",
        "/api/v1/webhooks/{webhookId}/recover",
        "webhooks",
        p.WEBHOOKS_WRITE,
        "Send a webhook the events it has not received since a moment (disabled meanwhile, failed deliveries)",
        status=202,
        webhook_queue=True,
    ),
    # Segments (saved audiences)
    Route(
        "create_segment",
        "POST",
        "/api/v1/segments",
        "segments",
        p.SEGMENTS_WRITE,
        "Save a segment",
        status=201,
        location=SEGMENT,
    ),
    Route("list_segments", "GET", "/api/v1/segments", "segments", p.SEGMENTS_READ, "List segments"),
    Route("get_segment", "GET", SEGMENT, "segments", p.SEGMENTS_READ, "Get a segment"),
    Route("update_segment", "PATCH", "/api/v1/segments/{segmentId}", "segments", p.SEGMENTS_WRITE, "Update a segment"),
    Route("delete_segment", "DELETE", "/api/v1/segments/{segmentId}", "segments", p.SEGMENTS_WRITE, "Delete a segment"),
    Route(
        "list_segment_contacts",
        "GET",
        "/api/v1/segments/{segmentId}/contacts",
        "segments",
        p.SEGMENTS_READ,
        "Preview a segment's contacts",
    ),
    Route(
        "count_segment_contacts",
        "GET",
        "/api/v1/segments/{segmentId}/count",
        "segments",
        p.SEGMENTS_READ,
        "Count a segment's contacts",
    ),
    # Tags
    Route("create_tag", "POST", "/api/v1/tags", "tags", p.TAGS_WRITE, "Create a tag", status=201, location=TAG),
    Route("list_tags", "GET", "/api/v1/tags", "tags", p.TAGS_READ, "List tags with their contact counts"),
    Route("get_tag", "GET", TAG, "tags", p.TAGS_READ, "Get a tag"),
    Route(
        "update_tag",
        "PATCH",
        "/api/v1/tags/{tagId}",
        "tags",
        p.TAGS_WRITE,
        "Change a tag's colour or description, or rename it (a job renames it on every contact)",
        workflow="tagging",
    ),
    Route(
        "delete_tag",
        "DELETE",
        "/api/v1/tags/{tagId}",
        "tags",
        p.TAGS_WRITE,
        "Delete a tag (a job removes it from its contacts)",
        status=202,
        workflow="tagging",
    ),
    Route(
        "tag_contact",
        "PUT",
        "/api/v1/contacts/{contactId}/tags/{tagId}",
        "contacts",
        p.CONTACTS_WRITE,
        "Tag a contact",
    ),
    Route(
        "untag_contact",
        "DELETE",
        "/api/v1/contacts/{contactId}/tags/{tagId}",
        "contacts",
        p.CONTACTS_WRITE,
        "Remove a tag from a contact",
    ),
    Route(
        "create_tag_assignment",
        "POST",
        "/api/v1/tag-assignments",
        "tag_assignments",
        p.TAGS_WRITE,
        "Tag every contact of a segment (asynchronous)",
        status=202,
        workflow="tagging",
    ),
    Route(
        "list_tag_assignments",
        "GET",
        "/api/v1/tag-assignments",
        "tag_assignments",
        p.TAGS_READ,
        "List tagging operations",
    ),
    Route(
        "get_tag_assignment",
        "GET",
        "/api/v1/tag-assignments/{operationId}",
        "tag_assignments",
        p.TAGS_READ,
        "Status and counts of a tagging operation",
    ),
    Route(
        "retry_tag_assignment",
        "POST",
        "/api/v1/tag-assignments/{operationId}/retry",
        "tag_assignments",
        p.TAGS_WRITE,
        "Run a failed tagging operation (assignment or tag deletion) again",
        status=202,
        workflow="tagging",
    ),
    # Exports
    Route(
        "create_export",
        "POST",
        "/api/v1/exports",
        "exports",
        p.EXPORTS_WRITE,
        "Export a segment (asynchronous)",
        status=202,
        workflow="exports",
    ),
    Route("list_exports", "GET", "/api/v1/exports", "exports", p.EXPORTS_READ, "List exports", workflow="exports"),
    Route(
        "get_export",
        "GET",
        "/api/v1/exports/{operationId}",
        "exports",
        p.EXPORTS_READ,
        "Status of an export and, once finished, a download URL",
        workflow="exports",
    ),
    Route(
        "retry_export",
        "POST",
        "/api/v1/exports/{operationId}/retry",
        "exports",
        p.EXPORTS_WRITE,
        "Run a failed export again",
        status=202,
        workflow="exports",
    ),
    # Imports
    Route(
        "create_import",
        "POST",
        "/api/v1/imports",
        "imports",
        p.IMPORTS_WRITE,
        "Import a CSV file (inline, or through an upload URL)",
        status=202,
        workflow="imports",
        csv_body=True,
    ),
    Route("list_imports", "GET", "/api/v1/imports", "imports", p.IMPORTS_READ, "List imports", workflow="imports"),
    Route(
        "get_import",
        "GET",
        "/api/v1/imports/{operationId}",
        "imports",
        p.IMPORTS_READ,
        "Progress, counts and errors of an import",
        workflow="imports",
    ),
    Route(
        "retry_import",
        "POST",
        "/api/v1/imports/{operationId}/retry",
        "imports",
        p.IMPORTS_WRITE,
        "Run a failed import again (no row is written twice)",
        status=202,
        workflow="imports",
    ),
    # Moves: the jobs that move what referenced a deleted or merged record (entities/references.py).
    Route("list_moves", "GET", "/api/v1/moves", "moves", p.MOVES_READ, "List moves jobs", workflow="moves"),
    Route(
        "get_move",
        "GET",
        "/api/v1/moves/{operationId}",
        "moves",
        p.MOVES_READ,
        "Status and counts of a moves job",
        workflow="moves",
    ),
    Route(
        "retry_move",
        "POST",
        "/api/v1/moves/{operationId}/retry",
        "moves",
        p.MOVES_WRITE,
        "Run a failed moves job again",
        status=202,
        workflow="moves",
    ),
    # What deals do beyond the routes derived from their declaration (entities/deals.py).
    Route(
        "get_deal_summary",
        "GET",
        "/api/v1/deals/summary",
        "deals",
        "deals:read",
        "Count, value and weighted value of the deals, per currency",
    ),
    Route("mark_deal_won", "POST", "/api/v1/deals/{dealId}/won", "deals", "deals:write", "Mark an open deal won"),
    Route("mark_deal_lost", "POST", "/api/v1/deals/{dealId}/lost", "deals", "deals:write", "Mark an open deal lost"),
    # What leads do beyond the routes derived from their declaration (entities/leads.py).
    Route(
        "add_lead_activity",
        "POST",
        "/api/v1/leads/{leadId}/activities",
        "leads",
        p.LEADS_WRITE,
        "Add an activity to a lead (honours If-Match); its progress deadline follows",
        status=201,
    ),
    # What campaigns do beyond the routes derived from their declarations (entities/campaigns.py,
    # entities/campaign_entries.py): entries in batches, code waves.
    Route(
        "create_campaign_entry_batch",
        "POST",
        "/api/v1/campaigns/{campaignId}/entries/batch",
        "campaigns",
        "campaigns:write",
        "Enter up to 500 contacts into a campaign, all or none",
        status=201,
    ),
    Route(
        "create_code_wave",
        "POST",
        "/api/v1/campaigns/{campaignId}/code-waves",
        "campaigns",
        "campaigns:write",
        "Give up to 10,000 codes to the verified entries without one, highest score first (admins, managers)",
        status=201,
    ),
    # Users beyond their derived routes (entities/users.py): the caller itself, and deactivation.
    Route("get_current_user", "GET", "/api/v1/users/me", "users", ANY_CALLER, "The user the API key acts as (any key)"),
    Route(
        "deactivate_user",
        "DELETE",
        "/api/v1/users/{userId}",
        "users",
        p.USERS_DELETE,
        "Deactivate a user (admins): its API keys are revoked, its records keep their owner",
    ),
    # Campaign exports (campaign_export_types.py, services/campaign_exports.py): the export service's contract.
    Route(
        "create_campaign_export",
        "POST",
        "/api/v1/campaigns/{campaignId}/exports",
        "campaign_exports",
        p.CAMPAIGNS_REPORT,
        "Queue an export of a campaign (the one of that type already queued or running: 200)",
        status=201,
        also_status=200,
        location=CAMPAIGN_EXPORT,
        workflow="campaign_exports",
    ),
    Route(
        "get_campaign_export",
        "GET",
        CAMPAIGN_EXPORT,
        "campaign_exports",
        p.CAMPAIGNS_REPORT,
        "Get a campaign export (a signed download URL once FINISHED)",
        workflow="campaign_exports",
    ),
    Route(
        "list_campaign_exports",
        "GET",
        "/api/v1/campaigns/{campaignId}/exports",
        "campaign_exports",
        p.CAMPAIGNS_REPORT,
        "List a campaign's exports (sorted, by page number or cursor)",
        workflow="campaign_exports",
    ),
    Route(
        "erase_user_exports",
        "DELETE",
        "/api/v1/ccpa/users/{userId}",
        "ccpa",
        p.SUPREME,
        "Delete every export a user requested, in any tenant (CCPA; supreme users only)",
        supreme=True,
    ),
)

_WRITTEN_BY_NAME: dict[str, Route] = {route.name: route for route in WRITTEN_ROUTES}


@cache
def _table() -> tuple[tuple[Route, ...], dict[str, Route]]:
    from contact_platform.entities.catalog import all_entities
    from contact_platform.entities.routes import entity_routes

    routes = WRITTEN_ROUTES + tuple(route for entity in all_entities() for route in entity_routes(entity))
    return routes, {route.name: route for route in routes}


def __getattr__(name: str) -> object:
    if name == "ROUTES":
        return _table()[0]
    if name == "ROUTES_BY_NAME":
        return _table()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def route_named(name: str) -> Route:
    """A route of the table by name, reading only the written routes when it is one of them."""
    return _WRITTEN_BY_NAME.get(name) or _table()[1][name]


# The Lambda authorizer in front of every non-public route (infra/api.py, local/gateway.py).
AUTHORIZER_HANDLER = "functions.triggers.authorizer.handler"
# What a path of the table answers to a method it does not take: 405 (functions/api/unrouted.py).
UNROUTED_HANDLER = "functions.api.unrouted.handler"


def resource_of(path: str) -> str | None:
    """The route table's path a request's path names, whatever its method (static segments win over
    parameters, as API Gateway resolves its resources); None when the API has no such path."""
    found = [route.path for route in _table()[0] if route.path_pattern.match(path)]
    return min(found, key=lambda template: template.count("{")) if found else None


# The resource API Gateway matches a path no route has with (infra/unrouted.py): 404, with the path
# likely meant (`meant_path`).
UNKNOWN_PATH = "/{proxy+}"


def meant_path(path: str, *, dev_mode: bool) -> str | None:
    """The path of the route table a request for a path it does not have likely meant: one of as many
    segments whose static segments are the request's, in the singular or plural (`activity`), or their
    closest spelling, read in this API's words for the seed's (`names.closest`: `/api/v1/persons` ->
    `/api/v1/contacts`, `/api/v1/contact/con_1` -> `/api/v1/contacts/{contactId}`; closer than a
    field's spelling must be, so that `stages` does not read as `tags`); else one that is the request
    under a parent record (`/api/v1/stages` -> `/api/v1/pipelines/{pipelineId}/stages`), or the request
    outside a record it is not nested under (`/api/v1/segments/seg_1/export` -> `/api/v1/exports`).
    None when none is near."""
    from contact_platform.models.fields import RECORD_ID_PATTERN
    from contact_platform.names import closest  # only a request for an unknown path pays for it

    def near(part: str, word: str) -> bool:
        if part.startswith("{") or _singular(part) == _singular(word):
            return True
        return closest(word, [part], cutoff=0.85) == part

    def matches(parts: list[str], words: list[str] | None = None) -> bool:
        words = sent if words is None else words
        return len(parts) == len(words) and all(near(part, word) for part, word in zip(parts, words, strict=True))

    def unnested(parts: list[str]) -> list[list[str]]:
        """The template's segments without one `<collection>/{id}` pair: what it is outside its parent."""
        return [parts[:at] + parts[at + 2 :] for at in range(len(parts) - 2) if parts[at + 1].startswith("{")]

    sent = path.strip("/").split("/")
    deployed = {route.path for route in _table()[0] if dev_mode or not route.dev_only}
    ordered = [(template, template.strip("/").split("/")) for template in sorted(deployed, key=_by_params)]
    found = next((template for template, parts in ordered if matches(parts)), None)
    found = found or next((template for template, parts in ordered if any(map(matches, unnested(parts)))), None)
    ids = [at for at in range(2, len(sent) - 2) if re.fullmatch(RECORD_ID_PATTERN, sent[at + 1])]
    outside = [sent[:at] + sent[at + 2 :] for at in ids]
    return found or next((template for template, parts in ordered for words in outside if matches(parts, words)), None)


def _by_params(template: str) -> tuple[int, str]:
    return template.count("{"), template


def _singular(word: str) -> str:
    """`activities` -> `activity`, `contacts` -> `contact`: a path segment compared in the singular."""
    word = word.lower()
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word.removesuffix("s")


def methods_at(resource: str, *, dev_mode: bool) -> list[str]:
    """The methods the API takes at a path of the route table, as deployed (dev-only routes in dev mode)."""
    taken = {route.method for route in _table()[0] if route.path == resource and (dev_mode or not route.dev_only)}
    return sorted(taken, key=_METHOD_ORDER.index)


_METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def public_path(resource: str) -> bool:
    """Every route at the path is public: its 405 takes no key either (infra/unrouted.py)."""
    return all(route.public for route in _table()[0] if route.path == resource)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its path parameters (static segments win over parameters)."""
    candidates = []
    for route in _table()[0]:
        found = route.path_pattern.match(path) if route.method == method else None
        if found:
            candidates.append((route.path.count("{"), route, found.groupdict()))
    if not candidates:
        return None
    _, route, params = min(candidates, key=lambda c: c[0])
    return route, params
