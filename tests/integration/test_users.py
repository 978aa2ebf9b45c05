"""Users beyond the standard cases (test_entities.py): only admins create and change users (a user its
own name), deactivation instead of deletion (keys revoked at once, records keep their owner), the
last active admin, and GET /users/me."""

from __future__ import annotations

from typing import Any

from contact_platform.permissions import ROLE_SCOPES, Caller, Role
from contact_platform.services.api_keys import revoke_user_keys
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests


def _user(api: Api, key: str, **fields: Any) -> Any:
    body = {"name": "Maria Muster", "email": "maria@example.com", "role": "user"} | fields
    return api.post("/api/v1/users", key=key, json=body)


def test_admins_create_users_with_unique_emails_and_everyone_reads_them(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    created = _user(api, key)
    assert created.status == 201, created.body
    assert created.data["active"] is True and created.data["role"] == "user"
    taken = _user(api, key, email="MARIA@example.com", name="Other")
    assert taken.status == 409 and taken.error["message"] == "User already exists", taken.body
    assert created.data["id"] in str(taken.body), "an admin may read the holder"
    colleague = api.token("user", tenant_id=admin["tenantId"])
    listed = api.get("/api/v1/users", key=colleague["apiKey"], params={"search": "mar"})
    assert listed.status == 200 and [user["id"] for user in listed.data] == [created.data["id"]]
    me = api.get("/api/v1/users/me", key=colleague["apiKey"])
    assert me.status == 200 and me.data["id"] == colleague["userId"] and me.data["role"] == "user"
    assert api.get("/api/v1/users", key=key, params={"role": "user"}).data[0]["id"] == colleague["userId"]


def test_a_user_changes_only_its_own_name(api: Api, admin: dict[str, Any]) -> None:
    colleague = api.token("user", tenant_id=admin["tenantId"])
    key, own = colleague["apiKey"], f"/api/v1/users/{colleague['userId']}"
    assert _user(api, key).status == 403
    renamed = api.patch(own, key=key, json={"name": "Me Myself"})
    assert renamed.status == 200 and renamed.data["name"] == "Me Myself", renamed.body
    assert api.patch(own, key=key, json={"role": "admin"}).status == 403
    assert api.patch(f"/api/v1/users/{admin['userId']}", key=key, json={"name": "X"}).status == 403
    assert api.delete(own, key=key).status == 403, "users:delete is for admins"
    assert api.get(f"/api/v1/users/{admin['userId']}", key=key).data["name"] != "X"


def test_deactivation_revokes_keys_at_once_and_keeps_records(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    colleague = api.token("user", tenant_id=admin["tenantId"])
    owned = api.post("/api/v1/organizations", key=colleague["apiKey"], json={"name": "Kept GmbH"})
    assert owned.status == 201, owned.body
    second = api.post("/api/v1/api-keys", key=key, json={"name": "two", "userId": colleague["userId"]})
    assert second.status == 201, second.body
    gone = api.delete(f"/api/v1/users/{colleague['userId']}", key=key)
    assert gone.status == 200 and gone.data["active"] is False, gone.body
    for revoked in (colleague["apiKey"], second.data["key"]):
        assert api.get("/api/v1/users/me", key=revoked).status == 401
    kept = api.get(f"/api/v1/organizations/{owned.data['id']}", key=key)
    assert kept.status == 200 and kept.data["ownerId"] == colleague["userId"]
    refused = api.post("/api/v1/api-keys", key=key, json={"name": "three", "userId": colleague["userId"]})
    assert refused.status == 422 and refused.error["details"][0]["field"] == "userId"
    other = api.post("/api/v1/organizations", key=key, json={"name": "New", "ownerId": colleague["userId"]})
    assert other.status == 422 and other.error["details"][0]["field"] == "ownerId"
    again = api.delete(f"/api/v1/users/{colleague['userId']}", key=key)
    assert again.status == 200 and again.data["active"] is False
    back = api.patch(f"/api/v1/users/{colleague['userId']}", key=key, json={"active": True})
    assert back.status == 200 and back.data["active"] is True
    assert api.post("/api/v1/api-keys", key=key, json={"name": "four", "userId": colleague["userId"]}).status == 201


def test_deactivation_honours_if_match(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    colleague = api.token("user", tenant_id=admin["tenantId"])
    path = f"/api/v1/users/{colleague['userId']}"
    assert api.patch(path, key=key, json={"name": "Renamed"}).data["version"] == 2
    stale = api.delete(path, key=key, headers={"If-Match": '"1"'})
    assert stale.status == 412 and stale.error["message"] == "User has changed: its version is 2", stale.body
    assert api.get("/api/v1/users/me", key=colleague["apiKey"]).status == 200, "not deactivated, key kept"
    gone = api.delete(path, key=key, headers={"If-Match": '"2"'})
    assert gone.status == 200 and gone.data["active"] is False and gone.data["version"] == 3
    assert api.delete(path, key=key, headers={"If-Match": '"2"'}).status == 412, "deactivated since"
    assert api.delete(path, key=key, headers={"If-Match": '"3"'}).status == 200


def test_the_last_active_admin_stays_one(api: Api, admin: dict[str, Any]) -> None:
    key, own = admin["apiKey"], f"/api/v1/users/{admin['userId']}"
    for attempt in (lambda: api.delete(own, key=key), lambda: api.patch(own, key=key, json={"role": "manager"})):
        refused = attempt()
        assert refused.status == 409 and "last active admin" in refused.error["message"], refused.body
    assert api.get(own, key=key).data | {"active": True, "role": "admin"} == api.get(own, key=key).data
    other = api.token("admin", tenant_id=admin["tenantId"])
    demoted = api.patch(own, key=key, json={"role": "manager"})
    assert demoted.status == 200 and demoted.data["role"] == "manager", demoted.body
    assert api.get(own, key=key).status == 401, "a key carries its role's scopes: a new role revokes it"
    last = f"/api/v1/users/{other['userId']}"
    assert api.delete(last, key=other["apiKey"]).status == 409, "the other admin is now the last"
    assert api.patch(own, key=other["apiKey"], json={"role": "admin"}).status == 200
    assert api.delete(last, key=other["apiKey"]).status == 200, "no longer the last"


def test_an_unknown_or_another_tenants_user_is_404(api: Api, admin: dict[str, Any]) -> None:
    stranger = api.token("admin")
    for reply in (
        api.get(f"/api/v1/users/{stranger['userId']}", key=admin["apiKey"]),
        api.delete(f"/api/v1/users/{stranger['userId']}", key=admin["apiKey"]),
        api.patch(f"/api/v1/users/{stranger['userId']}", key=admin["apiKey"], json={"name": "X"}),
        api.delete("/api/v1/users/usr_nobody", key=admin["apiKey"]),
    ):
        assert reply.status == 404 and reply.error["code"] == "RESOURCE_NOT_FOUND", reply.body


def test_deactivation_reads_only_the_users_keys_not_revoked(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    colleague = api.token("user", tenant_id=admin["tenantId"])
    for number in range(101):  # the tenant's other keys: more than a page of its key list
        assert api.post("/api/v1/api-keys", key=key, json={"name": f"other {number}"}).status == 201
    extra = api.post("/api/v1/api-keys", key=key, json={"name": "two", "userId": colleague["userId"]}).data
    assert api.delete(f"/api/v1/api-keys/{extra['id']}", key=key).status == 200, "revoked before: not read again"
    caller = Caller(admin["tenantId"], admin["userId"], Role.ADMIN, ROLE_SCOPES[Role.ADMIN], "", "req_test")
    with dynamodb_requests() as requests:
        assert revoke_user_keys(caller, colleague["userId"]) == 1
    assert requests["Query"] == 1 and requests["TransactWriteItems"] == 1, requests
    assert api.get("/api/v1/users/me", key=colleague["apiKey"]).status == 401
    assert revoke_user_keys(caller, colleague["userId"]) == 0
