"""What follows for the records that name a deleted record (entities/references.py): a deleted
organization is unlinked from its contacts and deals (activities and notes keep it); a pipeline or
stage goes with `?moveDealsTo=` and its deals move there; past the inline limit a moves job does it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contact_platform import config
from tests.support.entities import make
from tests.support.fixtures import Api, business_items, jobs_account
from tests.support.jobs import wait_for


@pytest.fixture
def board(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    """Two pipelines: the first with two stages, the second with one."""
    key = admin["apiKey"]
    first, second = make(api, key, "pipeline", name="Sales"), make(api, key, "pipeline", name="Partners")
    stages = [
        api.post(f"/api/v1/pipelines/{pipeline}/stages", key=key, json={"name": name, "order": order}).data
        for pipeline, order, name in ((first["id"], 1, "Lead"), (first["id"], 2, "Offer"), (second["id"], 1, "Lead"))
    ]
    return {"key": key, "pipelines": [first, second], "stages": stages}


def _deal(api: Api, key: str, stage: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"title": "Deal", "value": 100, "pipelineId": stage["pipelineId"], "stageId": stage["id"], **fields}
    reply = api.post("/api/v1/deals", key=key, json=body)
    assert reply.status == 201, reply.body
    return dict(reply.data)


def test_deleting_an_organization_unlinks_its_contacts_and_deals(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    user = api.token("user", tenant_id=admin["tenantId"])
    organization = make(api, key, "organization")["id"]
    kept = make(api, key, "organization", name="Other GmbH")["id"]
    mine = api.create_contact(key, name="Linked", organizationId=organization)
    private = api.create_contact(user["apiKey"], name="Private", organizationId=organization)  # not the admin's
    elsewhere = api.create_contact(key, name="Elsewhere", organizationId=kept)
    deal = make(api, key, "deal", organizationId=organization)
    activity = make(api, key, "activity", organizationId=organization)
    deleted = api.delete(f"/api/v1/organizations/{organization}", key=key)
    assert deleted.status == 200 and deleted.data["operationId"] is None, "a few move in the request"
    assert api.get(f"/api/v1/contacts/{mine['id']}", key=key).data["organizationId"] is None
    assert api.get(f"/api/v1/contacts/{private['id']}", key=key).data["organizationId"] is None
    assert api.get(f"/api/v1/contacts/{elsewhere['id']}", key=key).data["organizationId"] == kept
    unlinked = api.get(f"/api/v1/deals/{deal['id']}", key=key).data
    assert unlinked["organizationId"] is None and unlinked["version"] == 2
    assert api.get("/api/v1/deals", key=key, params={"organizationId": organization}).data == []
    assert api.get("/api/v1/contacts", key=key, params={"organizationId": organization}).data == []
    history = api.get(f"/api/v1/activities/{activity['id']}", key=key).data
    assert history["organizationId"] == organization and history["version"] == 1, "activities keep it"
    changes = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": deal["id"]}).data
    assert [(entry["action"], entry["changedFields"]) for entry in changes][:1] == [
        ("deal.updated", ["organizationId"])
    ]


def test_a_stage_with_deals_goes_with_move_deals_to(api: Api, board: dict[str, Any]) -> None:
    key, (lead, offer, other) = board["key"], board["stages"]
    deals = [_deal(api, key, lead), _deal(api, key, lead)]
    api.post(f"/api/v1/deals/{deals[1]['id']}/won", key=key)
    path = f"/api/v1/stages/{lead['id']}"
    before = business_items()
    for target, issue in (
        (lead["id"], "the stage being deleted"),
        ("stage_unknown", "no stage with this id"),
    ):
        reply = api.delete(path, key=key, params={"moveDealsTo": target})
        assert reply.status == 422 and reply.error["details"] == [{"field": "moveDealsTo", "issue": issue}]
    bad = api.delete(path, key=key, params={"moveDealsTo": "not a stage"})
    assert bad.status == 422 and bad.error["details"][0]["field"] == "moveDealsTo"
    assert business_items() == before, "a refused delete writes nothing"
    moved = api.delete(path, key=key, params={"moveDealsTo": offer["id"]})
    assert moved.status == 200 and moved.data["operationId"] is None, moved.body
    for deal in deals:
        now = api.get(f"/api/v1/deals/{deal['id']}", key=key).data
        assert (now["stageId"], now["pipelineId"]) == (offer["id"], offer["pipelineId"]), "open and closed move"
    summary = api.get("/api/v1/deals/summary", key=key, params={"stageId": offer["id"]}).data
    assert summary["count"] == 2, "the summary's tallies follow the move"
    assert api.get("/api/v1/deals/summary", key=key, params={"stageId": lead["id"]}).data["count"] == 0
    assert _deal(api, key, other)["stageId"] == other["id"]


def test_a_pipeline_moves_its_deals_to_a_stage_of_another(api: Api, board: dict[str, Any]) -> None:
    key, (lead, offer, other) = board["key"], board["stages"]
    deals = [_deal(api, key, lead), _deal(api, key, offer)]
    path = f"/api/v1/pipelines/{lead['pipelineId']}"
    refused = api.delete(path, key=key)
    assert refused.status == 409 and refused.error["message"].startswith("Pipeline still holds 2 open deals")
    own = api.delete(path, key=key, params={"moveDealsTo": offer["id"]})
    assert own.status == 422 and own.error["details"] == [
        {"field": "moveDealsTo", "issue": "a stage of the pipeline being deleted"}
    ]
    assert api.delete(path, key=key, params={"moveDealsTo": other["id"], "moveDeals": "x"}).status == 422
    assert api.delete(path, key=key, params={"moveDealsTo": other["id"]}).status == 200
    assert api.get(path, key=key).status == 404
    listed = api.get("/api/v1/deals", key=key, params={"stageId": other["id"]}).data
    assert sorted(deal["id"] for deal in listed) == sorted(deal["id"] for deal in deals)
    assert {deal["pipelineId"] for deal in listed} == {other["pipelineId"]}


def test_another_tenants_stage_is_not_a_target(api: Api, board: dict[str, Any], other_admin: dict[str, Any]) -> None:
    key, lead = board["key"], board["stages"][0]
    _deal(api, key, lead)
    theirs = make(api, other_admin["apiKey"], "stage")
    reply = api.delete(f"/api/v1/stages/{lead['id']}", key=key, params={"moveDealsTo": theirs["id"]})
    assert reply.status == 422 and reply.error["details"] == [
        {"field": "moveDealsTo", "issue": "no stage with this id"}
    ]
    stranger = api.delete(
        f"/api/v1/stages/{lead['id']}", key=other_admin["apiKey"], params={"moveDealsTo": theirs["id"]}
    )
    assert stranger.status == 404


@pytest.fixture
def jobs() -> Iterator[Api]:
    with jobs_account(**{config.ENV_INLINE_MOVES: "2"}):
        yield Api()


def test_past_the_inline_limit_a_moves_job_moves_them(jobs: Api) -> None:
    api = jobs
    admin = api.token("admin")
    key = admin["apiKey"]
    organization = make(api, key, "organization")["id"]
    contacts = [api.create_contact(key, name=f"Linked {n}", organizationId=organization)["id"] for n in range(3)]
    deal = make(api, key, "deal", organizationId=organization)["id"]
    deleted = api.delete(f"/api/v1/organizations/{organization}", key=key)
    assert deleted.status == 200 and deleted.data["operationId"], deleted.body
    assert "moving in a job" in deleted.data["message"]
    assert api.get(f"/api/v1/organizations/{organization}", key=key).status == 404, "deleted at once"
    done = wait_for(api, f"/api/v1/moves/{deleted.data['operationId']}", key)
    assert done["status"] == "FINISHED", done
    assert (done["moved"], done["unchanged"], done["failed"], done["reason"]) == (4, 0, 0, "organization.deleted")
    assert all(api.get(f"/api/v1/contacts/{c}", key=key).data["organizationId"] is None for c in contacts)
    assert api.get(f"/api/v1/deals/{deal}", key=key).data["organizationId"] is None
    listed = api.get("/api/v1/moves", key=key).data
    assert [move["operationId"] for move in listed] == [deleted.data["operationId"]]
    retried = api.post(f"/api/v1/moves/{deleted.data['operationId']}/retry", key=key)
    assert retried.status == 409, "only a failed move runs again"
