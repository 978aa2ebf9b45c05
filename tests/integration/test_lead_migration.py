"""The lead migration (docs/architecture.md, "Lead migration"): the specification's example, every
check with its message, duplicates, dry run and report, production all or nothing (a run killed at
every DynamoDB request leaves nothing any reader sees, and the next run imports each lead once),
re-import and audit."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from contact_platform import clock
from contact_platform.entities.catalog import entity
from contact_platform.services.cleanup import run_cleanup
from contact_platform.services.lead_batches import LEASE
from contact_platform.services.lead_matching import company_core
from contact_platform.services.lead_migration import lead_id_of
from contact_platform.store import key_sets, records
from tests.support.fixtures import Api, table_items
from tests.support.interleave import Killed, killed_at
from tests.support.request_counter import dynamodb_requests

IMPORT = "/api/v1/admin/migration/leads/import"
REPORTS = "/api/v1/admin/migration/leads/imports"


def seed_lead(owner: str, external_id: str = "EXCEL-ROW-123", **changes: Any) -> dict[str, Any]:
    """The specification's example lead, owned by `owner`."""
    lead: dict[str, Any] = {
        "externalId": external_id,
        "stage": 1,
        "companyName": "Restaurant Musterküche",
        "city": "Berlin",
        "businessType": "restaurant",
        "territory": "DE",
        "contact": {
            "firstName": "Max",
            "lastName": "Mustermann",
            "email": "max.mustermann@example.com",
            "phone": "+49 30 12345678",
            "role": "chef",
        },
        "ownerUserId": owner,
        "registeredAt": "2024-06-15T10:00:00Z",
        "consentGivenAt": "2024-06-15T10:00:00Z",
        "source": "trade_fair",
        "estimatedVolume": 5000.00,
        "notes": "Interessiert an Bio-Produkten",
        "activities": [
            {
                "activityType": "MEETING",
                "activityDate": "2024-07-20T14:00:00Z",
                "summary": "Meeting vor Ort, Produktvorstellung",
                "countsAsProgress": True,
                "performedBy": owner,
            },
            {
                "activityType": "SAMPLE_SENT",
                "activityDate": "2024-08-10T09:00:00Z",
                "summary": "Sample-Box versendet (DHL-Tracking: 123456789)",
                "countsAsProgress": True,
                "outcome": "pending",
                "performedBy": owner,
            },
        ],
    }
    lead.update(changes)
    return lead


def other_lead(owner: str, number: int, **changes: Any) -> dict[str, Any]:
    """A lead unlike every other (its own email, phone, company and city)."""
    lead = seed_lead(owner, f"ROW-{number}")
    lead.update(
        companyName=f"Firma{number:04d}x Handel",
        city=f"Stadt{number}",
        contact={
            "firstName": "Eva",
            "lastName": f"Muster{number}",
            "email": f"eva{number}@example.com",
            "phone": f"+49 40 {7000000 + number}",
        },
        activities=[],
    )
    lead.update(changes)
    return lead


def body(
    leads: list[Any], *, dry_run: bool | None, source: str = "excel-export-2024", **options: Any
) -> dict[str, Any]:
    sent: dict[str, Any] = {"source": source, "leads": leads, **options}
    if dry_run is not None:
        sent["dryRun"] = dry_run
    return sent


