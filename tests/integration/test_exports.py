"""Exports as Step Functions jobs on the emulator's interpreter: CSV and JSON Lines, presigned
downloads, listing, bad input and another tenant's segment."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from tests.support.faults import fault
from tests.support.fixtures import Api, business_items
from tests.support.jobs import accepted, csv_rows, download, run, wait_for


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _segment(api: Api, key: str, **body: Any) -> str:
    reply = api.post("/api/v1/segments", key=key, json={"name": "Export audience", **body})
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def test_a_csv_export_of_several_chunks_has_a_header_every_row_and_guarded_cells(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    people = [api.create_contact(key, name=f"Person {n}", tags=["export"]) for n in range(7)]
    hostile = api.create_contact(
        key,
        name='=HYPERLINK("http://evil")',
        emails=["quote@example.com"],
        phones=["+49 30 1234567", "+49 170 1234567,,12"],
        tags=["export", "a&b"],
    )
    api.create_contact(key, name="Not exported")
    segment = _segment(api, key, filter={"tag": ["export"]})

    done = run(api, "/api/v1/exports", key, json={"segmentId": segment, "format": "csv"})
    assert done["status"] == "FINISHED", done
    assert done["rowCount"] == 8 and done["segmentId"] == segment and done["downloadUrl"]
    assert done["fileExpiresAt"] > done["finishedAt"]
    query = parse_qs(urlparse(done["downloadUrl"]).query)
    assert query["X-Amz-Expires"] == ["900"], "a download URL lives 15 minutes by default"

    rows = csv_rows(download(done["downloadUrl"]))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["id", "firstName", "lastName", "name"]
    assert [row[0] for row in body] == [p["id"] for p in people] + [hostile["id"]]
    last = dict(zip(header, body[-1], strict=True))
    assert last["name"] == '\'=HYPERLINK("http://evil")', "formula cells are defused"
    assert last["email"] == "quote@example.com" and last["tags"] == "export;a&b"
    assert last["phones"] == "'+49 30 1234567;+49 170 1234567,,12"


def test_a_jsonl_export_with_chosen_fields(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, firstName="Jörg", lastName="Müller", emails=["j@example.com"])
    segment = _segment(api, key, contactIds=[contact["id"]])
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment, "format": "jsonl", "fields": ["id", "name"]})
    assert done["status"] == "FINISHED" and done["fields"] == ["id", "name"]
    lines = download(done["downloadUrl"]).decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [{"id": contact["id"], "name": "Jörg Müller"}]


def test_an_empty_segment_exports_only_the_header(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    segment = _segment(api, key, filter={"tag": ["nobody"]})
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment, "fields": ["id", "email"]})
    assert done["status"] == "FINISHED" and done["rowCount"] == 0
    assert csv_rows(download(done["downloadUrl"])) == [["id", "email"]]


def test_exports_are_listed_newest_first_and_signed_each_time(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Someone")
    segment = _segment(api, key, filter={})
    first = run(api, "/api/v1/exports", key, json={"segmentId": segment})
    second = run(api, "/api/v1/exports", key, json={"segmentId": segment, "format": "jsonl"})
    page = api.get("/api/v1/exports", key=key, params={"limit": 1})
    assert [e["operationId"] for e in page.data] == [second["operationId"]]
    rest = api.get("/api/v1/exports", key=key, params={"cursor": page.body["meta"]["pagination"]["nextCursor"]})
    assert [e["operationId"] for e in rest.data] == [first["operationId"]]
    assert rest.data[0]["downloadUrl"]


def test_the_list_filters_by_status_as_each_export_reads_now(api: Api, admin: dict[str, Any]) -> None:
    """`?status=FAILED` finds what to run again; an export past its file's expiry reads EXPIRED (and is
    found so) before the cleanup marks it; a cursor holds to its filter."""
    key = admin["apiKey"]
    api.create_contact(key, name="Filtered")
    segment = _segment(api, key, filter={})
    finished, expired = (run(api, "/api/v1/exports", key, json={"segmentId": segment}) for _ in range(2))
    with fault("exports.plan"):
        failed = run(api, "/api/v1/exports", key, json={"segmentId": segment})
    assert (finished["status"], failed["status"]) == ("FINISHED", "FAILED")
    boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]).update_item(
        Key={"PK": f"TENANT#{admin['tenantId']}#OP#{expired['operationId']}", "SK": "OPERATION"},
        UpdateExpression="SET fileExpiresAt = :past",
        ExpressionAttributeValues={":past": "2020-01-01T00:00:00.000Z"},
    )

    def listed(status: str, **params: Any) -> Any:
        return api.get("/api/v1/exports", key=key, params={"status": status, **params})

    for status, export in (("FINISHED", finished), ("EXPIRED", expired), ("FAILED", failed)):
        assert [e["operationId"] for e in listed(status).data] == [export["operationId"]], status
    assert listed("PENDING").data == []
    unfiltered = api.get("/api/v1/exports", key=key, params={"limit": 1}).body["meta"]["pagination"]["nextCursor"]
    assert listed("FAILED", cursor=unfiltered).status == 400  # a cursor goes on only with its own filter
    refused = listed("failed")
    assert refused.status == 422 and refused.error["details"][0]["field"] == "status"


def test_the_location_of_a_job_is_behind_the_stage_the_client_called(api: Api, admin: dict[str, Any]) -> None:
    """On AWS the client calls `/<stage>/api/v1/...`: the 202's `Location` has the stage before the
    status path; the body's `statusUrl` stays a path of the API (what `cdp` appends to its base URL)."""
    key = admin["apiKey"]
    reply = api.post("/api/v1/exports", key=key, json={"segmentId": _segment(api, key, filter={})}, stage="/v1")
    assert reply.status == 202, reply.body
    assert reply.data["statusUrl"].startswith("/api/v1/exports/op_")
    assert reply.header("Location") == "/v1" + reply.data["statusUrl"]
    wait_for(api, reply.data["statusUrl"], key)


