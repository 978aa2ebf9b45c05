"""`<job>.finished`: every job's end, finished or failed, emits one event carried by the audit entry
of the write that ends it, with the operation as the job's GET returns it (docs/architecture.md,
"Events"). One jobs account for the module, a tenant per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contact_platform import clock, config
from contact_platform.events.catalog import schema_for
from contact_platform.jobs import steps
from contact_platform.models.operations import SIGNED_LINKS
from contact_platform.services import cleanup, operations
from contact_platform.store import operations as operation_store
from tests.support.entities import make
from tests.support.faults import fault
from tests.support.fixtures import Api, jobs_account
from tests.support.jobs import accepted, wait_for

ROWS = b"name,email\nAda Event,ada@example.com\nBob Event,bob@example.com\nnot an email,x\n"
WORKFLOWS = {"import": "imports", "export": "exports", "tag_assignment": "tagging", "move": "moves"}
Tenant = tuple[Api, str]


@pytest.fixture(scope="module")
def jobs() -> Iterator[Api]:
    with jobs_account(**{config.ENV_INLINE_MOVES: "2"}):  # 3 contacts of a deleted organization: a moves job
        yield Api()


@pytest.fixture
def tenant(jobs: Api) -> Tenant:
    return jobs, jobs.token("admin")["apiKey"]


def _start(api: Api, key: str, job: str) -> str:
    """Start a job of the kind; its status URL."""
    if job == "import":
        return str(accepted(api, "/api/v1/imports", key, body=ROWS, headers={"Content-Type": "text/csv"})["statusUrl"])
    organization = make(api, key, "organization")["id"]
    for name in ("One", "Two", "Three"):
        api.create_contact(key, name=f"{name} Event", organizationId=organization)
    if job == "move":
        deleted = api.delete(f"/api/v1/organizations/{organization}", key=key)
        assert deleted.status == 200 and deleted.data["operationId"], deleted.body
        return f"/api/v1/moves/{deleted.data['operationId']}"
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data["id"]
    if job == "export":
        return str(accepted(api, "/api/v1/exports", key, json={"segmentId": segment})["statusUrl"])
    tag = api.post("/api/v1/tags", key=key, json={"name": "events"}).data["id"]
    return str(accepted(api, "/api/v1/tag-assignments", key, json={"tagId": tag, "segmentId": segment})["statusUrl"])


def _events(api: Api, key: str, event_type: str) -> list[dict[str, Any]]:
    """The events of a type, each checked against its JSON Schema."""
    reply = api.get("/api/v1/events", key=key, params={"type": event_type})
    assert reply.status == 200, reply.body
    events: list[dict[str, Any]] = reply.data
    for event in events:
        validator = Draft202012Validator(schema_for(event["type"]), format_checker=Draft202012Validator.FORMAT_CHECKER)
        validator.validate(event)
    return events


def _the_event_is_the_get_answer(api: Api, key: str, job: str, status_url: str) -> dict[str, Any]:
    """The job's only `<job>.finished` event; its data is the GET answer, less the links signed for the caller."""
    answer = api.get(status_url, key=key).data
    (event,) = _events(api, key, f"{job}.finished")
    signed = {name: None for name in SIGNED_LINKS if name in answer}
    assert event["data"] == {**answer, **signed}
    assert event["previous"] is None and event["mergedId"] is None
    assert api.get(f"/api/v1/events/{event['id']}", key=key).data == event
    if answer["status"] == "FINISHED" and job in ("import", "export"):  # a download, an error report (a bad row)
        assert any(answer[name] for name in signed), answer
    return event


@pytest.mark.parametrize("job", sorted(WORKFLOWS))
def test_a_finished_job_emits_one_event_with_its_status_answer(tenant: Tenant, job: str) -> None:
    api, key = tenant
    status_url = _start(api, key, job)
    assert wait_for(api, status_url, key)["status"] == "FINISHED"
    event = _the_event_is_the_get_answer(api, key, job, status_url)
    assert event["data"]["finishedAt"] and event["occurredAt"] == event["data"]["finishedAt"]
    assert [e["id"] for e in _events(api, key, f"{job}.*")] == [event["id"]]

    # A finalize or mark_failed step run again (a Step Functions retry) finds the job ended: no second event.
    operation = operation_store.get(event["tenantId"], event["data"]["operationId"])
    assert operation is not None
    with pytest.raises(steps.JobRefused):
        steps.finish(operation, {"again": 1})
    assert not operations.fail(operation, "a late failure")
    assert len(_events(api, key, f"{job}.finished")) == 1
    assert api.get(status_url, key=key).data["status"] == "FINISHED"


@pytest.mark.parametrize("job", sorted(WORKFLOWS))
def test_a_failed_job_emits_one_event_with_its_failure_and_counts_so_far(tenant: Tenant, job: str) -> None:
    api, key = tenant
    with fault(f"{WORKFLOWS[job]}.finalize"):
        status_url = _start(api, key, job)
        failed = wait_for(api, status_url, key)
    assert failed["status"] == "FAILED", failed
    event = _the_event_is_the_get_answer(api, key, job, status_url)
    assert "fault injected" in event["data"]["failureReason"]
    counts = {"import": "created", "export": None, "tag_assignment": "tagged", "move": "moved"}[job]
    assert counts is None or event["data"][counts] > 0, "the counts of the chunks that reported"

    retried = wait_for(api, accepted(api, f"{status_url}/retry", key)["statusUrl"], key)
    assert retried["status"] == "FINISHED"
    ended = [e["data"]["status"] for e in _events(api, key, f"{job}.finished")]
    assert ended == ["FINISHED", "FAILED"], "a job run again ends again"


def test_an_import_whose_upload_url_was_never_used_ends_failed_with_its_event(tenant: Tenant) -> None:
    api, key = tenant
    started = accepted(api, "/api/v1/imports", key, json={"fileName": "never.csv"})
    assert cleanup.run_cleanup(clock.now() + timedelta(days=2))["importsAbandoned"] >= 1
    event = _the_event_is_the_get_answer(api, key, "import", started["statusUrl"])
    assert event["data"]["status"] == "FAILED" and "No file was uploaded" in event["data"]["failureReason"]


def test_webhooks_subscribe_to_a_job_s_events(tenant: Tenant) -> None:
    api, key = tenant
    for event in ("import.*", "export.finished", "tag_assignment.*", "move.finished"):
        reply = api.post("/api/v1/webhooks", key=key, json={"event": event, "targetUrl": "http://127.0.0.1:9/hooks"})
        assert reply.status == 201, reply.body
