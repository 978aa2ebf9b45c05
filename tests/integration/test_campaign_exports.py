"""Campaign exports (the export service's contract) as Step Functions jobs on the emulator: every one
of the fifteen types against one known campaign with its exact rows, markets, the file per market,
the scoring bucket's ACL, the queued-export rule (200 with the export already queued, also under
concurrent requests), the list's sort and page numbers, FAILED with a reason, bad input and another
tenant's campaign."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator

from contact_platform import config
from contact_platform.campaign_export_types import EXPORT_TYPES
from contact_platform.config import settings
from contact_platform.events.catalog import schema_for
from contact_platform.permissions import ALL_SCOPES
from contact_platform.services import dev_issuer, supremes
from tests.support.campaign_exports import held_campaign_exports
from tests.support.fixtures import Api
from tests.support.jobs import cleanup, csv_rows, download, wait_for

WAVE = "2026-12-01"


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def campaign(api: Api, key: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Summer Tour Presale", "market": "DE", "markets": ["AT"], **fields}
    reply = api.post("/api/v1/campaigns", key=key, json=body)
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.data
    return created


def entry(api: Api, key: str, campaign_id: str, contact_id: str, **fields: Any) -> dict[str, Any]:
    reply = api.post(f"/api/v1/campaigns/{campaign_id}/entries", key=key, json={"contactId": contact_id, **fields})
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.data
    return created


def known_campaign(api: Api, key: str) -> dict[str, Any]:
    """A campaign in DE and AT with six entries (one in FR) and a wave of four codes for its three
    verified entries: A1 to the best score (FR), A2 and A3 to the next, A4 left over."""
    found = campaign(api, key)
    people = {
        name: api.create_contact(key, firstName=name, lastName="Fan", emails=[f"{name.lower()}@example.com"], **extra)
        for name, extra in (
            ("Ada", {"phones": ["+49 151 1000001"]}),
            ("Bob", {"phones": ["+43 660 1000002"]}),
            ("Cem", {}),
            ("Dan", {}),
            ("Eve", {}),
            ("Fay", {}),
        )
    }
    entries = {
        "Ada": {"market": "DE", "status": "verified", "score": 90, "optIns": {"artistEmail": True, "livenation": True}},
        "Bob": {
            "market": "AT",
            "status": "verified",
            "score": 80,
            "optIns": {"artistSms": True, "promoterEmail": True},
        },
        "Cem": {"market": "DE", "status": "waitlisted", "score": 10},
        "Dan": {"market": "FR", "status": "verified", "score": 95},
        "Eve": {"market": "DE", "status": "rejected", "optIns": {"artistEmail": True}},
        "Fay": {"market": "DE", "status": "entered", "optIns": {"artistSms": True}},
    }
    made = {name: entry(api, key, found["id"], people[name]["id"], **fields) for name, fields in entries.items()}
    wave = api.post(
        f"/api/v1/campaigns/{found['id']}/code-waves",
        key=key,
        json={"dateKey": WAVE, "codes": ["A1", "A2", "A3", "A4"]},
    )
    assert wave.status in (200, 201), wave.body
    return {"campaign": found, "people": people, "entries": made}


@pytest.fixture
def known(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    return known_campaign(api, admin["apiKey"])


def export(api: Api, key: str, campaign_id: str, **body: Any) -> dict[str, Any]:
    reply = api.post(f"/api/v1/campaigns/{campaign_id}/exports", key=key, json=body)
    assert reply.status == 201, reply.body
    queued: dict[str, Any] = reply.data
    assert queued["status"] == "PENDING" and queued["exportType"] == body["exportType"]
    assert set(queued) >= {"id", "exportType", "campaignId", "date", "status", "requesterUserId"}
    return wait_for(api, f"/api/v1/campaigns/{campaign_id}/exports/{queued['id']}", key)


def rows_of(done: dict[str, Any]) -> list[dict[str, str]]:
    assert done["status"] == "FINISHED", done
    header, *body = csv_rows(download(done["path"]))
    return [dict(zip(header, line, strict=True)) for line in body]


def names(rows: list[dict[str, str]], column: str = "email") -> list[str]:
    return sorted(row[column].split("@")[0] for row in rows)


EXPECTED = {
    "entries": ["ada", "bob", "cem", "eve", "fay"],
    "codes": ["ada", "bob"],
    "artistOptIn": ["ada", "eve"],
    "livenationOptIn": ["ada"],
    "promoterEmailOptIn": ["bob"],
    "verifiedEntries": ["ada", "bob"],
    "fanlist": ["ada", "bob", "cem", "fay"],
    "waitlist": ["cem"],
    "reminderEmail": ["ada", "bob"],
    "reminderEmailSample": ["ada", "bob"],
    "codeAssignments": ["ada", "bob"],
}


def test_every_single_file_type_writes_exactly_its_rows(api: Api, admin: dict[str, Any], known: dict[str, Any]) -> None:
    key, campaign_id = admin["apiKey"], known["campaign"]["id"]
    for name, expected in EXPECTED.items():
        done = export(api, key, campaign_id, exportType=name)
        rows = rows_of(done)
        assert names(rows) == expected, name
        assert done["count"] == len(expected) and done["campaignName"] == "Summer Tour Presale", name
        assert list(rows[0]) == EXPORT_TYPES[name].headers, name
    codes = rows_of(export(api, key, campaign_id, exportType="codes"))
    assert {row["email"]: row["code"] for row in codes} == {"ada@example.com": "A2", "bob@example.com": "A3"}
    sms = rows_of(export(api, key, campaign_id, exportType="artistSmsOptIn"))
    assert [row["phone"] for row in sms] == ["'+43 660 1000002"], "Fay opted in without a phone: left out"
    scoring = rows_of(export(api, key, campaign_id, exportType="scoring"))
    assert sorted(row["score"] for row in scoring) == ["10", "80", "90"]
    fans = rows_of(export(api, key, campaign_id, exportType="fanlist"))
    assert {row["name"] for row in fans} == {"Ada Fan", "Bob Fan", "Cem Fan", "Fay Fan"}


def test_a_code_wave_export_needs_its_day_and_keeps_that_days_assignments(
    api: Api, admin: dict[str, Any], known: dict[str, Any]
) -> None:
    key, campaign_id = admin["apiKey"], known["campaign"]["id"]
    missing = api.post(f"/api/v1/campaigns/{campaign_id}/exports", key=key, json={"exportType": "codeWaves"})
    assert missing.status == 422 and missing.error["details"] == [
        {"field": "dateKey", "issue": "codeWaves exports need a dateKey"}
    ]
    shapes = {"2026-12-1": "not a day: YYYY-MM-DD, as 2026-06-15", "2026-02-30": "no such day: 2026-02-30"}
    for day, issue in shapes.items():
        refused = api.post(
            f"/api/v1/campaigns/{campaign_id}/exports", key=key, json={"exportType": "codeWaves", "dateKey": day}
        )
        assert refused.status == 422 and refused.error["details"] == [{"field": "dateKey", "issue": issue}], day
    done = export(api, key, campaign_id, exportType="codeWaves", dateKey=WAVE)
    assert done["dateKey"] == WAVE and sorted(row["code"] for row in rows_of(done)) == ["A2", "A3"]
    other_day = export(api, key, campaign_id, exportType="codeWaves", dateKey="2026-11-30")
    assert rows_of(other_day) == []
    everywhere = export(api, key, campaign_id, exportType="codeWaves", dateKey=WAVE, includeAllMarkets=True)
    assert sorted(row["code"] for row in rows_of(everywhere)) == ["A1", "A2", "A3"]


def test_all_markets_adds_the_entries_outside_the_campaigns_markets(
    api: Api, admin: dict[str, Any], known: dict[str, Any]
) -> None:
    done = export(api, admin["apiKey"], known["campaign"]["id"], exportType="entries", includeAllMarkets=True)
    assert done["includeAllMarkets"] is True
    assert names(rows_of(done)) == ["ada", "bob", "cem", "dan", "eve", "fay"]


def test_the_automatic_reminder_writes_one_file_per_market_under_one_prefix(
    api: Api, admin: dict[str, Any], known: dict[str, Any]
) -> None:
    done = export(api, admin["apiKey"], known["campaign"]["id"], exportType="autoReminderEmail")
    assert done["status"] == "FINISHED" and done["path"] is None and done["count"] == 2
    assert done["key"].endswith("/") and done["files"] == [f"{done['key']}AT.csv", f"{done['key']}DE.csv"]
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=settings().sfmc_bucket, Prefix=done["key"])
    assert sorted(item["Key"] for item in listed["Contents"]) == done["files"]
    german = s3.get_object(Bucket=settings().sfmc_bucket, Key=done["files"][1])["Body"].read().decode()
    header, *body = [line.split(",") for line in german.strip().splitlines()]
    assert header == EXPORT_TYPES["autoReminderEmail"].headers and [line[1] for line in body] == ["ada@example.com"]


def test_the_scoring_file_goes_to_its_bucket_owned_by_that_buckets_account(
    api: Api, admin: dict[str, Any], known: dict[str, Any]
) -> None:
    done = export(api, admin["apiKey"], known["campaign"]["id"], exportType="scoring")
    s3 = boto3.client("s3")
    grants = s3.get_object_acl(Bucket=settings().scoring_bucket, Key=done["key"])["Grants"]
    assert any(grant["Permission"] == "FULL_CONTROL" for grant in grants)
    assert settings().scoring_bucket in done["path"] or "scoring" in done["path"]
    verified = export(api, admin["apiKey"], known["campaign"]["id"], exportType="verifiedEntries")
    assert s3.head_object(Bucket=settings().vf_scoring_bucket, Key=verified["key"])["ContentLength"] > 0


def test_a_failing_export_ends_failed_with_its_reason_and_frees_its_type(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = admin["apiKey"]
    found = campaign(api, key)
    path = f"/api/v1/campaigns/{found['id']}/exports"
    monkeypatch.setenv(config.ENV_FAULT_STEP, "campaign_exports.finalize")
    config.settings.cache_clear()
    reply = api.post(path, key=key, json={"exportType": "entries"})
    assert reply.status == 201
    failed = wait_for(api, f"{path}/{reply.data['id']}", key)
    assert failed["status"] == "FAILED" and "fault injected in campaign_exports.finalize" in failed["failureReason"]
    assert failed["path"] is None and failed["count"] is None
    monkeypatch.delenv(config.ENV_FAULT_STEP)
    config.settings.cache_clear()
    again = export(api, key, found["id"], exportType="entries")
    assert again["id"] != failed["id"] and again["status"] == "FINISHED", "a FAILED export holds no slot"
    assert api.delete(f"/api/v1/campaigns/{found['id']}", key=key).status in (200, 204)
    assert api.get(f"{path}/{again['id']}", key=key).status == 404, "a deleted campaign's exports are gone with it"


def test_unknown_types_and_fields_are_refused_naming_the_fifteen(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    found = campaign(api, key)
    path = f"/api/v1/campaigns/{found['id']}/exports"
    unknown = api.post(path, key=key, json={"exportType": "everything"})
    assert unknown.status == 422
    (detail,) = unknown.error["details"]
    assert detail["field"] == "exportType" and all(name in detail["issue"] for name in EXPORT_TYPES)
    assert api.post(path, key=key, json={"exportType": "entries", "extra": 1}).status == 422
    assert api.post(path, key=key, json={"exportType": "entries", "dateKey": WAVE}).status == 422
    assert api.post(path, key=key, json={"exportType": "entries", "includeAllMarkets": "yes"}).status == 422
    both = api.post(path, key=key, json={"exportType": "codeWaves", "includeAllMarkets": "yes"})
    assert both.status == 422 and [d["field"] for d in both.error["details"]] == ["includeAllMarkets", "dateKey"]
    assert both.error["details"][1]["issue"] == "codeWaves exports need a dateKey"
    unused = api.post(path, key=key, json={"exportType": "entries", "dateKey": WAVE, "extra": 1})
    assert [(d["field"], d["issue"]) for d in unused.error["details"]] == [
        ("extra", "unknown field"),
        ("dateKey", "only codeWaves exports take a dateKey"),
    ]
    assert api.post("/api/v1/campaigns/camp_missing/exports", key=key, json={"exportType": "entries"}).status == 404


def test_another_tenants_campaign_and_export_do_not_exist(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    found = campaign(api, key)
    done = export(api, key, found["id"], exportType="entries")
    other = other_admin["apiKey"]
    base = f"/api/v1/campaigns/{found['id']}/exports"
    assert api.get(f"{base}/{done['id']}", key=other).status == 404
    assert api.get(base, key=other).status == 404
    assert api.post(base, key=other, json={"exportType": "entries"}).status == 404
    own = campaign(api, other)
    assert api.get(f"/api/v1/campaigns/{own['id']}/exports/{done['id']}", key=other).status == 404


# Queued exports: the state machine exists but runs nothing, so exports stay PENDING -----------------


@pytest.fixture
def held(aws: None, monkeypatch: pytest.MonkeyPatch) -> Api:
    """The API with a campaign_exports state machine that the emulator does not execute."""
    for name, value in held_campaign_exports().items():
        monkeypatch.setenv(name, value)
    return Api()


def test_a_queued_export_is_answered_again_with_200(held: Api) -> None:
    admin = held.token("admin")
    key = admin["apiKey"]
    found = campaign(held, key)
    path = f"/api/v1/campaigns/{found['id']}/exports"
    first = held.post(path, key=key, json={"exportType": "entries"})
    again = held.post(path, key=key, json={"exportType": "entries"})
    assert (first.status, again.status) == (201, 200)
    assert again.data["id"] == first.data["id"] and again.data["status"] == "PENDING"
    other_type = held.post(path, key=key, json={"exportType": "codes"})
    waves = [
        held.post(path, key=key, json={"exportType": "codeWaves", "dateKey": day}) for day in (WAVE, WAVE, "2026-12-02")
    ]
    assert other_type.status == 201 and [reply.status for reply in waves] == [201, 200, 201]
    assert waves[0].data["id"] == waves[1].data["id"] != waves[2].data["id"]


def test_concurrent_requests_queue_one_export(held: Api) -> None:
    admin = held.token("admin")
    key = admin["apiKey"]
    found = campaign(held, key)
    path = f"/api/v1/campaigns/{found['id']}/exports"
    replies: list[Any] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        barrier.wait()
        replies.append(held.post(path, key=key, json={"exportType": "fanlist"}))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(reply.status for reply in replies) == [200, 200, 200, 200, 200, 201]
    assert len({reply.data["id"] for reply in replies}) == 1
    listed = held.get(path, key=key)
    assert [item["id"] for item in listed.data] == [replies[0].data["id"]]


def test_the_list_sorts_and_pages_by_number_and_cursor(held: Api) -> None:
    admin = held.token("admin")
    key = admin["apiKey"]
    found = campaign(held, key)
    path = f"/api/v1/campaigns/{found['id']}/exports"
    made = [
        held.post(path, key=key, json={"exportType": name}).data for name in ("waitlist", "codes", "fanlist", "entries")
    ]
    newest_first = [item["id"] for item in held.get(path, key=key).data]
    order = sorted(made, key=lambda item: (item["date"]["created"], item["id"]), reverse=True)  # same ms: by ID
    assert newest_first == [item["id"] for item in order]
    by_type = held.get(path, key=key, params={"sort": "exportType", "sortOrder": "asc"}).data
    assert [item["exportType"] for item in by_type] == ["codes", "entries", "fanlist", "waitlist"]
    page_two = held.get(path, key=key, params={"sort": "exportType", "sortOrder": "asc", "page": 2, "limit": 3})
    assert [item["exportType"] for item in page_two.data] == ["waitlist"]
    assert page_two.body["meta"]["pagination"]["nextCursor"] is None
    page_one = held.get(path, key=key, params={"sort": "exportType", "sortOrder": "asc", "limit": 3})
    following = held.get(
        path,
        key=key,
        params={
            "sort": "exportType",
            "sortOrder": "asc",
            "limit": 3,
            "cursor": page_one.body["meta"]["pagination"]["nextCursor"],
        },
    )
    assert [item["id"] for item in following.data] == [item["id"] for item in page_two.data]
    only = held.get(path, key=key, params={"exportType": "fanlist"}).data
    assert [item["exportType"] for item in only] == ["fanlist"]
    assert held.get(path, key=key, params={"page": 9}).data == []
    assert held.get(path, key=key, params={"page": 1, "cursor": "x"}).status == 422
    assert held.get(path, key=key, params={"sort": "name"}).status == 422
    assert held.get(path, key=key, params={"exportType": "nope"}).status == 422


# CCPA erasure ----------------------------------------------------------------------------------


def test_a_supreme_user_erases_a_users_exports_in_every_tenant_but_the_kept_types(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    """The user requested exports in tenant A (with a key) and in tenant B (a token of B's issuer for
    the same user); the erasure deletes them all, files and records, but the scoring file; other
    users' exports stay; a second erasure deletes nothing more and answers the same."""
    user = admin["userId"]
    a_campaign = known_campaign(api, admin["apiKey"])["campaign"]["id"]
    entries = export(api, admin["apiKey"], a_campaign, exportType="entries")
    scoring = export(api, admin["apiKey"], a_campaign, exportType="scoring")
    wave = export(api, admin["apiKey"], a_campaign, exportType="codeWaves", dateKey=WAVE)
    colleague = api.token("manager", tenant_id=admin["tenantId"])
    kept_for_colleague = export(api, colleague["apiKey"], a_campaign, exportType="fanlist")
    in_b = dev_issuer.issue(tenant_id=other_admin["tenantId"], user_id=user, role="admin", scopes=sorted(ALL_SCOPES))
    b_campaign = campaign(api, other_admin["apiKey"])["id"]
    b_export = export(api, in_b, b_campaign, exportType="waitlist")
    b_own = export(api, other_admin["apiKey"], b_campaign, exportType="codes")
    assert b_export["requesterUserId"] == user

    refused = api.delete(f"/api/v1/ccpa/users/{user}", key=other_admin["apiKey"])
    assert refused.status == 403 and refused.error["message"] == supremes.NOT_SUPREME
    operator = api.token("admin")
    supremes.set_supreme(operator["userId"], granted_by="test")
    for _ in range(2):
        erased = api.delete(f"/api/v1/ccpa/users/{user}", key=operator["apiKey"])
        assert erased.status == 200 and erased.data == {"message": "User exports deleted successfully"}

    def found(key: str, campaign_id: str, export_id: str) -> int:
        return api.get(f"/api/v1/campaigns/{campaign_id}/exports/{export_id}", key=key).status

    assert [found(admin["apiKey"], a_campaign, gone["id"]) for gone in (entries, wave)] == [404, 404]
    assert found(other_admin["apiKey"], b_campaign, b_export["id"]) == 404
    assert found(admin["apiKey"], a_campaign, scoring["id"]) == 200, "scoring exports are kept"
    assert found(admin["apiKey"], a_campaign, kept_for_colleague["id"]) == 200
    assert found(other_admin["apiKey"], b_campaign, b_own["id"]) == 200
    s3 = boto3.client("s3")
    for gone, bucket in ((entries, settings().exports_bucket), (wave, settings().vf_scoring_bucket)):
        assert s3.list_objects_v2(Bucket=bucket, Prefix=gone["key"]).get("KeyCount") == 0
    assert s3.head_object(Bucket=settings().scoring_bucket, Key=scoring["key"])
    listed = api.get(f"/api/v1/campaigns/{a_campaign}/exports", key=admin["apiKey"]).data
    assert {item["id"] for item in listed} == {scoring["id"], kept_for_colleague["id"]}
    for tenant, expected in ((admin, {entries["id"], wave["id"]}), (other_admin, {b_export["id"]})):
        audit = api.get("/api/v1/admin/audit-log", key=tenant["apiKey"], params={"action": "ccpa.user_exports_deleted"})
        first = audit.data[-1]
        assert first["entityId"] == user and first["actorUserId"] == operator["userId"]
        assert set(first["details"]["erasedExportIds"]) == expected


