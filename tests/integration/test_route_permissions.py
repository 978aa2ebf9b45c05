"""Which permission each authenticated route needs, pinned route by route: a key of an admin holding
every scope but that one is refused with 403 `INSUFFICIENT_PERMISSIONS` and nothing is written.

The expected scope is written here, not read from the route table, so a wrong scope in the table
fails; a new route fails until it has a line in EXPECTED_PERMISSION.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contact_platform import clock
from contact_platform import permissions as p
from contact_platform.entities.catalog import verbs
from contact_platform.route import ANY_CALLER, Route
from contact_platform.routes import ROUTES
from contact_platform.services import supremes
from tests.support.entities import BY_NAME, DELETED, ENTITIES, body_for, make
from tests.support.fixtures import Api, account, business_items
from tests.support.routes import path_of

EXPECTED_PERMISSION: dict[str, str] = {
    "create_api_key": p.APIKEYS_MANAGE,
    "list_api_keys": p.APIKEYS_MANAGE,
    "get_api_key": p.APIKEYS_MANAGE,
    "revoke_api_key": p.APIKEYS_MANAGE,
    "create_contact": p.CONTACTS_WRITE,
    "list_contacts": p.CONTACTS_READ,
    "get_contact": p.CONTACTS_READ,
    "update_contact": p.CONTACTS_WRITE,
    "delete_contact": p.CONTACTS_DELETE,
    "restore_contact": p.CONTACTS_RESTORE,
    "list_deleted_contacts": p.CONTACTS_RESTORE,
    "list_audit_log": p.AUDIT_READ,
    "import_leads": p.LEADS_MIGRATE,
    "get_lead_import": p.LEADS_MIGRATE,
    "list_events": p.EVENTS_READ,
    "get_event": p.EVENTS_READ,
    "create_webhook": p.WEBHOOKS_WRITE,
    "list_webhooks": p.WEBHOOKS_READ,
    "get_webhook": p.WEBHOOKS_READ,
    "update_webhook": p.WEBHOOKS_WRITE,
    "delete_webhook": p.WEBHOOKS_WRITE,
    "rotate_webhook_secret": p.WEBHOOKS_WRITE,
    "test_webhook": p.WEBHOOKS_WRITE,
    "list_webhook_deliveries": p.WEBHOOKS_READ,
    "get_webhook_delivery": p.WEBHOOKS_READ,
    "redeliver_webhook_delivery": p.WEBHOOKS_WRITE,
    "recover_webhook": p.WEBHOOKS_WRITE,
    "create_segment": p.SEGMENTS_WRITE,
    "list_segments": p.SEGMENTS_READ,
    "get_segment": p.SEGMENTS_READ,
    "update_segment": p.SEGMENTS_WRITE,
    "delete_segment": p.SEGMENTS_WRITE,
    "list_segment_contacts": p.SEGMENTS_READ,
    "count_segment_contacts": p.SEGMENTS_READ,
    "create_tag": p.TAGS_WRITE,
    "list_tags": p.TAGS_READ,
    "get_tag": p.TAGS_READ,
    "update_tag": p.TAGS_WRITE,
    "delete_tag": p.TAGS_WRITE,
    "tag_contact": p.CONTACTS_WRITE,
    "untag_contact": p.CONTACTS_WRITE,
    "create_tag_assignment": p.TAGS_WRITE,
    "list_tag_assignments": p.TAGS_READ,
    "get_tag_assignment": p.TAGS_READ,
    "retry_tag_assignment": p.TAGS_WRITE,
    "create_export": p.EXPORTS_WRITE,
    "list_exports": p.EXPORTS_READ,
    "get_export": p.EXPORTS_READ,
    "retry_export": p.EXPORTS_WRITE,
    "create_import": p.IMPORTS_WRITE,
    "list_imports": p.IMPORTS_READ,
    "get_import": p.IMPORTS_READ,
    "retry_import": p.IMPORTS_WRITE,
    "merge_contact": p.CONTACTS_WRITE,
    "list_moves": p.MOVES_READ,
    "get_move": p.MOVES_READ,
    "retry_move": p.MOVES_WRITE,
    "get_deal_summary": "deals:read",
    "mark_deal_won": "deals:write",
    "mark_deal_lost": "deals:write",
    # Any authenticated caller, whatever its scopes (`Route.any_caller`): who the key acts as.
    "get_current_user": ANY_CALLER,
    "deactivate_user": "users:delete",
    "add_lead_activity": "leads:write",
    "create_campaign_entry_batch": "campaigns:write",
    "create_code_wave": "campaigns:write",
    "create_campaign_export": p.CAMPAIGNS_REPORT,
    "get_campaign_export": p.CAMPAIGNS_REPORT,
    "list_campaign_exports": p.CAMPAIGNS_REPORT,
    # Supreme users only (`Route.supreme`): a platform-level flag, no scope (services/supremes.py).
    "get_dev_supremes": p.SUPREME,
    "erase_user_exports": p.SUPREME,
}
# The declared entities' routes: verb -> action; (entity, plural, the resource of its scopes).
_ENTITY_ACTIONS = {
    "create": "write",
    "get": "read",
    "update": "write",
    "delete": "delete",
    "restore": "restore",
    "merge": "write",
}
for _entity, _plural, _scopes in (
    ("organization", "organizations", "organizations"),
    ("pipeline", "pipelines", "pipelines"),
    ("stage", "stages", "pipelines"),
    ("deal", "deals", "deals"),
    ("product", "products", "products"),
    ("activity", "activities", "activities"),
    ("note", "notes", "notes"),
    ("deal_product", "deal_products", "deals"),
    ("user", "users", "users"),
    ("lead", "leads", "leads"),
    ("campaign", "campaigns", "campaigns"),
    ("campaign_entry", "campaign_entries", "campaigns"),
):
    EXPECTED_PERMISSION[f"list_{_plural}"] = f"{_scopes}:read"
    if "restore" in verbs(_entity):
        EXPECTED_PERMISSION[f"list_deleted_{_plural}"] = f"{_scopes}:restore"
    EXPECTED_PERMISSION.update(
        {f"{verb}_{_entity}": f"{_scopes}:{act}" for verb, act in _ENTITY_ACTIONS.items() if verb in verbs(_entity)}
    )
AUTHENTICATED = [route for route in ROUTES if not route.public]
WEBHOOK = {"event": "deal.won", "targetUrl": "http://127.0.0.1:9/hooks"}


@pytest.fixture(scope="module")
def tenant() -> Iterator[dict[str, Any]]:
    """One tenant with a contact, a deleted contact, a segment and a tag, and per scope a key
    lacking exactly that scope (made once for the module)."""
    with account():
        api = Api()
        admin = api.token("admin")
        key = admin["apiKey"]
        contact = api.create_contact(key, name="Guarded", emails=["guarded@example.com"])
        deleted = api.create_contact(key, name="Deleted")
        api.delete(f"/api/v1/contacts/{deleted['id']}", key=key)
        records = {
            "contactId": contact["id"],
            "deletedId": deleted["id"],
            "segmentId": api.post("/api/v1/segments", key=key, json={"name": "S", "filter": {}}).data["id"],
            "tagId": api.post("/api/v1/tags", key=key, json={"name": "t"}).data["id"],
            "keyId": admin["keyId"],
            "operationId": "op_unknown",
            "exportId": "op_unknown",
            "eventId": "evt_unknown",
            "webhookId": api.post("/api/v1/webhooks", key=key, json=WEBHOOK).data["id"],
            "importId": api.post(
                "/api/v1/admin/migration/leads/import", key=key, json={"source": "s", "dryRun": True, "leads": [{}]}
            ).data["importId"],
        }
        records["deliveryId"] = api.post(f"/api/v1/webhooks/{records['webhookId']}/test", key=key).data["id"]
        for entity in ENTITIES:  # each with a deleted record for its restore route
            records[entity.id_param] = make(api, key, entity.name)["id"]
            if entity.name in DELETED:
                records[f"deleted:{entity.name}"] = make(api, key, entity.name)["id"]
                api.delete(f"{entity.path}/{records[f'deleted:{entity.name}']}", key=key)
        lacking = {
            scope: api.token("admin", tenant_id=admin["tenantId"], scopes=sorted(p.ALL_SCOPES - {scope}))["apiKey"]
            for scope in sorted(p.ALL_SCOPES)
        }
        lacking[p.SUPREME] = admin["apiKey"]  # every scope, but not supreme
        supreme = api.token("admin", tenant_id=admin["tenantId"])
        supremes.set_supreme(supreme["userId"], granted_by="test")
        yield {"api": api, "admin": admin, "records": records, "lacking": lacking, "supreme": supreme}


def _path(route: Route, records: dict[str, str]) -> str:
    """The route's path with real records of the tenant (the deleted contact for restore)."""
    if route.name == "restore_contact":
        records = {**records, "contactId": records["deletedId"]}
    if route.entity is not None and route.name.startswith("restore_"):
        records = {**records, BY_NAME[route.entity].id_param: records[f"deleted:{route.entity}"]}
    return path_of(route, records)


