"""The 90-day purge of a record takes what hangs on it: its nested records (a campaign's entries, a
pipeline's stages, a deal's products) with their derived items and events, a campaign's code
assignments, a contact's campaign entries; a run short of time stops midway and the next one goes on
(services/cleanup.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from contact_platform import clock
from contact_platform.services.cleanup import run_cleanup
from contact_platform.store.records import PURGE_PAGE
from tests.integration.test_campaigns import campaign, entries_at, seeded_contacts
from tests.support.entities import make
from tests.support.fixtures import Api, table_items
from tests.support.jobs import cleanup


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _left(record_id: str) -> list[dict[str, Any]]:
    """The items that still name a record, its audit entries aside."""
    return [i for i in table_items() if record_id in json.dumps(i) and i["kind"]["S"] != "audit"]


def _events_of(record_id: str) -> list[dict[str, Any]]:
    return [i for i in table_items() if i.get("entityId", {}).get("S") == record_id and "event" in i]


def _campaign_with_entries(api: Api, key: str, admin: dict[str, Any], count: int) -> tuple[str, list[str]]:
    campaign_id = campaign(api, key)
    entries = []
    for contact in seeded_contacts(admin, count):
        reply = api.post(
            entries_at(campaign_id), key=key, json={"contactId": contact, "market": "DE", "status": "verified"}
        )
        assert reply.status == 201, reply.body
        entries.append(reply.data["id"])
    return campaign_id, entries


def test_a_purged_record_takes_its_nested_records_and_code_assignments(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id, entries = _campaign_with_entries(api, key, admin, 3)
    wave = api.post(
        f"/api/v1/campaigns/{campaign_id}/code-waves", key=key, json={"dateKey": "2026-06-15", "codes": ["A", "B"]}
    )
    assert wave.status == 201 and wave.data["assigned"] == 2, wave.body
    pipeline = make(api, key, "pipeline")
    stages = [make(api, key, "stage", at=f"/api/v1/pipelines/{pipeline['id']}/stages")["id"] for _ in range(2)]
    deal = make(api, key, "deal")
    product = make(api, key, "deal_product", at=f"/api/v1/deals/{deal['id']}/products")["id"]
    kept = make(api, key, "stage")  # under a pipeline of its own, not deleted
    for path in (
        f"/api/v1/campaigns/{campaign_id}",
        f"/api/v1/pipelines/{pipeline['id']}",
        f"/api/v1/deals/{deal['id']}",
    ):
        assert api.delete(path, key=key).status == 200
    assignments = [i for i in table_items() if i["kind"]["S"] == "code-assignment"]
    assert len(assignments) == 2

    early = cleanup(89)
    assert early["recordsPurged"] == 0 and early["nestedPurged"] == 0, "not before 90 days"
    report = cleanup(90.001)
    nested = [*entries, *stages, product]
    assert report["recordsPurged"] == 3 and report["nestedPurged"] == len(nested) and report["finished"] is True
    for record_id in [campaign_id, pipeline["id"], deal["id"], *nested]:
        assert _left(record_id) == [], "no record, guard, search entry or reference entry is left"
        assert _events_of(record_id) == [], "their events' data is forgotten"
    assert [i for i in table_items() if i["kind"]["S"] == "code-assignment"] == []
    assert api.get(f"/api/v1/stages/{kept['id']}", key=key).status == 200, "another pipeline's stage stays"
    again = cleanup(90.001)
    assert again["recordsPurged"] == 0 and again["nestedPurged"] == 0 and again["itemsDeleted"] == 0


def test_a_purged_contact_takes_its_campaign_entries(api: Api, admin: dict[str, Any]) -> None:
    """A campaign entry is its contact's participation: the contact's 90-day purge takes its entries
    in every campaign along (found by their reference entries), and leaves other contacts' entries."""
    key = admin["apiKey"]
    contact, other = api.create_contact(key, name="Leaving"), api.create_contact(key, name="Staying")
    campaigns = [campaign(api, key), campaign(api, key, name="Second")]
    entries = {}
    for campaign_id in campaigns:
        for person in (contact, other):
            body = {"contactId": person["id"], "market": "DE", "status": "verified"}
            reply = api.post(entries_at(campaign_id), key=key, json=body)
            assert reply.status == 201, reply.body
            entries[(campaign_id, person["id"])] = reply.data["id"]
    assert api.delete(f"/api/v1/contacts/{contact['id']}", key=key).status == 200
    assert cleanup(89)["contactsPurged"] == 0
    report = cleanup(90.001)
    assert (report["contactsPurged"], report["nestedPurged"], report["finished"]) == (1, 2, True), report
    for campaign_id in campaigns:
        gone = entries[(campaign_id, contact["id"])]
        assert api.get(f"/api/v1/campaign-entries/{gone}", key=key).status == 404
        assert _left(gone) == [] and _events_of(gone) == [], "no record, guard or reference entry; no event data"
        listed = [entry["id"] for entry in api.get(entries_at(campaign_id), key=key).data]
        assert listed == [entries[(campaign_id, other["id"])]], "the other contact's entry stays"
    assert _left(contact["id"]) == []
    assert cleanup(90.001)["nestedPurged"] == 0


