"""The contacts API over real HTTP against a running stack (`cdp serve`, or CDP_E2E_BASE_URL)."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.xdist_group("stack")


def _email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.com"


def test_contact_lifecycle_as_the_seed_describes(stack: Stack) -> None:
    http = stack.session()
    email = _email()
    created = http.post(
        f"{stack.base_url}/api/v1/contacts",
        json={"firstName": "Erika", "lastName": "Mustermann", "emails": [email], "tags": ["e2e"]},
    )
    assert created.status_code == 201, created.text
    contact = created.json()["data"]
    url = f"{stack.base_url}/api/v1/contacts/{contact['id']}"
    assert created.headers["ETag"] == '"1"'
    assert int(created.headers["X-RateLimit-Remaining"]) < int(created.headers["X-RateLimit-Limit"])

    got = http.get(url)
    assert got.status_code == 200 and got.json()["data"]["emails"] == [email]
    found = http.get(f"{stack.base_url}/api/v1/contacts", params={"search": email[:10]}).json()["data"]
    assert contact["id"] in [c["id"] for c in found]

    patched = http.patch(url, json={"lastName": "Musterfrau"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200 and patched.json()["data"]["name"] == "Erika Musterfrau"
    assert http.patch(url, json={"lastName": "Late"}, headers={"If-Match": '"1"'}).status_code == 412
    held = http.get(url, headers={"If-None-Match": '"2"'})  # the same keep-alive connection goes on after it
    assert (held.status_code, held.content, held.headers["ETag"]) == (304, b"", '"2"')
    assert http.delete(url, headers={"If-Match": '"1"'}).status_code == 412
    assert http.get(url, headers={"If-None-Match": '"1"'}).json()["data"]["version"] == 2

    deleted = http.delete(url, headers={"If-Match": '"2"'})
    assert deleted.status_code == 200
    body = deleted.json()
    assert body["success"] is True
    assert body["data"] == {"message": "Contact deleted successfully", "contactId": contact["id"]}
    assert body["meta"]["requestId"].startswith("req_") and body["meta"]["version"] == "v1"

    again = http.delete(url)
    assert again.status_code == 404
    assert again.json()["error"] == {"code": "RESOURCE_NOT_FOUND", "message": "Contact not found"}
    assert http.get(url).status_code == 404
    assert http.post(f"{stack.base_url}/api/v1/contacts", json={"name": "Reuse", "emails": [email]}).status_code == 201


def test_x_api_key_header_and_401_body(stack: Stack) -> None:
    ok = requests.get(f"{stack.base_url}/api/v1/contacts", headers={"X-API-Key": stack.admin_key}, timeout=30)
    assert ok.status_code == 200
    assert ok.json()["meta"]["pagination"]["limit"] == 50
    for headers in ({}, {"Authorization": "Bearer cdp_live_00000000000000000000000000000000"}):
        denied = requests.delete(f"{stack.base_url}/api/v1/contacts/con_x", headers=headers, timeout=30)
        assert denied.status_code == 401
        body = denied.json()
        assert body["success"] is False
        assert body["error"] == {"code": "AUTHENTICATION_FAILED", "message": "Invalid or expired API key"}


def test_bad_input_over_http(stack: Stack) -> None:
    http = stack.session()
    malformed = http.post(
        f"{stack.base_url}/api/v1/contacts", data='{"name": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "INVALID_REQUEST"
    invalid = http.post(f"{stack.base_url}/api/v1/contacts", json={"name": "x", "emails": ["nope"], "extra": 1})
    assert invalid.status_code == 422
    assert {d["field"] for d in invalid.json()["error"]["details"]} == {"emails[0]", "extra"}
    huge = http.post(f"{stack.base_url}/api/v1/contacts", data=b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}')
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    bad_cursor = http.get(f"{stack.base_url}/api/v1/contacts", params={"cursor": "forged.cursor"})
    assert bad_cursor.status_code == 400


def test_pagination_over_http(stack: Stack) -> None:
    http = stack.session()
    tag = f"page{uuid.uuid4().hex[:8]}"
    ids = [
        http.post(f"{stack.base_url}/api/v1/contacts", json={"name": f"P {i}", "tags": [tag]}).json()["data"]["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"tag": tag, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = http.get(f"{stack.base_url}/api/v1/contacts", params=params).json()
        seen += [c["id"] for c in page["data"]]
        cursor = page["meta"]["pagination"]["nextCursor"]
        if not cursor:
            break
    assert seen == ids


def test_tenants_are_isolated_over_http(stack: Stack) -> None:
    other = requests.post(f"{stack.base_url}/dev/token", json={"role": "admin", "newTenant": True}, timeout=30)
    if other.status_code == 404:
        pytest.skip("the stage under test has dev mode off: no second tenant can be created")
    intruder = stack.session(other.json()["data"]["apiKey"])
    contact = (
        stack.session()
        .post(f"{stack.base_url}/api/v1/contacts", json={"name": "Private", "emails": [_email()]})
        .json()["data"]
    )
    url = f"{stack.base_url}/api/v1/contacts/{contact['id']}"
    assert intruder.get(url).status_code == 404
    assert intruder.patch(url, json={"name": "x"}).status_code == 404
    assert intruder.delete(url).status_code == 404
    assert contact["id"] not in [c["id"] for c in intruder.get(f"{stack.base_url}/api/v1/contacts").json()["data"]]
    assert stack.session().get(url).json()["data"]["name"] == "Private"
