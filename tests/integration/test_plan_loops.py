"""The export and tagging plans are loops (docs/architecture.md, Jobs): each invocation lists up to
PLAN_ROWS rows (or what its Lambda's time allows) into chunk files numbered on from the chunks before
it and returns a cursor, and the state machine's Choice calls it again until it is done. Here with
chunks of 50 rows and 100 rows an invocation: 230 contacts take 3 plan invocations (5 chunks) on the
emulator's interpreter, and the file holds every row once, in the segment's order; every contact is
tagged and untagged once. A plan invocation run again with the same cursor writes the same files
and answers the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from contact_platform import config
from contact_platform.jobs import steps
from contact_platform.permissions import Caller, Role
from contact_platform.services import contact_queries, operations
from contact_platform.store import operations as operation_store
from functions.workflows.exports.plan import handler as plan_handler
from local.lambda_runtime import LambdaContext
from tests.support.fixtures import JOBS_ENVIRONMENT, Api, jobs_account
from tests.support.jobs import csv_rows, download, run, wait_for

CHUNK_ROWS, PLAN_ROWS, CONTACTS = 50, 100, 230
UPLOADS = JOBS_ENVIRONMENT[config.ENV_UPLOADS_BUCKET]


@pytest.fixture(scope="module")
def tenant() -> Iterator[dict[str, Any]]:
    """The jobs account with small chunks and plan invocations, a tenant of CONTACTS contacts (half
    of them tagged `even`) and a segment of all of them, its preview order."""
    with jobs_account(**{config.ENV_CHUNK_ROWS: str(CHUNK_ROWS), config.ENV_PLAN_ROWS: str(PLAN_ROWS)}):
        api = Api()
        admin = api.token("admin")
        key = admin["apiKey"]
        for number in range(CONTACTS):
            api.create_contact(key, name=f"Loop {number:03d}", tags=["even"] if number % 2 == 0 else [])
        segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data["id"]
        yield {"api": api, "admin": admin, "segment": segment, "order": _preview(api, key, segment)}


def _preview(api: Api, key: str, segment: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        reply = api.get(f"/api/v1/segments/{segment}/contacts", key=key, params=params)
        ids += [contact["id"] for contact in reply.data]
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if not cursor:
            return ids


def _plan_calls(operation_id: str, workflow: str = "exports") -> list[dict[str, Any]]:
    """The plan invocations of the operation's execution: the payload each was given."""
    states = boto3.client("stepfunctions")
    arn = config.settings().state_machine_arn(workflow).replace(":stateMachine:", ":execution:")
    history = states.get_execution_history(executionArn=f"{arn}:{operation_id}", maxResults=1000)["events"]
    return [
        parameters["Payload"]
        for event in history
        if event["type"] == "TaskScheduled"
        for parameters in [json.loads(event["taskScheduledEventDetails"]["parameters"])]
        if parameters["FunctionName"].endswith(f"-{workflow}-plan")
    ]


def _manifest(tenant_id: str, operation_id: str) -> list[dict[str, Any]]:
    key = f"scratch/{tenant_id}/{operation_id}/manifest.json"
    manifest: list[dict[str, Any]] = json.loads(boto3.client("s3").get_object(Bucket=UPLOADS, Key=key)["Body"].read())
    return manifest


def _scratch(tenant_id: str, operation_id: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=UPLOADS, Prefix=f"scratch/{tenant_id}/{operation_id}/")
    return {
        item["Key"]: s3.get_object(Bucket=UPLOADS, Key=item["Key"])["Body"].read()
        for item in listed.get("Contents", [])
    }


def test_an_export_plans_in_three_invocations_and_writes_every_row_once_in_order(tenant: dict[str, Any]) -> None:
    api, key, tenant_id = tenant["api"], tenant["admin"]["apiKey"], tenant["admin"]["tenantId"]
    done = run(api, "/api/v1/exports", key, json={"segmentId": tenant["segment"], "fields": ["id", "name"]})
    assert done["status"] == "FINISHED" and done["rowCount"] == CONTACTS, done

    calls = _plan_calls(done["operationId"])
    assert [call["chunks"] for call in calls] == [0, 2, 4], "chunks 1-2, 3-4, then 5 and done"
    assert calls[0]["cursor"] is None and all(call["cursor"] for call in calls[1:])
    manifest = _manifest(tenant_id, done["operationId"])
    assert [entry["chunk"] for entry in manifest] == [1, 2, 3, 4, 5]

    rows = csv_rows(download(done["downloadUrl"]))
    assert rows[0] == ["id", "name"]
    ids = [row[0] for row in rows[1:]]
    assert ids == tenant["order"] and len(set(ids)) == CONTACTS


def test_a_filtered_export_loops_too(tenant: dict[str, Any]) -> None:
    """`even` (115 contacts) through the tag's assignments: 3 chunks, 2 plan invocations."""
    api, key = tenant["api"], tenant["admin"]["apiKey"]
    segment = api.post("/api/v1/segments", key=key, json={"name": "Even", "filter": {"tag": ["even"]}}).data["id"]
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment, "fields": ["id"]})
    assert done["status"] == "FINISHED" and done["rowCount"] == CONTACTS // 2, done
    assert [call["chunks"] for call in _plan_calls(done["operationId"])] == [0, 2]
    ids = [row[0] for row in csv_rows(download(done["downloadUrl"]))[1:]]
    assert ids == _preview(api, key, segment)


