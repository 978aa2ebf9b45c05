"""Tenant isolation, route by route: another tenant's key cannot read, change or list a tenant's records.

Every authenticated route must have a case here (the last test fails when a new route has none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contact_platform.entities.catalog import route_verb
from contact_platform.route import Route
from contact_platform.routes import ROUTES
from tests.support.campaign_exports import queued_export
from tests.support.entities import BY_NAME, DELETED, ENTITIES, body_for, make_each
from tests.support.fixtures import Api, business_items
from tests.support.routes import path_of

Case = Callable[[Api, dict[str, Any], dict[str, Any], dict[str, Any]], None]
CASES: dict[str, Case] = {}


LEAD_FIELDS = (
    "companyName",
    "city",
    "territory",
    "contact",
    "consentGivenAt",
    "externalId",
    "registeredAt",
    "stage",
    "source",
)


def case(route_name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[route_name] = function
        return function

    return register


@pytest.fixture(scope="module")
def api(aws_module: None) -> Api:
    """One account for the module: every case asserts that it leaves tenant A's items as they were, so
    tenant A and its records are made once (about 2 s a case saved), and each case gets a new intruder."""
    return Api()


@pytest.fixture(scope="module")
def admin(api: Api) -> dict[str, Any]:
    """The admin of tenant A."""
    return api.token("admin")


@pytest.fixture(scope="module")
def owned(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    """Records of tenant A: an active contact, a deleted one, a second key."""
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Owned Person", emails=["owned@example.com"], tags=["secret"])
    deleted = api.create_contact(key, name="Deleted Person")
    api.delete(f"/api/v1/contacts/{deleted['id']}", key=key)
    extra_key = api.post("/api/v1/api-keys", key=key, json={"name": "a second key"}).data
    segment = api.post("/api/v1/segments", key=key, json={"name": "A's", "filter": {"tag": ["secret"]}}).data
    tag = api.get("/api/v1/tags", key=key).data[0]  # made by the contact that carries it
    webhook = api.post("/api/v1/webhooks", key=key, json={"event": "*", "targetUrl": "http://127.0.0.1:9/a"}).data
    delivery = api.post(f"/api/v1/webhooks/{webhook['id']}/test", key=key).data
    records = make_each(api, key)
    deleted_records = make_each(api, key)
    dry_run = {"source": "s", "dryRun": True, "leads": [{}]}
    lead_import = api.post("/api/v1/admin/migration/leads/import", key=key, json=dry_run).data["importId"]
    for entity in ENTITIES:
        if entity.name in DELETED:
            api.delete(f"{entity.path}/{deleted_records[entity.name]['id']}", key=key)
    return {
        "campaign_export": queued_export(api, key, records["campaign"]["id"]),
        "contact": contact,
        "deleted": deleted,
        "key": extra_key,
        "segment": segment,
        "tag": tag,
        "webhook": webhook,
        "delivery": delivery,
        "records": records,
        "deleted_records": deleted_records,
        "lead_import": lead_import,
    }


@case("create_contact")
def _create(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.post("/api/v1/contacts", key=intruder["apiKey"], json={"name": "Mine", "emails": ["owned@example.com"]})
    assert reply.status == 201, "an email is unique per tenant only"
    assert reply.data["ownerId"] == intruder["userId"]


@case("list_contacts")
def _list(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for params in ({}, {"search": "owned"}, {"tag": "secret"}, {"ownerId": owner["userId"]}):
        assert api.get("/api/v1/contacts", key=intruder["apiKey"], params=params).data == []


@case("get_contact")
def _get(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.get(f"/api/v1/contacts/{owned['contact']['id']}", key=intruder["apiKey"])
    assert reply.status == 404 and "data" not in reply.body


@case("update_contact")
def _update(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.patch(f"/api/v1/contacts/{owned['contact']['id']}", key=intruder["apiKey"], json={"name": "Hijacked"})
    assert reply.status == 404


@case("delete_contact")
def _delete(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.delete(f"/api/v1/contacts/{owned['contact']['id']}", key=intruder["apiKey"]).status == 404


@case("merge_contact")
def _merge(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    key, theirs = intruder["apiKey"], owned["contact"]["id"]
    own = api.create_contact(key, name="Intruder's own")["id"]
    away = api.post(f"/api/v1/contacts/{theirs}/merge", key=key, json={"mergeWithId": own})
    assert away.status == 404, "A's contact does not exist for the intruder"
    into = api.post(f"/api/v1/contacts/{own}/merge", key=key, json={"mergeWithId": theirs}, params={"dryRun": "true"})
    assert into.status == 422 and into.error["details"] == [
        {"field": "mergeWithId", "issue": "no contact with this id"}
    ]


@case("restore_contact")
def _restore(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.post(f"/api/v1/admin/contacts/{owned['deleted']['id']}/restore", key=intruder["apiKey"]).status == 404


@case("list_deleted_contacts")
def _list_deleted(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get("/api/v1/admin/contacts/deleted", key=intruder["apiKey"]).data == []


@case("list_events")
@case("get_event")
def _events(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    mine = api.get("/api/v1/events", key=owner["apiKey"], params={"limit": 200}).data
    assert {owned["contact"]["id"], owned["deleted"]["id"]} <= {event["data"]["id"] for event in mine}
    for params in ({}, {"type": "contact.*"}, {"type": "contact.created"}, {"type": "organization.*"}):
        theirs = api.get("/api/v1/events", key=intruder["apiKey"], params=params).data
        assert {event["tenantId"] for event in theirs} <= {intruder["tenantId"]}
        assert not {event["id"] for event in theirs} & {event["id"] for event in mine}
    for event in mine[:5]:
        reply = api.get(f"/api/v1/events/{event['id']}", key=intruder["apiKey"])
        assert reply.status == 404 and reply.error["message"] == "Event not found"


@case("list_audit_log")
def _audit(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for params in ({}, {"entityId": owned["contact"]["id"]}, {"action": "contact.created"}):
        entries = api.get("/api/v1/admin/audit-log", key=intruder["apiKey"], params=params).data
        assert all(e["entityId"] not in (owned["contact"]["id"], owned["deleted"]["id"]) for e in entries)
        assert all(e["actorUserId"] != owner["userId"] for e in entries)


@case("create_api_key")
def _create_key(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.post("/api/v1/api-keys", key=intruder["apiKey"], json={"name": "x", "userId": owner["userId"]})
    assert reply.status == 422, "a key can only be issued for a user of the caller's tenant"


@case("list_api_keys")
def _list_keys(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    ids = {k["id"] for k in api.get("/api/v1/api-keys", key=intruder["apiKey"]).data}
    assert ids.isdisjoint({owner["keyId"], owned["key"]["id"]})


@case("get_api_key")
def _get_key(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/api-keys/{owned['key']['id']}", key=intruder["apiKey"]).status == 404


@case("revoke_api_key")
def _revoke_key(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.delete(f"/api/v1/api-keys/{owned['key']['id']}", key=intruder["apiKey"]).status == 404


@case("create_segment")
def _create_segment(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    body = {"name": "Mine", "contactIds": [owned["contact"]["id"]]}
    segment = api.post("/api/v1/segments", key=intruder["apiKey"], json=body).data
    assert api.get(f"/api/v1/segments/{segment['id']}/count", key=intruder["apiKey"]).data["count"] == 0
    assert api.get(f"/api/v1/segments/{segment['id']}/contacts", key=intruder["apiKey"]).data == []


@case("list_segments")
def _list_segments(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get("/api/v1/segments", key=intruder["apiKey"]).data == []


@case("get_segment")
def _get_segment(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/segments/{owned['segment']['id']}", key=intruder["apiKey"]).status == 404


@case("update_segment")
def _update_segment(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/segments/{owned['segment']['id']}"
    assert api.patch(path, key=intruder["apiKey"], json={"name": "Hijacked"}).status == 404


@case("delete_segment")
def _delete_segment(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.delete(f"/api/v1/segments/{owned['segment']['id']}", key=intruder["apiKey"]).status == 404


@case("list_segment_contacts")
def _segment_contacts(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/segments/{owned['segment']['id']}/contacts"
    assert api.get(path, key=intruder["apiKey"]).status == 404


@case("count_segment_contacts")
def _segment_count(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/segments/{owned['segment']['id']}/count", key=intruder["apiKey"]).status == 404


@case("create_webhook")
def _create_webhook(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    body = {"event": "*", "targetUrl": "http://127.0.0.1:9/b"}
    mine = api.post("/api/v1/webhooks", key=intruder["apiKey"], json=body)
    assert mine.status == 201, mine.body
    assert [hook["id"] for hook in api.get("/api/v1/webhooks", key=intruder["apiKey"]).data] == [mine.data["id"]]
    assert mine.data["id"] not in {hook["id"] for hook in api.get("/api/v1/webhooks", key=owner["apiKey"]).data}


@case("list_webhooks")
def _list_webhooks(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for params in ({}, {"event": "*"}, {"active": "true"}):
        assert api.get("/api/v1/webhooks", key=intruder["apiKey"], params=params).data == []


@case("get_webhook")
def _get_webhook(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.get(f"/api/v1/webhooks/{owned['webhook']['id']}", key=intruder["apiKey"])
    assert reply.status == 404 and "data" not in reply.body


@case("update_webhook")
def _update_webhook(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/webhooks/{owned['webhook']['id']}"
    for body in ({"active": False}, {"targetUrl": "http://127.0.0.1:9/stolen"}):
        assert api.patch(path, key=intruder["apiKey"], json=body).status == 404


@case("delete_webhook")
def _delete_webhook(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.delete(f"/api/v1/webhooks/{owned['webhook']['id']}", key=intruder["apiKey"]).status == 404


@case("rotate_webhook_secret")
def _rotate_webhook_secret(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.post(f"/api/v1/webhooks/{owned['webhook']['id']}/rotate-secret", key=intruder["apiKey"])
    assert reply.status == 404 and "secret" not in str(reply.body)


@case("test_webhook")
def _test_webhook(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    webhook = owned["webhook"]["id"]
    assert api.post(f"/api/v1/webhooks/{webhook}/test", key=intruder["apiKey"]).status == 404
    assert [d["id"] for d in api.get(f"/api/v1/webhooks/{webhook}/deliveries", key=owner["apiKey"]).data] == [
        owned["delivery"]["id"]
    ], "the refused test made no delivery"


@case("list_webhook_deliveries")
def _list_deliveries(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/webhooks/{owned['webhook']['id']}/deliveries", key=intruder["apiKey"]).status == 404
    mine = api.post("/api/v1/webhooks", key=intruder["apiKey"], json={"event": "*", "targetUrl": "http://[::1]/i"})
    for params in ({}, {"status": "pending"}):
        path = f"/api/v1/webhooks/{mine.data['id']}/deliveries"
        assert api.get(path, key=intruder["apiKey"], params=params).data == []


@case("get_webhook_delivery")
def _get_delivery(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/webhooks/{owned['webhook']['id']}/deliveries/{owned['delivery']['id']}"
    reply = api.get(path, key=intruder["apiKey"])
    assert reply.status == 404 and "data" not in reply.body


@case("redeliver_webhook_delivery")
def _redeliver(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/webhooks/{owned['webhook']['id']}/deliveries/{owned['delivery']['id']}/redeliver"
    assert api.post(path, key=intruder["apiKey"]).status == 404


@case("recover_webhook")
def _recover(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/webhooks/{owned['webhook']['id']}/recover"
    reply = api.post(path, key=intruder["apiKey"], json={"since": owned["webhook"]["createdAt"]})
    assert reply.status == 404 and reply.error["message"] == "Webhook not found"


@case("import_leads")
def _import_leads(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    """A's users are no owners for B, and A's leads are no duplicates of B's."""
    lead = {**owned["records"]["lead"], "externalId": "X", "registeredAt": "2024-06-15T10:00:00Z"}
    lead = {k: v for k, v in lead.items() if k in LEAD_FIELDS}
    sent = {"source": "s", "dryRun": True, "leads": [{**lead, "ownerUserId": owner["userId"]}]}
    result = api.post("/api/v1/admin/migration/leads/import", key=intruder["apiKey"], json=sent).data
    assert result["validationErrors"] == [
        {"externalId": "X", "field": "ownerUserId", "error": f"Owner user not found: {owner['userId']}"}
    ]
    sent["leads"][0]["ownerUserId"] = intruder["userId"]
    result = api.post("/api/v1/admin/migration/leads/import", key=intruder["apiKey"], json=sent).data
    assert result["summary"]["validLeads"] == 1 and result["duplicateWarnings"] == []


