"""The scheduled cleanup, invoked as its Lambda function with a scheduled event whose `time` is "now":
the 90-day purge with its cascade, export expiry, scratch files, idempotence."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest

from contact_platform import config
from tests.support.entities import DELETED, ENTITIES, make, make_each
from tests.support.fixtures import JOBS_ENVIRONMENT, Api, table_items
from tests.support.jobs import cleanup, download, run

UPLOADS = JOBS_ENVIRONMENT[config.ENV_UPLOADS_BUCKET]
EXPORTS = JOBS_ENVIRONMENT[config.ENV_EXPORTS_BUCKET]


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _keys(bucket: str) -> list[str]:
    return [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_contacts_deleted_90_days_ago_are_purged_with_everything_on_them(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    old = api.create_contact(key, name="Gone Soon", emails=["gone@example.com"], phones=["+4930123"], tags=["x"])
    kept = api.create_contact(key, name="Deleted Later")
    api.delete(f"/api/v1/contacts/{old['id']}", key=key)
    assert cleanup(89)["contactsPurged"] == 0, "not before 90 days"
    api.delete(f"/api/v1/contacts/{kept['id']}", key=key)

    report = cleanup(90.001)
    assert report["contactsPurged"] == 2 and report["itemsDeleted"] >= 2
    remaining = [i for i in table_items() if old["id"] in json.dumps(i) and i["kind"]["S"] != "audit"]
    assert remaining == [], "no contact, index, guard or assignment item is left"
    assert report["eventsForgotten"] == 4, "each one's created and deleted events"
    assert not [i for i in table_items() if "gone@example.com" in json.dumps(i)], "the audit entries stay, not its data"
    assert api.post(f"/api/v1/admin/contacts/{old['id']}/restore", key=key).status == 404
    again = cleanup(90.001)
    assert again["contactsPurged"] == 0 and again["itemsDeleted"] == 0


def test_records_deleted_90_days_ago_are_purged_and_restored_ones_kept(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    records = make_each(api, key)
    kept = make(api, key, "organization")
    deleted = [entity for entity in ENTITIES if entity.name in DELETED]  # users are deactivated instead
    for entity in deleted:
        api.delete(f"{entity.path}/{records[entity.name]['id']}", key=key)
    api.delete(f"/api/v1/organizations/{kept['id']}", key=key)
    assert api.post(f"/api/v1/admin/organizations/{kept['id']}/restore", key=key).status == 200
    assert cleanup(89)["recordsPurged"] == 0, "not before 90 days"
    purged = cleanup(90.001)
    assert purged["recordsPurged"] == len(deleted) and purged["eventsForgotten"] >= 2 * len(deleted)
    for entity in deleted:
        record_id = records[entity.name]["id"]
        assert [i for i in table_items() if record_id in json.dumps(i) and i["kind"]["S"] != "audit"] == []
        assert [i for i in table_items() if i.get("entityId", {}).get("S") == record_id and "event" in i] == []
        assert (
            api.post(f"/api/v1/admin/{entity.path.removeprefix('/api/v1/')}/{record_id}/restore", key=key).status == 404
        )
    assert api.get(f"/api/v1/organizations/{kept['id']}", key=key).status == 200
    assert cleanup(90.001)["recordsPurged"] == 0


def test_a_restored_contact_is_not_purged(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Back Again")
    api.delete(f"/api/v1/contacts/{contact['id']}", key=key)
    assert api.post(f"/api/v1/admin/contacts/{contact['id']}/restore", key=key).status == 200
    assert cleanup(91)["contactsPurged"] == 0
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).status == 200


def test_scratch_files_go_at_once_and_export_files_after_seven_days(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Exported")
    segment = api.post("/api/v1/segments", key=key, json={"name": "all", "filter": {}}).data["id"]
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment})
    scratch = [k for k in _keys(UPLOADS) if done["operationId"] in k]
    assert scratch, "the job left scratch files"

    first = cleanup(0)
    assert first["scratchFilesRemoved"] == len(scratch) and first["exportsExpired"] == 0
    assert [k for k in _keys(UPLOADS) if done["operationId"] in k] == []
    assert download(api.get(f"/api/v1/exports/{done['operationId']}", key=key).data["downloadUrl"])

    assert cleanup(6)["exportsExpired"] == 0
    expired = cleanup(7.01)
    assert expired["exportsExpired"] == 1
    status = api.get(f"/api/v1/exports/{done['operationId']}", key=key).data
    assert status["status"] == "EXPIRED" and status["downloadUrl"] is None
    assert [k for k in _keys(EXPORTS) if done["operationId"] in k] == []
    assert cleanup(8)["exportsExpired"] == 0


def test_an_export_past_its_expiry_reads_expired_before_the_cleanup_runs(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Exported")
    segment = api.post("/api/v1/segments", key=key, json={"name": "all", "filter": {}}).data["id"]
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment})
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    pk = f"TENANT#{admin['tenantId']}#OP#{done['operationId']}"
    table.update_item(
        Key={"PK": pk, "SK": "OPERATION"},
        UpdateExpression="SET fileExpiresAt = :past",
        ExpressionAttributeValues={":past": "2020-01-01T00:00:00.000Z"},
    )
    status = api.get(f"/api/v1/exports/{done['operationId']}", key=key).data
    assert status["status"] == "EXPIRED" and status["downloadUrl"] is None
