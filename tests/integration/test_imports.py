"""Imports as Step Functions jobs: inline CSV, presigned uploads, files dropped into S3, row checks,
duplicates, modes, encodings and hostile files."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from contact_platform import config
from contact_platform.jobs.imports import PROGRESS_ROWS
from contact_platform.workflows import S3_UPLOAD
from local.failure_queues import replay
from local.lambda_runtime import direct_invoker
from local.resources import functions_by_name, trigger_function_name
from tests.support.entities import make
from tests.support.fixtures import JOBS_ENVIRONMENT, Api, business_items
from tests.support.jobs import accepted, csv_rows, download, run, wait_for
from tests.support.request_counter import dynamodb_requests

UPLOADS = JOBS_ENVIRONMENT[config.ENV_UPLOADS_BUCKET]


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _import(api: Api, key: str, data: bytes, **params: Any) -> dict[str, Any]:
    return run(api, "/api/v1/imports", key, body=data, headers={"Content-Type": "text/csv"}, params=params or None)


def _contacts(api: Api, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = api.get("/api/v1/contacts", key=key, params={"limit": 200, **({"cursor": cursor} if cursor else {})})
        found += reply.data
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            return found


def test_a_rows_cell_errors_are_in_the_validators_own_words(api: Api, admin: dict[str, Any]) -> None:
    text = (
        "Name,Email,Phone,Company,Tags\n"
        "Anna,anna@example.com,call me,,\n"  # 2: not a phone number
        'Ben,ben@example.com,,,"a,b;c"\n'  # 3: a tag holding a comma (the cell splits on ;)
        'Cleo,cleo@example.com,,"Bad\x01Corp",\n'  # 4: a company with a control character
    )
    done = _import(api, admin["apiKey"], text.encode())
    assert (done["created"], done["failed"]) == (0, 3), done
    assert {e["row"]: (e["field"], e["issue"]) for e in done["errors"]} == {
        2: ("phone", "not a phone number"),
        3: ("tags", "must not contain , or ; (they separate tags in a list filter and in a CSV cell)"),
        4: ("company", "must not contain control characters"),
    }


def test_a_german_semicolon_file_with_bom_reports_every_kind_of_row(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    existing = api.create_contact(key, name="Schon Da", emails=["schon@example.com"])
    text = (
        "Vorname;Nachname;E-Mail;Telefon;Firma;Lieblingsfarbe\r\n"
        "Anna;Schmidt;anna@example.com;+49 170 1234567;ACME;blau\r\n"  # 2: created
        "Bernd;;bernd@example;;;\r\n"  # 3: invalid email
        "Carla;Meyer;;;;\r\n"  # 4: no email and no phone
        "Anna;Zwei;ANNA@example.com;;;\r\n"  # 5: duplicate of row 2 in the file
        "Schon;Wieder;schon@example.com;;;\r\n"  # 6: duplicate of an existing contact
        "\"=cmd|' /C calc'!A0\";Evil;evil@example.com;;;\r\n"  # 7: formula cell
        ";;nur@example.com;;;\r\n"  # 8: no name
        "Dora;Telefon;;0170 7654321;;\r\n"  # 9: created by phone only
    )
    done = _import(api, key, "\ufeff".encode() + text.encode("utf-8"))
    assert done["status"] == "FINISHED", done
    assert done["totalRows"] == 8 and done["processedRows"] == 8
    assert (done["created"], done["updated"], done["skippedDuplicates"], done["failed"]) == (2, 0, 2, 4)
    assert done["unknownColumns"] == ["Lieblingsfarbe"]
    errors = {(e["row"], e["field"]): e for e in done["errors"]}
    assert errors[(3, "email")]["value"] == "bernd@example"
    assert errors[(4, "email")]["issue"] == "an email or a phone number is required"
    assert errors[(5, "email")]["issue"] == "duplicate of row 2 in this file"
    assert errors[(6, "email")]["issue"] == f"duplicate of existing contact {existing['id']}"
    assert "formula" in errors[(7, "firstName")]["issue"]
    assert (8, "name") in errors
    report = csv_rows(download(done["errorReportUrl"]))
    assert report[0] == ["row", "field", "issue", "value"] and len(report) - 1 == done["errorCount"]

    names = {c["name"]: c for c in _contacts(api, key)}
    assert set(names) == {"Schon Da", "Anna Schmidt", "Dora Telefon"}
    anna = names["Anna Schmidt"]
    assert anna["emails"] == ["anna@example.com"] and anna["phones"] == ["+49 170 1234567"]
    assert anna["customFields"] == {} and anna["ownerId"] == admin["userId"]
    acme = api.get(f"/api/v1/organizations/{anna['organizationId']}", key=key).data
    assert acme["name"] == "ACME", "the Firma column links the organization of that name, created"
    assert (done["organizationsCreated"], done["organizationsLinked"]) == (1, 1)


def test_upsert_updates_existing_contacts_by_email_then_phone(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    by_email = api.create_contact(key, name="Old Name", emails=["old@example.com"], tags=["kept"])
    by_phone = api.create_contact(key, name="Phone Person", phones=["+49 30 123456"])
    text = (
        "name,email,phone,tags\n"
        "New Name,OLD@example.com,,vip\n"
        "Phone Person,,030 123456,called\n"
        "Fresh,fresh@example.com,,\n"
    )
    done = _import(api, key, text.encode(), mode="upsert")
    assert (done["created"], done["updated"], done["skippedDuplicates"], done["failed"]) == (1, 2, 0, 0), done
    email_contact = api.get(f"/api/v1/contacts/{by_email['id']}", key=key).data
    assert email_contact["name"] == "New Name" and email_contact["tags"] == ["kept", "vip"]
    assert api.get(f"/api/v1/contacts/{by_phone['id']}", key=key).data["tags"] == ["called"]


def test_a_windows_1252_tab_separated_file(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    text = "Name\tEmail\nJürgen Größe\tj@example.com\n"
    done = _import(api, key, text.encode("cp1252"))
    assert done["created"] == 1, done
    assert [c["name"] for c in _contacts(api, key)] == ["Jürgen Größe"]


def test_an_upload_url_starts_the_job_when_the_file_arrives(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    started = accepted(api, "/api/v1/imports", key, json={"fileName": "../../partner list.csv"})
    assert started["status"] == "PENDING" and "partner_list.csv" in started["uploadUrl"]
    status = api.get(started["statusUrl"], key=key).data
    assert status["status"] == "PENDING" and status["fileName"] == "partner_list.csv"
    assert started["uploadHeaders"] == {"Content-Type": "text/csv"}
    assert started["statusUrl"] == f"/api/v1/imports/{started['operationId']}"
    response = requests.put(
        started["uploadUrl"], data=b"name,email\nUp Loaded,up@example.com\n", headers=started["uploadHeaders"]
    )
    assert response.status_code == 200
    done = wait_for(api, started["statusUrl"], key)
    assert done["status"] == "FINISHED" and done["created"] == 1


@pytest.mark.parametrize(
    ("headers", "sent"),
    [({"Content-Type": "application/x-www-form-urlencoded"}, "application/x-www-form-urlencoded"), ({}, "")],
    ids=["curl-default", "no-header"],
)
def test_an_upload_without_its_headers_fails_naming_the_content_type(
    api: Api, admin: dict[str, Any], headers: dict[str, str], sent: str
) -> None:
    key = admin["apiKey"]
    started = accepted(api, "/api/v1/imports", key, json={"fileName": "big.csv"})
    data = b"name,email\nUp Loaded,up@example.com\n"
    assert requests.put(started["uploadUrl"], data=data, headers=headers).status_code == 200
    done = wait_for(api, started["statusUrl"], key)
    assert done["status"] == "FAILED", done
    named = re.match(
        r"The upload was sent with Content-Type (\S+); the upload URL requires Content-Type: text/csv",
        done["failureReason"],
    )
    assert named is not None, done["failureReason"]
    assert named[1] == sent if sent else named[1] != "text/csv"
    # Sent again as told, the import runs on retry.
    assert requests.put(started["uploadUrl"], data=data, headers=started["uploadHeaders"]).status_code == 200
    accepted(api, f"{started['statusUrl']}/retry", key)
    assert wait_for(api, started["statusUrl"], key)["created"] == 1


def test_an_empty_upload_fails_saying_so(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    started = accepted(api, "/api/v1/imports", key, json={"fileName": "big.csv"})
    assert requests.put(started["uploadUrl"], data=b"", headers=started["uploadHeaders"]).status_code == 200
    done = wait_for(api, started["statusUrl"], key)
    assert done["status"] == "FAILED" and done["failureReason"] == "The uploaded object is empty (0 bytes)"


def test_the_documented_import_answers_show_an_import_status_url_and_the_upload_curl() -> None:
    document = json.loads(Path("docs/openapi.json").read_text())
    accepted_import = document["components"]["schemas"]["ImportAccepted"]["properties"]
    assert accepted_import["statusUrl"]["examples"][0].startswith("/api/v1/imports/op_")
    assert accepted_import["uploadHeaders"]["examples"] == [{"Content-Type": "text/csv"}]
    for path in ("/api/v1/imports", "/api/v1/imports/{operationId}/retry"):
        answer = document["paths"][path]["post"]["responses"]["202"]["content"]["application/json"]["schema"]
        assert answer["$ref"].endswith("Envelope_ImportAccepted_"), path
    curl = "curl -X PUT -H 'Content-Type: text/csv' --data-binary @big.csv \"$uploadUrl\""
    assert curl in document["paths"]["/api/v1/imports"]["post"]["description"]
    assert curl in Path("README.md").read_text()


def test_a_file_dropped_into_the_bucket_starts_an_import_once(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    s3 = boto3.client("s3")
    s3.put_object(Bucket=UPLOADS, Key=f"tenants/{admin['tenantId']}/imports/drop.csv", Body=b"name,email\nD,d@x.de\n")
    listed = api.get("/api/v1/imports", key=key).data
    assert len(listed) == 1 and listed[0]["fileName"] == "drop.csv"
    done = wait_for(api, f"/api/v1/imports/{listed[0]['operationId']}", key)
    assert done["created"] == 1
    s3.put_object(Bucket=UPLOADS, Key=f"scratch/{admin['tenantId']}/x.csv", Body=b"name,email\nX,x@x.de\n")
    s3.put_object(Bucket=UPLOADS, Key="tenants/ten_unknown/imports/x.csv", Body=b"name,email\nX,x@x.de\n")
    assert len(api.get("/api/v1/imports", key=key).data) == 1


def _object_created(bucket: str, key: str, etag: str) -> dict[str, Any]:
    """The S3 notification of a new object, as Lambda hands it to the upload trigger (and, after the
    trigger failed every retry, as its dead-letter queue keeps it)."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-central-1",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "eTag": etag, "size": 20}},
    }
    return {"Records": [record]}