@case("get_lead_import")
def _get_lead_import(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.get(f"/api/v1/admin/migration/leads/imports/{owned['lead_import']}", key=intruder["apiKey"])
    assert reply.status == 404 and "data" not in reply.body


@case("create_tag")
def _create_tag(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.post("/api/v1/tags", key=intruder["apiKey"], json={"name": "secret"}).status == 201, "names per tenant"


@case("list_tags")
def _list_tags(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get("/api/v1/tags", key=intruder["apiKey"]).data == []


@case("get_tag")
def _get_tag(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.get(f"/api/v1/tags/{owned['tag']['id']}", key=intruder["apiKey"])
    assert reply.status == 404 and "data" not in reply.body


@case("update_tag")
def _update_tag(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for body in ({"color": "#000000"}, {"name": "renamed by B"}):
        assert api.patch(f"/api/v1/tags/{owned['tag']['id']}", key=intruder["apiKey"], json=body).status == 404


@case("tag_contact")
def _tag_contact(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    own_tag = api.post("/api/v1/tags", key=intruder["apiKey"], json={"name": "mine"}).data
    own_contact = api.create_contact(intruder["apiKey"], name="Mine")
    for contact, tag in ((owned["contact"], own_tag), (own_contact, owned["tag"])):
        reply = api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=intruder["apiKey"])
        assert reply.status == 404


@case("untag_contact")
def _untag_contact(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    path = f"/api/v1/contacts/{owned['contact']['id']}/tags/{owned['tag']['id']}"
    assert api.delete(path, key=intruder["apiKey"]).status == 404


def _entity_case(route: Route) -> Case:
    """Another tenant's admin: 404 for get, update, delete and restore, nothing of A in its lists or
    searches, and a create naming A's records as references is a 422 that writes nothing."""
    entity = BY_NAME[str(route.entity)]
    verb = route_verb(route.name)

    def run(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
        key, record = intruder["apiKey"], owned["records"][entity.name]
        if entity.parent and verb in ("create", "list"):  # under A's parent: the parent is not found
            parent = owned["records"][entity.references[entity.parent]]
            at = path_of(route, {entity.parent: parent["id"]})
            body = body_for(api, key, entity) if verb == "create" else None
            reply = api.call(route.method, at, key=key, json=body)
            assert reply.status == 404 and reply.error["code"] == "RESOURCE_NOT_FOUND", reply.body
            return
        if verb == "list":
            params = [{}] + ([{str(entity.owner): owner["userId"]}] if entity.owned else [])
            params += [{"search": "ac"}] if entity.search else []
            theirs = {intruder["userId"]} if entity.name == "user" else set()  # its own user
            for query in params:
                reply = api.get(entity.path, key=key, params=query)
                assert reply.status == 200 and {item["id"] for item in reply.data} <= theirs, (query, reply.body)
            return
        if verb == "list_deleted":  # A has deleted records of each entity it restores
            reply = api.get(path_of(route, {}), key=key)
            assert reply.status == 200 and reply.data == [], reply.body
            return
        if verb == "create":
            if entity.owned:  # A's user is no user of the intruder's tenant
                body = {**body_for(api, key, entity), str(entity.owner): owner["userId"]}
                reply = api.post(entity.path, key=key, json=body)
                assert reply.status == 422 and reply.error["details"][0]["field"] == entity.owner, reply.body
            for field, target in entity.references.items():
                if target in owned["records"]:
                    body = {**body_for(api, key, entity), field: owned["records"][target]["id"]}
                    reply = api.post(entity.path, key=key, json=body)
                    assert reply.status == 422 and reply.error["details"][0]["field"] == field, reply.body
            return
        if verb == "restore":
            record = owned["deleted_records"][entity.name]
        path = path_of(route, {entity.id_param: record["id"]})
        body = body_for(api, key, entity) if verb == "update" else None
        if verb == "merge":  # A's record merged into the intruder's own is not found; its own into A's: 422
            own = api.post(entity.path, key=key, json=body_for(api, key, entity)).data["id"]
            body = {"mergeWithId": own}
            into = api.post(f"{entity.path}/{own}/merge", key=key, json={"mergeWithId": record["id"]})
            assert into.status == 422 and into.error["details"][0]["field"] == "mergeWithId", into.body
        reply = api.call(route.method, path, key=key, json=body)
        assert reply.status == 404 and reply.error["message"] == f"{entity.label} not found", reply.body

    return run


@case("get_deal_summary")
def _deal_summary(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for params in ({}, {"ownerId": owner["userId"]}, {"stageId": owned["records"]["deal"]["stageId"]}):
        reply = api.get("/api/v1/deals/summary", key=intruder["apiKey"], params=params)
        assert reply.status == 200 and reply.data == {"count": 0, "totals": []}, reply.body


@case("mark_deal_won")
@case("mark_deal_lost")
def _close_deal(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for outcome in ("won", "lost"):
        reply = api.post(f"/api/v1/deals/{owned['records']['deal']['id']}/{outcome}", key=intruder["apiKey"])
        assert reply.status == 404 and reply.error["message"] == "Deal not found", reply.body


@case("add_lead_activity")
def _add_lead_activity(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    lead = owned["records"]["lead"]
    activity = {"activityType": "CALL", "activityDate": lead["registeredAt"], "summary": "x", "countsAsProgress": True}
    reply = api.post(f"/api/v1/leads/{lead['id']}/activities", key=intruder["apiKey"], json=activity)
    assert reply.status == 404 and reply.error["message"] == "Lead not found", reply.body


@case("create_campaign_entry_batch")
def _entry_batch(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    """A's campaign is not found; A's contact entered into the intruder's own campaign is no contact."""
    key, campaign = intruder["apiKey"], owned["records"]["campaign"]["id"]
    own_contact = api.create_contact(key, name="Intruder's Own")["id"]
    body = {"entries": [{"contactId": own_contact, "market": "DE"}]}
    reply = api.post(f"/api/v1/campaigns/{campaign}/entries/batch", key=key, json=body)
    assert reply.status == 404 and reply.error["message"] == "Campaign not found", reply.body
    own = api.post("/api/v1/campaigns", key=key, json={"name": "Own", "market": "DE"}).data["id"]
    body = {
        "entries": [{"contactId": own_contact, "market": "DE"}, {"contactId": owned["contact"]["id"], "market": "DE"}]
    }
    reply = api.post(f"/api/v1/campaigns/{own}/entries/batch", key=key, json=body)
    assert reply.status == 422 and reply.error["details"] == [
        {"field": "entries[1].contactId", "issue": "no contact with this id"}
    ], reply.body
    assert api.get(f"/api/v1/campaigns/{own}/entries", key=key).data == [], "nothing written"


@case("create_code_wave")
def _code_wave(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    campaign = owned["records"]["campaign"]["id"]
    body = {"dateKey": "2026-06-01", "codes": ["CODE1"]}
    reply = api.post(f"/api/v1/campaigns/{campaign}/code-waves", key=intruder["apiKey"], json=body)
    assert reply.status == 404 and reply.error["message"] == "Campaign not found", reply.body


@case("create_campaign_export")
def _campaign_export(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    """A's campaign is no campaign for the intruder: nothing is queued (nor answered as queued)."""
    campaign = owned["records"]["campaign"]["id"]
    before = business_items()
    reply = api.post(f"/api/v1/campaigns/{campaign}/exports", key=intruder["apiKey"], json={"exportType": "entries"})
    assert reply.status == 404 and reply.error["message"] == "Campaign not found", reply.body
    assert len(business_items()) == len(before)


@case("get_campaign_export")
@case("list_campaign_exports")
def _campaign_exports(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    """A's export is found by neither its campaign nor the intruder's own campaign."""
    campaign = owned["records"]["campaign"]["id"]
    export = owned["campaign_export"]["id"]
    key = intruder["apiKey"]
    assert api.get(f"/api/v1/campaigns/{campaign}/exports", key=key).status == 404
    assert api.get(f"/api/v1/campaigns/{campaign}/exports/{export}", key=key).status == 404
    own = api.post("/api/v1/campaigns", key=key, json={"name": "Own", "market": "DE"}).data["id"]
    assert api.get(f"/api/v1/campaigns/{own}/exports/{export}", key=key).status == 404
    assert api.get(f"/api/v1/campaigns/{own}/exports", key=key).data == []


@case("erase_user_exports")
def _erase_exports(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    """Another tenant's admin is no supreme user: A's user's exports stay."""
    reply = api.delete(f"/api/v1/ccpa/users/{owner['userId']}", key=intruder["apiKey"])
    assert reply.status == 403, reply.body
    campaign = owned["records"]["campaign"]["id"]
    export = owned["campaign_export"]["id"]
    assert api.get(f"/api/v1/campaigns/{campaign}/exports/{export}", key=owner["apiKey"]).status == 200


@case("get_current_user")
def _current_user(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.get("/api/v1/users/me", key=intruder["apiKey"])
    assert reply.status == 200 and reply.data["id"] == intruder["userId"] and reply.data["id"] != owner["userId"]


@case("deactivate_user")
def _deactivate_user(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    for user_id in (owner["userId"], owned["records"]["user"]["id"]):
        reply = api.delete(f"/api/v1/users/{user_id}", key=intruder["apiKey"])
        assert reply.status == 404 and reply.error["message"] == "User not found", reply.body


@case("get_dev_supremes")
def _dev_supremes(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    """Another tenant's supreme user is supreme in every tenant; a user of another tenant is not made
    supreme by anything of tenant A's."""
    for credential in (intruder["apiKey"], intruder["accessToken"]):
        assert api.get("/dev/supremes", key=credential).status == 403


for _route in ROUTES:
    if _route.entity is not None:
        CASES[_route.name] = _entity_case(_route)


@pytest.mark.parametrize("route_name", sorted(CASES))
def test_another_tenant_cannot_reach_the_records(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], owned: dict[str, Any], route_name: str
) -> None:
    own_items = [i for i in business_items() if i["PK"]["S"].startswith(f"TENANT#{admin['tenantId']}#")]
    CASES[route_name](api, admin, other_admin, owned)
    still = [i for i in business_items() if i["PK"]["S"].startswith(f"TENANT#{admin['tenantId']}#")]
    assert still == own_items, "tenant A's items are untouched"
    assert api.get(f"/api/v1/contacts/{owned['contact']['id']}", key=admin["apiKey"]).data["name"] == "Owned Person"
    assert api.get("/api/v1/contacts", key=owned["key"]["key"]).status == 200


def test_every_authenticated_route_has_an_isolation_case() -> None:
    from tests.integration.test_tenant_isolation_jobs import JOB_CASES

    assert set(CASES).isdisjoint(JOB_CASES)
    assert set(CASES) | set(JOB_CASES) == {route.name for route in ROUTES if not route.public}


def test_a_bearer_token_of_another_tenant_cannot_reach_the_records(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], owned: dict[str, Any]
) -> None:
    """The same as a key: a JWT's tenant is its `cdp:tenant` claim, and nothing else."""
    token = other_admin["accessToken"]
    contact_id = owned["contact"]["id"]
    before = business_items()
    assert api.get(f"/api/v1/contacts/{contact_id}", key=token).status == 404
    assert api.patch(f"/api/v1/contacts/{contact_id}", key=token, json={"name": "Hijacked"}).status == 404
    assert api.delete(f"/api/v1/contacts/{contact_id}", key=token).status == 404
    assert api.get("/api/v1/contacts", key=token, params={"search": "owned"}).data == []
    assert api.get(f"/api/v1/segments/{owned['segment']['id']}", key=token).status == 404
    audit = api.get("/api/v1/admin/audit-log", key=token)
    assert audit.status == 200 and all(entry["entityId"] != contact_id for entry in audit.data)
    assert [i for i in business_items() if i["PK"]["S"].startswith(f"TENANT#{admin['tenantId']}#")] == [
        i for i in before if i["PK"]["S"].startswith(f"TENANT#{admin['tenantId']}#")
    ]
    own = api.get(f"/api/v1/contacts/{contact_id}", key=admin["accessToken"])
    assert own.status == 200 and own.data["name"] == "Owned Person"
