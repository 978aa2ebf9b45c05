"""DynamoDB requests per call of the segment, tag and job routes, beyond what every call costs (the
authorizer's UpdateItem, which reads the API key and counts the request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contact_platform import config
from contact_platform.jobs import imports, steps
from contact_platform.permissions import Caller, Role
from contact_platform.services import contact_queries, operations
from contact_platform.store import operations as operation_store
from functions.workflows.exports.plan import handler as export_plan
from functions.workflows.exports.process_chunk import handler as export_chunk
from functions.workflows.imports.process_chunk import handler as process_chunk
from local.lambda_runtime import LambdaContext
from tests.support.entities import make
from tests.support.fixtures import Api, Reply
from tests.support.jobs import run
from tests.support.request_counter import dynamodb_requests, write_units

EVERY_CALL = {"UpdateItem": 1}


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def spent(call: Callable[[], Reply], status: int) -> dict[str, int]:
    """The route's own requests: those of the call less EVERY_CALL."""
    with dynamodb_requests() as sent:
        assert call().status == status
    assert all(sent.get(name, 0) >= count for name, count in EVERY_CALL.items()), sent
    return {name: count - EVERY_CALL.get(name, 0) for name, count in sent.items() if count > EVERY_CALL.get(name, 0)}


def test_segment_routes_are_one_or_two_requests(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    organization = make(api, key, "organization")["id"]
    for number in range(3):
        api.create_contact(key, name=f"Budget {number}", organizationId=organization)
    body = {"name": "Budget", "filter": {"organizationId": organization}}
    assert spent(lambda: api.post("/api/v1/segments", key=key, json=body), 201) == {"TransactWriteItems": 1}
    segment = api.get("/api/v1/segments", key=key).data[0]
    path = f"/api/v1/segments/{segment['id']}"
    assert spent(lambda: api.get("/api/v1/segments", key=key), 200) == {"Query": 1}
    assert spent(lambda: api.get(path, key=key), 200) == {"GetItem": 1}
    assert spent(lambda: api.get(f"{path}/contacts", key=key), 200) == {"GetItem": 1, "Query": 1}
    assert spent(lambda: api.get(f"{path}/count", key=key), 200) == {"GetItem": 1, "Query": 1}
    assert spent(lambda: api.patch(path, key=key, json={"name": "B2"}), 200) == {"GetItem": 1, "TransactWriteItems": 1}
    assert spent(lambda: api.delete(path, key=key), 200) == {"GetItem": 1, "TransactWriteItems": 1}


def test_tagging_a_contact_is_one_transaction_and_nothing_when_it_has_the_tag(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Budget")
    assert spent(lambda: api.post("/api/v1/tags", key=key, json={"name": "vip"}), 201) == {"TransactWriteItems": 1}
    assert spent(lambda: api.get("/api/v1/tags", key=key), 200) == {"Query": 1}
    tag = api.get("/api/v1/tags", key=key).data[0]
    path = f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}"
    tag_and_contact = {"GetItem": 2}
    # A write that changes a contact's tags reads the name guards once (BatchGetItem): the tag whose
    # contactCount the same transaction moves (docs/data-model.md, Tags).
    write = {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert spent(lambda: api.call("PUT", path, key=key), 200) == tag_and_contact | write
    assert spent(lambda: api.call("PUT", path, key=key), 200) == tag_and_contact
    assert spent(lambda: api.delete(path, key=key), 200) == tag_and_contact | write
    one = f"/api/v1/tags/{tag['id']}"
    assert spent(lambda: api.get(one, key=key), 200) == {"GetItem": 1}
    assert spent(lambda: api.patch(one, key=key, json={"color": "#123456"}), 200) == {
        "GetItem": 1,
        "TransactWriteItems": 1,
    }


def test_job_status_and_lists_are_one_query(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Budget")
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment["id"], "format": "csv"})
    status = f"/api/v1/exports/{done['operationId']}"
    assert spent(lambda: api.get(status, key=key), 200) == {"Query": 1}
    assert spent(lambda: api.get("/api/v1/exports", key=key), 200) == {"Query": 1}
    assert spent(lambda: api.get(f"/api/v1/imports/{done['operationId']}", key=key), 404) == {"Query": 1}


def _chunk_of_a_failed_import(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch, data: bytes, fault: str, number: int = 1
) -> Any:
    """A call that processes chunk `number` of an import of `data` whose chunks failed where `fault`
    says (their files stay), as the Map would run the chunk step's handler."""
    monkeypatch.setenv(config.ENV_CHUNK_ROWS, "1000")
    monkeypatch.setenv(config.ENV_FAULT_STEP, fault)
    config.settings.cache_clear()
    tenant, key = admin["tenantId"], admin["apiKey"]
    failed = run(api, "/api/v1/imports", key, body=data, headers={"Content-Type": "text/csv"})
    assert failed["status"] == "FAILED", failed
    monkeypatch.delenv(config.ENV_FAULT_STEP)
    config.settings.cache_clear()
    operation_id = failed["operationId"]
    chunk = {"chunk": number, "key": f"scratch/{tenant}/{operation_id}/chunk-{number:06d}.jsonl"}
    context = LambdaContext(
        "cdp-imports-process-chunk",
        "arn:aws:lambda:eu-central-1:123456789012:function:x",
        memory_mb=1024,
        timeout_seconds=900,
    )
    return lambda: process_chunk({"tenantId": tenant, "operationId": operation_id, "chunk": chunk}, context)


def test_an_import_chunk_records_its_progress_with_one_update_a_slice(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """processedRows moves within a chunk for one UpdateItem per PROGRESS_ROWS rows: a 300-row chunk
    sends 2 (after 250 rows and at its end), nothing else updates an item."""
    data = b"name,email\n" + b"".join(f"Row {n},row{n}@example.com\n".encode() for n in range(300))
    chunk = _chunk_of_a_failed_import(api, admin, monkeypatch, data, "imports.process_chunk")
    with dynamodb_requests() as sent:
        assert chunk() == {"chunk": 1}
    assert sent["UpdateItem"] == -(-300 // imports.PROGRESS_ROWS) == 2, sent


def test_an_imported_contact_costs_at_most_11_write_units_and_no_request_of_its_own(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new contact with a name, an email and a phone: the contact, its email guard and its audit
    entry in transactions of 33 rows (6 units), its 4 search items (the name, its last word, the
    email, the phone: the first word begins the name and the email, which find it) and its phone hint
    put by BatchWriteItem (5 units); duplicates are looked up for a
    slice at once (BatchGetItem of email guards and phone hints), never a Query a row
    (docs/architecture.md, "Write units of an import")."""
    rows = 300
    data = b"name,email,phone\n" + b"".join(
        f"Anna{n} Schmidt,anna{n}@example.com,+49 170 {n:07d}\n".encode() for n in range(rows)
    )
    chunk = _chunk_of_a_failed_import(api, admin, monkeypatch, data, "imports.write_rows")
    with dynamodb_requests() as sent, write_units() as units:
        assert chunk() == {"chunk": 1}
    assert "Query" not in sent, sent
    # 2 slices (250 + 50 rows): email guards and phone hints 3 + 1 BatchGetItems each; 8 + 2
    # transactions; 250 x 5 / 25 = 50 and 50 x 5 / 25 = 10 BatchWriteItems of index entries.
    assert sent["BatchGetItem"] == 2 * (3 + 1), sent
    assert sent["TransactWriteItems"] == -(-250 // 33) + -(-50 // 33) == 10, sent
    assert sent["BatchWriteItem"] == 50 + 10, sent
    assert sum(sent.values()) / rows < 0.28, sent  # 1.15 before the index entries left the transactions
    assert units["transaction"] == rows * 3 * 2, units
    assert units["batch"] == rows * 5, units
    assert (units["transaction"] + units["batch"]) / rows == 11


def _plan_context() -> LambdaContext:
    arn = "arn:aws:lambda:eu-central-1:123456789012:function:cdp-exports-plan"
    return LambdaContext("cdp-exports-plan", arn, memory_mb=1024, timeout_seconds=900)


def test_an_export_plan_reads_one_query_a_page_of_ids_and_contacts_only_for_what_no_index_checks(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per exported row the plan sends 1/ID_PAGE_SIZE Query (IDs and the filter's attributes only, no
    contact read), plus a BatchGetItem per 100 entries of a page when the segment filters on more
    than its driving tag or search term; besides, per invocation: the operation and the segment (2
    GetItem) and, on the first, the operation's TRIGGERED (1 UpdateItem). Pages of 20 entries here
    (1,000 by default)."""
    monkeypatch.setattr(contact_queries, "ID_PAGE_SIZE", 20)
    key, tenant = admin["apiKey"], admin["tenantId"]
    organization = make(api, key, "organization")["id"]
    for number in range(50):
        tags = ["even"] if number % 2 == 0 else []
        api.create_contact(key, name=f"Plan {number}", tags=tags, organizationId=organization if number < 30 else None)
    caller = Caller(tenant, admin["userId"], Role.ADMIN, frozenset(), "", "req_test")
    cases = [
        ({}, 50, {"Query": 3}),  # 20 + 20 + 10 from the list index, the filter checked on what it returns
        ({"organizationId": organization}, 30, {"Query": 2}),  # the organization's index
        ({"tag": ["even"]}, 25, {"Query": 2}),  # the tag's assignments: only contacts holding it
        ({"tag": ["even"], "organizationId": organization}, 15, {"Query": 2, "BatchGetItem": 2}),
    ]
    for body, rows, reads in cases:
        segment = api.post("/api/v1/segments", key=key, json={"name": "Plan", "filter": body}).data["id"]
        params = {"segmentId": segment, "format": "csv", "dialect": "rfc4180", "fields": ["id"]}
        operation = operations.new_operation(caller, "exports", params)
        assert operation_store.create(operation, None)
        event = {"tenantId": tenant, "operationId": operation.operation_id, "cursor": None, "chunks": 0}
        with dynamodb_requests() as sent:
            answer = export_plan(event, _plan_context())
        assert answer["done"] and answer["chunks"] == -(-rows // 50), (body, answer)
        assert dict(sent) == {"GetItem": 2, "UpdateItem": 1, **reads}, (body, dict(sent))


def test_an_export_chunk_reads_100_contacts_a_request_and_their_organizations_once(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per exported row a chunk sends 1/100 BatchGetItem of the contacts (projected to its columns)
    and, with the `organization` column, 1/100 of their organizations' names; besides, per chunk: the
    operation and its recorded result (2 GetItem) and its own result (1 PutItem)."""
    monkeypatch.setenv(config.ENV_CHUNK_ROWS, "1000")
    config.settings.cache_clear()
    key, tenant = admin["apiKey"], admin["tenantId"]
    organization = make(api, key, "organization")["id"]
    for number in range(120):
        api.create_contact(key, name=f"Export {number}", organizationId=organization if number % 2 else None)
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data["id"]
    caller = Caller(tenant, admin["userId"], Role.ADMIN, frozenset(), "", "req_test")
    for fields, names in ((["id", "name"], 0), (["id", "name", "organization"], 2)):
        params = {"segmentId": segment, "format": "csv", "dialect": "rfc4180", "fields": fields}
        operation = operations.new_operation(caller, "exports", params)
        assert operation_store.create(operation, None)
        event = {"tenantId": tenant, "operationId": operation.operation_id, "cursor": None, "chunks": 0}
        assert export_plan(event, _plan_context())["chunks"] == 1
        chunk = {"chunk": 1, "key": f"scratch/{tenant}/{operation.operation_id}/chunk-000001.jsonl"}
        with dynamodb_requests() as sent:
            export_chunk({"tenantId": tenant, "operationId": operation.operation_id, "chunk": chunk}, _plan_context())
        assert dict(sent) == {"GetItem": 2, "BatchGetItem": 2 + names, "PutItem": 1}, (fields, dict(sent))


def test_a_job_s_end_is_one_transaction_and_a_failure_reads_its_chunks_once_planned(
    api: Api, admin: dict[str, Any]
) -> None:
    """The write that ends a job carries its `<job>.finished` event (docs/architecture.md, "Events"):
    one TransactWriteItems of the operation's update and its audit entry (was: an UpdateItem), the
    event's data built from what was read; a failure after the plan reads the chunk results the
    event's counts sum (1 Query). A repeat writes nothing and sends the same one request."""
    caller = Caller(admin["tenantId"], admin["userId"], Role.ADMIN, frozenset(), "", "req_test")
    ends = [
        (lambda op: steps.finish(op, {"moved": 1}), operation_store.TRIGGERED, {}),
        (lambda op: operations.fail(op, "x"), operation_store.TRIGGERED, {"Query": 1}),
        (lambda op: operations.fail(op, "x"), operation_store.PENDING, {}),
    ]
    for end, status, reads in ends:
        operation = operations.new_operation(caller, "moves", {"reason": "organization.deleted"})
        assert operation_store.create(operation, None)
        assert operation_store.update(operation, status=status)
        with dynamodb_requests() as sent:
            end(operation)
        assert dict(sent) == {"TransactWriteItems": 1, **reads}, (status, dict(sent))
        with dynamodb_requests() as sent:
            assert not operations.fail(operation, "again")
        assert dict(sent) == {"TransactWriteItems": 1}
