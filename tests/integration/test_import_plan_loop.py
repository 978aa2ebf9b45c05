"""The import plan is a loop (docs/architecture.md, Jobs): stage read parses the file from a byte
offset into chunk files, PLAN_ROWS rows (or what its Lambda's time allows) an invocation, and writes
the rows' duplicate keys into hash partitions; stage dedupe finds each partition's in-file
duplicates; stage split writes them per chunk (a file the first invocation reads whole is
deduplicated from the keys it holds, without those files). Here the plan steps are called directly: a file read
in many invocations gives exactly the chunks, duplicates and counts of one invocation, a retried
invocation writes the same files, and no invocation carries the keys of another. The whole job then
runs through the state machine with rows repeating earlier rows across invocations and partitions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from contact_platform import config
from contact_platform.jobs import import_plan, steps
from contact_platform.permissions import Caller, Role
from contact_platform.services import operations, search_terms
from contact_platform.store import operations as operation_store
from functions.workflows.imports.plan import handler as plan_handler
from local.lambda_runtime import LambdaContext
from tests.support.fixtures import JOBS_ENVIRONMENT, Api, jobs_account
from tests.support.jobs import run
from tests.support.request_counter import s3_requests

UPLOADS = JOBS_ENVIRONMENT[config.ENV_UPLOADS_BUCKET]
CHUNK_ROWS = 2


@pytest.fixture(scope="module")
def admin() -> Iterator[dict[str, Any]]:
    """A jobs account with chunks of CHUNK_ROWS rows and a tenant's admin."""
    with jobs_account(**{config.ENV_CHUNK_ROWS: str(CHUNK_ROWS)}):
        api = Api()
        yield {"api": api, **api.token("admin")}


def _context(seconds: int) -> LambdaContext:
    arn = "arn:aws:lambda:eu-central-1:123456789012:function:cdp-imports-plan"
    return LambdaContext("cdp-imports-plan", arn, memory_mb=1024, timeout_seconds=seconds)


def _pending_import(admin: dict[str, Any], data: bytes) -> operation_store.OperationItem:
    """An import operation of `data` whose state machine was never started: its plan is called here."""
    caller = Caller(admin["tenantId"], admin["userId"], Role.ADMIN, frozenset(), "", "req_test")
    operation = operations.new_operation(caller, "imports", {"mode": "skip", "fileName": "loop.csv"})
    key = f"tests/plan-loop/{operation.operation_id}.csv"  # outside tenants/: no notification starts a job
    boto3.client("s3").put_object(Bucket=UPLOADS, Key=key, Body=data)
    operation.params = {**operation.params, "bucket": UPLOADS, "fileKey": key}
    assert operation_store.create(operation, None)
    return operation


def _first_event(operation: operation_store.OperationItem) -> dict[str, Any]:
    """The plan step's event of its first invocation (no cursor, no chunks yet)."""
    return {"tenantId": operation.tenant_id, "operationId": operation.operation_id, "cursor": None, "chunks": 0}


def _scratch(operation: operation_store.OperationItem) -> dict[str, bytes]:
    """The operation's scratch files by name."""
    s3 = boto3.client("s3")
    prefix = steps.scratch_prefix(operation)
    listed = s3.list_objects_v2(Bucket=UPLOADS, Prefix=prefix).get("Contents", [])
    return {
        item["Key"][len(prefix) :]: s3.get_object(Bucket=UPLOADS, Key=item["Key"])["Body"].read() for item in listed
    }


def _plan(
    admin: dict[str, Any], data: bytes, plan_rows: int, seconds: int = 900, retry: bool = False
) -> tuple[operation_store.OperationItem, list[dict[str, Any]]]:
    """The plan of a new import of `data`, invocation after invocation until it is done, with
    PLAN_ROWS `plan_rows` and `seconds` of Lambda time an invocation; `retry`: each invocation is
    run a second time with the same event and must answer the same and leave the same files."""
    operation = _pending_import(admin, data)
    event = _first_event(operation)
    answers: list[dict[str, Any]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_PLAN_ROWS, str(plan_rows))
        config.settings.cache_clear()
        try:
            while True:
                answer = plan_handler(dict(event), _context(seconds))
                if retry:
                    files = _scratch(operation)
                    again = plan_handler(dict(event), _context(seconds))
                    assert again == answer and _scratch(operation) == files, event
                answers.append(answer)
                assert len(answers) < 500, "the plan makes progress"
                if answer["done"]:
                    break
                event = {**event, "cursor": answer["cursor"], "chunks": answer["chunks"]}
        finally:
            config.settings.cache_clear()
    return operation, answers


def _outcome(operation: operation_store.OperationItem, answers: list[dict[str, Any]]) -> dict[str, Any]:
    """What the plan leaves for the chunks: the manifest's chunk files, the duplicates files and the
    operation's counts and layout."""
    files = _scratch(operation)
    manifest = json.loads(files["manifest.json"])
    prefix = steps.scratch_prefix(operation)
    stored = operation_store.get(operation.tenant_id, operation.operation_id)
    assert stored is not None and stored.status == operation_store.TRIGGERED
    return {
        "chunks": answers[-1]["chunks"],
        "manifest": [(entry["chunk"], entry["key"][len(prefix) :]) for entry in manifest],
        "chunk files": [files[entry["key"][len(prefix) :]] for entry in manifest],
        "dups": {name: body for name, body in files.items() if name.startswith("dups-")},
        "params": {key: stored.params.get(key) for key in ("totalRows", "encoding", "delimiter", "unknownColumns")},
    }