@pytest.fixture
def officer(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    return api.token("migration-officer", tenant_id=admin["tenantId"])


@pytest.fixture
def partner(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    return api.token("partner", tenant_id=admin["tenantId"])


def run(api: Api, key: str, sent: dict[str, Any], status: int = 200) -> dict[str, Any]:
    reply = api.post(IMPORT, key=key, json=sent)
    assert reply.status == status, reply.body
    result: dict[str, Any] = reply.data if status < 400 else reply.error
    return result


def every_page(api: Api, key: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Everything a list route gives the key, page by page."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = api.get(path, key=key, params={"limit": 100, **params, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        found += reply.data
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if not cursor:
            return found


def leads_of(api: Api, key: str, **params: Any) -> list[dict[str, Any]]:
    return every_page(api, key, "/api/v1/leads", **params)


def test_the_specifications_example_dry_run_then_production(
    api: Api, officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    lead = seed_lead(partner["userId"])
    dry = run(api, officer["apiKey"], body([lead], dry_run=True))
    assert dry["mode"] == "dry_run"
    assert dry["summary"] == {"totalLeads": 1, "validLeads": 1, "invalidLeads": 0, "duplicateWarnings": 0}
    assert dry["validationErrors"] == [] and dry["duplicateWarnings"] == []
    assert dry["validLeadsSample"] == [
        {
            "externalId": "EXCEL-ROW-123",
            "companyName": "Restaurant Musterküche",
            "protectionUntil": "2024-12-12T10:00:00.000Z",  # registeredAt + 180 days
            "progressDeadline": "2024-10-09T09:00:00.000Z",  # the last progress activity + 60 days
        }
    ]
    assert leads_of(api, officer["apiKey"]) == [], "a dry run writes no lead"
    kept = api.get(f"{REPORTS}/{dry['importId']}", key=officer["apiKey"])
    assert kept.status == 200 and kept.data["state"] == "reported" and kept.data["failedExternalIds"] == []

    done = run(api, officer["apiKey"], body([lead], dry_run=False))
    assert done["mode"] == "production"
    assert done["summary"] == {
        "totalLeads": 1,
        "importedLeads": 1,
        "failedLeads": 0,
        "skippedDuplicates": 0,
        "alreadyImported": 0,
    }
    [lead_id] = done["importedLeadIds"]
    stored = api.get(f"/api/v1/leads/{lead_id}", key=partner["apiKey"])
    assert stored.status == 200, "the partner owns it"
    assert stored.data["registeredAt"] == "2024-06-15T10:00:00.000Z", "the historical date, not now"
    assert stored.data["protectionUntil"] == "2024-12-12T10:00:00.000Z"
    assert stored.data["protectionStatus"] == "EXPIRED"
    assert stored.data["migration"] == {
        "importId": done["importId"],
        "externalId": "EXCEL-ROW-123",
        "source": "excel-export-2024",
    }
    assert [a["activityType"] for a in stored.data["activities"]] == ["MEETING", "SAMPLE_SENT"]
    imports = {
        item["importId"]["S"]: item
        for item in table_items()
        if item["PK"]["S"].startswith(f"TENANT#{officer['tenantId']}#LEADMIGRATION#") and item["SK"]["S"] == "IMPORT"
    }
    assert "expiresAt" in imports[dry["importId"]], "a dry run's report goes after 90 days"
    assert "expiresAt" not in imports[done["importId"]], "a committed import stays: its leads count while it does"


def _error_of(api: Api, key: str, lead: Any) -> list[dict[str, Any]]:
    result = run(api, key, body([lead], dry_run=True))
    assert result["summary"]["invalidLeads"] == 1, result
    errors: list[dict[str, Any]] = result["validationErrors"]
    return errors


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"companyName": "R"}, "companyName", "String should have at least 2 characters"),
        ({"city": "B"}, "city", "String should have at least 2 characters"),
        ({"territory": "AT"}, "territory", "Input should be 'DE' or 'CH'"),
        ({"ownerUserId": None}, "ownerUserId", "Input should be a valid string"),
        ({"registeredAt": "2099-01-01T00:00:00Z"}, "registeredAt", "Date in future: 2099-01-01"),
        ({"contact": {"firstName": "Max"}}, "contact", "Email or phone required when contact data present"),
        ({"contact": {"email": "max.mustermann@"}}, "contact.email", "Invalid email format: 'max.mustermann@'"),
        ({"consentGivenAt": None}, "consentGivenAt", "Consent required when contact data present"),
        (
            {
                "activities": [
                    {
                        "activityType": "LUNCH",
                        "activityDate": "2024-07-01T00:00:00Z",
                        "summary": "x",
                        "countsAsProgress": False,
                    }
                ]
            },
            "activities[0].activityType",
            "Input should be 'MEETING', 'CALL', 'EMAIL', 'SAMPLE_SENT', 'VISIT', 'NOTE', 'OFFER_SENT' or 'ORDER'",
        ),
        (
            {
                "activities": [
                    {
                        "activityType": "CALL",
                        "activityDate": "2024-01-01T00:00:00Z",
                        "summary": "x",
                        "countsAsProgress": False,
                    }
                ]
            },
            "activities[0].activityDate",
            "Activity date before lead registration",
        ),
        (
            {
                "activities": [
                    {
                        "activityType": "CALL",
                        "activityDate": "2099-01-01T00:00:00Z",
                        "summary": "x",
                        "countsAsProgress": False,
                    }
                ]
            },
            "activities[0].activityDate",
            "Activity date in future",
        ),
        (
            {
                "activities": [
                    {"activityType": "CALL", "activityDate": "2024-07-01T00:00:00Z", "summary": "x"},
                    {"activityType": "MEETING", "activityDate": "2024-07-02T00:00:00Z", "summary": "y"},
                ]
            },
            "activities[1].countsAsProgress",
            "countsAsProgress must be explicitly set for activity: MEETING",
        ),
        ({"mood": "good"}, "mood", "unknown field"),
        ({"externalId": ""}, "externalId", "String should have at least 1 character"),
    ],
)
def test_every_check_names_its_lead_field_and_the_specifications_message(
    api: Api, officer: dict[str, Any], partner: dict[str, Any], change: dict[str, Any], field: str, error: str
) -> None:
    lead = {key: value for key, value in seed_lead(partner["userId"], **change).items() if value is not None}
    if change.get("ownerUserId", "") is None:
        lead["ownerUserId"] = None
    found = _error_of(api, officer["apiKey"], lead)
    expected_id = lead.get("externalId") or None
    assert {"externalId": expected_id, "field": field, "error": error} in found, found


