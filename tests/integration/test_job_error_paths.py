"""Error paths around jobs: a tag whose deletion is under way (here: failed, so it stays being deleted)
is gone for tagging, untagging, assignment and a second deletion, yet still on its contacts; and the
test-only FAULT_STEP setting does nothing outside dev mode. One tenant for the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contact_platform import config
from tests.support.faults import fault, settings_changed
from tests.support.fixtures import Api, business_items, jobs_account
from tests.support.jobs import run, wait_for

Tenant = dict[str, Any]


@pytest.fixture(scope="module")
def tenant() -> Iterator[Tenant]:
    with jobs_account():
        api = Api()
        key = api.token("admin")["apiKey"]
        yield {"api": api, "key": key}


def test_a_tag_being_deleted_can_be_neither_put_nor_taken_off_nor_assigned(tenant: Tenant) -> None:
    api, key = tenant["api"], tenant["key"]
    holder = api.create_contact(key, name="Holder", tags=["going"])
    other = api.create_contact(key, name="Other")
    tag = next(t for t in api.get("/api/v1/tags", key=key).data if t["name"] == "going")  # made on first use
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data
    with fault("tagging.plan"):
        deleting = api.delete(f"/api/v1/tags/{tag['id']}", key=key)
        assert deleting.status == 202, deleting.body
        assert wait_for(api, deleting.data["statusUrl"], key)["status"] == "FAILED"
    before = business_items()
    for method, path, body in (
        ("PUT", f"/api/v1/contacts/{other['id']}/tags/{tag['id']}", None),
        ("DELETE", f"/api/v1/contacts/{holder['id']}/tags/{tag['id']}", None),
        ("POST", "/api/v1/tag-assignments", {"tagId": tag["id"], "segmentId": segment["id"]}),
        ("DELETE", f"/api/v1/tags/{tag['id']}", None),
    ):
        reply = api.call(method, path, key=key, json=body)
        assert reply.status == 404 and reply.error["message"] == "Tag not found", (method, path, reply.body)
    assert business_items() == before, "nothing written, no job started"
    assert api.get(f"/api/v1/contacts/{holder['id']}", key=key).data["tags"] == ["going"]
    assert api.get(f"/api/v1/contacts/{other['id']}", key=key).data["tags"] == []
    assert tag["id"] not in [t["id"] for t in api.get("/api/v1/tags", key=key).data]
    assert api.get("/api/v1/tags", key=key, params={"ids": tag["id"]}).data == []


@pytest.mark.parametrize("step", ["imports.plan", "imports.process_chunk", "imports.finalize"])
def test_fault_injection_is_ignored_outside_dev_mode(tenant: Tenant, step: str) -> None:
    api, key = tenant["api"], tenant["key"]
    with settings_changed(**{config.ENV_FAULT_STEP: step, config.ENV_DEV_MODE: "false"}):
        assert config.settings().fault_step is None
        body = f"name,email\nNo Fault,{step}@example.com\n".encode()
        done = run(api, "/api/v1/imports", key, body=body, headers={"Content-Type": "text/csv"})
    assert done["status"] == "FINISHED" and done["created"] == 1, done
    with fault(step):
        assert config.settings().fault_step == step, "in dev mode the same setting is honoured"