def _records(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(line) for body in outcome["chunk files"] for line in body.splitlines()]


def _duplicates(outcome: dict[str, Any]) -> dict[int, tuple[str, int]]:
    found: dict[int, tuple[str, int]] = {}
    for body in outcome["dups"].values():
        for line in body.splitlines():
            row, field, earlier = json.loads(line)
            found[row] = (field, earlier)
    return found


def _file(end: str) -> str:
    """Rows repeating earlier rows by email and by phone, quoted multi-line cells, blank lines, a
    row with a problem; lines ending in `end`."""
    rows = [
        "Name,E-Mail,Telefon,Notiz",
        "Anna,anna@example.com,+49 170 1000001,",  # 2
        "Bert,bert@example.com,+49 170 1000002,",  # 3
        f'"Anna{end}Zwei",ANNA@example.com,,"a{end}b"',  # 4: email of row 2
        "Dora,dora@example.com,0170 1000002,",  # 5: phone of row 3
        "Emil,bert@example.com,0170 1000001,",  # 6: email of row 3 (and phone of row 2: email wins)
        '"=cmd",fritz@example.com,,',  # 7: a problem: its keys count for nobody
        "Gina,fritz@example.com,,",  # 8: not a duplicate (row 7 had a problem)
        "",  # 9: blank
        "Hugo,dora@example.com,0170 1000009,",  # 10: email of row 5 (itself a phone duplicate)
        "Ida,,+49 170 1000009,",  # 11: phone of row 10 (itself an email duplicate)
        "Jan,jan@example.com,+49 170 1000001,",  # 12: phone of row 2, the earliest of 2 and 6
        "Kai,Anna@Example.com,,",  # 13: email of row 2, not of row 4
        "Lea,lea@example.com,,",  # 14
    ]
    return end.join(rows) + end


EXPECTED_DUPLICATES = {
    4: ("email", 2),
    5: ("phone", 3),
    6: ("email", 3),
    10: ("email", 5),
    11: ("phone", 10),
    12: ("phone", 2),
    13: ("email", 2),
}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_file("\r\n").encode(), id="crlf"),
        pytest.param(_file("\n").encode(), id="lf"),
        pytest.param(_file("\r").encode(), id="cr"),
        pytest.param("\ufeff".encode() + _file("\r\n").replace("Anna,", "Änne,").encode(), id="bom"),
        pytest.param(_file("\n").replace("Anna,", "Änne,").replace(",", ";").encode("cp1252"), id="cp1252"),
    ],
)
def test_a_file_read_in_many_invocations_gives_what_one_invocation_gives(admin: dict[str, Any], data: bytes) -> None:
    with s3_requests() as sent:
        one_operation, one = _plan(admin, data, plan_rows=1_000_000)
    assert len(one) == 1 and one[0]["done"], "read, dedupe and split in one invocation"
    names = _scratch(one_operation)
    assert not [name for name in names if name.startswith(("keys-", "finds-"))], "deduplicated in memory"
    expected = _outcome(one_operation, one)
    assert expected["chunks"] == 6 and expected["params"]["totalRows"] == 12
    # The upload (this test's) and the plan: the upload's head, its layout and its rows; the files of
    # an earlier attempt listed (keys, findings, duplicates); the chunk files, a duplicates file per
    # chunk with duplicates, the manifest.
    puts = 1 + expected["chunks"] + len(expected["dups"]) + 1
    assert sent == {"HeadObject": 1, "GetObject": 2, "ListObjectsV2": 3, "PutObject": puts}
    assert _duplicates(expected) == EXPECTED_DUPLICATES
    assert [record["row"] for record in _records(expected)] == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14]
    assert all("duplicateOf" not in record for record in _records(expected))

    looped_operation, looped = _plan(admin, data, plan_rows=CHUNK_ROWS)
    assert [answer["chunks"] for answer in looped] == [1, 2, 3, 4, 5, 6, 6]
    assert [answer["cursor"]["stage"] for answer in looped[:-1]] == ["read"] * 6
    assert _outcome(looped_operation, looped) == expected

    short_operation, short = _plan(admin, data, plan_rows=1_000_000, seconds=int(steps.STOP_SECONDS))
    stages = [answer["cursor"]["stage"] for answer in short[:-1]]
    # A chunk an invocation; the seventh finds the file's end; then a partition an invocation.
    assert stages == ["read"] * 6 + ["dedupe"] * import_plan.PARTITIONS + ["split"]
    assert _outcome(short_operation, short) == expected


