"""Campaigns and their entries beyond the standard entity cases (test_entities.py): dates and markets,
an entry's contact, one entry per contact and campaign, opt-ins and their filter, batches of entries
all or none (entities/campaigns.py, entities/campaign_entries.py, services/campaign_entries.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from contact_platform import clock
from contact_platform.ids import new_id
from contact_platform.models.contacts import ContactCreate
from contact_platform.permissions import Caller, Role
from contact_platform.services.campaign_entries import LEASE
from contact_platform.services.cleanup import run_cleanup
from contact_platform.services.contacts import new_contact_write
from contact_platform.store import lead_migrations
from contact_platform.store.table import put_all
from tests.support.fixtures import Api, business_items
from tests.support.interleave import Killed, before_each, killed_at

CAMPAIGNS = "/api/v1/campaigns"
NO_CONTACT = {"field": "contactId", "issue": "no contact with this id"}


def campaign(api: Api, key: str, **fields: Any) -> str:
    reply = api.post(CAMPAIGNS, key=key, json={"name": "Presale", "market": "DE", **fields})
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def entries_at(campaign_id: str) -> str:
    return f"{CAMPAIGNS}/{campaign_id}/entries"


def seeded_contacts(account: dict[str, Any], count: int) -> list[str]:
    """`count` active contacts of the account's tenant, put directly (one BatchWriteItem per 25): the
    entries need contacts, not the contacts' own API."""
    caller = Caller(account["tenantId"], account["userId"], Role.ADMIN, frozenset(), "", "req_seed")
    writes = [
        new_contact_write(
            caller,
            ContactCreate(firstName="Fan", lastName=f"Number {n}", emails=[f"fan{n}@example.com"], phones=["+4930123"]),
            new_id("con"),
        )
        for n in range(count)
    ]
    put_all([write.new for write in writes])
    return [write.new.contact_id for write in writes]


