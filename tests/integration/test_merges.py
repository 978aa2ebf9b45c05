"""Merging duplicates (docs/architecture.md, "Merging duplicates"): the record named by `mergeWithId`
survives and wins conflicts, takes the other's values where it has none (emails, phones and tags
united), the other is soft-deleted with `mergedInto` in the same transaction (its unique values go
free or to the survivor), one audit entry; deals, activities and notes move; `dryRun` writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api, business_items


def _merge(api: Api, key: str, path: str, survivor: str, **params: Any) -> Any:
    return api.post(f"{path}/merge", key=key, json={"mergeWithId": survivor}, params=params)


@pytest.fixture
def pair(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    """Two duplicate contacts, the first with a deal, an activity and a note."""
    key = admin["apiKey"]
    organization = make(api, key, "organization")["id"]
    other = api.create_contact(
        key,
        firstName="Anna",
        lastName="Muster",
        emails=["anna@example.com"],
        phones=["+49 30 111111"],
        tags=["vip"],
        customFields={"source": "fair", "size": 1},
        organizationId=organization,
    )
    survivor = api.create_contact(
        key, name="Anna Muster", emails=["a.muster@example.com"], tags=["lead"], customFields={"size": 2}
    )
    related = {name: make(api, key, name, contactId=other["id"])["id"] for name in ("deal", "activity", "note")}
    return {"key": key, "other": other, "survivor": survivor, "organization": organization, "related": related}


def test_a_dry_run_answers_the_merged_contact_and_writes_nothing(api: Api, pair: dict[str, Any]) -> None:
    key, other, survivor = pair["key"], pair["other"], pair["survivor"]
    before = business_items()
    reply = _merge(api, key, f"/api/v1/contacts/{other['id']}", survivor["id"], dryRun="true")
    assert reply.status == 200, reply.body
    merged = reply.data["merged"]
    assert (reply.data["mergedId"], reply.data["dryRun"], reply.data["operationId"]) == (other["id"], True, None)
    assert merged["id"] == survivor["id"] and merged["name"] == "Anna Muster", "the survivor's values win"
    assert (merged["firstName"], merged["organizationId"]) == ("Anna", pair["organization"]), "its gaps are filled"
    assert merged["emails"] == ["a.muster@example.com", "anna@example.com"], "united, the survivor's first"
    assert merged["phones"] == ["+49 30 111111"] and merged["tags"] == ["lead", "vip"]
    assert merged["customFields"] == {"source": "fair", "size": 2}
    assert business_items() == before


def test_merging_contacts_moves_what_hangs_on_the_duplicate(api: Api, pair: dict[str, Any]) -> None:
    key, other, survivor = pair["key"], pair["other"], pair["survivor"]
    reply = _merge(api, key, f"/api/v1/contacts/{other['id']}", survivor["id"])
    assert reply.status == 200 and reply.data["dryRun"] is False and reply.data["operationId"] is None, reply.body
    assert api.get(f"/api/v1/contacts/{other['id']}", key=key).status == 404
    kept = api.get(f"/api/v1/contacts/{survivor['id']}", key=key).data
    assert kept == reply.data["merged"] and kept["version"] == 2
    for name, record_id in pair["related"].items():
        assert (
            api.get(f"/api/v1/{name.replace('activity', 'activitie')}s/{record_id}", key=key).data["contactId"]
            == (survivor["id"])
        )
    taken = api.post("/api/v1/contacts", key=key, json={"name": "Again", "emails": ["anna@example.com"]})
    assert taken.status == 409 and survivor["id"] in taken.error["details"][0]["issue"], "its emails went along"
    tags = {tag["name"]: tag["contactCount"] for tag in api.get("/api/v1/tags", key=key).data}
    assert tags == {"vip": 1, "lead": 1}
    deleted = api.get("/api/v1/admin/contacts/deleted", key=key).data
    assert [(c["id"], c["mergedInto"]) for c in deleted] == [(other["id"], survivor["id"])]
    log = api.get("/api/v1/admin/audit-log", key=key, params={"action": "contact.merged"}).data
    assert [(entry["entityId"], entry["changedFields"]) for entry in log] == [
        (survivor["id"], ["customFields", "emails", "firstName", "lastName", "organizationId", "phones", "tags"])
    ]
    assert [
        e["action"] for e in api.get("/api/v1/admin/audit-log", key=key, params={"entityId": other["id"]}).data
    ] == ["contact.created"], "one audit entry: the survivor's"
    before = business_items()
    undone = api.post(f"/api/v1/admin/contacts/{other['id']}/restore", key=key)
    assert undone.status == 409 and survivor["id"] in undone.error["message"], "a merge is not undone"
    assert business_items() == before


@pytest.mark.parametrize(
    ("survivor", "issue"),
    [("self", "the contact itself"), ("con_unknown", "no contact with this id"), ("theirs", "no contact with this id")],
)
def test_a_merge_needs_another_contact_the_caller_may_change(
    api: Api, pair: dict[str, Any], other_admin: dict[str, Any], survivor: str, issue: str
) -> None:
    key, other = pair["key"], pair["other"]
    target = {"self": other["id"], "theirs": api.create_contact(other_admin["apiKey"], name="Theirs")["id"]}.get(
        survivor, survivor
    )
    before = business_items()
    reply = _merge(api, key, f"/api/v1/contacts/{other['id']}", target)
    assert reply.status == 422 and reply.error["details"] == [{"field": "mergeWithId", "issue": issue}], reply.body
    assert business_items() == before


def test_bad_merge_requests_are_refused(api: Api, pair: dict[str, Any], admin: dict[str, Any]) -> None:
    key, other, survivor = pair["key"], pair["other"], pair["survivor"]
    path = f"/api/v1/contacts/{other['id']}/merge"
    assert api.post(path, key=key, json={}).status == 422
    assert api.post(path, key=key, json={"mergeWithId": survivor["id"], "extra": 1}).status == 422
    assert api.post(path, key=key, json={"mergeWithId": survivor["id"]}, params={"dry": "1"}).status == 422
    user = api.token("user", tenant_id=admin["tenantId"])
    mine = api.create_contact(user["apiKey"], name="Mine")
    refused = api.post(f"/api/v1/contacts/{mine['id']}/merge", key=user["apiKey"], json={"mergeWithId": survivor["id"]})
    assert refused.status == 422, "a user may not change the admin's contact, so it cannot survive a merge"
    hidden = api.post(path, key=user["apiKey"], json={"mergeWithId": mine["id"]})
    assert hidden.status == 404


def test_merging_organizations(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    other = make(
        api,
        key,
        "organization",
        name="ACME",
        address="Musterstraße 1",
        phone="+49 30 123456",
        customFields={"tier": "gold", "seats": 12},
    )
    survivor = make(
        api,
        key,
        "organization",
        name="Acme GmbH",
        address=None,
        phone=None,
        email=None,
        customFields={"tier": "silver"},
    )
    contact = api.create_contact(key, name="Linked", organizationId=other["id"])
    related = {name: make(api, key, name, organizationId=other["id"])["id"] for name in ("deal", "activity", "note")}
    path = f"/api/v1/organizations/{other['id']}"
    before = business_items()
    dry = _merge(api, key, path, survivor["id"], dryRun="true")
    assert dry.status == 200 and business_items() == before, dry.body
    merged = dry.data["merged"]
    assert (merged["name"], merged["address"], merged["phone"]) == ("Acme GmbH", "Musterstraße 1", "+49 30 123456")
    assert merged["customFields"] == {"tier": "silver", "seats": 12}, "united, the survivor's keys winning"
    done = _merge(api, key, path, survivor["id"])
    assert done.status == 200 and done.data["merged"] == {
        **merged,
        "version": 2,
        "updatedAt": done.data["merged"]["updatedAt"],
    }
    assert api.get(path, key=key).status == 404
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).data["organizationId"] == survivor["id"]
    for name, record_id in related.items():
        moved = api.get(f"/api/v1/{name.replace('activity', 'activitie')}s/{record_id}", key=key).data
        assert moved["organizationId"] == survivor["id"], name
    assert api.post("/api/v1/organizations", key=key, json={"name": "acme"}).status == 201, "its name went free"
    undone = api.post(f"/api/v1/admin/organizations/{other['id']}/restore", key=key)
    assert undone.status == 409 and "a merge is not undone" in undone.error["message"], undone.body
    itself = _merge(api, key, f"/api/v1/organizations/{survivor['id']}", survivor["id"])
    assert itself.status == 422 and itself.error["details"] == [
        {"field": "mergeWithId", "issue": "the organization itself"}
    ]


def test_a_merged_contacts_campaign_entries_move_unless_the_survivor_is_in_the_campaign(
    api: Api, pair: dict[str, Any]
) -> None:
    """Its entry of a campaign the survivor has not entered names the survivor now; its entry of one
    the survivor has entered stays as it was (one entry per contact and campaign), as does the
    survivor's."""
    key, other, survivor = pair["key"], pair["other"], pair["survivor"]
    first, second = (
        api.post("/api/v1/campaigns", key=key, json={"name": name, "market": "DE"}).data["id"]
        for name in ("Presale", "Tour")
    )

    def enter(campaign_id: str, contact_id: str) -> str:
        reply = api.post(
            f"/api/v1/campaigns/{campaign_id}/entries", key=key, json={"contactId": contact_id, "market": "DE"}
        )
        assert reply.status == 201, reply.body
        return str(reply.data["id"])

    moving, staying, survivors = enter(first, other["id"]), enter(second, other["id"]), enter(second, survivor["id"])
    reply = _merge(api, key, f"/api/v1/contacts/{other['id']}", survivor["id"])
    assert reply.status == 200 and reply.data["operationId"] is None, reply.body
    contact_of = {
        entry_id: api.get(f"/api/v1/campaign-entries/{entry_id}", key=key).data["contactId"]
        for entry_id in (moving, staying, survivors)
    }
    assert contact_of == {moving: survivor["id"], staying: other["id"], survivors: survivor["id"]}
    log = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": moving}).data
    assert [entry["action"] for entry in log] == ["campaign_entry.updated", "campaign_entry.created"]