def test_an_owner_must_be_an_active_user_of_the_tenant(
    api: Api, officer: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    for owner in ("usr_nobody", other_admin["userId"], "partner-abc-123"):
        assert _error_of(api, officer["apiKey"], seed_lead(owner)) == [
            {"externalId": "EXCEL-ROW-123", "field": "ownerUserId", "error": f"Owner user not found: {owner}"}
        ]


def test_one_dry_run_names_every_problem_of_a_lead_the_owner_too(api: Api, officer: dict[str, Any]) -> None:
    """The correct-and-send-again loop takes one round per lead, not one per problem: a lead with a bad
    field and an unknown owner hears of both (the specification's validator collects every error)."""
    found = _error_of(api, officer["apiKey"], seed_lead("usr_nobody", territory="AT"))
    assert [(error["field"], error["error"]) for error in found] == [
        ("territory", "Input should be 'DE' or 'CH'"),
        ("ownerUserId", "Owner user not found: usr_nobody"),
    ]
    found = _error_of(api, officer["apiKey"], seed_lead("usr_nobody", registeredAt="2099-01-01T00:00:00Z"))
    fields = [error["field"] for error in found]  # the rules' (its activities now precede it) and the owner
    assert fields == ["registeredAt", "activities[0].activityDate", "activities[1].activityDate", "ownerUserId"]


def test_a_lead_with_a_bad_field_hears_of_its_rules_too(
    api: Api, officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    """The rules run on the fields that validated, so a bad field does not hide them until the next
    round; a rule that reads a bad field is left out (its own problem is named)."""
    owner = partner["userId"]
    lead = seed_lead(owner, territory="AT", registeredAt="2099-01-01T00:00:00Z", consentGivenAt=None)
    lead["contact"] = {"firstName": "Max"}
    lead["activities"][0].pop("countsAsProgress")
    lead["activities"][1]["activityDate"] = "2099-06-01T00:00:00Z"
    assert [(error["field"], error["error"]) for error in _error_of(api, officer["apiKey"], lead)] == [
        ("territory", "Input should be 'DE' or 'CH'"),
        ("activities[0].countsAsProgress", "countsAsProgress must be explicitly set for activity: MEETING"),
        ("registeredAt", "Date in future: 2099-01-01"),
        ("contact", "Email or phone required when contact data present"),
        ("consentGivenAt", "Consent required when contact data present"),
        ("activities[1].activityDate", "Activity date in future"),
    ]
    # A bad registeredAt, consent or contact: no rule reads it (no activity "before" an unknown registration).
    lead = seed_lead(owner, registeredAt="yesterday", consentGivenAt="soon")
    lead["contact"]["email"] = "max@"
    assert [error["field"] for error in _error_of(api, officer["apiKey"], lead)] == [
        "contact.email",
        "consentGivenAt",
        "registeredAt",
    ]


def test_a_batch_reports_each_bad_lead_and_keeps_the_good_ones(
    api: Api, officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    owner = partner["userId"]
    leads = [other_lead(owner, 1), {"companyName": "No ID"}, other_lead(owner, 2, city="X"), other_lead(owner, 1)]
    result = run(api, officer["apiKey"], body(leads, dry_run=True))
    assert result["summary"] == {"totalLeads": 4, "validLeads": 1, "invalidLeads": 3, "duplicateWarnings": 0}
    nameless = [error for error in result["validationErrors"] if error["externalId"] is None]
    assert {"externalId": None, "field": "externalId", "error": "externalId is required"} in nameless
    assert {"externalId": None, "field": "city", "error": "city is required"} in nameless
    assert result["validationErrors"][-2:] == [
        {"externalId": "ROW-2", "field": "city", "error": "String should have at least 2 characters"},
        {"externalId": "ROW-1", "field": "externalId", "error": "Duplicate externalId in this batch"},
    ]
    report = api.get(f"{REPORTS}/{result['importId']}", key=officer["apiKey"]).data
    assert report["failedExternalIds"] == ["ROW-2", "ROW-1"]


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"source": "x", "leads": [{}]}, "dryRun"),
        ({"dryRun": True, "leads": [{}]}, "source"),
        ({"source": "x", "dryRun": True, "leads": []}, "leads"),
        ({"source": "x", "dryRun": "yes", "leads": [{}]}, "dryRun"),
        ({"source": "x", "dryRun": True, "leads": [{}], "everything": True}, "everything"),
        ({"source": "x", "dryRun": True, "leads": ["a lead"]}, "leads[0]"),
    ],
)
def test_the_request_itself_is_checked_strictly(
    api: Api, officer: dict[str, Any], sent: dict[str, Any], field: str
) -> None:
    error = run(api, officer["apiKey"], sent, status=422)
    assert field in [detail["field"] for detail in error["details"]]


def test_at_most_1000_leads_and_6_mb_a_request(api: Api, officer: dict[str, Any], partner: dict[str, Any]) -> None:
    error = run(api, officer["apiKey"], body([{}] * 1001, dry_run=True), status=422)
    assert error["details"] == [
        {"field": "leads", "issue": "List should have at most 1000 items after validation, not 1001"}
    ]
    padded = other_lead(partner["userId"], 1, notes="n" * 1900)
    big = body([copy.deepcopy(padded) | {"externalId": f"R{i}"} for i in range(1000)], dry_run=True)
    assert len(json.dumps(big)) > 2 * 1024 * 1024, "more than a JSON body of other routes may hold"
    assert run(api, officer["apiKey"], big)["summary"]["validLeads"] == 1000
    huge = body([{"externalId": "R", "notes": "n" * (7 * 1024 * 1024)}], dry_run=True)
    assert api.post(IMPORT, key=officer["apiKey"], json=huge).status == 413


@pytest.mark.parametrize("role", ["partner", "manager", "user"])
def test_only_admins_and_migration_officers_may_migrate(api: Api, admin: dict[str, Any], role: str) -> None:
    caller = api.token(role, tenant_id=admin["tenantId"])
    reply = api.post(IMPORT, key=caller["apiKey"], json=body([seed_lead(admin["userId"])], dry_run=True))
    assert reply.status == 403
    assert run(api, admin["apiKey"], body([seed_lead(admin["userId"])], dry_run=True))["summary"]["validLeads"] == 1


# Duplicates --------------------------------------------------------------------------------------


def _existing(api: Api, key: str, owner: str, **fields: Any) -> str:
    sent = {
        "companyName": "Restaurant Musterküche",
        "city": "Berlin",
        "territory": "DE",
        "ownerUserId": owner,
        **fields,
    }
    reply = api.post("/api/v1/leads", key=key, json=sent)
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


