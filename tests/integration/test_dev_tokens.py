"""POST /dev/token: the demo tenant by default, another tenant only when the body says so."""

from __future__ import annotations

from typing import Any

from contact_platform.demo_tenant import DEMO_TENANT_ID
from contact_platform.services.dev_tokens import ensure_demo_admin
from tests.support.fixtures import Api, business_items


def _token(api: Api, **body: Any) -> dict[str, Any]:
    reply = api.post("/dev/token", json=body)
    assert reply.status == 201, reply.body
    token: dict[str, Any] = reply.data
    return token


def test_a_dev_token_is_for_the_demo_tenant_by_default(api: Api) -> None:
    demo_admin = ensure_demo_admin(None, "req_test").apiKey
    user = _token(api, role="user")
    assert user["tenantId"] == DEMO_TENANT_ID and user["role"] == "user"
    assert _token(api, role="partner")["tenantId"] == DEMO_TENANT_ID
    contact = api.create_contact(user["apiKey"], name="Seen by the demo admin")
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=demo_admin).status == 200


def test_a_new_tenant_only_when_asked(api: Api) -> None:
    first, second = _token(api, role="admin", newTenant=True), _token(api, role="admin", newTenant=True)
    assert len({first["tenantId"], second["tenantId"], DEMO_TENANT_ID}) == 3
    contact = api.create_contact(first["apiKey"], name="Only in the first")
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=second["apiKey"]).status == 404
    named = _token(api, role="admin", tenantId=first["tenantId"])
    assert named["tenantId"] == first["tenantId"]
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=named["apiKey"]).status == 200


def test_tenant_id_and_new_tenant_together_are_refused_without_a_write(api: Api) -> None:
    before = business_items()
    reply = api.post("/dev/token", json={"role": "user", "tenantId": "ten_other", "newTenant": True})
    assert reply.status == 422
    assert reply.body["error"]["details"] == [{"field": "newTenant", "issue": "give tenantId or newTenant, not both"}]
    assert business_items() == before
    assert api.post("/dev/token", json={"role": "user", "newTenant": "yes please"}).status == 422