# A body the route would accept (so a missing check would write).
BODIES: dict[str, Any] = {
    "create_api_key": {"name": "k"},
    "create_contact": {"name": "New", "emails": ["new@example.com"]},
    "update_contact": {"name": "Changed"},
    "create_segment": {"name": "New", "filter": {}},
    "update_segment": {"name": "Changed"},
    "create_tag": {"name": "new"},
    "create_import": {"fileName": "a.csv"},
    "create_webhook": WEBHOOK,
    "update_webhook": {"description": "Changed"},
    "import_leads": {"source": "s", "dryRun": True, "leads": [{}]},  # a dry run writes its report
    "create_campaign_export": {"exportType": "entries"},
}


@pytest.mark.parametrize("route", [r for r in AUTHENTICATED if not r.any_caller], ids=lambda route: route.name)
def test_a_key_lacking_the_routes_permission_is_refused_and_writes_nothing(
    tenant: dict[str, Any], route: Route
) -> None:
    assert route.name in EXPECTED_PERMISSION, f"route {route.name} has no permission case here"
    scope = EXPECTED_PERMISSION[route.name]
    api: Api = tenant["api"]
    records = tenant["records"]
    body = BODIES.get(route.name)
    if route.entity is not None and route.method in ("POST", "PATCH"):
        body = body_for(api, tenant["admin"]["apiKey"], BY_NAME[route.entity])
    if route.name in ("create_export", "create_tag_assignment"):
        body = {"segmentId": records["segmentId"], "tagId": records["tagId"]}
    if route.name == "create_campaign_entry_batch":  # the tenant's contact, not in the campaign yet
        body = {"entries": [{"contactId": records["contactId"], "market": "DE"}]}
    if route.name == "create_code_wave":
        body = {"dateKey": "2026-06-01", "codes": ["CODE1"]}
    if route.name == "add_lead_activity":
        now = clock.iso(clock.now())
        body = {"activityType": "CALL", "activityDate": now, "summary": "x", "countsAsProgress": True}
    before = business_items()
    reply = api.call(route.method, _path(route, records), key=tenant["lacking"][scope], json=body)
    assert reply.status == 403, reply.body
    assert reply.error["code"] == "INSUFFICIENT_PERMISSIONS"
    message = supremes.NOT_SUPREME if scope == p.SUPREME else f"Missing required permission: {scope}"
    assert reply.error["message"] == message
    assert business_items() == before