CONSENT = "2024-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("existing", "score", "reason", "recommendation"),
    [
        (
            {
                "contact": {"email": "MAX.Mustermann@example.com "},
                "consentGivenAt": CONSENT,
                "companyName": "Anders AG",
                "city": "Hamburg",
            },
            1.0,
            "email_exact_match",
            "skip_or_merge",
        ),
        (
            {
                "contact": {"phone": "030 12345678"},
                "consentGivenAt": CONSENT,
                "companyName": "Anders AG",
                "city": "Hamburg",
            },
            0.9,
            "phone_normalized",
            "review_manually",
        ),
        ({"companyName": "Musterküche GmbH"}, 0.85, "company_fuzzy", "review_manually"),
        ({"companyName": "Musterkueche"}, 0.85, "company_fuzzy", "review_manually"),  # umlaut spelled out
        ({"companyName": "Musterkuche"}, 0.85, "company_fuzzy", "review_manually"),  # or left out
        ({"companyName": "Musterkuchen"}, 0.81, "company_fuzzy", "review_manually"),
    ],
)
def test_duplicates_of_existing_leads_in_the_specifications_order(
    api: Api,
    admin: dict[str, Any],
    officer: dict[str, Any],
    existing: dict[str, Any],
    score: float,
    reason: str,
    recommendation: str,
) -> None:
    matched = _existing(api, admin["apiKey"], admin["userId"], **existing)
    _existing(api, admin["apiKey"], admin["userId"], companyName="Musterküche GmbH", city="München")  # another city
    result = run(api, officer["apiKey"], body([seed_lead(admin["userId"])], dry_run=True))
    assert result["duplicateWarnings"] == [
        {
            "externalId": "EXCEL-ROW-123",
            "matchedLeadId": matched,
            "matchedExternalId": None,
            "matchScore": score,
            "matchReason": reason,
            "recommendation": recommendation,
        }
    ]


def test_no_duplicate_below_the_threshold_in_another_city_or_of_a_deleted_lead(
    api: Api, admin: dict[str, Any], officer: dict[str, Any]
) -> None:
    _existing(api, admin["apiKey"], admin["userId"], companyName="Musterküche", city="München")
    _existing(api, admin["apiKey"], admin["userId"], companyName="Mustermann Bau", city="Berlin")
    deleted = _existing(
        api, admin["apiKey"], admin["userId"], contact={"email": "max.mustermann@example.com"}, consentGivenAt=CONSENT
    )
    assert api.delete(f"/api/v1/leads/{deleted}", key=admin["apiKey"]).status == 200
    result = run(api, officer["apiKey"], body([seed_lead(admin["userId"])], dry_run=True))
    assert result["duplicateWarnings"] == []


def test_duplicates_within_the_batch(api: Api, officer: dict[str, Any], partner: dict[str, Any]) -> None:
    owner = partner["userId"]
    first = seed_lead(owner, "A")
    same_email = seed_lead(owner, "B", companyName="Ganz Anders", city="Köln")
    same_company = seed_lead(owner, "C", contact=None, consentGivenAt=None, companyName="Musterküche")
    result = run(api, officer["apiKey"], body([first, same_email, same_company], dry_run=True))
    assert [(w["externalId"], w["matchedExternalId"], w["matchReason"]) for w in result["duplicateWarnings"]] == [
        ("B", "A", "email_exact_match"),
        ("C", "A", "company_fuzzy"),
    ]


def test_production_skips_hard_duplicates_unless_told_and_imports_soft_ones(
    api: Api, admin: dict[str, Any], officer: dict[str, Any]
) -> None:
    owner = admin["userId"]
    _existing(
        api,
        admin["apiKey"],
        owner,
        contact={"email": "max.mustermann@example.com"},
        consentGivenAt=CONSENT,
        companyName="Anders AG",
        city="Hamburg",
    )
    _existing(api, admin["apiKey"], owner, companyName="Musterküche GmbH", city="Hamburg")
    soft = other_lead(owner, 7, companyName="Restaurant Musterküche", city="Hamburg")
    done = run(api, officer["apiKey"], body([seed_lead(owner), soft], dry_run=False))
    assert done["summary"]["importedLeads"] == 1 and done["summary"]["skippedDuplicates"] == 1
    assert [w["matchReason"] for w in done["duplicateWarnings"]] == ["email_exact_match", "company_fuzzy"]
    kept = run(api, officer["apiKey"], body([seed_lead(owner)], dry_run=False, skipDuplicates=False))
    assert kept["summary"]["importedLeads"] == 1 and kept["summary"]["skippedDuplicates"] == 0


# Production: all or nothing, re-import -------------------------------------------------------------


