"""Code waves (services/code_waves.py) and the readers the campaign exports are built on
(services/campaign_entries.py: entry_pages, assignment_pages, contacts_of)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from contact_platform import errors
from contact_platform.models.campaigns import CodeWave
from contact_platform.permissions import ROLE_SCOPES, Caller, Role
from contact_platform.services import code_waves
from contact_platform.services.campaign_entries import assignment_pages, contacts_of, entry_pages
from tests.integration.test_campaigns import campaign, entries_at, listed, seeded_contacts
from tests.support.fixtures import Api, business_items
from tests.support.interleave import before_first
from tests.support.request_counter import dynamodb_requests


def _wave(api: Api, key: str, campaign_id: str, codes: list[str], date_key: str = "2026-06-15") -> Any:
    return api.post(f"/api/v1/campaigns/{campaign_id}/code-waves", key=key, json={"dateKey": date_key, "codes": codes})


def _entries(api: Api, key: str, campaign_id: str, shapes: list[dict[str, Any]], contacts: list[str]) -> list[str]:
    """Entries made one after another (a millisecond apart: their order is their age)."""
    made = []
    for contact, shape in zip(contacts, shapes, strict=True):
        reply = api.post(entries_at(campaign_id), key=key, json={"contactId": contact, "market": "DE", **shape})
        assert reply.status == 201, reply.body
        made.append(reply.data["id"])
        time.sleep(0.002)
    return made


def _caller(account: dict[str, Any], request_id: str) -> Caller:
    return Caller(account["tenantId"], account["userId"], Role.ADMIN, ROLE_SCOPES[Role.ADMIN], "", request_id)


def _codes_of(api: Api, key: str, campaign_id: str) -> dict[str, str | None]:
    return {entry["id"]: entry["code"] for entry in listed(api, key, entries_at(campaign_id))}


def test_a_wave_gives_codes_to_verified_entries_highest_score_first(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    shapes = [
        {"status": "verified", "score": 10},
        {"status": "verified", "score": 50},
        {"status": "verified"},  # no score: after every scored entry
        {"status": "entered", "score": 99},  # not verified: never
        {"status": "verified", "score": 50},  # as high as the second, but younger
        {"status": "rejected", "score": 80},
        {"status": "verified", "score": 5},
    ]
    made = _entries(api, key, campaign_id, shapes, seeded_contacts(admin, len(shapes)))
    reply = _wave(api, key, campaign_id, ["A", "B", "C", "D"])
    assert reply.status == 201, reply.body
    result = reply.data
    assert result["assigned"] == 4 and result["unassignedCodes"] == [] and result["takenCodes"] == []
    assert [(a["code"], a["entryId"]) for a in result["assignments"]] == [
        ("A", made[1]),
        ("B", made[4]),
        ("C", made[0]),
        ("D", made[6]),
    ]
    first = result["assignments"][0]
    entry = api.get(f"/api/v1/campaign-entries/{made[1]}", key=key).data
    assert (entry["code"], entry["dateKey"], entry["codeAssignedAt"]) == ("A", "2026-06-15", first["assignedAt"])
    assert first["campaignId"] == campaign_id and first["contactId"] == entry["contactId"]
    later = _wave(api, key, campaign_id, ["E", "F", "G"], "2026-06-16").data
    assert [(a["code"], a["entryId"]) for a in later["assignments"]] == [("E", made[2])]
    assert later["unassignedCodes"] == ["F", "G"] and later["assigned"] == 1
    assert _codes_of(api, key, campaign_id) == {
        made[0]: "C",
        made[1]: "A",
        made[2]: "E",
        made[3]: None,
        made[4]: "B",
        made[5]: None,
        made[6]: "D",
    }
    audit = [i for i in business_items() if i.get("kind", {}).get("S") == "audit"]
    updated = [i["entityId"]["S"] for i in audit if i["action"]["S"] == "campaign_entry.updated"]
    assert sorted(updated) == sorted([made[0], made[1], made[2], made[4], made[6]]), "one audit entry per code"


def test_a_wave_refuses_codes_sent_twice_or_assigned_already_and_writes_nothing(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    made = _entries(api, key, campaign_id, [{"status": "verified", "score": 1}] * 3, seeded_contacts(admin, 3))
    assert _wave(api, key, campaign_id, ["X1"]).status == 201
    before = business_items()
    twice = _wave(api, key, campaign_id, ["Y1", "Y2", "Y1", "X1"])
    assert twice.status == 422 and twice.error["details"] == [
        {"field": "codes[2]", "issue": "the same code as codes[0]"},
        {"field": "codes[3]", "issue": f"already assigned to entry {made[0]}"},
    ], twice.body
    for bad in ([], ["has space"], [f"C{n}" for n in range(10_001)]):
        assert _wave(api, key, campaign_id, bad).status == 422
    too_many = _wave(api, key, campaign_id, [f"C{n}" for n in range(10_001)])
    assert too_many.error["details"][0]["field"] == "codes" and "10000" in too_many.error["details"][0]["issue"]
    for date_key in ("2026-6-15", "2026-13-01", "2026-02-30", "yesterday"):
        assert _wave(api, key, campaign_id, ["Z1"], date_key).status == 422, date_key
    assert _wave(api, key, "camp_unknown", ["Z1"]).status == 404
    assert business_items() == before
    retried = _wave(api, key, campaign_id, ["X1"])  # a wave sent again assigns nothing twice
    assert retried.status == 422 and retried.error["details"] == [
        {"field": "codes[0]", "issue": f"already assigned to entry {made[0]}"}
    ]


def test_a_wave_racing_another_gives_no_entry_two_codes_and_no_code_two_entries(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministically (one writer thread): the other wave runs whole just before this one's first
    write. The code this one was writing went to the same entry meanwhile (`takenCodes`; the entry
    waits for the next code, but has one by then), the next entry got the other wave's second code
    (passed by: its code waits for an entry, and none is left)."""
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    shapes = [{"status": "verified", "score": score} for score in (9, 8, 7, 6, 5)]
    made = _entries(api, key, campaign_id, shapes, seeded_contacts(admin, 5))
    monkeypatch.setattr(code_waves, "WORKERS", 1)
    other: list[Any] = []

    def other_wave() -> None:  # another request of the route (not through the local runtime, busy with this one)
        body = CodeWave(dateKey="2026-06-15", codes=["S1", "O1"])
        other.append(code_waves.run_wave(_caller(admin, "req_other"), campaign_id, body).model_dump())

    with before_first("TransactWriteItems", other_wave):
        reply = _wave(api, key, campaign_id, ["S1", "M1", "M2", "M3", "M4"])
    assert [(a["code"], a["entryId"]) for a in other[0]["assignments"]] == [("S1", made[0]), ("O1", made[1])]
    result = reply.data
    assert reply.status == 201 and result["takenCodes"] == ["S1"], reply.body
    assert [(a["code"], a["entryId"]) for a in result["assignments"]] == [
        ("M2", made[2]),
        ("M3", made[3]),
        ("M4", made[4]),
    ]
    assert result["unassignedCodes"] == ["M1"] and result["assigned"] == 3
    assert _codes_of(api, key, campaign_id) == dict(zip(made, ["S1", "O1", "M2", "M3", "M4"], strict=True))