def test_email_and_phone_findings_of_one_record_fall_in_different_partitions() -> None:
    """Row 6's email finding and its phone finding are decided in two partitions; the split stage
    keeps the email one (the test above)."""
    email, phone = import_plan._dedupe_keys({"email": "bert@example.com", "phone": "0170 1000001"})
    assert email == search_terms.email_key("bert@example.com") and phone is not None
    assert import_plan._partition("email", email) != import_plan._partition("phone", phone)


def test_a_retried_plan_invocation_writes_the_same_files_and_keeps_no_keys_of_another(admin: dict[str, Any]) -> None:
    data = _file("\r\n").encode()
    operation, answers = _plan(admin, data, plan_rows=2 * CHUNK_ROWS, retry=True)
    assert [(answer["done"], answer["chunks"]) for answer in answers] == [(False, 2), (False, 4), (False, 6), (True, 6)]
    cursors = [answer["cursor"] for answer in answers[:-1]]
    assert [set(cursor) for cursor in cursors] == [{"stage", "offset", "row", "records"}] * 3, "no keys travel"
    assert [(cursor["row"], cursor["records"]) for cursor in cursors] == [(5, 4), (10, 8), (14, 12)]
    assert [cursor["offset"] for cursor in cursors] == [data.index(b"Emil"), data.index(b"Ida"), len(data)]
    # The fourth invocation finds the file's end, then dedupes and splits: done.
    assert all(len(json.dumps(cursor)) < 100 for cursor in cursors)

    files = _scratch(operation)
    keys = {name: [json.loads(line) for line in body.splitlines()] for name, body in files.items() if "keys-" in name}
    for name, entries in keys.items():
        first_chunk = int(name.rsplit("-", 1)[1].split(".")[0])
        first_record = (first_chunk - 1) * CHUNK_ROWS
        assert first_chunk in (1, 3, 5), name  # one file per partition an invocation
        assert all(first_record <= index < first_record + 2 * CHUNK_ROWS for _, _, index, _ in entries), name
        assert all(int(name[5:8]) == import_plan._partition(field, key) for field, key, _, _ in entries), name
    held = sorted((index, field) for entries in keys.values() for field, _, index, _ in entries)
    assert len(held) == len(set(held)) == 10 + 7, "each record's first email, phone once (not row 7's)"
    assert _duplicates(_outcome(operation, answers)) == EXPECTED_DUPLICATES


def test_a_header_only_file_plans_no_chunks(admin: dict[str, Any]) -> None:
    operation, answers = _plan(admin, b"Name,Email\r\n", plan_rows=CHUNK_ROWS)
    outcome = _outcome(operation, answers)
    assert (outcome["chunks"], outcome["manifest"], outcome["dups"]) == (0, [], {})
    assert outcome["params"]["totalRows"] == 0


def test_an_import_marks_in_file_duplicates_across_plan_invocations_and_partitions() -> None:
    """The whole job through the state machine, PLAN_ROWS 2: six plan invocations read the file."""
    with jobs_account(**{config.ENV_CHUNK_ROWS: str(CHUNK_ROWS), config.ENV_PLAN_ROWS: str(CHUNK_ROWS)}):
        api = Api()
        key = api.token("admin")["apiKey"]
        done = run(api, "/api/v1/imports", key, body=_file("\r\n").encode(), headers={"Content-Type": "text/csv"})
        assert done["status"] == "FINISHED" and done["totalRows"] == 12, done
        assert (done["created"], done["skippedDuplicates"], done["failed"]) == (4, 7, 1), done
        issues = {e["row"]: (e["field"], e["issue"]) for e in done["errors"]}
        assert issues == {
            7: ("name", "starts with '=' (spreadsheet formula)"),
            **{
                row: (field, f"duplicate of row {earlier} in this file")
                for row, (field, earlier) in EXPECTED_DUPLICATES.items()
            },
        }
        names = {contact["name"] for contact in api.get("/api/v1/contacts", key=key, params={"limit": 200}).data}
        assert names == {"Anna", "Bert", "Gina", "Lea"}


def test_a_retry_that_stops_earlier_than_the_failed_attempt_changes_nothing(admin: dict[str, Any]) -> None:
    """An attempt read 4 rows and failed before answering; its retry (less time left) reads 2. The
    first attempt's key files hold keys that later invocations write again (the same record and
    row): the duplicates are the same."""
    data = _file("\n").encode()
    operation = _pending_import(admin, data)
    event = _first_event(operation)
    answers: list[dict[str, Any]] = []
    with pytest.MonkeyPatch.context() as patch:
        try:
            for plan_rows in (2 * CHUNK_ROWS, CHUNK_ROWS, 1_000_000):
                patch.setenv(config.ENV_PLAN_ROWS, str(plan_rows))
                config.settings.cache_clear()
                answer = plan_handler(dict(event), _context(900))
                if plan_rows != 2 * CHUNK_ROWS:  # the first attempt's answer is lost
                    answers.append(answer)
                    event = {**event, "cursor": answer["cursor"], "chunks": answer["chunks"]}
        finally:
            config.settings.cache_clear()
    assert [(answer["done"], answer["chunks"]) for answer in answers] == [(False, 1), (True, 6)]
    assert _duplicates(_outcome(operation, answers)) == EXPECTED_DUPLICATES
