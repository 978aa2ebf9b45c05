"""The rules of each entity beyond the standard cases (test_entities.py): organizations' contact
fields, products' price and currency and their tenant-wide catalog, notes' attachments and size, and
a create body's rules heard together with its field errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api, business_items


def _issue(reply: Any) -> list[str]:
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    return [detail["field"] for detail in reply.error["details"]]


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not-an-email"), ("phone", "12"), ("name", "   "), ("name", "x" * 201)]
)
def test_an_organization_validates_its_fields(api: Api, admin: dict[str, Any], field: str, value: str) -> None:
    body = {"name": "Valid GmbH", field: value}
    assert _issue(api.post("/api/v1/organizations", key=admin["apiKey"], json=body)) == [field]


def test_organization_names_are_unique_whatever_the_case_and_accents(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    assert api.post("/api/v1/organizations", key=key, json={"name": "Müller Bau GmbH"}).status == 201
    reply = api.post("/api/v1/organizations", key=key, json={"name": "MULLER bau gmbh"})
    assert reply.status == 409 and reply.error["message"] == "Organization already exists"


def test_a_name_with_an_umlaut_is_also_held_spelled_out(api: Api, admin: dict[str, Any]) -> None:
    """`Müller Bau GmbH` is held as `muller bau gmbh` and `mueller bau gmbh`: `Mueller Bau GmbH` meets
    it as `Muller Bau GmbH` does, whichever came first; `Muller` and `Mueller` alone stay two names."""
    key = admin["apiKey"]
    at = "/api/v1/organizations"
    umlaut = api.post(at, key=key, json={"name": "Müller Bau GmbH"}).data
    spelled = api.post(at, key=key, json={"name": "Mueller Bau GmbH"})
    assert spelled.status == 409 and spelled.error["details"] == [
        {"field": "name", "issue": f"already used by organization {umlaut['id']}"}
    ]
    written_first = api.post(at, key=key, json={"name": "Jörg Öko AG"})
    assert written_first.status == 201
    assert api.post(at, key=key, json={"name": "Muller Haus"}).status == 201
    assert api.post(at, key=key, json={"name": "Mueller Haus"}).status == 201, "no umlaut between them"
    assert api.post(at, key=key, json={"name": "Müller Haus"}).status == 409, "meets both"
    kept = api.post(at, key=key, json={"name": "Joerg Oeko AG"})
    assert kept.status == 409, "the spelled-out name written second meets the umlaut's"
    renamed = api.patch(f"{at}/{umlaut['id']}", key=key, json={"name": "Schmidt Bau GmbH"})
    assert renamed.status == 200, renamed.body
    assert api.post(at, key=key, json={"name": "Mueller Bau GmbH"}).status == 201, "a rename frees both forms"
    assert api.delete(f"{at}/{written_first.data['id']}", key=key).status == 200
    assert api.post(at, key=key, json={"name": "Joerg Oeko AG"}).status == 201, "a delete frees both forms"


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", -0.01), ("price", 1e300), ("currency", "eur"), ("currency", "EURO"), ("code", "has space")],
)
def test_a_product_validates_price_currency_and_code(api: Api, admin: dict[str, Any], field: str, value: Any) -> None:
    body = {"name": "CRM Lizenz", "price": 49, "currency": "EUR", field: value}
    assert _issue(api.post("/api/v1/products", key=admin["apiKey"], json=body)) == [field]


def test_products_are_the_tenants_catalog_without_owner(api: Api, admin: dict[str, Any]) -> None:
    """Any key with the products scopes changes any product (there is no owner to restrict it)."""
    product = make(api, admin["apiKey"], "product")
    assert "ownerId" not in product and "visibleTo" not in product
    user = api.token("user", tenant_id=admin["tenantId"])["apiKey"]
    assert api.patch(f"/api/v1/products/{product['id']}", key=user, json={"price": 39.5}).data["price"] == 39.5
    assert _issue(api.post("/api/v1/products", key=user, json={**product, "ownerId": "usr_x"}))


def test_a_product_code_is_searchable_and_optional(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    coded = make(api, key, "product", name="Support", code="SUP-GOLD")
    uncoded = make(api, key, "product", name="Beratung", code=None)
    assert uncoded["code"] is None
    assert [p["id"] for p in api.get("/api/v1/products", key=key, params={"search": "sup-g"}).data] == [coded["id"]]


def test_a_note_is_attached_to_something(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    before = business_items()
    assert _issue(api.post("/api/v1/notes", key=key, json={"content": "floating"})) == ["dealId"]
    assert business_items() == before
    note = make(api, key, "note")
    reply = api.patch(f"/api/v1/notes/{note['id']}", key=key, json={"organizationId": None})
    assert _issue(reply) == ["dealId"], "removing its only attachment is refused"


def test_a_note_names_existing_records_of_the_tenant(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    for field, value in (("organizationId", "org_missing"), ("contactId", "con_missing"), ("dealId", "deal_none")):
        assert _issue(api.post("/api/v1/notes", key=key, json={"content": "x", field: value})) == [field]
    organization = make(api, key, "organization")
    api.delete(f"/api/v1/organizations/{organization['id']}", key=key)
    reply = api.post("/api/v1/notes", key=key, json={"content": "x", "organizationId": organization["id"]})
    assert _issue(reply) == ["organizationId"], "a deleted organization is no attachment"


def test_a_note_keeps_lines_and_is_bounded_in_size(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Noted")
    text = "Erster Punkt\nZweiter Punkt\n\tEingerückt"
    note = api.post("/api/v1/notes", key=key, json={"content": text, "contactId": contact["id"]})
    assert note.status == 201 and note.data["content"] == text
    listed = api.get("/api/v1/notes", key=key, params={"contactId": contact["id"]}).data
    assert [n["id"] for n in listed] == [note.data["id"]]
    too_long = api.post("/api/v1/notes", key=key, json={"content": "x" * 100_001, "contactId": contact["id"]})
    assert _issue(too_long) == ["content"]
    body = json.dumps({"content": "😀" * 80_000, "contactId": contact["id"]}, ensure_ascii=False)
    too_big = api.post("/api/v1/notes", key=key, body=body, headers={"Content-Type": "application/json"})
    assert _issue(too_big) == ["content"], "100,000 characters, but more bytes than a record holds"


def test_stages_live_under_their_pipeline_with_an_order_unique_within_it(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    sales, support = make(api, key, "pipeline", name="Sales"), make(api, key, "pipeline", name="Support")
    first = api.post(f"/api/v1/pipelines/{sales['id']}/stages", key=key, json={"name": "Qualifizierung", "order": 1})
    assert first.status == 201 and first.data["pipelineId"] == sales["id"] and first.data["probability"] == 0
    again = api.post(f"/api/v1/pipelines/{sales['id']}/stages", key=key, json={"name": "Angebot", "order": 1})
    assert again.status == 409 and again.error["details"][0]["field"] == "order"
    elsewhere = api.post(f"/api/v1/pipelines/{support['id']}/stages", key=key, json={"name": "Triage", "order": 1})
    assert elsewhere.status == 201, "the same order in another pipeline"
    api.post(f"/api/v1/pipelines/{sales['id']}/stages", key=key, json={"name": "Angebot", "order": 0})
    listed = api.get(f"/api/v1/pipelines/{sales['id']}/stages", key=key, params={"sort": "order"}).data
    assert [(stage["name"], stage["order"]) for stage in listed] == [("Angebot", 0), ("Qualifizierung", 1)]
    moved = api.patch(f"/api/v1/stages/{first.data['id']}", key=key, json={"pipelineId": support["id"]})
    assert _issue(moved) == ["pipelineId"], "a stage stays in its pipeline"


def test_a_stage_needs_a_pipeline_of_the_tenant_and_a_probability_within_0_and_1(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    missing = api.post("/api/v1/pipelines/pipe_missing/stages", key=key, json={"name": "x", "order": 1})
    assert missing.status == 404 and missing.error["message"] == "Pipeline not found"
    theirs = make(api, other_admin["apiKey"], "pipeline")
    assert api.get(f"/api/v1/pipelines/{theirs['id']}/stages", key=key).status == 404
    pipeline = make(api, key, "pipeline")
    for probability in (-0.1, 1.01):
        body = {"name": "x", "order": 3, "probability": probability}
        assert _issue(api.post(f"/api/v1/pipelines/{pipeline['id']}/stages", key=key, json=body)) == ["probability"]
    tiny = {"name": "x", "order": 4, "probability": 2.9e-214}  # below what DynamoDB stores: rounded to 0
    assert api.post(f"/api/v1/pipelines/{pipeline['id']}/stages", key=key, json=tiny).data["probability"] == 0
    api.delete(f"/api/v1/pipelines/{pipeline['id']}", key=key)
    gone = api.post(f"/api/v1/pipelines/{pipeline['id']}/stages", key=key, json={"name": "x", "order": 1})
    assert gone.status == 404, "no stage for a deleted pipeline"


@pytest.mark.parametrize(
    ("parent", "child", "body"),
    [
        ("pipeline", "stage", {"name": "Lead", "order": 1}),
        ("campaign", "campaign_entry", None),  # the contact is made below
    ],
)
def test_a_deleted_parent_takes_its_records_along_and_its_restore_brings_them_back(
    api: Api, admin: dict[str, Any], parent: str, child: str, body: dict[str, Any] | None
) -> None:
    """Reading, changing or deleting a record of a deleted pipeline or campaign is 404, as for the
    parent itself; restoring the parent makes them readable again."""
    key = admin["apiKey"]
    held = make(api, key, parent)
    plural = {"pipeline": "pipelines", "campaign": "campaigns"}[parent]
    segment = {"stage": "stages", "campaign_entry": "entries"}[child]
    sent = body or {"contactId": api.create_contact(key, name="Eva")["id"], "market": "DE"}
    record = api.post(f"/api/v1/{plural}/{held['id']}/{segment}", key=key, json=sent)
    assert record.status == 201, record.body
    items = {"stage": "stages", "campaign_entry": "campaign-entries"}[child]
    path = f"/api/v1/{items}/{record.data['id']}"
    assert api.delete(f"/api/v1/{plural}/{held['id']}", key=key).status == 200
    assert api.get(path, key=key).status == 404
    assert api.patch(path, key=key, json={"order": 2} if child == "stage" else {"score": 1}).status == 404
    assert api.delete(path, key=key).status == 404
    assert api.post(f"/api/v1/admin/{plural}/{held['id']}/restore", key=key).status == 200
    assert api.get(path, key=key).data == record.data


def test_an_activity_is_done_at_the_moment_it_is_marked_done(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    activity = make(api, key, "activity")
    assert activity["done"] is False and activity["doneAt"] is None
    path = f"/api/v1/activities/{activity['id']}"
    done = api.patch(path, key=key, json={"done": True}).data
    assert done["doneAt"] == done["updatedAt"]
    later = api.patch(path, key=key, json={"subject": "Erstgespräch, Protokoll"}).data
    assert later["doneAt"] == done["doneAt"], "kept while it stays done"
    assert api.patch(path, key=key, json={"done": False}).data["doneAt"] is None
    assert _issue(api.post("/api/v1/activities", key=key, json={**_activity(api, key), "doneAt": done["doneAt"]}))


def _activity(api: Api, key: str, **fields: Any) -> dict[str, Any]:
    contact = api.create_contact(key, name="Called")
    return {"type": "call", "subject": "Anruf", "contactId": contact["id"], **fields}


@pytest.mark.parametrize(
    ("field", "value"), [("type", "fax"), ("dueTime", "25:00"), ("dueDate", "24.12.2026"), ("durationMinutes", 0)]
)
def test_an_activity_validates_type_due_and_duration(api: Api, admin: dict[str, Any], field: str, value: Any) -> None:
    key = admin["apiKey"]
    assert _issue(api.post("/api/v1/activities", key=key, json=_activity(api, key, **{field: value}))) == [field]


def test_activities_due_in_a_range(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    days = ["2026-12-01", "2026-12-15", "2026-12-31"]
    made = [api.post("/api/v1/activities", key=key, json=_activity(api, key, dueDate=day)).data["id"] for day in days]
    undated = api.post("/api/v1/activities", key=key, json=_activity(api, key)).data["id"]

    def due(**bounds: str) -> list[str]:
        reply = api.get("/api/v1/activities", key=key, params={"sort": "dueDate", **bounds})
        assert reply.status == 200, reply.body
        return [activity["id"] for activity in reply.data]

    assert due(dueFrom="2026-12-15") == made[1:]
    assert due(dueTo="2026-12-15") == made[:2]
    assert due(dueFrom="2026-12-02", dueTo="2026-12-30") == [made[1]]
    assert due() == [*made, undated], "undated last"
    assert _issue(api.get("/api/v1/activities", key=key, params={"dueFrom": "soon"})) == ["dueFrom"]


def test_null_puts_back_a_fields_default(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    product = make(api, key, "product", active=False, unit="seat")
    changed = api.patch(f"/api/v1/products/{product['id']}", key=key, json={"active": None, "unit": None}).data
    assert changed["active"] is True and changed["unit"] is None


_LEAD = {"companyName": "Xy GmbH", "city": "Berlin", "territory": "DE"}


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        # a field error and the rules of the fields that did validate, in one answer
        (
            "/api/v1/leads",
            {**_LEAD, "companyName": "X", "contact": {"firstName": "Max"}},
            [("companyName", "String should have at least 2 characters"),
             ("contact", "Email or phone required when contact data present"),
             ("consentGivenAt", "Consent required when contact data present")],
        ),
        # a contact sent with a bad email is still a contact: its consent is asked for
        (
            "/api/v1/leads",
            {**_LEAD, "contact": {"firstName": "Max", "email": "bad"}},
            [("contact.email", None), ("consentGivenAt", "Consent required when contact data present")],
        ),
        # a rule reading a field that did not validate says nothing (the consent was sent, malformed)
        ("/api/v1/leads", {**_LEAD, "consentGivenAt": "nope", "contact": {"email": "a@b.de"}},
         [("consentGivenAt", None)]),
        (
            "/api/v1/campaigns",
            {"name": "", "market": "DE", "markets": ["AT", "AT"], "startsAt": "2026-06-30T10:00:00Z",
             "endsAt": "2026-06-01T22:00:00Z"},
            [("name", None), ("endsAt", "must be after startsAt"), ("markets", "each market once")],
        ),
        ("/api/v1/campaigns", {"name": "", "market": "DE", "startsAt": "x", "endsAt": "2026-06-01T22:00:00Z"},
         [("name", None), ("startsAt", None)]),
        (
            "/api/v1/notes",
            {"content": ""},
            [("content", None), ("dealId", "a note is attached to at least one of dealId, contactId, organizationId")],
        ),
        # a malformed attachment is still one: no "attached to nothing"
        ("/api/v1/notes", {"content": "", "contactId": "bad id"}, [("content", None), ("contactId", None)]),
        # a deal's stage may come from its pipeline, which a body with field errors is never read for
        ("/api/v1/deals", {"title": "", "value": -1}, [("title", None), ("value", "min")]),
        ("/api/v1/leads", [1], [("body", "Input should be an object")]),
    ],
)  # fmt: skip
def test_a_create_with_field_errors_also_hears_the_rules_of_the_fields_that_validated(
    api: Api, admin: dict[str, Any], path: str, body: Any, expected: list[tuple[str, str | None]]
) -> None:
    before = business_items()
    reply = api.post(path, key=admin["apiKey"], json=body)
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    found = [(detail["field"], detail["issue"]) for detail in reply.error["details"]]
    assert [field for field, _ in found] == [field for field, _ in expected], found
    assert all(issue is None or (field, issue) in found for field, issue in expected), found
    assert business_items() == before


@pytest.mark.parametrize(
    ("entity", "patch", "expected"),
    [
        ("organization", {"name": None, "email": "not-an-email"},
         {"name": "required; may not be null", "email": None}),
        ("lead", {"companyName": None, "territory": None, "city": "B"},
         {"companyName": "required; may not be null", "territory": "required; may not be null", "city": None}),
        ("deal", {"title": None}, {"title": "required; may not be null"}),
    ],
)  # fmt: skip
def test_a_null_for_a_required_field_comes_with_the_patchs_other_problems(
    api: Api, admin: dict[str, Any], entity: str, patch: dict[str, Any], expected: dict[str, str | None]
) -> None:
    key = admin["apiKey"]
    record = make(api, key, entity)
    before = business_items()
    reply = api.patch(f"/api/v1/{entity}s/{record['id']}", key=key, json=patch)
    assert reply.status == 422, reply.body
    found = {detail["field"]: detail["issue"] for detail in reply.error["details"]}
    assert sorted(found) == sorted(expected), found
    assert all(issue is None or found[field] == issue for field, issue in expected.items()), found
    assert business_items() == before