def test_the_same_calls_pass_the_permission_check_with_every_scope(tenant: dict[str, Any]) -> None:
    """The cases above are refused for the missing scope, not for their paths: the full key is not refused."""
    api: Api = tenant["api"]
    for route in AUTHENTICATED:
        if route.method != "GET":
            continue
        caller = tenant["supreme"] if route.supreme else tenant["admin"]
        reply = api.get(_path(route, tenant["records"]), key=caller["apiKey"])
        assert reply.status != 403, (route.name, reply.body)


@pytest.mark.parametrize("role", sorted(p.ROLE_SCOPES))
def test_every_role_reads_who_its_key_acts_as(tenant: dict[str, Any], role: str) -> None:
    """`GET /users/me` needs no scope: a partner or a migration officer, which may not list the
    tenant's users, still learns its own user ID and role; a key without any scope too."""
    api: Api = tenant["api"]
    tenant_id = tenant["admin"]["tenantId"]
    for key in (api.token(role, tenant_id=tenant_id), api.token(role, tenant_id=tenant_id, scopes=[])):
        me = api.get("/api/v1/users/me", key=key["apiKey"])
        assert me.status == 200, (role, me.body)
        assert (me.data["id"], me.data["role"]) == (key["userId"], role)


def test_every_case_names_a_route_of_the_table() -> None:
    assert set(EXPECTED_PERMISSION) == {route.name for route in AUTHENTICATED}