def test_a_dropped_file_whose_trigger_failed_is_imported_when_its_dead_letter_is_replayed(
    api: Api, admin: dict[str, Any]
) -> None:
    """`cdp dead-letters replay`: the file's import starts, once however often it is replayed."""
    key = admin["apiKey"]
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    s3.put_bucket_notification_configuration(Bucket=UPLOADS, NotificationConfiguration={})  # the trigger "fails"
    dropped = f"tenants/{admin['tenantId']}/imports/late.csv"
    etag = s3.put_object(Bucket=UPLOADS, Key=dropped, Body=b"name,email\nLate,late@x.de\n")["ETag"]
    assert api.get("/api/v1/imports", key=key).data == []
    queue = sqs.create_queue(QueueName="upload-dead-letters")["QueueUrl"]
    event = json.dumps(_object_created(UPLOADS, dropped, etag))
    for body in (event, event, "not json"):  # the same event twice, as two failed deliveries of it
        sqs.send_message(QueueUrl=queue, MessageBody=body)

    report = replay(sqs, direct_invoker(functions_by_name()), queue, trigger_function_name(S3_UPLOAD))
    assert (report.handled, report.events) == (2, 2)
    assert [line.partition(": ")[2] for line in report.kept] == ["not an event (no JSON)"]
    [started] = api.get("/api/v1/imports", key=key).data
    assert started["fileName"] == "late.csv"
    assert wait_for(api, f"/api/v1/imports/{started['operationId']}", key)["created"] == 1
    assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]) == 1, "the kept one"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary"),
        (b"colour,size\nred,10\n", "names no contact columns"),
        (",".join(f"c{n}" for n in range(10_000)).encode() + b"\n", "10000 columns"),
    ],
)
def test_an_inline_body_that_is_not_a_contact_csv_is_422_and_writes_nothing(
    api: Api, admin: dict[str, Any], data: bytes, reason: str
) -> None:
    before = business_items()
    reply = api.post("/api/v1/imports", key=admin["apiKey"], body=data, headers={"Content-Type": "text/csv"})
    assert reply.status == 422 and reason in reply.error["message"], reply.body
    assert business_items() == before