def test_concurrent_waves_in_threads_give_each_entry_one_code_at_most(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign_id = campaign(api, key)
    contacts = seeded_contacts(admin, 30)
    batch = [{"contactId": c, "market": "DE", "status": "verified", "score": n % 4} for n, c in enumerate(contacts)]
    assert api.post(f"{entries_at(campaign_id)}/batch", key=key, json={"entries": batch}).status == 201
    shared = [f"S{n}" for n in range(10)]
    waves = {name: [*shared, *(f"{name}{n}" for n in range(15))] for name in ("A", "B", "C")}
    start = threading.Barrier(len(waves))
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        start.wait()
        try:
            body = CodeWave(dateKey="2026-06-15", codes=waves[name])
            results[name] = code_waves.run_wave(_caller(admin, f"req_{name}"), campaign_id, body).model_dump()
        except errors.ApiError as refused:  # the shared codes were assigned before its check
            results[name] = refused

    threads = [threading.Thread(target=run, args=(name,)) for name in waves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = _codes_of(api, key, campaign_id)
    given = [code for code in codes.values() if code is not None]
    assert len(given) == len(set(given)) == 30, "every entry one code, no code twice"
    assert set(shared) <= set(given)
    assignments, _ = assignment_pages(admin["tenantId"], campaign_id, None, None, limit=100)
    assert sorted((a["entryId"], a["code"]) for a in assignments) == sorted(codes.items())
    for name, result in results.items():
        if isinstance(result, errors.ApiError):
            assert result.status == 422
            continue
        assigned = [a["code"] for a in result["assignments"]]
        assert sorted(assigned + result["unassignedCodes"] + result["takenCodes"]) == sorted(waves[name])


# Readers for the exports ------------------------------------------------------------------------


def test_entry_pages_walk_the_active_entries_one_query_a_page(api: Api, admin: dict[str, Any]) -> None:
    key, tenant = admin["apiKey"], admin["tenantId"]
    campaign_id, elsewhere = campaign(api, key), campaign(api, key)
    contacts = seeded_contacts(admin, 8)
    # Scores whole and not, opt-ins a map: the plan reads them from DynamoDB's wire form.
    opt_ins = [{"artistEmail": n % 2 == 0, "artistSms": True} for n in range(7)]
    batch = [
        {"contactId": c, "market": "DE", "score": n + n % 2 / 4, "optIns": opt_ins[n]}
        for n, c in enumerate(contacts[:7])
    ]
    made = [
        e["id"] for e in api.post(f"{entries_at(campaign_id)}/batch", key=key, json={"entries": batch}).data["entries"]
    ]
    api.post(entries_at(elsewhere), key=key, json={"contactId": contacts[7], "market": "DE"})
    assert api.delete(f"/api/v1/campaign-entries/{made[3]}", key=key).status == 200
    walked: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        with dynamodb_requests() as sent:
            page, cursor = entry_pages(tenant, campaign_id, cursor, limit=2)
        assert sent == {"Query": 1}, sent
        walked += page
        pages += 1
        if cursor is None:
            break
    assert pages >= 3
    assert sorted(entry["id"] for entry in walked) == sorted(set(made) - {made[3]})
    assert [(e["createdAt"], e["id"]) for e in walked] == sorted((e["createdAt"], e["id"]) for e in walked)
    for entry in walked:  # as the API returns it
        assert entry == api.get(f"/api/v1/campaign-entries/{entry['id']}", key=key).data
    assert entry_pages(tenant, "camp_unknown") == ([], None)
    with dynamodb_requests() as sent:
        found = contacts_of(tenant, [entry["contactId"] for entry in walked] + ["con_unknown"])
    assert sent == {"BatchGetItem": 1}
    assert set(found) == {entry["contactId"] for entry in walked}
    one = found[walked[0]["contactId"]]
    assert one["email"].startswith("fan") and one["email"].endswith("@example.com") and one["phone"] == "+4930123"
    assert one["firstName"] == "Fan" and one["lastName"].startswith("Number ")
    assert api.delete(f"/api/v1/contacts/{walked[0]['contactId']}", key=key).status == 200
    assert walked[0]["contactId"] not in contacts_of(tenant, [walked[0]["contactId"]]), "a deleted contact is absent"


def test_assignment_pages_walk_a_campaigns_assignments_or_one_waves(api: Api, admin: dict[str, Any]) -> None:
    key, tenant = admin["apiKey"], admin["tenantId"]
    campaign_id = campaign(api, key)
    contacts = seeded_contacts(admin, 5)
    batch = [{"contactId": c, "market": "DE", "status": "verified", "score": n} for n, c in enumerate(contacts)]
    assert api.post(f"{entries_at(campaign_id)}/batch", key=key, json={"entries": batch}).status == 201
    first = _wave(api, key, campaign_id, ["A1", "A2", "A3"], "2026-06-15").data["assignments"]
    second = _wave(api, key, campaign_id, ["B1", "B2"], "2026-06-16").data["assignments"]

    def walk(date_key: str | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            with dynamodb_requests() as sent:
                page, cursor = assignment_pages(tenant, campaign_id, date_key, cursor, limit=2)
            assert sent == {"Query": 1}
            found += page
            if cursor is None:
                return found

    def oldest_first(assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The readers' order: by time, then ID (assignments of one millisecond are not in score order)."""
        return sorted(assignments, key=lambda a: (a["assignedAt"], a["assignmentId"]))

    assert walk("2026-06-15") == oldest_first(first)
    assert walk("2026-06-16") == oldest_first(second)
    assert sorted(a["code"] for a in walk(None)) == ["A1", "A2", "A3", "B1", "B2"]
    assert walk("2026-06-17") == []
    assert set(first[0]) == {"assignmentId", "campaignId", "entryId", "contactId", "code", "dateKey", "assignedAt"}


@pytest.mark.parametrize("role", ["manager", "user"])
def test_admins_and_managers_run_waves_and_hold_the_report_scope(api: Api, admin: dict[str, Any], role: str) -> None:
    """A wave gives codes to every contact's entries and names them: a user, who may not see every
    contact, gets 403 before anything is read or written."""
    account = api.token(role, tenant_id=admin["tenantId"])
    campaign_id = campaign(api, admin["apiKey"])
    contact = api.create_contact(admin["apiKey"], name="Board Member")["id"]
    _entries(api, admin["apiKey"], campaign_id, [{"status": "verified"}], [contact])
    before = business_items()
    reply = _wave(api, account["apiKey"], campaign_id, ["R1"])
    if role == "manager":
        assert reply.status == 201 and reply.data["assignments"][0]["contactId"] == contact, reply.body
    else:
        assert reply.status == 403, reply.body
        assert reply.error["message"] == (
            "Only an admin or a manager may run a code wave: it gives codes to every contact's entries"
        )
        assert business_items() == before
    assert ("campaigns:report" in account["scopes"]) == (role == "manager")