def test_a_deleted_or_unknown_segment_is_404_and_starts_nothing(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    segment = _segment(api, key, filter={})
    api.delete(f"/api/v1/segments/{segment}", key=key)
    before = business_items()
    for segment_id in (segment, "seg_unknown"):
        reply = api.post("/api/v1/exports", key=key, json={"segmentId": segment_id})
        assert reply.status == 404 and reply.error["message"] == "Segment not found"
    assert [i for i in business_items() if i["kind"]["S"] == "operation"] == []
    assert len(business_items()) == len(before)


def test_bad_export_bodies_are_422(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    segment = _segment(api, key, filter={})
    for body in (
        {},
        {"segmentId": segment, "format": "xlsx"},
        {"segmentId": segment, "fields": ["password"]},
        {"segmentId": segment, "fields": []},
        {"segmentId": "not-a-segment"},
    ):
        assert api.post("/api/v1/exports", key=key, json=body).status == 422, body


def test_an_export_seen_by_a_user_holds_only_the_users_contacts(api: Api, admin: dict[str, Any]) -> None:
    user = api.token("user", tenant_id=admin["tenantId"])
    api.create_contact(admin["apiKey"], name="Admin's", tags=["t"])
    mine = api.create_contact(user["apiKey"], name="User's", tags=["t"])
    segment = _segment(api, admin["apiKey"], filter={"tag": ["t"]})
    done = run(api, "/api/v1/exports", user["apiKey"], json={"segmentId": segment, "fields": ["id"]})
    assert csv_rows(download(done["downloadUrl"])) == [["id"], [mine["id"]]]
    assert api.get(f"/api/v1/exports/{done['operationId']}", key=admin["apiKey"]).status == 200
    other = api.token("user", tenant_id=admin["tenantId"])
    assert api.get(f"/api/v1/exports/{done['operationId']}", key=other["apiKey"]).status == 404


def test_the_status_is_readable_while_the_job_runs(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Someone")
    started = accepted(api, "/api/v1/exports", key, json={"segmentId": _segment(api, key, filter={})})
    assert started["statusUrl"] == f"/api/v1/exports/{started['operationId']}"
    assert wait_for(api, started["statusUrl"], key)["status"] == "FINISHED"
