"""Jobs whose steps fail (injected through the test-only FAULT_STEP setting): they end FAILED with a
reason, never stay TRIGGERED; a retried chunk and a re-run job create no duplicates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from contact_platform import config
from tests.support.fixtures import Api
from tests.support.jobs import accepted, run, wait_for

Fault = Callable[[str | None], None]
ROWS = b"name,email\n" + b"".join(f"Row {n},row{n}@example.com\n".encode() for n in range(12))


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fault]:
    def inject(step: str | None) -> None:
        if step is None:
            monkeypatch.delenv(config.ENV_FAULT_STEP, raising=False)
        else:
            monkeypatch.setenv(config.ENV_FAULT_STEP, step)
        config.settings.cache_clear()

    yield inject
    monkeypatch.delenv(config.ENV_FAULT_STEP, raising=False)
    config.settings.cache_clear()


def _import(api: Api, key: str) -> dict[str, Any]:
    return run(api, "/api/v1/imports", key, body=ROWS, headers={"Content-Type": "text/csv"})


def _contact_count(api: Api, key: str) -> int:
    return len(api.get("/api/v1/contacts", key=key, params={"limit": 200}).data)


@pytest.mark.parametrize("step", ["plan", "process_chunk", "finalize"])
def test_a_failing_step_ends_the_import_failed_with_a_reason(
    api: Api, admin: dict[str, Any], fault: Fault, step: str
) -> None:
    fault(f"imports.{step}")
    done = _import(api, admin["apiKey"])
    assert done["status"] == "FAILED"
    assert f"fault injected in imports.{step}" in done["failureReason"]
    assert done["finishedAt"]


@pytest.mark.parametrize("workflow", ["exports", "tagging"])
def test_other_jobs_fail_the_same_way_and_run_again(
    api: Api, admin: dict[str, Any], fault: Fault, workflow: str
) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Someone")
    segment = api.post("/api/v1/segments", key=key, json={"name": "s", "filter": {}}).data["id"]
    tag = api.post("/api/v1/tags", key=key, json={"name": "t"}).data["id"]
    fault(f"{workflow}.finalize")
    path = "/api/v1/exports" if workflow == "exports" else "/api/v1/tag-assignments"
    body = {"segmentId": segment} if workflow == "exports" else {"tagId": tag, "segmentId": segment}
    done = run(api, path, key, json=body)
    assert done["status"] == "FAILED" and "finalize" in done["failureReason"]
    assert done.get("downloadUrl") is None
    fault(None)
    again = run(api, f"{path}/{done['operationId']}/retry", key)
    assert again["status"] == "FINISHED" and again["failureReason"] is None
    if workflow == "exports":
        assert again["rowCount"] == 1 and again["downloadUrl"]
    else:
        assert again["matched"] == 1 and again["tagged"] + again["alreadyTagged"] == 1


def test_a_retried_chunk_creates_no_duplicates(api: Api, admin: dict[str, Any], fault: Fault) -> None:
    # The chunk fails once after writing its contacts, then is retried (several chunks: test_multi_chunk_jobs.py).
    fault("imports.process_chunk:once")
    done = _import(api, admin["apiKey"])
    assert done["status"] == "FINISHED", done
    assert done["created"] == 12 and done["skippedDuplicates"] == 0
    assert _contact_count(api, admin["apiKey"]) == 12


def test_a_chunk_stopped_between_its_transactions_and_index_entries_puts_them_when_retried(
    api: Api, admin: dict[str, Any], fault: Fault
) -> None:
    # The search items and phone hints of new contacts follow their transactions (store/contacts.py):
    # the retried chunk finds the contacts it made and puts their entries.
    key = admin["apiKey"]
    fault("imports.index_entries:once")
    done = _import(api, key)
    assert done["status"] == "FINISHED", done
    assert done["created"] == 12 and done["skippedDuplicates"] == 0
    for n in (0, 7, 11):
        found = api.get("/api/v1/contacts", key=key, params={"search": f"row{n}@"}).data
        assert [contact["name"] for contact in found] == [f"Row {n}"]


def test_running_a_failed_import_again_creates_no_duplicates(api: Api, admin: dict[str, Any], fault: Fault) -> None:
    key = admin["apiKey"]
    fault("imports.finalize")
    failed = _import(api, key)
    assert failed["status"] == "FAILED" and _contact_count(api, key) == 12
    fault(None)
    retried = accepted(api, f"/api/v1/imports/{failed['operationId']}/retry", key)
    assert retried["operationId"] == failed["operationId"]
    done = wait_for(api, retried["statusUrl"], key)
    assert done["status"] == "FINISHED" and done["created"] == 12 and done["failureReason"] is None
    assert _contact_count(api, key) == 12
    log = api.get("/api/v1/admin/audit-log", key=key, params={"action": "import.retried"}).data
    assert [entry["entityId"] for entry in log] == [failed["operationId"]]


def test_only_a_failed_job_of_ones_own_can_be_run_again(api: Api, admin: dict[str, Any], fault: Fault) -> None:
    key = admin["apiKey"]
    finished = _import(api, key)
    again = api.post(f"/api/v1/imports/{finished['operationId']}/retry", key=key)
    assert again.status == 409 and "FINISHED" in again.body["error"]["message"]
    assert api.post("/api/v1/imports/op_unknown/retry", key=key).status == 404
    assert api.post(f"/api/v1/exports/{finished['operationId']}/retry", key=key).status == 404, "not an export"
    fault("imports.finalize")
    failed = _import(api, key)
    fault(None)
    manager = api.token("manager", tenant_id=admin["tenantId"])
    refused = api.post(f"/api/v1/imports/{failed['operationId']}/retry", key=manager["apiKey"])
    assert refused.status == 403 and refused.error["message"] == "Missing required permission: imports:write"
    assert api.get(f"/api/v1/imports/{failed['operationId']}", key=key).data["status"] == "FAILED"


def test_a_tag_whose_deletion_failed_is_deleted_by_running_it_again(
    api: Api, admin: dict[str, Any], fault: Fault
) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Tagged", tags=["old"])
    created = api.post("/api/v1/tags", key=key, json={"name": "gone"}).data
    api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{created['id']}", key=key)
    fault("tagging.plan")
    deleting = api.delete(f"/api/v1/tags/{created['id']}", key=key)
    assert deleting.status == 202
    failed = wait_for(api, deleting.data["statusUrl"], key)
    assert failed["status"] == "FAILED"
    assert "gone" in api.get(f"/api/v1/contacts/{contact['id']}", key=key).data["tags"], "still on the contact"
    assert api.post("/api/v1/tags", key=key, json={"name": "gone"}).status == 409, "the name is still taken"
    fault(None)
    done = run(api, f"/api/v1/tag-assignments/{failed['operationId']}/retry", key)
    assert done["status"] == "FINISHED"
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=key).data["tags"] == ["old"]
    assert api.post("/api/v1/tags", key=key, json={"name": "gone"}).status == 201, "the name is free again"