def test_a_dropped_file_that_is_not_csv_fails_the_operation_with_the_reason(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    boto3.client("s3").put_object(
        Bucket=UPLOADS, Key=f"tenants/{admin['tenantId']}/imports/photo.csv", Body=b"\x89PNG\r\n\x1a\n" + bytes(500)
    )
    operation = api.get("/api/v1/imports", key=key).data[0]
    done = wait_for(api, f"/api/v1/imports/{operation['operationId']}", key)
    assert done["status"] == "FAILED" and "binary" in done["failureReason"]
    assert _contacts(api, key) == []


def test_hostile_rows_are_reported_one_by_one(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    big = "x" * 1_000_000
    data = (
        b"name,email\n"
        b"Good One,good@example.com\n"
        b"Nul\x00Byte,nul@example.com\n" + f"{big},big@example.com\n".encode() + b"Bad \xff\xfe UTF,bad@example.com\n"
    )
    done = _import(api, key, data)
    assert done["status"] == "FINISHED", done
    assert done["created"] == 2 and done["failed"] == 2, done  # the invalid UTF-8 reads as Windows-1252
    issues = {e["row"]: e["issue"] for e in done["errors"]}
    assert "NUL" in issues[3] and "longer" in issues[4]
    assert all(len(e["value"]) <= 100 for e in done["errors"])


def test_more_than_six_megabytes_inline_is_413(api: Api, admin: dict[str, Any]) -> None:
    data = b"name,email\n" + b"x,x@example.com\n" * 400_000
    reply = api.post("/api/v1/imports", key=admin["apiKey"], body=data, headers={"Content-Type": "text/csv"})
    assert reply.status == 413 and reply.error["code"] == "PAYLOAD_TOO_LARGE"


def test_only_partners_and_admins_may_import(api: Api, admin: dict[str, Any]) -> None:
    manager = api.token("manager", tenant_id=admin["tenantId"])
    partner = api.token("partner", tenant_id=admin["tenantId"])
    body, headers = b"name,email\nP,p@example.com\n", {"Content-Type": "text/csv"}
    refused = api.post("/api/v1/imports", key=manager["apiKey"], body=body, headers=headers)
    assert refused.status == 403 and refused.error["message"] == "Missing required permission: imports:write"
    done = _import(api, partner["apiKey"], body)
    assert done["created"] == 1
    assert api.get(f"/api/v1/imports/{done['operationId']}", key=manager["apiKey"]).status == 200


def test_a_partners_import_list_reads_its_own_imports_only(api: Api, admin: dict[str, Any]) -> None:
    """A partner sees only the imports it asked for, from their own index: its first page holds them
    however many newer imports the admin started (one Query, not pages of the admin's imports)."""
    partner = api.token("partner", tenant_id=admin["tenantId"])
    own = [accepted(api, "/api/v1/imports", partner["apiKey"], json={"fileName": f"p{n}.csv"}) for n in range(2)]
    for n in range(12):
        accepted(api, "/api/v1/imports", admin["apiKey"], json={"fileName": f"a{n}.csv"})
    for params in ({"limit": 2}, {"limit": 2, "status": "PENDING"}):
        with dynamodb_requests() as sent:
            page = api.get("/api/v1/imports", key=partner["apiKey"], params=params)
        assert [i["operationId"] for i in page.data] == [i["operationId"] for i in own[::-1]], page.body
        assert sent["Query"] == 1, sent
    assert api.get("/api/v1/imports", key=partner["apiKey"], params={"status": "FINISHED"}).data == []
    assert len(api.get("/api/v1/imports", key=admin["apiKey"], params={"limit": 100}).data) == 14


def test_a_partners_import_names_only_the_contacts_it_may_read(api: Api, admin: dict[str, Any]) -> None:
    hidden = api.create_contact(admin["apiKey"], name="Admin Own", emails=["hidden@example.com"])
    partner = api.token("partner", tenant_id=admin["tenantId"])
    own = api.create_contact(partner["apiKey"], name="Partner Own", emails=["own@example.com"])
    text = b"name,email\nA,hidden@example.com\nB,own@example.com\n"
    for mode in ("skip", "upsert"):
        done = _import(api, partner["apiKey"], text, mode=mode)
        issues = {e["row"]: e["issue"] for e in done["errors"]}
        assert issues[2] == "the email is already taken by another contact", done
        assert hidden["id"] not in str(done) and hidden["id"] not in download(done["errorReportUrl"]).decode()
        if mode == "skip":
            assert issues[3] == f"duplicate of existing contact {own['id']}"
    assert api.get(f"/api/v1/contacts/{hidden['id']}", key=admin["apiKey"]).data["name"] == "Admin Own"


def test_processed_rows_move_within_a_chunk(api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_CHUNK_ROWS, "1000")  # one chunk of 600 rows: progress every PROGRESS_ROWS
    config.settings.cache_clear()
    key = admin["apiKey"]
    data = b"name,email\n" + b"".join(f"Row {n},row{n}@example.com\n".encode() for n in range(600))
    started = accepted(api, "/api/v1/imports", key, body=data, headers={"Content-Type": "text/csv"})
    seen: list[tuple[str, int]] = []
    while not seen or seen[-1][0] not in ("FINISHED", "FAILED"):
        status = api.get(started["statusUrl"], key=key).data
        seen.append((status["status"], status["processedRows"]))
        time.sleep(0.02)
    assert seen[-1] == ("FINISHED", 600)
    during = {rows for state, rows in seen if state == "TRIGGERED"}
    assert during & {PROGRESS_ROWS, 2 * PROGRESS_ROWS}, f"no progress seen within the chunk: {sorted(during)}"
    [operation] = [i for i in business_items() if i.get("kind", {}).get("S") == "operation"]
    assert operation["progress"]["M"] == {"1": {"N": "600"}}, "one progress write a slice, the last one 600"


def test_neither_csv_nor_json_is_422(api: Api, admin: dict[str, Any]) -> None:
    reply = api.post("/api/v1/imports", key=admin["apiKey"])
    assert reply.status == 422 and reply.error["details"][0]["field"] == "body"
    assert api.post("/api/v1/imports", key=admin["apiKey"], json={"fileName": ""}).status == 422
    assert api.post("/api/v1/imports", key=admin["apiKey"], json={"fileName": "a.csv", "mode": "merge"}).status == 422


def test_the_company_column_links_or_creates_organizations(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    known = make(api, key, "organization", name="Bekannt GmbH")["id"]
    umlaut = make(api, key, "organization", name="Müller Feinkost")["id"]
    text = (
        "name,email,Company,organizationId\n"
        "A,a@example.com,Neu AG,\n"  # 2: creates Neu AG
        "B,b@example.com,NEU ag,\n"  # 3: the same organization, another spelling
        "C,c@example.com,bekannt gmbh,\n"  # 4: links the existing one
        f"D,d@example.com,Anders AG,{known}\n"  # 5: the organizationId wins
        "E,e@example.com,,org_unknown\n"  # 6: no such organization, no company to fall back on
        "F,f@example.com,Fremd AG,org_unknown\n"  # 7: another tenant's ID: linked by the name instead
        f"G,g@example.com,{'x' * 201},\n"  # 8: too long for an organization's name
        "H,h@example.com,Mueller Feinkost,\n"  # 9: the umlaut's organization, spelled out
    )
    done = _import(api, key, text.encode())
    assert (done["created"], done["failed"], done["organizationsCreated"], done["organizationsLinked"]) == (6, 2, 2, 5)
    errors = {(e["row"], e["field"]): e["issue"] for e in done["errors"]}
    assert errors[(6, "organizationId")] == "no organization with this id"
    assert (8, "company") in errors
    linked = {c["name"]: c["organizationId"] for c in _contacts(api, key)}
    assert linked["A"] == linked["B"] and linked["C"] == known and linked["D"] == known and linked["H"] == umlaut
    names = {o["id"]: o["name"] for o in api.get("/api/v1/organizations", key=key).data}
    assert names[linked["A"]] == "Neu AG" and names[linked["F"]] == "Fremd AG"
    assert sorted(names.values()) == ["Bekannt GmbH", "Fremd AG", "Müller Feinkost", "Neu AG"]
