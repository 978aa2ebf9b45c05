"""Tagging a segment and deleting a tag, as jobs: counts, visible tags, SEGMENT_EMPTY, name reuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fixtures import Api, business_items
from tests.support.jobs import run


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _tag(api: Api, key: str, name: str) -> dict[str, Any]:
    reply = api.post("/api/v1/tags", key=key, json={"name": name})
    assert reply.status == 201, reply.body
    tag: dict[str, Any] = reply.data
    return tag


def _segment(api: Api, key: str, **body: Any) -> str:
    reply = api.post("/api/v1/segments", key=key, json={"name": "Tag audience", **body})
    assert reply.status == 201, reply.body
    return str(reply.data["id"])


def test_tagging_a_segment_counts_and_shows_the_tag(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Summer Campaign")
    people = [api.create_contact(key, name=f"Berliner {n}", organizationId="org_berlin") for n in range(6)]
    api.call("PUT", f"/api/v1/contacts/{people[0]['id']}/tags/{tag['id']}", key=key)
    api.create_contact(key, name="Elsewhere", organizationId="org_munich")
    segment = _segment(api, key, filter={"organizationId": "org_berlin"})

    done = run(api, "/api/v1/tag-assignments", key, json={"tagId": tag["id"], "segmentId": segment})
    assert done["status"] == "FINISHED", done
    assert (done["matched"], done["tagged"], done["alreadyTagged"], done["failed"]) == (6, 5, 1, 0)
    assert done["action"] == "add" and done["tagName"] == "Summer Campaign"
    tagged = api.get("/api/v1/contacts", key=key, params={"tag": "summer campaign", "limit": 200}).data
    assert sorted(c["id"] for c in tagged) == sorted(p["id"] for p in people)
    assert api.get(f"/api/v1/contacts/{people[3]['id']}", key=key).data["tags"] == ["Summer Campaign"]
    listed = api.get("/api/v1/tag-assignments", key=key).data
    assert [op["operationId"] for op in listed] == [done["operationId"]]


def test_an_empty_segment_is_refused_and_starts_no_job(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Nobody")
    segment = _segment(api, key, filter={"tag": ["does-not-exist"]})
    before = business_items()
    reply = api.post("/api/v1/tag-assignments", key=key, json={"tagId": tag["id"], "segmentId": segment})
    assert reply.status == 422 and reply.error["code"] == "SEGMENT_EMPTY"
    assert business_items() == before


def test_unknown_tag_or_segment_is_404(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Known")
    segment = _segment(api, key, filter={})
    bad = [{"tagId": "tag_unknown", "segmentId": segment}, {"tagId": tag["id"], "segmentId": "seg_unknown"}]
    for body in bad:
        assert api.post("/api/v1/tag-assignments", key=key, json=body).status == 404
    assert api.post("/api/v1/tag-assignments", key=key, json={"tagId": tag["id"]}).status == 422


def test_deleting_a_tag_removes_it_from_every_contact_then_frees_the_name(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Obsolete")
    holders = [api.create_contact(key, name=f"Holder {n}", tags=["obsolete", "keep"]) for n in range(5)]
    done = run(api, f"/api/v1/tags/{tag['id']}", key, method="DELETE")
    assert done["status"] == "FINISHED" and done["action"] == "remove"
    assert (done["matched"], done["untagged"]) == (5, 5)
    for holder in holders:
        assert api.get(f"/api/v1/contacts/{holder['id']}", key=key).data["tags"] == ["keep"]
    assert api.get("/api/v1/contacts", key=key, params={"tag": "obsolete"}).data == []
    assert api.get("/api/v1/tags", key=key).data == []
    assert api.delete(f"/api/v1/tags/{tag['id']}", key=key).status == 404
    assert api.post("/api/v1/tags", key=key, json={"name": "Obsolete"}).status == 201


def test_a_tag_being_deleted_cannot_be_assigned(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Going")
    contact = api.create_contact(key, name="Someone")
    run(api, f"/api/v1/tags/{tag['id']}", key, method="DELETE")
    assert api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=key).status == 404