def test_nested_records_are_purged_page_after_page(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    count = PURGE_PAGE + PURGE_PAGE // 2
    entries = [{"contactId": contact, "market": "DE"} for contact in seeded_contacts(admin, count)]
    batch = api.post(f"{entries_at(campaign_id)}/batch", key=key, json={"entries": entries})
    assert batch.status == 201, batch.body
    assert api.delete(f"/api/v1/campaigns/{campaign_id}", key=key).status == 200
    report = cleanup(90.001)
    assert report["nestedPurged"] == count and report["recordsPurged"] == 1 and report["finished"] is True
    assert [i for i in table_items() if i["kind"]["S"] == "record" and i["entity"]["S"] == "campaign_entry"] == []


def test_a_run_short_of_time_stops_midway_and_the_next_goes_on(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id, entries = _campaign_with_entries(api, key, admin, 3)
    assert api.delete(f"/api/v1/campaigns/{campaign_id}", key=key).status == 200
    now = clock.now() + timedelta(days=90.001)
    checks = iter([900.0, 900.0])  # the campaign's turn and its first page of entries, then a minute left

    stopped = run_cleanup(now, time_left=lambda: next(checks, 59.0))
    assert stopped["finished"] is False and stopped["recordsPurged"] == 0
    assert stopped["nestedPurged"] == 3, "the page begun is finished"
    assert _left(campaign_id) != [], "the campaign goes last: it stays due"

    rest = run_cleanup(now)
    assert rest["finished"] is True and rest["recordsPurged"] == 1 and rest["nestedPurged"] == 0
    assert _left(campaign_id) == [] and all(_left(entry) == [] for entry in entries)


def test_a_nested_record_is_restored_only_under_an_active_parent(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    pipeline = make(api, key, "pipeline")
    stage = make(api, key, "stage", at=f"/api/v1/pipelines/{pipeline['id']}/stages")["id"]
    assert api.delete(f"/api/v1/stages/{stage}", key=key).status == 200
    assert api.delete(f"/api/v1/pipelines/{pipeline['id']}", key=key).status == 200
    refused = api.post(f"/api/v1/admin/stages/{stage}/restore", key=key)
    assert refused.status == 409 and pipeline["id"] in refused.body["error"]["message"]
    assert api.post(f"/api/v1/admin/pipelines/{pipeline['id']}/restore", key=key).status == 200
    assert api.post(f"/api/v1/admin/stages/{stage}/restore", key=key).status == 200
    assert api.get(f"/api/v1/stages/{stage}", key=key).status == 200
