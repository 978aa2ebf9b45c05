"""Jobs of several chunks (chunks of 2 rows here, so 5 or 6 rows make 3 chunks), one of them failing:
the finalize step notices the chunk without a result and fails the job with that reason; a retry
runs only what is missing; counts, error rows and exported rows are merged in chunk order
(docs/architecture.md, jobs). One tenant for the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from contact_platform import config
from tests.support.faults import fault
from tests.support.fixtures import JOBS_ENVIRONMENT, Api, jobs_account
from tests.support.jobs import csv_rows, download, run, wait_for

CHUNK_ROWS = 2
MISSING_SECOND = "1 of 3 chunks reported no result (chunks 2); chunk 2 failed: InjectedFault"


@pytest.fixture(scope="module")
def tenant() -> Iterator[tuple[Api, str, str]]:
    """The API on a jobs account with chunks of CHUNK_ROWS rows, an admin key and its tenant."""
    with jobs_account(**{config.ENV_CHUNK_ROWS: str(CHUNK_ROWS)}):
        api = Api()
        admin = api.token("admin")
        yield api, admin["apiKey"], admin["tenantId"]


def _chunks(tenant_id: str, operation_id: str) -> int:
    """How many chunks the plan step wrote (its manifest in the uploads bucket)."""
    s3 = boto3.client("s3")
    key = f"scratch/{tenant_id}/{operation_id}/manifest.json"
    manifest = s3.get_object(Bucket=JOBS_ENVIRONMENT[config.ENV_UPLOADS_BUCKET], Key=key)["Body"].read()
    return len(json.loads(manifest))


def _segment(api: Api, key: str, tag: str) -> str:
    return str(api.post("/api/v1/segments", key=key, json={"name": tag, "filter": {"tag": [tag]}}).data["id"])


def _tagged(api: Api, key: str, tag: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/api/v1/contacts", key=key, params={"tag": tag, "limit": 200}).data
    return found


IMPORT = (
    b"name,email,tags\n"
    b"Ada One,ada@example.com,imported\n"  # row 2, chunk 1: created
    b"Bad Email,not-an-email,imported\n"  # row 3, chunk 1: invalid email
    b"Cy Two,cy@example.com,imported\n"  # row 4, chunk 2: created
    b"Cy Again,CY@example.com,imported\n"  # row 5, chunk 2: duplicate of row 4 in this file
    b"Ada Again,ada@EXAMPLE.com,imported\n"  # row 6, chunk 3: duplicate of row 2, in another chunk
    b"Di Three,di@example.com,imported\n"  # row 7, chunk 3: created
)


def test_an_import_whose_second_chunk_fails_is_failed_then_completed_by_a_retry(tenant: tuple[Api, str, str]) -> None:
    api, key, tenant_id = tenant
    with fault("imports.process_chunk:2"):  # chunk 2 fails after writing its contacts, every attempt
        failed = run(api, "/api/v1/imports", key, body=IMPORT, headers={"Content-Type": "text/csv"})
    assert failed["status"] == "FAILED", failed
    assert MISSING_SECOND in failed["failureReason"]
    assert _chunks(tenant_id, failed["operationId"]) == 3

    done = run(api, f"/api/v1/imports/{failed['operationId']}/retry", key)
    assert done["status"] == "FINISHED" and done["failureReason"] is None, done
    assert (done["totalRows"], done["processedRows"]) == (6, 6)
    assert (done["created"], done["updated"], done["skippedDuplicates"], done["failed"]) == (3, 0, 2, 1)
    assert [(e["row"], e["field"]) for e in done["errors"]] == [(3, "email"), (5, "email"), (6, "email")]
    assert done["errors"][1]["issue"] == "duplicate of row 4 in this file"
    assert done["errors"][2]["issue"] == "duplicate of row 2 in this file"
    report = csv_rows(download(done["errorReportUrl"]))
    assert report[0] == ["row", "field", "issue", "value"], "one header, whatever the number of chunks"
    assert [row[0] for row in report[1:]] == ["3", "5", "6"] and done["errorCount"] == 3
    assert sorted(c["name"] for c in _tagged(api, key, "imported")) == ["Ada One", "Cy Two", "Di Three"]


def test_an_export_of_three_chunks_keeps_the_segments_order_across_a_failed_chunk(
    tenant: tuple[Api, str, str],
) -> None:
    api, key, tenant_id = tenant
    people = [api.create_contact(key, name=f"Export {n}", tags=["exported"])["id"] for n in range(5)]
    segment = _segment(api, key, "exported")
    preview = [c["id"] for c in api.get(f"/api/v1/segments/{segment}/contacts", key=key).data]
    assert sorted(preview) == sorted(people)
    with fault("exports.process_chunk:2"):
        failed = run(api, "/api/v1/exports", key, json={"segmentId": segment, "fields": ["id", "name"]})
    assert failed["status"] == "FAILED" and MISSING_SECOND in failed["failureReason"], failed
    assert failed.get("downloadUrl") is None
    assert _chunks(tenant_id, failed["operationId"]) == 3

    done = run(api, f"/api/v1/exports/{failed['operationId']}/retry", key)
    assert done["status"] == "FINISHED" and done["rowCount"] == 5, done
    rows = csv_rows(download(done["downloadUrl"]))
    assert rows[0] == ["id", "name"], "one header, whatever the number of chunks"
    assert [row[0] for row in rows[1:]] == preview, "the segment's order, chunk after chunk"


def test_tagging_and_untagging_three_chunks_count_every_contact_once(tenant: tuple[Api, str, str]) -> None:
    api, key, tenant_id = tenant
    ids = [api.create_contact(key, name=f"Bulk {n}", tags=["bulk"])["id"] for n in range(5)]
    tag = str(api.post("/api/v1/tags", key=key, json={"name": "vip"}).data["id"])
    api.call("PUT", f"/api/v1/contacts/{ids[3]}/tags/{tag}", key=key)  # already tagged, in chunk 2
    segment = _segment(api, key, "bulk")
    done = run(api, "/api/v1/tag-assignments", key, json={"tagId": tag, "segmentId": segment})
    assert done["status"] == "FINISHED", done
    assert _chunks(tenant_id, done["operationId"]) == 3
    assert (done["matched"], done["tagged"], done["alreadyTagged"], done["failed"]) == (5, 4, 1, 0)
    assert sorted(c["id"] for c in _tagged(api, key, "vip")) == sorted(ids)

    deleting = api.delete(f"/api/v1/tags/{tag}", key=key)
    assert deleting.status == 202, deleting.body
    removed = wait_for(api, deleting.data["statusUrl"], key)
    assert removed["status"] == "FINISHED" and removed["untagged"] == 5, removed
    assert _chunks(tenant_id, removed["operationId"]) == 3
    assert _tagged(api, key, "vip") == []
    assert all(api.get(f"/api/v1/contacts/{i}", key=key).data["tags"] == ["bulk"] for i in ids)
