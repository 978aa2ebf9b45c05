"""POST /api/v1/contacts and GET /api/v1/contacts/{contactId}."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api, business_items


def test_create_returns_201_with_every_field(api: Api, admin: dict[str, Any]) -> None:
    organization = make(api, admin["apiKey"], "organization")["id"]
    reply = api.post(
        "/api/v1/contacts",
        key=admin["apiKey"],
        json={
            "firstName": "Jan",
            "lastName": "Beispiel",
            "emails": ["jan@example.com", "jan.b@example.org"],
            "phones": ["+49 170 1234567"],
            "organizationId": organization,
            "tags": ["Lead", "VIP"],
            "consentGivenAt": "2025-08-12T08:41:45.427Z",
            "customFields": {"source": "fair", "score": 7, "ratio": 0.5, "optIn": True, "note": None},
        },
    )
    assert reply.status == 201
    contact = reply.data
    assert contact["id"].startswith("con_")
    assert contact["name"] == "Jan Beispiel"
    assert contact["emails"] == ["jan@example.com", "jan.b@example.org"]
    assert contact["ownerId"] == admin["userId"]
    assert contact["tags"] == ["Lead", "VIP"]
    assert contact["consentGivenAt"] == "2025-08-12T08:41:45.427Z"
    assert contact["customFields"] == {"source": "fair", "score": 7, "ratio": 0.5, "optIn": True, "note": None}
    assert contact["isActive"] is True and contact["version"] == 1
    assert contact["deletedAt"] is None and contact["deletedBy"] is None
    assert contact["createdAt"] == contact["updatedAt"]
    assert reply.header("ETag") == '"1"'
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).data == contact


def test_the_organization_must_exist_and_be_seen(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    user = api.token("user", tenant_id=admin["tenantId"])
    private = make(api, key, "organization", name="Private GmbH", visibleTo="owner")["id"]
    gone = make(api, key, "organization", name="Gone GmbH")["id"]
    api.delete(f"/api/v1/organizations/{gone}", key=key)
    theirs = make(api, other_admin["apiKey"], "organization")["id"]
    before = business_items()
    for caller, organization in ((key, "org_unknown"), (key, theirs), (key, gone), (user["apiKey"], private)):
        reply = api.post("/api/v1/contacts", key=caller, json={"name": "Linked", "organizationId": organization})
        assert reply.status == 422 and reply.error["details"] == [
            {"field": "organizationId", "issue": "no organization with this id"}
        ], organization
    assert business_items() == before
    contact = api.create_contact(key, name="Linked", organizationId=private)
    patch = api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"organizationId": theirs})
    assert patch.status == 422 and patch.error["details"][0]["field"] == "organizationId"


def test_an_email_phone_or_tag_given_twice_in_another_spelling_is_kept_once(api: Api, admin: dict[str, Any]) -> None:
    """The first spelling of each wins (the first email is the primary), on create and on update."""
    key = admin["apiKey"]
    contact = api.create_contact(
        key,
        name="Twice",
        emails=["twice@x.example", "TWICE@x.example", "other@x.example"],
        phones=["+49 170 1234567", "0049 170 1234567", "0170 1234567", "+41 44 123 45 67"],
        tags=["Lead", "lead", "LEAD"],
    )
    assert contact["emails"] == ["twice@x.example", "other@x.example"]
    assert contact["phones"] == ["+49 170 1234567", "+41 44 123 45 67"]
    assert contact["tags"] == ["Lead"]
    patched = api.patch(
        f"/api/v1/contacts/{contact['id']}", key=key, json={"emails": ["Other@x.example", "other@X.example"]}
    ).data
    assert patched["emails"] == ["Other@x.example"]
    found = api.get("/api/v1/contacts", key=key, params={"search": "0170 123"}).data
    assert [record["id"] for record in found] == [contact["id"]]


def test_explicit_name_wins_over_derived(api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], firstName="Jan", lastName="B", name="Dr. Jan B.")
    assert contact["name"] == "Dr. Jan B."


def test_duplicate_email_is_409_naming_the_existing_contact(api: Api, admin: dict[str, Any]) -> None:
    first = api.create_contact(admin["apiKey"], name="First", emails=["dup@example.com"])
    before = business_items()
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Second", "emails": ["DUP@Example.com"]})
    assert reply.status == 409
    assert reply.error["code"] == "CONFLICT"
    assert first["id"] in reply.error["message"]
    assert reply.error["details"] == [{"field": "emails", "issue": f"already used by contact {first['id']}"}]
    assert business_items() == before


def test_duplicate_email_of_a_contact_the_caller_cannot_read_names_no_id(api: Api, admin: dict[str, Any]) -> None:
    hidden = api.create_contact(admin["apiKey"], name="Admin's", emails=["hidden@example.com"])
    user = api.token("user", admin["tenantId"])
    assert api.get(f"/api/v1/contacts/{hidden['id']}", key=user["apiKey"]).status == 404
    before = business_items()
    reply = api.post("/api/v1/contacts", key=user["apiKey"], json={"name": "Mine", "emails": ["hidden@example.com"]})
    assert reply.status == 409
    assert reply.error == {
        "code": "CONFLICT",
        "message": "The value hidden@example.com is already taken",
        "details": [{"field": "emails", "issue": "already taken"}],
    }
    assert hidden["id"] not in str(reply.body)
    mine = api.create_contact(user["apiKey"], name="Mine", emails=["mine@example.com"])
    patched = api.patch(f"/api/v1/contacts/{mine['id']}", key=user["apiKey"], json={"emails": ["hidden@example.com"]})
    assert patched.status == 409 and hidden["id"] not in str(patched.body)
    assert business_items() != before  # only `mine` was written
    own = api.post("/api/v1/contacts", key=user["apiKey"], json={"name": "Again", "emails": ["mine@example.com"]})
    assert own.status == 409 and mine["id"] in own.error["message"], "the caller's own contact is named"


def test_same_email_in_another_tenant_is_fine(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    api.create_contact(admin["apiKey"], name="A", emails=["same@example.com"])
    assert (
        api.post(
            "/api/v1/contacts", key=other_admin["apiKey"], json={"name": "B", "emails": ["same@example.com"]}
        ).status
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field", "issue"),
    [
        ({}, "name", "one of name, firstName or lastName is required"),
        ({"name": "x", "emails": ["not-an-email"]}, "emails[0]", "value is not a valid email address"),
        ({"name": "x", "phones": ["12"]}, "phones[0]", "String should have at least 3 characters"),
        ({"name": "x", "phones": ["call me maybe"]}, "phones[0]", "not a phone number"),
        ({"name": "x", "emails": [f"a{i}@x.de" for i in range(6)]}, "emails", "List should have at most 5 items"),
        ({"name": "x", "tags": ["t"] * 21}, "tags", "List should have at most 20 items"),
        ({"name": "x", "customFields": {"bad key": 1}}, "customFields", "key 'bad key': a letter, then"),
        ({"name": "x", "customFields": {"k": {"nested": 1}}}, "customFields", "k: must be a string, number"),
        ({"name": "x", "customFields": {"k": "v" * 1001}}, "customFields", "k: at most 1000 characters"),
        ({"name": "x", "customFields": {f"k{i}": i for i in range(51)}}, "customFields", "at most 50 fields"),
        ({"name": "x", "customFields": {"big": 4.1e252}}, "customFields", "big: numbers must be finite, at most"),
        ({"name": "x", "customFields": {"long": 10**40}}, "customFields", "long: numbers must be finite, at most"),
        ({"name": "x", "consentGivenAt": "0001-01-01T00:00:00+00:01"}, "consentGivenAt", "date-time out of range"),
        ({"name": "x", "organizationId": "acme"}, "organizationId", "not an ID of the form org_..."),
        ({"name": "x", "consentGivenAt": "yesterday"}, "consentGivenAt", "must be an ISO 8601 date-time"),
        ({"name": "x", "consentGivenAt": "2999-01-01T00:00:00Z"}, "consentGivenAt", "cannot lie in the future"),
        ({"name": "x", "consentGivenAt": 1700000000}, "consentGivenAt", "must be an ISO 8601 date-time"),
        ({"name": "x", "consentGivenAt": "2026-01-01"}, "consentGivenAt", "must be a date-time with a time zone"),
        (
            {"name": "x", "consentGivenAt": "2026-01-01T10:00"},
            "consentGivenAt",
            "must be a date-time with a time zone, for",
        ),
        ({"name": "x", "colour": "red"}, "colour", "unknown field"),
        ({"name": "x", "isActive": False}, "isActive", "unknown field"),
        ({"name": 5}, "name", "Input should be a valid string"),
        ({"name": "a\u0000b"}, "name", "must not contain control characters"),
        ({"name": "x" * 201}, "name", "String should have at most 200 characters"),
    ],
)
def test_invalid_contacts_are_422_with_details_and_write_nothing(
    api: Api, admin: dict[str, Any], body: dict[str, Any], field: str, issue: str
) -> None:
    before = business_items()
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], json=body)
    assert reply.status == 422, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"
    fields = {detail["field"]: detail["issue"] for detail in reply.error["details"]}
    assert field in fields, fields
    assert fields[field].startswith(issue), fields[field]
    assert business_items() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"emails": ["not-an-email"]}, ["emails[0]", "name"]),  # both at once: no name, and a bad email
        ({"name": "", "emails": ["not-an-email"]}, ["name", "emails[0]"]),  # the name's own problem only
        ({"firstName": 5, "emails": ["a@b.de"], "colour": "red"}, ["firstName", "colour"]),
    ],
)
def test_a_body_with_field_errors_also_hears_that_it_has_no_name(
    api: Api, admin: dict[str, Any], body: dict[str, Any], fields: list[str]
) -> None:
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], json=body)
    assert reply.status == 422, reply.body
    assert sorted(detail["field"] for detail in reply.error["details"]) == sorted(fields), reply.body


def test_owner_can_be_another_active_user_for_admins_only(api: Api, admin: dict[str, Any]) -> None:
    colleague = api.token("user", admin["tenantId"])
    contact = api.create_contact(admin["apiKey"], name="Assigned", ownerId=colleague["userId"])
    assert contact["ownerId"] == colleague["userId"]
    unknown = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "x", "ownerId": "usr_nobody"})
    assert unknown.status == 422
    assert unknown.error["details"] == [{"field": "ownerId", "issue": "no active user with this id"}]
    refused = api.post("/api/v1/contacts", key=colleague["apiKey"], json={"name": "x", "ownerId": admin["userId"]})
    assert refused.status == 403


def test_owner_from_another_tenant_is_refused(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "x", "ownerId": other_admin["userId"]})
    assert reply.status == 422


def test_get_unknown_contact_is_404(api: Api, admin: dict[str, Any]) -> None:
    reply = api.get("/api/v1/contacts/con_doesnotexist", key=admin["apiKey"])
    assert reply.status == 404
    assert reply.error == {"code": "RESOURCE_NOT_FOUND", "message": "Contact not found"}


def test_users_see_only_their_own_contacts(api: Api, admin: dict[str, Any]) -> None:
    user = api.token("user", admin["tenantId"])
    theirs = api.create_contact(user["apiKey"], name="Theirs")
    mine = api.create_contact(admin["apiKey"], name="Admin's")
    assert api.get(f"/api/v1/contacts/{mine['id']}", key=user["apiKey"]).status == 404
    assert [c["id"] for c in api.get("/api/v1/contacts", key=user["apiKey"]).data] == [theirs["id"]]
    assert {c["id"] for c in api.get("/api/v1/contacts", key=admin["apiKey"]).data} == {theirs["id"], mine["id"]}
    assert api.delete(f"/api/v1/contacts/{mine['id']}", key=user["apiKey"]).status == 404


def test_a_phone_holds_no_semicolon(api: Api, admin: dict[str, Any]) -> None:
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "P", "phones": ["+49 30 1234567;99"]})
    assert reply.status == 422
    issue = "must not contain ; (it separates phones in a CSV cell)"
    assert reply.error["details"] == [{"field": "phones[0]", "issue": issue}]
