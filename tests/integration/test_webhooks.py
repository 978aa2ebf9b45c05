"""Webhook subscriptions (docs/architecture.md, "Webhooks: subscriptions"): create, read, change, delete
and rotate the secret; the secret shown only by create and rotate; validation; the limit of 25 per
tenant, also under a concurrent create; pages and filters; roles; signing secrets during a rotation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from standardwebhooks import Webhook as Verifier

from contact_platform import clock
from contact_platform.models.webhooks import WebhookCreate
from contact_platform.permissions import Caller, Role
from contact_platform.services import webhooks as service
from contact_platform.store import webhooks as store
from contact_platform.webhooks import sealing
from contact_platform.webhooks.signing import signature_headers
from tests.support.fixtures import Api, business_items, table_items
from tests.support.interleave import before_each

TARGET = "http://127.0.0.1:9/hooks"  # the tests run in dev mode, which accepts loopback targets
FIELDS = {
    "id",
    "event",
    "targetUrl",
    "description",
    "active",
    "disabledReason",
    "createdAt",
    "updatedAt",
    "version",
    "secretRotatedAt",
}


def _create(api: Api, key: str, **body: Any) -> dict[str, Any]:
    reply = api.post("/api/v1/webhooks", key=key, json={"event": "deal.won", "targetUrl": TARGET, **body})
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.data
    return created


def _all(api: Api, key: str, **params: Any) -> list[dict[str, Any]]:
    reply = api.get("/api/v1/webhooks", key=key, params={"limit": 200, **params})
    assert reply.status == 200, reply.body
    listed: list[dict[str, Any]] = reply.data
    return listed


def _no_secret(reply: Any, *secrets: str) -> None:
    text = json.dumps(reply.body)
    assert '"secret"' not in text and "whsec_" not in text
    assert not any(secret in text for secret in secrets)


def test_create_shows_the_secret_once_and_reads_never_do(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    created = _create(api, key, event="deal.*", description="Deals to the warehouse")
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert set(created) == FIELDS
    assert created["id"].startswith("wh_") and len(created["id"]) == 23
    assert created["event"] == "deal.*" and created["targetUrl"] == TARGET
    assert created["description"] == "Deals to the warehouse"
    assert created["active"] is True and created["disabledReason"] is None and created["secretRotatedAt"] is None
    assert created["version"] == 1 and created["createdAt"] == created["updatedAt"]

    got = api.get(f"/api/v1/webhooks/{created['id']}", key=key)
    assert got.status == 200 and got.data == created and got.header("ETag") == '"1"'
    _no_secret(got, secret)
    listed = api.get("/api/v1/webhooks", key=key)
    assert listed.data == [created]
    _no_secret(listed, secret)
    audit = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": created["id"]})
    assert [entry["action"] for entry in audit.data] == ["webhook.created"]
    _no_secret(audit, secret)
    events = api.get("/api/v1/events", key=key).data
    assert not [event for event in events if event["type"].startswith("webhook")], "webhook writes are no events"
    stored = store.get_webhook(admin["tenantId"], created["id"])
    assert stored is not None and service.signing_secrets(stored, clock.now()) == [secret]
    assert not [item for item in table_items() if secret in json.dumps(item)], "sealed at rest, nowhere in plain"


def test_a_replayed_create_or_rotation_shows_the_same_secret_kept_sealed(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    body = {"event": "deal.won", "targetUrl": TARGET}
    first = api.post("/api/v1/webhooks", key=key, json=body, headers={"Idempotency-Key": "create-1"})
    again = api.post("/api/v1/webhooks", key=key, json=body, headers={"Idempotency-Key": "create-1"})
    assert first.status == again.status == 201 and again.header("Idempotent-Replayed") == "true", again.body
    assert again.data == first.data and first.header("Idempotent-Replayed") is None
    path = f"/api/v1/webhooks/{first.data['id']}/rotate-secret"
    rotated = api.post(path, key=key, headers={"Idempotency-Key": "rotate-1"})
    replayed = api.post(path, key=key, headers={"Idempotency-Key": "rotate-1"})
    assert replayed.data == rotated.data and replayed.header("Idempotent-Replayed") == "true"
    assert len(api.get("/api/v1/webhooks", key=key).data) == 1
    for secret in (first.data["secret"], rotated.data["secret"]):
        assert not [item for item in table_items() if secret in json.dumps(item)], "nowhere in plain, replays included"


def test_a_sealed_secret_opens_only_for_its_own_webhook(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    first, second = _create(api, key), _create(api, key)
    stored = store.get_webhook(admin["tenantId"], first["id"])
    assert stored is not None
    sealed = stored.secrets[0].sealed
    assert sealing.opened(sealed, admin["tenantId"], first["id"]) == first["secret"]
    for tenant_id, webhook_id in ((admin["tenantId"], second["id"]), ("ten_other", first["id"])):
        with pytest.raises(ClientError, match="InvalidCiphertext"):
            sealing.opened(sealed, tenant_id, webhook_id)


def test_update_changes_the_fields_sent_and_honours_if_match(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    created = _create(api, key, description="first")
    path = f"/api/v1/webhooks/{created['id']}"
    off = api.patch(path, key=key, json={"active": False, "event": "*"})
    assert off.status == 200, off.body
    assert off.data["active"] is False and off.data["event"] == "*" and off.data["version"] == 2
    assert off.data["description"] == "first" and off.data["targetUrl"] == TARGET
    _no_secret(off)
    stale = api.patch(path, key=key, json={"description": "late"}, headers={"If-Match": '"1"'})
    assert stale.status == 412 and stale.error["code"] == "PRECONDITION_FAILED"
    changed = api.patch(
        path, key=key, json={"description": None, "targetUrl": "http://localhost:8080/x"}, headers={"If-Match": '"2"'}
    )
    assert changed.status == 200, changed.body
    assert changed.data["description"] is None and changed.data["targetUrl"] == "http://localhost:8080/x"
    same = api.patch(path, key=key, json={"active": False})
    assert same.status == 200 and same.data["version"] == 3, "nothing changed: no write"
    for body in ({"active": None}, {"event": None}, {"targetUrl": None}, {"secret": "whsec_x"}, {"version": 9}):
        reply = api.patch(path, key=key, json=body)
        assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", (body, reply.body)
    audit = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": created["id"]}).data
    assert [entry["action"] for entry in audit] == ["webhook.updated", "webhook.updated", "webhook.created"]
    assert audit[0]["changedFields"] == ["description", "targetUrl"]


def test_activating_clears_the_disabled_reason(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    created = _create(api, key)
    item = store.get_webhook(admin["tenantId"], created["id"])
    assert item is not None
    item.active, item.disabled_reason = False, "The target answered 410 Gone."
    item.save()  # as the delivery function will disable it
    assert api.get(f"/api/v1/webhooks/{created['id']}", key=key).data["disabledReason"] == item.disabled_reason
    reply = api.patch(f"/api/v1/webhooks/{created['id']}", key=key, json={"active": True})
    assert reply.status == 200 and reply.data["active"] is True and reply.data["disabledReason"] is None


def test_rotation_shows_the_new_secret_and_keeps_the_previous_one_for_24_hours(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    created = _create(api, key)
    first = created["secret"]
    path = f"/api/v1/webhooks/{created['id']}"
    rotated = api.post(f"{path}/rotate-secret", key=key)
    assert rotated.status == 200, rotated.body
    second = rotated.data.pop("secret")
    assert second.startswith("whsec_") and second != first
    assert set(rotated.data) == FIELDS and rotated.data["version"] == 2
    assert rotated.data["secretRotatedAt"] == rotated.data["updatedAt"]
    _no_secret(api.get(path, key=key), first, second)
    _no_secret(api.get("/api/v1/webhooks", key=key), first, second)

    item = store.get_webhook(admin["tenantId"], created["id"])
    assert item is not None
    now = clock.parse_iso(rotated.data["secretRotatedAt"])
    assert service.signing_secrets(item, now) == [second, first]
    assert service.signing_secrets(item, now + timedelta(hours=23, minutes=59)) == [second, first]
    assert service.signing_secrets(item, now + timedelta(hours=24)) == [second]
    body = b'{"id":"evt_1","type":"deal.won"}'
    headers = signature_headers("evt_1", now, body, service.signing_secrets(item, now))
    for secret in (first, second):  # a subscriber holding either secret verifies the delivery
        assert Verifier(secret).verify(body, headers) == {"id": "evt_1", "type": "deal.won"}

    third = api.post(f"{path}/rotate-secret", key=key).data["secret"]
    item = store.get_webhook(admin["tenantId"], created["id"])
    assert item is not None
    assert service.signing_secrets(item, clock.now()) == [third, second], "only the current and the previous"
    assert len(item.secrets) == 2
    audit = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": created["id"]})
    assert [entry["action"] for entry in audit.data] == [
        "webhook.secret_rotated",
        "webhook.secret_rotated",
        "webhook.created",
    ]
    _no_secret(audit, first, second, third)


def test_delete_removes_the_webhook(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    created = _create(api, key)
    path = f"/api/v1/webhooks/{created['id']}"
    reply = api.delete(path, key=key)
    assert reply.status == 200 and reply.data == {"message": "Webhook deleted successfully", "webhookId": created["id"]}
    for call in (api.get, api.delete, api.patch):
        assert call(path, key=key, json={"active": False} if call == api.patch else None).status == 404
    assert api.post(f"{path}/rotate-secret", key=key).status == 404
    assert _all(api, key) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "deal.nope"}, "event"),
        ({"event": "nope.*"}, "event"),
        ({"event": "deal.**"}, "event"),
        ({"event": "deal"}, "event"),
        ({"event": ".*"}, "event"),
        ({"event": ""}, "event"),
        ({"targetUrl": "https://10.0.0.1/x"}, "targetUrl"),
        ({"targetUrl": "https://169.254.169.254/"}, "targetUrl"),
        ({"targetUrl": "https://[::ffff:192.168.0.1]/x"}, "targetUrl"),
        ({"targetUrl": "ftp://example.com/x"}, "targetUrl"),
        ({"targetUrl": "http://user:pw@127.0.0.1/x"}, "targetUrl"),
        ({"targetUrl": ""}, "targetUrl"),
        ({"description": "x" * 501}, "description"),
        ({"secret": "whsec_mine"}, "secret"),
        ({"active": False}, "active"),
    ],
)
def test_invalid_webhooks_are_422_naming_the_field(
    api: Api, admin: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    before = business_items()
    reply = api.post("/api/v1/webhooks", key=admin["apiKey"], json={"event": "*", "targetUrl": TARGET, **body})
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    assert [detail["field"] for detail in reply.error["details"]] == [field], reply.body
    assert business_items() == before


def test_the_event_error_lists_what_is_allowed(api: Api, admin: dict[str, Any]) -> None:
    reply = api.post("/api/v1/webhooks", key=admin["apiKey"], json={"event": "nope.*", "targetUrl": TARGET})
    issue = reply.error["details"][0]["issue"]
    assert "deal.won" in issue and "contact" in issue and "*" in issue
    assert issue.startswith("unknown event type 'nope.*': did you mean note.*? ")  # one letter off
    far = api.post("/api/v1/webhooks", key=admin["apiKey"], json={"event": "zzz.*", "targetUrl": TARGET})
    assert "did you mean" not in far.error["details"][0]["issue"]  # nothing is near


@pytest.mark.parametrize(
    ("sent", "meant"),
    [("person.created", "contact.created"), ("deal.win", "deal.won"), ("contact.create", "contact.created")],
)
def test_the_event_error_names_the_type_likely_meant(api: Api, admin: dict[str, Any], sent: str, meant: str) -> None:
    """A typo, or the CRM seed's `person.*` (its persons are contacts here)."""
    reply = api.post("/api/v1/webhooks", key=admin["apiKey"], json={"event": sent, "targetUrl": TARGET})
    assert reply.status == 422
    assert reply.error["details"][0]["issue"].startswith(f"unknown event type {sent!r}: did you mean {meant}? ")