def test_skip_on_error_false_imports_nothing_when_one_lead_is_invalid(
    api: Api, officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    leads = [other_lead(partner["userId"], 1), other_lead(partner["userId"], 2, territory="AT")]
    error = run(api, officer["apiKey"], body(leads, dry_run=False, skipOnError=False), status=422)
    assert error["details"] == [{"field": "ROW-2: territory", "issue": "Input should be 'DE' or 'CH'"}]
    assert leads_of(api, officer["apiKey"]) == []
    done = run(api, officer["apiKey"], body(leads, dry_run=False))
    assert done["summary"]["importedLeads"] == 1 and done["summary"]["failedLeads"] == 1


def test_the_same_leads_sent_again_are_never_created_twice(
    api: Api, officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    owner = partner["userId"]
    first = run(api, officer["apiKey"], body([other_lead(owner, 1), other_lead(owner, 2, city="X")], dry_run=False))
    assert first["summary"]["importedLeads"] == 1
    corrected = run(api, officer["apiKey"], body([other_lead(owner, 1), other_lead(owner, 2)], dry_run=False))
    assert corrected["summary"]["importedLeads"] == 1 and corrected["summary"]["alreadyImported"] == 1
    assert corrected["alreadyImported"] == [{"externalId": "ROW-1", "leadId": first["importedLeadIds"][0]}]
    assert len(leads_of(api, officer["apiKey"])) == 2
    other_source = run(
        api, officer["apiKey"], body([other_lead(owner, 1)], dry_run=False, source="crm", skipDuplicates=False)
    )
    assert other_source["summary"]["importedLeads"] == 1, "the same externalId of another source is another lead"


def _seen(api: Api, key: str, word: str, lead_ids: list[str]) -> list[str]:
    """The leads a reader sees of those whose company names hold `word`: by the list, and by GET of
    the first, a middle and the last of `lead_ids` (each seen by both or by neither)."""
    listed = sorted(lead["id"] for lead in leads_of(api, key, search=word))
    for lead_id in (lead_ids[0], lead_ids[len(lead_ids) // 2], lead_ids[-1]):
        found = api.get(f"/api/v1/leads/{lead_id}", key=key).status
        assert found == (200 if lead_id in listed else 404), (lead_id, found)
    return listed


def test_a_run_killed_at_any_request_leaves_nothing_seen_and_the_next_run_imports_each_lead_once(
    api: Api, admin: dict[str, Any], officer: dict[str, Any], partner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key, owner = officer["apiKey"], partner["userId"]

    def leads(word: str) -> list[dict[str, Any]]:
        return [other_lead(owner, number, companyName=f"{word} Firma{number:04d}x") for number in range(1, 31)]

    with killed_at(0) as made:  # never: counts the requests of a whole run
        run(api, key, body(leads("countedq"), dry_run=False, source="counted", skipDuplicates=False))
    total = made()
    assert total >= 10
    real_now = clock.now
    for request_number in range(1, total + 1):
        word, source = f"killed{request_number:03d}q", f"killed-{request_number}"
        sent = body(leads(word), dry_run=False, source=source, skipDuplicates=False)  # the same people each time
        ids = [lead_id_of(admin["tenantId"], source, lead["externalId"]) for lead in sent["leads"]]
        with killed_at(request_number), pytest.raises(Killed):
            api.post(IMPORT, key=key, json=sent)
        seen = _seen(api, key, word, ids)
        assert seen in ([], sorted(ids)), f"killed at request {request_number}: {len(seen)} of 30 leads seen"
        if not seen:
            probe = run(api, key, body([leads(word)[0]], dry_run=True, source="probe"))
            assert not {w["matchedLeadId"] for w in probe["duplicateWarnings"]} & set(ids), "nor matched"
        monkeypatch.setattr(clock, "now", lambda: real_now() + LEASE + timedelta(seconds=1))
        again = run(api, key, sent)
        monkeypatch.setattr(clock, "now", real_now)
        summary = again["summary"]
        assert (summary["importedLeads"], summary["alreadyImported"]) == (30 - len(seen), len(seen)), request_number
        assert _seen(api, key, word, ids) == sorted(ids)
    assert_key_sets_hold_their_leads()


def assert_key_sets_hold_their_leads() -> None:
    """Every key set holds at most `MOST_MEMBERS` leads and a common one none; every lead readers count
    is in each of its sets that is not common, whatever wrote, retried or left them."""
    sets = {item["PK"]["S"]: item for item in table_items() if item.get("kind") == {"S": "key-set"}}
    assert sets
    for pk, found in sets.items():
        members = found.get("members", {}).get("SS", [])
        assert len(members) <= key_sets.MOST_MEMBERS, pk
        assert not (found.get("common") and members), pk
    leads = [item for item in table_items() if item.get("kind") == {"S": "record"} and item["SK"]["S"] == "RECORD"]
    by_tenant: dict[str, list[str]] = {}
    for item in leads:
        if item.get("entity", {}).get("S") == "lead":
            by_tenant.setdefault(item["tenantId"]["S"], []).append(item["id"]["S"])
    assert by_tenant
    for tenant_id, ids in by_tenant.items():
        for lead_id, data in records.record_data(tenant_id, "lead", ids).items():
            declared = entity("lead").key_sets
            assert declared is not None
            names = declared(data)
            for pk, member in key_sets.memberships(tenant_id, "lead", lead_id, names):
                found = sets[pk]
                assert found.get("common") or member in found.get("members", {}).get("SS", []), (pk, member)


def test_a_run_retried_after_its_key_sets_leaves_each_lead_in_its_sets_once(
    api: Api, officer: dict[str, Any], partner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run dies after writing its key sets, before its commit; the next run of the source writes the
    same leads again: the sets, which name them already, still hold each lead once."""
    key, owner = officer["apiKey"], partner["userId"]
    sent = body([other_lead(owner, number) for number in range(1, 4)], dry_run=False, source="crm")
    with killed_at(3, "TransactWriteItems"), pytest.raises(Killed):  # the lock, the key sets, then the commit
        api.post(IMPORT, key=key, json=sent)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + LEASE + timedelta(seconds=1))
    assert run(api, key, sent)["summary"]["importedLeads"] == 3
    assert_key_sets_hold_their_leads()


def test_key_sets_follow_api_writes_and_are_read_in_one_round(
    api: Api, admin: dict[str, Any], officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    """A migration adds to new and existing sets; a lead's update moves it between sets and its
    delete takes it out. A reader gets the members of each set that exists in one BatchGetItem."""
    key, owner = officer["apiKey"], partner["userId"]
    sent = [other_lead(owner, number, companyName=f"Gemein Firma{number:04d}x", city="Jena") for number in range(5)]
    run(api, key, body(sent, dry_run=False, skipDuplicates=False))
    run(api, key, body([other_lead(owner, 9, companyName="Gemein Neu", city="Jena")], dry_run=False, source="b"))
    leads = every_page(api, admin["apiKey"], "/api/v1/leads", limit=100)
    first, second = (lead["id"] for lead in leads[:2])
    assert api.patch(f"/api/v1/leads/{first}", key=admin["apiKey"], json={"city": "Erfurt"}).status == 200
    assert api.delete(f"/api/v1/leads/{second}", key=admin["apiKey"]).status == 200
    assert_key_sets_hold_their_leads()
    tenant = admin["tenantId"]
    jena = key_sets.set_pks(tenant, "lead", [("company", "jena#gemei")])[0]
    erfurt = key_sets.set_pks(tenant, "lead", [("company", "erfurt#gemei")])[0]
    missing = key_sets.set_pks(tenant, "lead", [("company", "jena#nirgends")])[0]
    with dynamodb_requests() as sent_requests:
        read = key_sets.read([jena, erfurt, missing])
    assert sent_requests["BatchGetItem"] == 1
    cores = {lead["id"]: company_core(lead["companyName"]) for lead in leads}
    noted = {pk: {key_sets.parsed(member) for member in held or ()} for pk, held in read.items()}
    assert noted == {
        jena: {(lead_id, cores[lead_id]) for lead_id in cores} - {(first, cores[first]), (second, cores[second])},
        erfurt: {(first, cores[first])},
    }, "each member notes its lead's company core"
    assert len(read[jena] or ()) == 4, "6 written, one moved away, one deleted"
    third = next(lead_id for lead_id in cores if lead_id not in (first, second))
    renamed = api.patch(f"/api/v1/leads/{third}", key=admin["apiKey"], json={"companyName": "Gemein Umbenannt"})
    assert renamed.status == 200, renamed.body
    assert_key_sets_hold_their_leads()
    held = {key_sets.parsed(member) for member in key_sets.read([jena])[jena] or ()}
    assert {member for member in held if member[0] == third} == {(third, "gemein umbenannt")}, "old member gone"
    assert len(held) == 4


def _key_set(pk: str) -> dict[str, Any]:
    [found] = [item for item in table_items() if item["PK"]["S"] == pk]
    return found


def test_a_set_an_api_write_would_fill_becomes_common_and_writes_leave_it_alone(
    api: Api, admin: dict[str, Any], officer: dict[str, Any], partner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A set holds at most `MOST_MEMBERS` leads. The lead write that would pass it has its ADD refused
    and is written again with the set made common (its members removed); from then on the process
    leaves the set alone, and a process that does not know it yet pays one refused transaction."""
    key, owner = officer["apiKey"], partner["userId"]
    full = [other_lead(owner, n, companyName=f"Voll Firma{n:04d}x", city="Jena") for n in range(key_sets.MOST_MEMBERS)]
    run(api, key, body(full, dry_run=False, skipDuplicates=False))
    pk = key_sets.set_pks(admin["tenantId"], "lead", [("company", "jena#voll")])[0]
    assert len(_key_set(pk)["members"]["SS"]) == key_sets.MOST_MEMBERS and "common" not in _key_set(pk)
    transactions = []
    for name in ("Voll Neu", "Voll Zwei", "Voll Drei"):
        with dynamodb_requests() as sent:
            _existing(api, admin["apiKey"], owner, companyName=name, city="Jena")
        transactions.append(sent["TransactWriteItems"])
        assert _key_set(pk) == {
            "PK": {"S": pk},
            "SK": {"S": "KEYS"},
            "kind": {"S": "key-set"},
            "common": {"BOOL": True},
        }
        monkeypatch.setattr(key_sets, "_known_common", {})  # the next write as a process new to the set
    assert transactions == [2, 2, 2], "refused, then written with the set common"
    _existing(api, admin["apiKey"], owner, companyName="Voll Vier", city="Jena")
    with dynamodb_requests() as sent:
        _existing(api, admin["apiKey"], owner, companyName="Voll Fuenf", city="Jena")
    assert sent["TransactWriteItems"] == 1, "a process that knows the set common leaves it out"
    assert_key_sets_hold_their_leads()


def test_a_migration_makes_a_set_common_it_would_fill_or_one_written_before_sets_were_bounded(
    api: Api, admin: dict[str, Any], officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    """A batch that would pass a set's bound makes the set common instead of adding to it; a set that
    holds more than the bound (written before sets were bounded) reads as common and the next
    migration that meets it makes it so."""
    key, owner = officer["apiKey"], partner["userId"]
    tenant = admin["tenantId"]
    most = key_sets.MOST_MEMBERS
    run(
        api,
        key,
        body(
            [other_lead(owner, n, companyName=f"Halb Firma{n:04d}x", city="Jena") for n in range(most - 1)],
            dry_run=False,
            skipDuplicates=False,
        ),
    )
    run(
        api,
        key,
        body(
            [other_lead(owner, 100 + n, companyName=f"Halb Firma{100 + n:04d}x", city="Jena") for n in range(2)],
            dry_run=False,
            source="b",
            skipDuplicates=False,
        ),
    )
    halb = key_sets.set_pks(tenant, "lead", [("company", "jena#halb")])[0]
    assert _key_set(halb).get("common") == {"BOOL": True} and "members" not in _key_set(halb)
    old = key_sets.set_pks(tenant, "lead", [("company", "jena#alt")])[0]
    members = {f"lead_old{n:03d}" for n in range(most + 10)}
    key_sets.KeySet(pk=old, sk=key_sets.KEYS_SK, members=members).save()
    assert key_sets.read([old]) == {old: None}
    run(api, key, body([other_lead(owner, 300, companyName="Alt Neu", city="Jena")], dry_run=False, source="c"))
    assert _key_set(old).get("common") == {"BOOL": True} and "members" not in _key_set(old)
    assert_key_sets_hold_their_leads()


def _audit(api: Api, key: str, action: str) -> list[dict[str, Any]]:
    return every_page(api, key, "/api/v1/admin/audit-log", action=action)


def test_the_audit_entries_of_a_run_killed_after_its_commit_are_written_by_the_next_read_of_its_report(
    api: Api, admin: dict[str, Any], officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    key, owner = officer["apiKey"], partner["userId"]
    leads = [seed_lead(owner, "A"), other_lead(owner, 2)]
    counted = run(api, key, body(leads, dry_run=False, source="counted", skipDuplicates=False))
    entries = _audit(api, admin["apiKey"], "leads_batch_import")
    [batch] = [entry for entry in entries if entry["entityId"] == counted["importId"]]
    assert batch["id"] == counted["auditLogId"]
    assert batch["actorUserId"] == officer["userId"]
    details = batch["details"]
    assert details["userRole"] == "migration-officer" and details["ipAddress"] == "203.0.113.9"
    assert (details["source"], details["totalLeads"], details["importedLeads"]) == ("counted", 2, 2)
    assert details["importedLeadIds"] == counted["importedLeadIds"] and details["batchDurationMs"] >= 0
    per_lead = {e["entityId"]: e for e in _audit(api, admin["apiKey"], "lead_created_via_migration")}
    first = per_lead[counted["importedLeadIds"][0]]["details"]
    assert first == {
        "importId": counted["importId"],
        "externalId": "A",
        "source": "counted",
        "registeredAtBackdated": "2024-06-15T10:00:00.000Z",
        "activitiesImported": 2,
    }
    events = api.get("/api/v1/events", key=admin["apiKey"], params={"type": "lead_migration.finished"}).data
    assert [event["data"]["importId"] for event in events] == [counted["importId"]]
    created = api.get("/api/v1/events", key=admin["apiKey"], params={"type": "lead.created"}).data
    assert {event["data"]["id"] for event in created} >= set(counted["importedLeadIds"])

    # Killed after the commit, before its audit entries (its second BatchWriteItem; the first: its leads).
    with killed_at(2, "BatchWriteItem"), pytest.raises(Killed):
        api.post(IMPORT, key=key, json=body(leads, dry_run=False, source="late", skipDuplicates=False))
    late = [lead["id"] for lead in leads_of(api, key) if lead["migration"]["source"] == "late"]
    assert len(late) == 2, "committed: the leads exist"
    assert not set(late) & set(_per_lead_ids(api, admin["apiKey"]))
    [import_id] = {
        lead["migration"]["importId"] for lead in leads_of(api, key) if lead["migration"]["source"] == "late"
    }
    assert api.get(f"{REPORTS}/{import_id}", key=key).data["state"] == "committed"
    assert set(late) <= set(_per_lead_ids(api, admin["apiKey"])), "the report's read wrote them"
    assert api.get(f"{REPORTS}/{import_id}", key=key).status == 200
    assert sorted(_per_lead_ids(api, admin["apiKey"])).count(late[0]) == 1, "and only once"


def test_a_run_killed_after_its_commit_whose_source_never_runs_again_is_audited_by_the_cleanup(
    api: Api, admin: dict[str, Any], officer: dict[str, Any], partner: dict[str, Any]
) -> None:
    """Neither a next run of the source nor a read of the report comes: once the run's lease is over,
    the scheduled cleanup writes its audit entries (once) and takes it out of its list."""
    key, owner = officer["apiKey"], partner["userId"]
    leads = [seed_lead(owner, "A"), other_lead(owner, 2)]
    with killed_at(2, "BatchWriteItem"), pytest.raises(Killed):  # the leads, then their audit entries
        api.post(IMPORT, key=key, json=body(leads, dry_run=False, source="once", skipDuplicates=False))
    late = [lead["id"] for lead in leads_of(api, key)]
    assert len(late) == 2 and not set(late) & set(_per_lead_ids(api, admin["apiKey"]))
    later = clock.now() + LEASE + timedelta(seconds=1)
    assert run_cleanup(later)["batchesAudited"] == 1
    assert sorted(_per_lead_ids(api, admin["apiKey"])) == sorted(late)
    assert len(_audit(api, admin["apiKey"], "leads_batch_import")) == 1
    assert run_cleanup(later)["batchesAudited"] == 0 and sorted(_per_lead_ids(api, admin["apiKey"])) == sorted(late)


def _per_lead_ids(api: Api, key: str) -> list[str]:
    return [entry["entityId"] for entry in _audit(api, key, "lead_created_via_migration")]


def test_reports_are_the_tenants_own(
    api: Api, officer: dict[str, Any], other_admin: dict[str, Any], partner: dict[str, Any]
) -> None:
    dry = run(api, officer["apiKey"], body([seed_lead(partner["userId"])], dry_run=True))
    assert api.get(f"{REPORTS}/{dry['importId']}", key=other_admin["apiKey"]).status == 404
    assert api.get(f"{REPORTS}/lmi_unknown", key=officer["apiKey"]).status == 404


def test_a_dry_runs_requests_do_not_grow_with_the_tenants_leads(
    api: Api, admin: dict[str, Any], officer: dict[str, Any]
) -> None:
    """The same batch, each lead with a duplicate, against 40 and then 240 leads of the tenant."""
    owner = admin["userId"]
    batch = [other_lead(owner, number, externalId=f"PROBE-{number}") for number in range(1, 21)]

    def requests() -> int:
        with dynamodb_requests() as counted:
            result = run(api, officer["apiKey"], body(batch, dry_run=True, source="probe"))
        assert result["summary"]["duplicateWarnings"] == 20
        return sum(counted.values())

    run(api, officer["apiKey"], body([other_lead(owner, number) for number in range(1, 41)], dry_run=False))
    requests()  # the process learns that the import of the leads it matches is committed (final: kept)
    before = requests()
    run(api, officer["apiKey"], body([other_lead(owner, number) for number in range(100, 300)], dry_run=False))
    assert requests() == before


def test_a_dry_run_reads_only_the_leads_whose_noted_company_could_match(
    api: Api, admin: dict[str, Any], officer: dict[str, Any]
) -> None:
    """30 leads of Jena share the word `Sonnen` with the probe. Their company-word set notes each one's
    company core, so the dry run scores them from the set and reads none whose core cannot reach the
    threshold: it sends no more requests than a probe in a city without leads. A probe whose core is
    close to one of them reads that lead and reports it."""
    owner = admin["userId"]
    names = [f"Sonnen {chr(97 + n // 26)}{chr(97 + n % 26)}{'kqxzvw'[n % 6]}word" for n in range(30)]
    jena = [other_lead(owner, n, companyName=name, city="Jena") for n, name in enumerate(names)]
    run(api, officer["apiKey"], body(jena, dry_run=False))

    def dry_run(company: str, city: str) -> tuple[Any, list[str]]:
        probe = other_lead(owner, 99, companyName=company, city=city)
        with dynamodb_requests() as sent:
            result = run(api, officer["apiKey"], body([probe], dry_run=True, source="probe"))
        return sent, [warning["matchReason"] for warning in result["duplicateWarnings"]]

    alone, _ = dry_run("Sonnen Zuckerbaeckerei Hinterhuber", "Weimar")
    far, far_found = dry_run("Sonnen Zuckerbaeckerei Hinterhuber", "Jena")
    assert far == alone and far_found == [], (far, alone)
    near, near_found = dry_run(names[7].replace("word", "wort"), "Jena")
    assert near["BatchGetItem"] > alone["BatchGetItem"] and near_found == ["company_fuzzy"], near


def test_a_key_set_member_a_dead_run_left_behind_matches_nothing(
    api: Api, officer: dict[str, Any], partner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run dies after adding its lead to the set of its email, before its commit; the next run sends
    the lead with another email. The old email's set still names the lead, which no longer has it."""
    key, owner = officer["apiKey"], partner["userId"]
    with killed_at(3, "TransactWriteItems"), pytest.raises(Killed):  # the lock, the key sets, then the commit
        api.post(IMPORT, key=key, json=body([other_lead(owner, 2)], dry_run=False, source="crm"))
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + LEASE + timedelta(seconds=1))
    corrected = other_lead(owner, 2, contact={"email": "eva.neu@example.com"}, consentGivenAt=CONSENT)
    result = run(api, key, body([corrected], dry_run=False, source="crm"))
    assert result["summary"]["importedLeads"] == 1, result
    monkeypatch.setattr(clock, "now", real_now)
    probe = other_lead(owner, 9, contact={"email": "eva2@example.com"}, consentGivenAt=CONSENT)
    assert run(api, key, body([probe], dry_run=True, source="probe"))["duplicateWarnings"] == []
    again = other_lead(owner, 9, contact={"email": "eva.neu@example.com"}, consentGivenAt=CONSENT)
    [warning] = run(api, key, body([again], dry_run=True, source="probe"))["duplicateWarnings"]
    assert warning["matchReason"] == "email_exact_match"


@pytest.mark.parametrize(("sharing", "matched"), [(50, True), (51, False)])
def test_a_company_word_shared_by_more_than_50_leads_of_a_city_finds_no_candidates(
    api: Api, officer: dict[str, Any], partner: dict[str, Any], sharing: int, matched: bool
) -> None:
    """Candidates stay few whatever the tenant holds: a word that many companies of a city carry tells
    nothing about which one it is (its set is common: `key_sets.MOST_MEMBERS`)."""
    owner = partner["userId"]
    many = [other_lead(owner, number, companyName="Zentral", city="Jena") for number in range(sharing)]
    run(api, officer["apiKey"], body(many, dry_run=False, skipDuplicates=False))
    probe = other_lead(owner, 999, companyName="Zentral", city="Jena")
    warnings = run(api, officer["apiKey"], body([probe], dry_run=True, source="probe"))["duplicateWarnings"]
    assert [w["matchReason"] for w in warnings] == (["company_fuzzy"] if matched else [])


@pytest.mark.parametrize(("held", "common"), [(3, False), (key_sets.MOST_MEMBERS, True)])
def test_a_set_put_by_another_writer_since_it_was_read_is_added_to_or_made_common(
    api: Api, held: int, common: bool
) -> None:
    """The migration read no set for a value and puts one; another writer put it meanwhile: the put
    is refused and the members are added to that set instead, or, with no room left, it is made
    common. Nothing the other writer put is lost."""
    pk = key_sets.set_pks("ten_keysets", "lead", [("company", "jena#ander")])[0]
    theirs = {f"lead_theirs{n:03d}" for n in range(held)}
    key_sets.KeySet(pk=pk, sk=key_sets.KEYS_SK, members=theirs).save()
    with dynamodb_requests() as sent:
        key_sets.add_all({(pk, "lead_mine")}, found={})
    assert sent["TransactWriteItems"] == (3 if common else 2), "refused, then added (then made common)"
    stored = _key_set(pk)
    if common:
        assert stored.get("common") == {"BOOL": True} and "members" not in stored
    else:
        assert set(stored["members"]["SS"]) == theirs | {"lead_mine"}