def test_tagging_a_segment_and_removing_the_tag_plan_in_loops(tenant: dict[str, Any]) -> None:
    api, key = tenant["api"], tenant["admin"]["apiKey"]
    tag = str(api.post("/api/v1/tags", key=key, json={"name": "looped"}).data["id"])
    done = run(api, "/api/v1/tag-assignments", key, json={"tagId": tag, "segmentId": tenant["segment"]})
    assert done["status"] == "FINISHED" and (done["matched"], done["tagged"]) == (CONTACTS, CONTACTS), done
    assert [call["chunks"] for call in _plan_calls(done["operationId"], "tagging")] == [0, 2, 4]
    assert api.get(f"/api/v1/tags/{tag}", key=key).data["contactCount"] == CONTACTS

    deleting = api.delete(f"/api/v1/tags/{tag}", key=key)
    removed = wait_for(api, deleting.data["statusUrl"], key)
    assert removed["status"] == "FINISHED" and removed["untagged"] == CONTACTS, removed
    assert [call["chunks"] for call in _plan_calls(removed["operationId"], "tagging")] == [0, 2, 4]
    assert api.get("/api/v1/contacts", key=key, params={"tag": "looped"}).data == []


def _pending_export(tenant: dict[str, Any]) -> operation_store.OperationItem:
    """An export operation whose state machine was never started: its steps are called here."""
    admin = tenant["admin"]
    caller = Caller(admin["tenantId"], admin["userId"], Role.ADMIN, frozenset(), "", "req_test")
    operation = operations.new_operation(
        caller, "exports", {"segmentId": tenant["segment"], "format": "csv", "dialect": "rfc4180", "fields": ["id"]}
    )
    assert operation_store.create(operation, None)
    return operation


def _context(seconds: int) -> LambdaContext:
    arn = "arn:aws:lambda:eu-central-1:123456789012:function:cdp-exports-plan"
    return LambdaContext("cdp-exports-plan", arn, memory_mb=1024, timeout_seconds=seconds)


def test_a_plan_invocation_run_again_with_the_same_cursor_writes_the_same_chunks(tenant: dict[str, Any]) -> None:
    operation = _pending_export(tenant)
    tenant_id, operation_id = operation.tenant_id, operation.operation_id
    event: dict[str, Any] = {"tenantId": tenant_id, "operationId": operation_id, "cursor": None, "chunks": 0}
    answers: list[dict[str, Any]] = []
    while True:
        answer = plan_handler(dict(event), _context(900))
        files = _scratch(tenant_id, operation_id)
        again = plan_handler(dict(event), _context(900))  # a retry of the same invocation
        assert again == answer and _scratch(tenant_id, operation_id) == files, event
        answers.append(answer)
        if answer["done"]:
            break
        event = {**event, "cursor": answer["cursor"], "chunks": answer["chunks"]}
    assert [(a["done"], a["chunks"]) for a in answers] == [(False, 2), (False, 4), (True, 5)]
    assert all(len(json.dumps(a["cursor"])) < 1000 for a in answers), "a small cursor in the execution's state"
    assert answers[-1]["key"] == f"scratch/{tenant_id}/{operation_id}/manifest.json"
    files = _scratch(tenant_id, operation_id)
    chunks = [files[entry["key"]] for entry in _manifest(tenant_id, operation_id)]
    assert sorted(files) == sorted([*(entry["key"] for entry in _manifest(tenant_id, operation_id)), answer["key"]])
    listed = [json.loads(line) for chunk in chunks for line in chunk.splitlines()]
    assert [len(chunk.splitlines()) for chunk in chunks] == [50, 50, 50, 50, 30]
    assert listed == tenant["order"]
    stored = operation_store.get(tenant_id, operation_id)
    assert stored is not None and stored.status == operation_store.TRIGGERED


def test_a_plan_whose_time_runs_short_stops_after_a_chunk_or_even_within_one(
    tenant: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Less than STOP_SECONDS left: one chunk, then a cursor; less than HALT_SECONDS: the page read
    so far (a Query of 30 here) as a shorter chunk, then a cursor. Either way the plan goes on from
    there and lists every contact once."""
    monkeypatch.setenv(config.ENV_PLAN_ROWS, "1000000")
    monkeypatch.setattr(contact_queries, "ID_PAGE_SIZE", 30)
    config.settings.cache_clear()
    try:
        for seconds, sizes in ((int(steps.STOP_SECONDS), [50] * 4 + [30]), (int(steps.HALT_SECONDS), [30] * 7 + [20])):
            operation = _pending_export(tenant)
            tenant_id, operation_id = operation.tenant_id, operation.operation_id
            event: dict[str, Any] = {"tenantId": tenant_id, "operationId": operation_id, "cursor": None, "chunks": 0}
            invocations = 0
            while True:
                answer = plan_handler(dict(event), _context(seconds))
                invocations += 1
                if answer["done"]:
                    break
                event = {**event, "cursor": answer["cursor"], "chunks": answer["chunks"]}
            files = _scratch(tenant_id, operation_id)
            chunks = [files[entry["key"]].splitlines() for entry in _manifest(tenant_id, operation_id)]
            assert [len(chunk) for chunk in chunks] == sizes, seconds
            assert [json.loads(line) for chunk in chunks for line in chunk] == tenant["order"]
            assert invocations >= len(sizes)
    finally:
        config.settings.cache_clear()


def test_a_plan_refuses_to_go_on_when_the_segment_changed(tenant: dict[str, Any]) -> None:
    operation = _pending_export(tenant)
    event: dict[str, Any] = {"tenantId": operation.tenant_id, "operationId": operation.operation_id}
    first = plan_handler({**event, "cursor": None, "chunks": 0}, _context(900))
    api, key = tenant["api"], tenant["admin"]["apiKey"]
    assert api.patch(f"/api/v1/segments/{tenant['segment']}", key=key, json={"name": "Renamed"}).status == 200
    with pytest.raises(steps.JobRefused, match="segment was changed or deleted while the export was being planned"):
        plan_handler({**event, "cursor": first["cursor"], "chunks": first["chunks"]}, _context(900))