def test_accepted_event_selectors_and_targets(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    for event in ("contact.created", "deal.lost", "organization.*", "*"):
        assert _create(api, key, event=event)["event"] == event
    for target in ("http://127.0.0.1/x", "https://localhost:8443/in?x=1", "http://[::1]:9000/"):
        assert _create(api, key, targetUrl=target)["targetUrl"] == target
    description = "d" * 500
    assert _create(api, key, description=description)["description"] == description


def test_the_patch_validates_like_the_create(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    path = f"/api/v1/webhooks/{_create(api, key)['id']}"
    before = business_items()
    for body, field in (
        ({"event": "deal.nope"}, "event"),
        ({"targetUrl": "https://10.0.0.1/x"}, "targetUrl"),
        ({"description": "x" * 501}, "description"),
    ):
        reply = api.patch(path, key=key, json=body)
        assert reply.status == 422 and reply.error["details"][0]["field"] == field, reply.body
    assert business_items() == before


def test_a_body_wrong_in_event_and_target_hears_of_both(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    path = f"/api/v1/webhooks/{_create(api, key)['id']}"
    before = business_items()
    body = {"event": "contacts.*", "targetUrl": "https://10.0.0.1/x"}
    for reply in (api.post("/api/v1/webhooks", key=key, json=body), api.patch(path, key=key, json=body)):
        assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
        assert [d["field"] for d in reply.error["details"]] == ["event", "targetUrl"]
        assert "did you mean contact.*?" in reply.error["details"][0]["issue"]
        assert reply.error["message"].startswith("Validation failed: event: unknown event type 'contacts.*'")
    assert business_items() == before


def test_a_body_with_field_errors_also_hears_of_its_event_and_target(api: Api, admin: dict[str, Any]) -> None:
    """A wrong description (a field error) does not hide the event no record emits or the private
    target: one 422 names all three, on a create and on a patch."""
    key = admin["apiKey"]
    path = f"/api/v1/webhooks/{_create(api, key)['id']}"
    before = business_items()
    body = {"event": "person.created", "targetUrl": "https://10.0.0.1/x", "description": 5}
    for reply in (api.post("/api/v1/webhooks", key=key, json=body), api.patch(path, key=key, json=body)):
        assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
        assert sorted(d["field"] for d in reply.error["details"]) == ["description", "event", "targetUrl"], reply.body
        assert any("did you mean contact.created?" in d["issue"] for d in reply.error["details"])
    wrong_type = api.post("/api/v1/webhooks", key=key, json={"event": 5, "targetUrl": "ftp://example.com/x"})
    assert sorted(d["field"] for d in wrong_type.error["details"]) == ["event", "targetUrl"], wrong_type.body
    assert business_items() == before


def test_unknown_query_parameters_are_422(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    hook = _create(api, key)
    for path in ("/api/v1/webhooks", f"/api/v1/webhooks/{hook['id']}"):
        reply = api.get(path, key=key, params={"secret": "x"})
        assert reply.status == 422 and reply.error["details"][0]["field"] == "secret"
    for params in ({"active": "maybe"}, {"event": "deal"}, {"limit": 0}):
        assert api.get("/api/v1/webhooks", key=key, params=params).status == 422, params


def test_pages_newest_first_and_filters(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    made = [_create(api, key, event=event) for event in ("deal.won", "deal.*", "*", "deal.won", "contact.created")]
    api.patch(f"/api/v1/webhooks/{made[0]['id']}", key=key, json={"active": False})
    newest_first = [hook["id"] for hook in reversed(made)]
    seen: list[str] = []
    cursor = None
    while True:
        reply = api.get("/api/v1/webhooks", key=key, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200 and len(reply.data) <= 2
        seen += [hook["id"] for hook in reply.data]
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert seen == newest_first
    assert [hook["id"] for hook in _all(api, key, event="deal.won")] == [made[3]["id"], made[0]["id"]]
    assert [hook["id"] for hook in _all(api, key, event="deal.won", active="true")] == [made[3]["id"]]
    assert [hook["id"] for hook in _all(api, key, active="false")] == [made[0]["id"]]
    assert [hook["id"] for hook in _all(api, key, event="deal.*")] == [made[1]["id"]]
    page = api.get("/api/v1/webhooks", key=key, params={"limit": 1, "event": "deal.won"})
    other = api.get("/api/v1/webhooks", key=key, params={"cursor": page.body["meta"]["pagination"]["nextCursor"]})
    assert other.status == 400, "a cursor belongs to its filters"


def test_at_most_25_webhooks_and_a_delete_frees_a_slot(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    made = [_create(api, key) for _ in range(store.MAX_WEBHOOKS)]
    before = business_items()
    refused = api.post("/api/v1/webhooks", key=key, json={"event": "*", "targetUrl": TARGET})
    assert refused.status == 422 and refused.error["code"] == "VALIDATION_ERROR", refused.body
    assert "25" in refused.error["message"]
    assert business_items() == before
    assert api.delete(f"/api/v1/webhooks/{made[0]['id']}", key=key).status == 200
    _create(api, key)
    assert api.post("/api/v1/webhooks", key=key, json={"event": "*", "targetUrl": TARGET}).status == 422
    assert len(_all(api, key)) == store.MAX_WEBHOOKS


def test_the_limit_holds_against_a_create_in_between(api: Api, admin: dict[str, Any]) -> None:
    """Another create takes the last slot between nothing read and this request's transaction: the
    count's condition is part of the write, so this one is refused."""
    key = admin["apiKey"]
    for _ in range(store.MAX_WEBHOOKS - 1):
        _create(api, key)
    other = Caller(admin["tenantId"], admin["userId"], Role.ADMIN, frozenset(), admin["keyId"], "req_other")

    def competing_create() -> None:
        service.create_webhook(other, WebhookCreate(event="*", targetUrl=TARGET))

    with before_each("TransactWriteItems", competing_create) as raced:
        reply = api.post("/api/v1/webhooks", key=key, json={"event": "deal.won", "targetUrl": TARGET})
    assert raced() == 1
    assert reply.status == 422, reply.body
    assert len(_all(api, key)) == store.MAX_WEBHOOKS


def test_webhooks_are_for_admins_and_managers(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", tenant_id=admin["tenantId"])
    hook = _create(api, manager["apiKey"])
    assert api.get(f"/api/v1/webhooks/{hook['id']}", key=admin["apiKey"]).status == 200
    for role in ("user", "partner", "migration-officer"):
        caller = api.token(role, tenant_id=admin["tenantId"])["apiKey"]
        for method, path, scope in (
            ("POST", "/api/v1/webhooks", "webhooks:write"),
            ("GET", "/api/v1/webhooks", "webhooks:read"),
            ("GET", f"/api/v1/webhooks/{hook['id']}", "webhooks:read"),
            ("PATCH", f"/api/v1/webhooks/{hook['id']}", "webhooks:write"),
            ("DELETE", f"/api/v1/webhooks/{hook['id']}", "webhooks:write"),
            ("POST", f"/api/v1/webhooks/{hook['id']}/rotate-secret", "webhooks:write"),
        ):
            body = {"event": "*", "targetUrl": TARGET} if method == "POST" and path.endswith("webhooks") else None
            reply = api.call(method, path, key=caller, json=body if method != "PATCH" else {"active": False})
            assert reply.status == 403, (role, method, path, reply.body)
            assert reply.error["message"] == f"Missing required permission: {scope}"


def test_another_tenant_sees_and_changes_nothing(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    hook = _create(api, admin["apiKey"])
    theirs = other_admin["apiKey"]
    assert _all(api, theirs) == []
    path = f"/api/v1/webhooks/{hook['id']}"
    assert api.get(path, key=theirs).status == 404
    assert api.patch(path, key=theirs, json={"active": False}).status == 404
    assert api.post(f"{path}/rotate-secret", key=theirs).status == 404
    assert api.delete(path, key=theirs).status == 404
    for _ in range(store.MAX_WEBHOOKS - 1):
        _create(api, admin["apiKey"])
    _create(api, theirs)  # the limit is per tenant
    assert api.get(path, key=admin["apiKey"]).data == {k: v for k, v in hook.items() if k != "secret"}