def listed(api: Api, key: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a list, page by page."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = api.get(path, key=key, params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        found += reply.data
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            return found


# Campaigns --------------------------------------------------------------------------------------


def test_a_campaign_ends_after_it_starts_and_names_markets_by_their_codes(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    starts = "2026-06-01T10:00:00Z"
    for ends in ("2026-05-31T10:00:00Z", starts):
        reply = api.post(CAMPAIGNS, key=key, json={"name": "P", "market": "DE", "startsAt": starts, "endsAt": ends})
        assert reply.status == 422 and reply.error["details"] == [
            {"field": "endsAt", "issue": "must be after startsAt"}
        ], reply.body
    for bad in ({"market": "DEU"}, {"market": "D1"}, {"markets": ["AT", "at"]}, {"markets": ["A"]}):
        reply = api.post(CAMPAIGNS, key=key, json={"name": "P", "market": "DE", **bad})
        assert reply.status == 422 and reply.error["details"][0]["field"].startswith(next(iter(bad))), (bad, reply.body)
    created = api.post(CAMPAIGNS, key=key, json={"name": "P", "market": " us ", "markets": ["ca", "MX"]})
    assert created.status == 201 and (created.data["market"], created.data["markets"]) == ("US", ["CA", "MX"])
    path = f"{CAMPAIGNS}/{created.data['id']}"
    assert api.patch(path, key=key, json={"startsAt": starts, "endsAt": "2026-07-01T00:00:00Z"}).status == 200
    moved = api.patch(path, key=key, json={"startsAt": "2026-07-02T00:00:00Z"})
    assert moved.status == 422 and moved.error["details"] == [{"field": "endsAt", "issue": "must be after startsAt"}]
    assert api.get(path, key=key).data["startsAt"] == "2026-06-01T10:00:00.000Z"


# Entries ----------------------------------------------------------------------------------------


def test_an_entry_names_an_active_contact_of_the_tenant_once_per_campaign(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    first, second = campaign(api, key), campaign(api, key)
    contact = api.create_contact(key, name="Fan")["id"]
    deleted = api.create_contact(key, name="Gone")["id"]
    assert api.delete(f"/api/v1/contacts/{deleted}", key=key).status == 200
    foreign = api.create_contact(other_admin["apiKey"], name="Theirs")["id"]
    before = business_items()
    for missing in ("con_doesNotExist", deleted, foreign):  # the same answer: nothing hints at the other tenant
        reply = api.post(entries_at(first), key=key, json={"contactId": missing, "market": "DE"})
        assert reply.status == 422 and reply.error["details"] == [NO_CONTACT], reply.body
    for server_field in ({"code": "A1"}, {"dateKey": "2026-06-01"}, {"codeAssignedAt": "2026-06-01T00:00:00Z"}):
        reply = api.post(entries_at(first), key=key, json={"contactId": contact, "market": "DE", **server_field})
        assert reply.status == 422, reply.body
    assert api.post(entries_at("camp_unknown"), key=key, json={"contactId": contact, "market": "DE"}).status == 404
    assert business_items() == before, "nothing written"
    entry = api.post(entries_at(first), key=key, json={"contactId": contact, "market": "de"})
    assert entry.status == 201 and entry.data["market"] == "DE" and entry.data["status"] == "entered"
    assert entry.data["code"] is None and entry.data["campaignId"] == first
    again = api.post(entries_at(first), key=key, json={"contactId": contact, "market": "AT"})
    assert again.status == 409 and again.error["details"] == [
        {"field": "contactId", "issue": f"already used by campaign entry {entry.data['id']}"}
    ], again.body
    assert api.post(entries_at(second), key=key, json={"contactId": contact, "market": "DE"}).status == 201
    assert api.patch(f"/api/v1/campaign-entries/{entry.data['id']}", key=key, json={"code": "A1"}).status == 422
    assert api.get(f"/api/v1/campaign-entries/{entry.data['id']}", key=other_admin["apiKey"]).status == 404


def test_who_may_not_see_an_entrys_contact_does_not_see_the_entry(api: Api, admin: dict[str, Any]) -> None:
    """An entry's opt-ins are its contact's consent: a user may not enter a contact it may not see, nor
    read, list, change or delete such a contact's entry (404, as for the contact); its own contacts'
    entries it may."""
    user = api.token("user", tenant_id=admin["tenantId"])
    manager = api.token("manager", tenant_id=admin["tenantId"])
    first = campaign(api, admin["apiKey"])
    hidden = api.create_contact(admin["apiKey"], name="Board Member")["id"]
    mine = api.create_contact(user["apiKey"], name="My Fan")["id"]
    theirs = api.post(entries_at(first), key=admin["apiKey"], json={"contactId": hidden, "market": "DE"}).data["id"]
    assert api.get(f"/api/v1/contacts/{hidden}", key=user["apiKey"]).status == 404
    refused = api.post(entries_at(first), key=user["apiKey"], json={"contactId": hidden, "market": "DE"})
    assert refused.status == 422 and refused.error["details"] == [NO_CONTACT]
    path = f"/api/v1/campaign-entries/{theirs}"
    before = business_items()
    changes = (("GET", None), ("PATCH", {"optIns": {"artistEmail": True}}), ("PATCH", {"status": "rejected"}))
    for method, body in (*changes, ("DELETE", None)):
        reply = api.call(method, path, key=user["apiKey"], json=body)
        assert reply.status == 404 and reply.error["message"] == "Campaign entry not found", (method, body, reply.body)
    assert business_items() == before, "nothing written"
    assert api.get(path, key=admin["apiKey"]).data["optIns"]["artistEmail"] is False
    assert api.patch(path, key=manager["apiKey"], json={"status": "verified"}).status == 200
    own = api.post(entries_at(first), key=user["apiKey"], json={"contactId": mine, "market": "DE"}).data["id"]
    assert [entry["id"] for entry in api.get(entries_at(first), key=user["apiKey"]).data] == [own]
    assert len(api.get(entries_at(first), key=manager["apiKey"]).data) == 2
    own_path = f"/api/v1/campaign-entries/{own}"
    assert api.patch(own_path, key=user["apiKey"], json={"optIns": {"artistEmail": True}}).status == 200
    assert api.delete(own_path, key=user["apiKey"]).status == 200
    assert api.delete(path, key=admin["apiKey"]).status == 200


def test_only_admins_and_managers_delete_a_campaign(api: Api, admin: dict[str, Any]) -> None:
    """A campaign's delete takes every entry out of sight, those of contacts a user may not see too:
    a user gets 403 and nothing is written; a manager deletes it, and its entries go with it."""
    user = api.token("user", tenant_id=admin["tenantId"])
    manager = api.token("manager", tenant_id=admin["tenantId"])
    first = campaign(api, user["apiKey"])  # a user may create and change one
    hidden = api.create_contact(admin["apiKey"], name="Board Member")["id"]
    entry = api.post(entries_at(first), key=admin["apiKey"], json={"contactId": hidden, "market": "DE"}).data["id"]
    assert api.patch(f"{CAMPAIGNS}/{first}", key=user["apiKey"], json={"name": "Presale II"}).status == 200
    before = business_items()
    refused = api.delete(f"{CAMPAIGNS}/{first}", key=user["apiKey"])
    assert refused.status == 403, refused.body
    assert (
        refused.error["message"] == "Only an admin or a manager may delete a campaign: its entries are every contact's"
    )
    assert business_items() == before
    assert api.delete(f"{CAMPAIGNS}/{first}", key=manager["apiKey"]).status == 200
    assert api.get(f"/api/v1/campaign-entries/{entry}", key=admin["apiKey"]).status == 404


def test_opt_ins_are_false_until_given_and_a_patch_changes_those_it_names(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Fan")["id"]
    entry = api.post(entries_at(campaign(api, key)), key=key, json={"contactId": contact, "market": "DE"}).data
    none = {"artistEmail": False, "artistSms": False, "livenation": False, "promoterEmail": False}
    assert entry["optIns"] == none
    path = f"/api/v1/campaign-entries/{entry['id']}"
    assert api.patch(path, key=key, json={"optIns": {"artistSms": True}}).data["optIns"] == {**none, "artistSms": True}
    both = api.patch(path, key=key, json={"optIns": {"livenation": True}}).data
    assert both["optIns"] == {**none, "artistSms": True, "livenation": True} and both["version"] == 3
    assert api.patch(path, key=key, json={"optIns": {"artistSms": False}}).data["optIns"] == {
        **none,
        "livenation": True,
    }
    assert api.patch(path, key=key, json={"optIns": {"newsletter": True}}).status == 422
    assert api.patch(path, key=key, json={"optIns": {"livenation": "yes"}}).status == 422


def test_entries_filter_by_status_market_and_opt_in_across_pages(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    at = entries_at(campaign(api, key))
    contacts = seeded_contacts(admin, 6)
    shapes = [
        ("verified", "DE", {"artistEmail": True}),
        ("entered", "DE", {"artistEmail": True, "artistSms": True}),
        ("verified", "US", {"artistSms": True}),
        ("rejected", "US", {}),
        ("verified", "DE", {"promoterEmail": True, "artistEmail": True}),
        ("waitlisted", "AT", {"livenation": True}),
    ]
    made = [
        api.post(at, key=key, json={"contactId": c, "status": s, "market": m, "optIns": o}).data
        for c, (s, m, o) in zip(contacts, shapes, strict=True)
    ]

    def ids(**params: Any) -> set[str]:
        pages = []
        reply = api.get(at, key=key, params={**params, "limit": 1})
        while True:  # one entry a page: the filters hold across pages
            assert reply.status == 200, reply.body
            pages += [entry["id"] for entry in reply.data]
            cursor = reply.body["meta"]["pagination"]["nextCursor"]
            if cursor is None:
                return set(pages)
            reply = api.get(at, key=key, params={**params, "limit": 1, "cursor": cursor})

    def of(*numbers: int) -> set[str]:
        return {made[n]["id"] for n in numbers}

    assert ids(optIn="artistEmail") == of(0, 1, 4)
    assert ids(optIn="artistSms") == of(1, 2)
    assert ids(optIn="livenation") == of(5)
    assert ids(optIn="artistEmail", status="verified") == of(0, 4)
    assert ids(optIn="artistSms", market="US") == of(2)
    assert ids(market="US") == of(2, 3)
    assert ids(status="waitlisted") == of(5)
    assert ids() == of(0, 1, 2, 3, 4, 5)
    first = api.get(at, key=key, params={"optIn": "artistEmail", "limit": 1}).body["meta"]["pagination"]["nextCursor"]
    other = api.get(at, key=key, params={"optIn": "artistSms", "limit": 1, "cursor": first})
    assert other.status == 400, "a cursor is bound to its opt-in filter"
    for bad in ({"optIn": "newsletter"}, {"status": "won"}):
        assert api.get(at, key=key, params=bad).status == 422, bad


# Batches ----------------------------------------------------------------------------------------


def _batch(api: Api, key: str, campaign_id: str, entries: list[dict[str, Any]]) -> Any:
    return api.post(f"{entries_at(campaign_id)}/batch", key=key, json={"entries": entries})


def test_a_batch_creates_every_entry_with_its_audit_entry(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    contacts = seeded_contacts(admin, 3)
    sent = [
        {"contactId": contacts[0], "market": "DE", "status": "verified", "score": 12.5},
        {"contactId": contacts[1], "market": "AT", "optIns": {"artistEmail": True}},
        {"contactId": contacts[2], "market": "CH"},
    ]
    reply = _batch(api, key, campaign_id, sent)
    assert reply.status == 201 and reply.data["count"] == 3, reply.body
    created = reply.data["entries"]
    assert [(entry["contactId"], entry["market"]) for entry in created] == [
        (contacts[0], "DE"),
        (contacts[1], "AT"),
        (contacts[2], "CH"),
    ]
    assert created[0]["score"] == 12.5 and created[0]["status"] == "verified" and created[2]["status"] == "entered"
    assert created[1]["optIns"]["artistEmail"] is True and created[2]["optIns"]["artistEmail"] is False
    for entry in created:
        assert api.get(f"/api/v1/campaign-entries/{entry['id']}", key=key).data == entry
    assert {entry["id"] for entry in listed(api, key, entries_at(campaign_id))} == {entry["id"] for entry in created}
    audit = [item for item in business_items() if item.get("kind", {}).get("S") == "audit"]
    created_entries = {i["entityId"]["S"] for i in audit if i["action"]["S"] == "campaign_entry.created"}
    assert created_entries == {entry["id"] for entry in created}
    (batch,) = [item for item in business_items() if item.get("kind", {}).get("S") == "lead-migration"]
    assert batch["state"]["S"] == lead_migrations.COMMITTED and "expiresAt" not in batch
    assert batch["audited"] == {"BOOL": True} and "GSI2PK" not in batch, "audited: out of the cleanup's list"
    report = api.get(f"/api/v1/admin/migration/leads/imports/{batch['importId']['S']}", key=key)
    assert report.status == 404, "a batch of entries is no lead import"
    again = _batch(api, key, campaign_id, [{"contactId": contacts[0], "market": "DE"}])
    assert again.status == 409 and again.error["details"] == [
        {"field": "entries[0].contactId", "issue": f"already used by campaign entry {created[0]['id']}"}
    ]


def test_a_batch_of_500_with_one_bad_entry_writes_nothing_and_501_are_refused(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    contacts = seeded_contacts(admin, 501)
    good = [{"contactId": contact, "market": "DE", "score": n} for n, contact in enumerate(contacts[:500])]
    before = business_items()
    unknown = _batch(api, key, campaign_id, [*good[:499], {"contactId": "con_unknown", "market": "DE"}])
    assert unknown.status == 422 and unknown.error["details"] == [
        {"field": "entries[499].contactId", "issue": "no contact with this id"}
    ], unknown.body
    bad_field = _batch(api, key, campaign_id, [*good[:3], {**good[3], "status": "won"}, *good[4:]])
    assert bad_field.status == 422 and [d["field"] for d in bad_field.error["details"]] == ["entries[3].status"]
    too_many = _batch(api, key, campaign_id, [*good, {"contactId": contacts[500], "market": "DE"}])
    assert too_many.status == 422 and too_many.error["details"][0]["field"] == "entries", too_many.body
    assert "500" in too_many.error["details"][0]["issue"]
    assert _batch(api, key, campaign_id, []).status == 422
    assert business_items() == before, "nothing written"
    reply = _batch(api, key, campaign_id, good)
    assert reply.status == 201 and reply.data["count"] == 500, reply.body
    assert len(listed(api, key, entries_at(campaign_id))) == 500


def test_a_batch_naming_a_contact_twice_or_one_entered_already_is_409_naming_each(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    a, b, c = seeded_contacts(admin, 3)
    held = api.post(entries_at(campaign_id), key=key, json={"contactId": a, "market": "DE"}).data["id"]
    before = business_items()
    reply = _batch(api, key, campaign_id, [{"contactId": contact, "market": "DE"} for contact in (b, a, c, b)])
    assert reply.status == 409 and reply.error["details"] == [
        {"field": "entries[1].contactId", "issue": f"already used by campaign entry {held}"},
        {"field": "entries[3].contactId", "issue": "the same contact as entries[0]"},
    ], reply.body
    mixed = _batch(
        api,
        key,
        campaign_id,
        [
            {"contactId": c, "market": "DE"},
            {"contactId": "con_nobody", "market": "DE"},
            {"contactId": c, "market": "DE"},
        ],
    )
    assert mixed.status == 422 and mixed.error["details"] == [
        {"field": "entries[1].contactId", "issue": "no contact with this id"},
        {"field": "entries[2].contactId", "issue": "the same contact as entries[0]"},
    ], mixed.body
    assert _batch(api, key, "camp_unknown", [{"contactId": b, "market": "DE"}]).status == 404
    assert business_items() == before


def test_a_batch_losing_a_contact_to_a_concurrent_entry_takes_back_its_guards(api: Api, admin: dict[str, Any]) -> None:
    """Between the batch's check and its writes another request enters contact 250: the batch's third
    transaction of guards fails, the two before it are taken back, its import is aborted."""
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    contacts = seeded_contacts(admin, 300)
    winner: list[str] = []

    def enter_250() -> None:
        if not winner:
            reply = api.post(entries_at(campaign_id), key=key, json={"contactId": contacts[250], "market": "US"})
            assert reply.status == 201, reply.body
            winner.append(reply.data["id"])

    with before_each("TransactWriteItems", enter_250):
        reply = _batch(api, key, campaign_id, [{"contactId": contact, "market": "DE"} for contact in contacts])
    assert reply.status == 409 and reply.error["details"] == [
        {"field": "entries[250].contactId", "issue": "already taken"}
    ], reply.body
    assert [entry["id"] for entry in listed(api, key, entries_at(campaign_id))] == winner
    for contact in (contacts[0], contacts[199], contacts[299]):  # their guards were taken back (or never put)
        assert api.post(entries_at(campaign_id), key=key, json={"contactId": contact, "market": "DE"}).status == 201
    imports = [i for i in business_items() if i.get("kind", {}).get("S") == "lead-migration"]
    assert [item["state"]["S"] for item in imports] == [lead_migrations.ABORTED]


def test_a_batch_dying_before_its_commit_is_never_seen_and_frees_its_contacts_after_its_lease(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    contacts = seeded_contacts(admin, 3)
    sent = [{"contactId": contact, "market": "DE"} for contact in contacts]
    with killed_at(3, "TransactWriteItems"), pytest.raises(Killed):  # the import, the guards, then the commit
        _batch(api, key, campaign_id, sent)
    assert listed(api, key, entries_at(campaign_id)) == []
    from contact_platform.services.campaign_entries import entry_pages

    assert entry_pages(admin["tenantId"], campaign_id) == ([], None)
    early = api.post(entries_at(campaign_id), key=key, json=sent[0])
    assert early.status == 409 and early.error["details"] == [{"field": "contactId", "issue": "already taken"}]
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + LEASE + timedelta(seconds=1))
    single = api.post(entries_at(campaign_id), key=key, json=sent[0])
    assert single.status == 201, single.body
    rest = _batch(api, key, campaign_id, sent[1:])
    assert rest.status == 201, rest.body
    listed_ids = {entry["id"] for entry in listed(api, key, entries_at(campaign_id))}
    assert listed_ids == {single.data["id"], *(entry["id"] for entry in rest.data["entries"])}


def _batches() -> list[dict[str, Any]]:
    return [item for item in business_items() if item.get("kind", {}).get("S") == "lead-migration"]


def _created_audits() -> list[str]:
    audit = [item for item in business_items() if item.get("kind", {}).get("S") == "audit"]
    return sorted(i["entityId"]["S"] for i in audit if i["action"]["S"] == "campaign_entry.created")


def test_a_batch_dying_after_its_commit_gets_its_audit_entries_from_the_cleanup_once(
    api: Api, admin: dict[str, Any]
) -> None:
    """The entries appear with the commit; the request dies writing their audit entries. Once the
    batch's lease is over the scheduled cleanup writes them (each once, under IDs derived from the
    batch and the entry) and takes the batch out of its list; running it again writes nothing."""
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    sent = [{"contactId": contact, "market": "DE"} for contact in seeded_contacts(admin, 3)]
    with killed_at(0, "BatchWriteItem") as counted:  # never: how many BatchWriteItem a batch makes
        _batch(api, key, campaign_id, sent[:1])
    assert counted() == 2, "the entry, then its audit entry"
    with killed_at(2, "BatchWriteItem"), pytest.raises(Killed):
        _batch(api, key, campaign_id, sent[1:])
    entries = {entry["id"] for entry in listed(api, key, entries_at(campaign_id))}
    assert len(entries) == 3 and len(_created_audits()) == 1, "committed, two audit entries missing"
    [dead] = [item for item in _batches() if item["audited"] == {"BOOL": False}]
    assert dead["GSI2PK"]["S"].startswith("DUE#")
    assert run_cleanup(clock.now())["batchesAudited"] == 0, "not before its lease is over"
    later = clock.now() + LEASE + timedelta(seconds=1)
    assert run_cleanup(later)["batchesAudited"] == 1
    assert _created_audits() == sorted(entries)
    [settled] = [item for item in _batches() if item["importId"] == dead["importId"]]
    assert settled["audited"] == {"BOOL": True} and "GSI2PK" not in settled
    assert run_cleanup(later)["batchesAudited"] == 0 and _created_audits() == sorted(entries)


def test_a_batch_dying_before_its_commit_is_marked_aborted_by_the_cleanup(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    sent = [{"contactId": contact, "market": "DE"} for contact in seeded_contacts(admin, 2)]
    with killed_at(3, "TransactWriteItems"), pytest.raises(Killed):  # the import, the guards, then the commit
        _batch(api, key, campaign_id, sent)
    [writing] = _batches()
    assert writing["state"]["S"] == lead_migrations.WRITING
    later = clock.now() + LEASE + timedelta(seconds=1)
    report = run_cleanup(later)
    assert (report["batchesAborted"], report["batchesAudited"]) == (1, 0)
    [aborted] = _batches()
    assert aborted["state"]["S"] == lead_migrations.ABORTED and "GSI2PK" not in aborted
    assert listed(api, key, entries_at(campaign_id)) == [] and _created_audits() == []
    assert run_cleanup(later)["batchesAborted"] == 0
