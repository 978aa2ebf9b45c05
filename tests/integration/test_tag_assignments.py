"""Tagging a segment, deleting and renaming a tag, as jobs: counts (the operation's and the tag's
contactCount), visible tags, SEGMENT_EMPTY, name reuse; imports make the tags they use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_cleanup import cleanup
from tests.integration.test_job_failures import Fault, fault  # noqa: F401 (a fixture)
from tests.support.entities import make
from tests.support.fixtures import Api, business_items
from tests.support.jobs import run, wait_for


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
    berlin, munich = (make(api, key, "organization", name=name)["id"] for name in ("Berlin AG", "München AG"))
    people = [api.create_contact(key, name=f"Berliner {n}", organizationId=berlin) for n in range(6)]
    api.call("PUT", f"/api/v1/contacts/{people[0]['id']}/tags/{tag['id']}", key=key)
    api.create_contact(key, name="Elsewhere", organizationId=munich)
    segment = _segment(api, key, filter={"organizationId": berlin})

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
    assert [(t["name"], t["contactCount"]) for t in api.get("/api/v1/tags", key=key).data] == [("keep", 5)]
    assert api.delete(f"/api/v1/tags/{tag['id']}", key=key).status == 404
    assert api.post("/api/v1/tags", key=key, json={"name": "Obsolete"}).status == 201


def test_a_tag_being_deleted_cannot_be_assigned(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    tag = _tag(api, key, "Going")
    contact = api.create_contact(key, name="Someone")
    run(api, f"/api/v1/tags/{tag['id']}", key, method="DELETE")
    assert api.call("PUT", f"/api/v1/contacts/{contact['id']}/tags/{tag['id']}", key=key).status == 404


def _tags(api: Api, key: str) -> dict[str, dict[str, Any]]:
    return {tag["name"]: tag for tag in api.get("/api/v1/tags", key=key, params={"limit": 200}).data}


def test_a_segment_tagged_in_several_chunks_counts_each_contact_once(api: Api, admin: dict[str, Any]) -> None:
    """120 contacts: three chunks of 50, each written in grouped transactions that update the tag once."""
    key = admin["apiKey"]
    tag = _tag(api, key, "Bulk")
    rows = "".join(f"Person {n},p{n}@example.com\n" for n in range(120))
    imported = run(
        api, "/api/v1/imports", key, body=f"name,email\n{rows}".encode(), headers={"Content-Type": "text/csv"}
    )
    assert imported["created"] == 120, imported
    segment = _segment(api, key, filter={})
    done = run(api, "/api/v1/tag-assignments", key, json={"tagId": tag["id"], "segmentId": segment})
    assert (done["status"], done["matched"], done["tagged"]) == ("FINISHED", 120, 120), done
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 120


def test_an_import_makes_the_tags_it_uses_and_counts_them(api: Api, admin: dict[str, Any]) -> None:
    """Ten rows share a new tag: one transaction makes it once with the count of all ten."""
    key = admin["apiKey"]
    api.create_contact(key, name="Earlier", tags=["Existing"])
    rows = "".join(f"Row {n},r{n}@example.com,fresh;existing\n" for n in range(10))
    done = run(
        api, "/api/v1/imports", key, body=f"name,email,tags\n{rows}".encode(), headers={"Content-Type": "text/csv"}
    )
    assert done["created"] == 10, done
    tags = _tags(api, key)
    assert {name: tag["contactCount"] for name, tag in tags.items()} == {"Existing": 11, "fresh": 10}
    listed = api.get("/api/v1/contacts", key=key, params={"tag": tags["fresh"]["id"], "limit": 200}).data
    assert len(listed) == 10 and all(contact["tags"] == ["fresh", "Existing"] for contact in listed)


def test_renaming_a_tag_reserves_the_name_at_once_and_renames_it_on_every_contact(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    holders = [api.create_contact(key, name=f"Holder {n}", tags=["lead", "keep"]) for n in range(4)]
    other = _tag(api, key, "Taken")
    tag = _tags(api, key)["lead"]
    by_id = _segment(api, key, filter={"tag": [tag["id"]]})
    by_name = _segment(api, key, filter={"tag": ["lead"]})
    clash = api.patch(f"/api/v1/tags/{tag['id']}", key=key, json={"name": "TAKEN"})
    assert clash.status == 409 and other["id"] in clash.error["message"], "tags are tenant-wide: named"
    renamed = api.patch(f"/api/v1/tags/{tag['id']}", key=key, json={"name": "Prospect", "color": "#00AA00"})
    assert renamed.status == 200, renamed.body
    assert (renamed.data["name"], renamed.data["renamingTo"], renamed.data["color"]) == ("lead", "Prospect", "#00AA00")
    assert api.post("/api/v1/tags", key=key, json={"name": "prospect"}).status == 409, "reserved at once"
    done = wait_for(api, f"/api/v1/tag-assignments/{renamed.data['renameOperationId']}", key)
    assert (done["status"], done["action"], done["matched"], done["renamed"]) == ("FINISHED", "rename", 4, 4), done
    after = api.get(f"/api/v1/tags/{tag['id']}", key=key).data
    assert (after["name"], after["renamingTo"], after["renameOperationId"], after["contactCount"]) == (
        "Prospect",
        None,
        None,
        4,
    )
    for holder in holders:
        assert api.get(f"/api/v1/contacts/{holder['id']}", key=key).data["tags"] == ["keep", "Prospect"]
    assert len(api.get("/api/v1/contacts", key=key, params={"tag": "prospect"}).data) == 4
    assert api.get("/api/v1/contacts", key=key, params={"tag": "lead"}).data == []
    assert api.get(f"/api/v1/segments/{by_id}/count", key=key).data["count"] == 4, "an ID follows the tag"
    assert api.get(f"/api/v1/segments/{by_name}/count", key=key).data["count"] == 0, "a name is a name"
    assert api.create_contact(key, name="New lead", tags=["lead"])["tags"] == ["lead"], "the old name is free"
    assert _tags(api, key)["lead"]["id"] != tag["id"]


def test_a_tag_whose_deletion_failed_cannot_be_taken_by_a_contact(
    api: Api,
    admin: dict[str, Any],
    fault: Fault,  # noqa: F811
) -> None:
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Holder", tags=["Doomed"])
    tag = _tags(api, key)["Doomed"]
    fault("tagging.finalize")
    failed = run(api, f"/api/v1/tags/{tag['id']}", key, method="DELETE")
    assert failed["status"] == "FAILED" and failed["untagged"] == 1
    fault(None)
    before = business_items()
    reply = api.post("/api/v1/contacts", key=key, json={"name": "Late", "tags": ["doomed"]})
    assert reply.status == 409 and reply.error["details"][0]["field"] == "tags"
    patched = api.patch(f"/api/v1/contacts/{contact['id']}", key=key, json={"tags": ["DOOMED"]})
    assert patched.status == 409
    assert business_items() == before
    retried = run(api, f"/api/v1/tag-assignments/{failed['operationId']}/retry", key)
    assert retried["status"] == "FINISHED"
    assert api.create_contact(key, name="Later", tags=["doomed"])["tags"] == ["doomed"], "free once deleted"


def test_purging_a_deleted_contact_leaves_the_count_alone(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    kept = api.create_contact(key, name="Kept", tags=["Counted"])
    gone = api.create_contact(key, name="Gone", tags=["Counted"])
    api.delete(f"/api/v1/contacts/{gone['id']}", key=key)
    assert _tags(api, key)["Counted"]["contactCount"] == 1
    assert cleanup(90.001)["contactsPurged"] == 1
    assert _tags(api, key)["Counted"]["contactCount"] == 1
    assert api.get(f"/api/v1/contacts/{kept['id']}", key=key).data["tags"] == ["Counted"]


def test_while_a_rename_is_pending_the_new_name_counts_and_the_old_one_is_refused(
    api: Api,
    admin: dict[str, Any],
    fault: Fault,  # noqa: F811
) -> None:
    """A rename whose finalize step failed leaves the tag mid-rename until it is retried."""
    key = admin["apiKey"]
    first = api.create_contact(key, name="First", tags=["old name"])
    tag = _tags(api, key)["old name"]
    fault("tagging.finalize")
    started = api.patch(f"/api/v1/tags/{tag['id']}", key=key, json={"name": "New Name"})
    failed = wait_for(api, f"/api/v1/tag-assignments/{started.data['renameOperationId']}", key)
    assert (failed["status"], failed["renamed"]) == ("FAILED", 1), failed
    fault(None)
    pending = api.get(f"/api/v1/tags/{tag['id']}", key=key).data
    assert (pending["name"], pending["renamingTo"], pending["contactCount"]) == ("old name", "New Name", 1)
    assert api.get(f"/api/v1/contacts/{first['id']}", key=key).data["tags"] == ["New Name"]
    second = api.create_contact(key, name="Second", tags=["new name"])
    assert second["tags"] == ["New Name"], "the reserved name is the tag's, in its spelling"
    assert api.get(f"/api/v1/tags/{tag['id']}", key=key).data["contactCount"] == 2
    refused = api.post("/api/v1/contacts", key=key, json={"name": "Third", "tags": ["Old Name"]})
    assert refused.status == 409 and refused.error["details"][0]["field"] == "tags"
    assert api.patch(f"/api/v1/tags/{tag['id']}", key=key, json={"name": "Other"}).status == 409
    assert api.delete(f"/api/v1/tags/{tag['id']}", key=key).status == 409
    tagged = api.call("PUT", f"/api/v1/contacts/{second['id']}/tags/{tag['id']}", key=key)
    assert tagged.status == 200 and tagged.data["version"] == 1, "tagging by ID takes the new name: held already"
    retried = run(api, f"/api/v1/tag-assignments/{failed['operationId']}/retry", key)
    assert retried["status"] == "FINISHED"
    done = api.get(f"/api/v1/tags/{tag['id']}", key=key).data
    assert (done["name"], done["renamingTo"], done["contactCount"]) == ("New Name", None, 2)
    assert api.create_contact(key, name="Fourth", tags=["old name"])["tags"] == ["old name"], "the old name is free"
