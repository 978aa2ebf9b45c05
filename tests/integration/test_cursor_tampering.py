"""Tampered and foreign cursors on every list route (the GET routes answering a `Listing`): each is a
400 `INVALID_REQUEST` (docs/architecture.md, API conventions).

A cursor is `<base64url JSON {"k": last key, "b": binding digest}>.<HMAC-SHA256 of that body>`. The
cases: the body's key changed but the signature kept (only the signature check refuses it: the body
is well-formed and carries the right binding), re-signed with a guessed secret, a cursor of the same
list of another tenant, and a cursor of another list. A correctly re-signed cursor for another
tenant cannot be built without the cursor secret, which never leaves the platform, so it has no case.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from contact_platform import config
from contact_platform.route import Route
from tests.support.entities import DELETED, ENTITIES, make, make_each
from tests.support.fixtures import Api, jobs_account
from tests.support.routes import LIST_ROUTES, path_of

Tenant = dict[str, Any]


def _populate(api: Api) -> Tenant:
    """A tenant with two records in every list, so that a first page of one has a next cursor."""
    admin = api.token("admin")
    key = admin["apiKey"]
    api.post("/api/v1/api-keys", key=key, json={"name": "second"})
    for n in range(2):
        api.create_contact(key, name=f"Listed {n}")
        deleted = api.create_contact(key, name=f"Deleted {n}")
        api.delete(f"/api/v1/contacts/{deleted['id']}", key=key)
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data["id"]
    empty = api.post("/api/v1/segments", key=key, json={"name": "Nobody", "filter": {"tag": ["nobody"]}}).data["id"]
    tag = api.post("/api/v1/tags", key=key, json={"name": "one"}).data["id"]
    api.post("/api/v1/tags", key=key, json={"name": "two"})
    webhooks = [
        api.post("/api/v1/webhooks", key=key, json={"event": event, "targetUrl": "http://[::1]/h"}).data["id"]
        for event in ("deal.won", "*")
    ]
    for _ in range(2):  # two deliveries of one webhook
        assert api.post(f"/api/v1/webhooks/{webhooks[0]}/test", key=key).status == 202
    for n in range(2):
        assert api.post("/api/v1/exports", key=key, json={"segmentId": empty}).status == 202  # a short job
        assert api.post("/api/v1/tag-assignments", key=key, json={"tagId": tag, "segmentId": segment}).status == 202
        assert api.post("/api/v1/imports", key=key, json={"fileName": "later.csv"}).status == 202
        make_each(api, key)
        thrown = make_each(api, key)  # and deleted records of each entity, for the admins' deleted lists
        for entity in ENTITIES:
            if entity.name in DELETED:
                assert api.delete(f"{entity.path}/{thrown[entity.name]['id']}", key=key).status == 200
        organization = make(api, key, "organization", name=f"Moved {n}")["id"]
        api.create_contact(key, name="Linked", organizationId=organization)
        api.delete(f"/api/v1/organizations/{organization}", key=key)  # a moves job: every move is one here
    pipeline = make(api, key, "pipeline")["id"]  # two stages of one pipeline for its stage list
    for _ in range(2):
        make(api, key, "stage", at=f"/api/v1/pipelines/{pipeline}/stages")
    deal = make(api, key, "deal")["id"]  # and two products on one deal
    for _ in range(2):
        make(api, key, "deal_product", at=f"/api/v1/deals/{deal}/products")
    campaign = make(api, key, "campaign")["id"]  # and two entries of one campaign
    for _ in range(2):
        make(api, key, "campaign_entry", at=f"/api/v1/campaigns/{campaign}/entries")
    for export_type in ("entries", "codes"):  # two exports of the campaign
        assert (
            api.post(f"/api/v1/campaigns/{campaign}/exports", key=key, json={"exportType": export_type}).status == 201
        )
    records = {
        "segmentId": segment,
        "pipelineId": pipeline,
        "dealId": deal,
        "webhookId": webhooks[0],
        "campaignId": campaign,
    }
    return {"key": key, "tenantId": admin["tenantId"], "records": records}


@pytest.fixture(scope="module")
def tenants() -> Iterator[tuple[Api, Tenant, Tenant]]:
    with jobs_account(**{config.ENV_INLINE_MOVES: "0"}):
        api = Api()
        yield api, _populate(api), _populate(api)


def _page(api: Api, tenant: Tenant, route: Route, cursor: str | None = None) -> Any:
    params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
    return api.get(path_of(route, tenant["records"]), key=tenant["key"], params=params)


def _cursor(api: Api, tenant: Tenant, route: Route) -> str:
    first = _page(api, tenant, route)
    assert first.status == 200, first.body
    cursor: str | None = first.body["meta"]["pagination"]["nextCursor"]
    assert cursor, f"{route.name}: a first page of one has a next cursor"
    return cursor


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _payload(cursor: str) -> dict[str, Any]:
    body = cursor.partition(".")[0]
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return payload


def _other_key(payload: dict[str, Any], tenant: Tenant, other: Tenant) -> dict[str, Any]:
    """The same payload with its key pointing into the other tenant (or, where the key names no
    tenant, at another item): still well-formed and bound to this list."""
    text = json.dumps(payload["k"])
    changed = text.replace(tenant["tenantId"], other["tenantId"])
    if changed == text:
        changed = text.replace('"}', 'x"}', 1)
    assert changed != text
    return {**payload, "k": json.loads(changed)}


def _refused(reply: Any) -> None:
    assert reply.status == 400, reply.body
    assert reply.error["code"] == "INVALID_REQUEST" and reply.error["message"] == "Invalid cursor"
    assert reply.error["details"][0]["field"] == "cursor"


Tamper = Callable[[str, Tenant, Tenant], str]


def _changed_key_same_signature(cursor: str, tenant: Tenant, other: Tenant) -> str:
    signature = cursor.partition(".")[2]
    body = _b64(json.dumps(_other_key(_payload(cursor), tenant, other), separators=(",", ":")).encode())
    return f"{body}.{signature}"


def _changed_key_signed_with_a_guess(cursor: str, tenant: Tenant, other: Tenant) -> str:
    body = _b64(json.dumps(_other_key(_payload(cursor), tenant, other), separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(b'test-keys', body.encode(), hashlib.sha256).digest())}"


def _unsigned(cursor: str, tenant: Tenant, other: Tenant) -> str:
    return cursor.partition(".")[0]


TAMPERS: dict[str, Tamper] = {
    "changed key, same signature": _changed_key_same_signature,
    "changed key, signed with a guessed secret": _changed_key_signed_with_a_guess,
    "no signature": _unsigned,
}


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda route: route.name)
def test_tampered_foreign_and_other_list_cursors_are_400(tenants: tuple[Api, Tenant, Tenant], route: Route) -> None:
    api, mine, theirs = tenants
    cursor = _cursor(api, mine, route)
    assert _page(api, mine, route, cursor).status == 200, "the untouched cursor reads the next page"
    for name, tamper in TAMPERS.items():
        reply = _page(api, mine, route, tamper(cursor, mine, theirs))
        assert reply.status == 400, (name, reply.body)
        _refused(reply)
    _refused(_page(api, mine, route, _cursor(api, theirs, route)))
    other_list = LIST_ROUTES[(LIST_ROUTES.index(route) + 1) % len(LIST_ROUTES)]
    _refused(_page(api, mine, route, _cursor(api, mine, other_list)))