def test_an_ended_export_emits_one_event_with_its_get_answer(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    found = campaign(api, key)
    done = export(api, key, found["id"], exportType="fanlist")
    events = api.get("/api/v1/events", key=key, params={"type": "campaign_export.finished"}).data
    (event,) = events
    Draft202012Validator(schema_for(event["type"]), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(event)
    assert event["data"] == {**done, "path": None} and event["previous"] is None


def test_an_exports_bucket_file_expires_after_seven_days_a_handed_over_one_does_not(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    found = known_campaign(api, key)["campaign"]["id"]
    kept = export(api, key, found, exportType="entries")
    handed_over = export(api, key, found, exportType="verifiedEntries")
    assert cleanup(6)["exportsExpired"] == 0
    assert cleanup(7.01)["exportsExpired"] == 1
    expired = api.get(f"/api/v1/campaigns/{found}/exports/{kept['id']}", key=key).data
    assert expired["status"] == "EXPIRED" and expired["path"] is None and expired["count"] is None
    s3 = boto3.client("s3")
    assert s3.list_objects_v2(Bucket=settings().exports_bucket, Prefix=kept["key"]).get("KeyCount") == 0
    still = api.get(f"/api/v1/campaigns/{found}/exports/{handed_over['id']}", key=key).data
    assert still["status"] == "FINISHED" and still["path"]
    assert s3.head_object(Bucket=settings().vf_scoring_bucket, Key=handed_over["key"])
