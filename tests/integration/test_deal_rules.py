"""Deals beyond the standard cases (test_entities.py): the stage belongs to the pipeline, the value
and currency rules, won, lost and reopen with the times the server sets, the seed's list query."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api, business_items
from tests.support.interleave import before_first
from tests.support.request_counter import dynamodb_requests


@pytest.fixture
def board(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    """A pipeline with two stages, and a stage of another pipeline."""
    key = admin["apiKey"]
    pipeline = make(api, key, "pipeline")
    stages = [
        api.post(f"/api/v1/pipelines/{pipeline['id']}/stages", key=key, json={"name": name, "order": order}).data
        for order, name in enumerate(["Qualified", "Proposal"], start=1)
    ]
    elsewhere = make(api, key, "stage")
    return {"key": key, "pipeline": pipeline, "stages": stages, "elsewhere": elsewhere}


def _deal(api: Api, board: dict[str, Any], **fields: Any) -> Any:
    body = {"title": "CRM Einführung", "pipelineId": board["pipeline"]["id"], "stageId": board["stages"][0]["id"]}
    return api.post("/api/v1/deals", key=board["key"], json={**body, **fields})


def test_the_stage_must_belong_to_the_deals_pipeline(api: Api, board: dict[str, Any]) -> None:
    before = business_items()
    reply = _deal(api, board, stageId=board["elsewhere"]["id"])
    assert reply.status == 422 and reply.error["details"] == [
        {"field": "stageId", "issue": "not a stage of this pipeline"}
    ]
    deal = _deal(api, board).data
    other_pipeline = {"pipelineId": board["elsewhere"]["pipelineId"]}
    assert api.patch(f"/api/v1/deals/{deal['id']}", key=board["key"], json=other_pipeline).status == 422
    both = {**other_pipeline, "stageId": board["elsewhere"]["id"]}
    assert api.patch(f"/api/v1/deals/{deal['id']}", key=board["key"], json=both).status == 200
    assert len(business_items()) > len(before)


def test_a_deal_takes_its_pipeline_from_its_stage_when_left_out(api: Api, board: dict[str, Any]) -> None:
    """As Pipedrive's deals do: the stage names its pipeline, so a create or move may give the stage alone."""
    key, first = board["key"], board["stages"][0]
    made = api.post("/api/v1/deals", key=key, json={"title": "Stage only", "stageId": first["id"]})
    assert made.status == 201 and made.data["pipelineId"] == board["pipeline"]["id"], made.body
    deal = made.data
    elsewhere = board["elsewhere"]
    moved = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"stageId": elsewhere["id"]})
    assert moved.status == 200 and moved.data["pipelineId"] == elsewhere["pipelineId"], moved.body
    assert moved.data["stageId"] == elsewhere["id"] and moved.data["stageChangedAt"] == moved.data["updatedAt"]
    summary = api.get("/api/v1/deals/summary", key=key, params={"pipelineId": elsewhere["pipelineId"]}).data
    assert summary["count"] == 1, "the deal's tallies moved with it"
    audit = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": deal["id"], "action": "deal.updated"})
    assert audit.data[0]["changedFields"] == ["pipelineId", "stageId"], audit.data
    unknown = api.post("/api/v1/deals", key=key, json={"title": "Nowhere", "stageId": "stage_unknown"})
    assert unknown.error["details"] == [{"field": "stageId", "issue": "no stage with this id"}], unknown.body
    neither = api.post("/api/v1/deals", key=key, json={"title": "Nowhere"})
    assert neither.status == 422 and neither.error["details"] == [
        {"field": "stageId", "issue": "required, or a pipelineId (its first stage)"}
    ]
    nulled = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"stageId": None})
    assert nulled.status == 422 and nulled.error["details"] == [
        {"field": "stageId", "issue": "required; may not be null"}
    ]


def test_a_deal_given_only_its_pipeline_goes_into_its_first_stage(
    api: Api, board: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    """As Pipedrive's do: the stage of the lowest `order` (one Query of the pipeline's stages)."""
    key, pipeline = board["key"], board["pipeline"]
    later = api.post(f"/api/v1/pipelines/{pipeline['id']}/stages", key=key, json={"name": "Earlier", "order": 0}).data
    with dynamodb_requests() as sent:
        made = api.post("/api/v1/deals", key=key, json={"title": "Pipeline only", "pipelineId": pipeline["id"]})
    assert made.status == 201 and made.data["stageId"] == later["id"], made.body
    assert sent["Query"] == 1, sent
    empty = make(api, key, "pipeline")
    nowhere = api.post("/api/v1/deals", key=key, json={"title": "No stage", "pipelineId": empty["id"]})
    assert nowhere.status == 422 and nowhere.error["details"] == [
        {"field": "stageId", "issue": "required: no stage of that pipeline to put the deal in"}
    ]
    theirs = api.post(
        "/api/v1/deals", key=other_admin["apiKey"], json={"title": "Theirs", "pipelineId": pipeline["id"]}
    )
    assert (
        theirs.status == 422 and {"field": "pipelineId", "issue": "no pipeline with this id"} in theirs.error["details"]
    ), "another tenant's pipeline is none of theirs, and its stages are not named"
    assert all(later["id"] not in str(detail) for detail in theirs.error["details"])
    unknown = api.post("/api/v1/deals", key=key, json={"title": "No pipeline", "pipelineId": "pipe_unknown"})
    assert (
        unknown.status == 422
        and {"field": "pipelineId", "issue": "no pipeline with this id"} in unknown.error["details"]
    ), unknown.body


def test_a_stage_created_without_order_comes_after_the_pipelines_last(
    api: Api, board: dict[str, Any], other_admin: dict[str, Any]
) -> None:
    """One Query of the pipeline's stages, highest `order` first; first (0) in an empty pipeline."""
    key, pipeline = board["key"], board["pipeline"]
    stages = f"/api/v1/pipelines/{pipeline['id']}/stages"
    with dynamodb_requests() as sent:
        appended = api.post(stages, key=key, json={"name": "Negotiation"})
    assert appended.status == 201 and appended.data["order"] == 3, appended.body
    assert sent["Query"] == 1, sent
    listed = api.get(stages, key=key).data  # a pipeline's stages are listed in their order by default
    assert [stage["name"] for stage in listed] == ["Qualified", "Proposal", "Negotiation"]
    newest_first = api.get(f"{stages}?sort=-createdAt", key=key).data
    assert [stage["name"] for stage in newest_first] == ["Negotiation", "Proposal", "Qualified"]
    empty = make(api, key, "pipeline")
    first = api.post(f"/api/v1/pipelines/{empty['id']}/stages", key=key, json={"name": "Only"})
    assert first.status == 201 and first.data["order"] == 0, first.body
    nulled = api.patch(f"/api/v1/stages/{appended.data['id']}", key=key, json={"order": None})
    assert nulled.status == 422 and nulled.error["details"] == [
        {"field": "order", "issue": "required; may not be null"}
    ]
    before = business_items()
    theirs = api.post(stages, key=other_admin["apiKey"], json={"name": "Theirs"})
    assert theirs.status == 404 and theirs.error["message"] == "Pipeline not found", theirs.body
    assert business_items() == before, "another tenant's pipeline gets no stage, and its stages are not read out"


def test_a_stage_whose_place_another_create_took_meanwhile_goes_after_that_one(api: Api, board: dict[str, Any]) -> None:
    """The place read (3) is taken between the read and the write (another request moves the first
    stage there): the create reads again (4) rather than answer 409 about an `order` it was not sent."""
    key, pipeline = board["key"], board["pipeline"]
    stages = f"/api/v1/pipelines/{pipeline['id']}/stages"
    moved: list[Any] = []
    first = f"/api/v1/stages/{board['stages'][0]['id']}"
    with before_first("TransactWriteItems", lambda: moved.append(api.patch(first, key=key, json={"order": 3}))):
        placed = api.post(stages, key=key, json={"name": "Negotiation"})
    assert moved[0].status == 200 and moved[0].data["order"] == 3, moved[0].body
    assert placed.status == 201 and placed.data["order"] == 4, placed.body
    sent_order = api.post(stages, key=key, json={"name": "Same place", "order": 4})
    assert sent_order.status == 409 and sent_order.error["details"][0]["field"] == "order", sent_order.body


def test_a_stage_after_one_at_the_highest_order_needs_its_order(api: Api, board: dict[str, Any]) -> None:
    key, pipeline = board["key"], board["pipeline"]
    stages = f"/api/v1/pipelines/{pipeline['id']}/stages"
    assert api.post(stages, key=key, json={"name": "Last", "order": 10_000}).status == 201
    refused = api.post(stages, key=key, json={"name": "After it"})
    assert refused.status == 422 and refused.error["details"] == [
        {"field": "order", "issue": "required: the pipeline's last stage is at 10000, the highest order"}
    ]


@pytest.mark.parametrize(
    ("field", "value", "issue"),
    [("value", -1, "min"), ("value", 1e16, "max"), ("currency", "eur", None), ("status", "closed", None)],
)
def test_value_currency_and_status_are_validated(
    api: Api, board: dict[str, Any], field: str, value: Any, issue: str | None
) -> None:
    reply = _deal(api, board, **{field: value})
    assert reply.status == 422 and reply.error["details"][0]["field"] == field, reply.body
    if issue:
        assert reply.error["details"] == [{"field": field, "issue": issue}]


def test_won_lost_and_reopen_set_the_closing_times(api: Api, board: dict[str, Any]) -> None:
    key = board["key"]
    deal = _deal(api, board, value=1000).data
    assert deal["status"] == "open" and deal["stageChangedAt"] == deal["createdAt"] and deal["closedAt"] is None
    won = api.post(f"/api/v1/deals/{deal['id']}/won", key=key)
    assert won.status == 200 and won.data["status"] == "won"
    assert won.data["wonAt"] == won.data["closedAt"] == won.data["updatedAt"] and won.data["lostAt"] is None
    for outcome in ("won", "lost"):
        again = api.post(f"/api/v1/deals/{deal['id']}/{outcome}", key=key)
        assert again.status == 409 and again.error["message"].startswith("Deal is already won"), again.body
    renamed = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"title": "Renamed"}).data
    assert renamed["wonAt"] == won.data["wonAt"], "closing times stay while the deal stays closed"
    reopened = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"status": "open"}).data
    assert reopened["wonAt"] is None and reopened["closedAt"] is None
    lost = api.post(f"/api/v1/deals/{deal['id']}/lost", key=key, json={"lostReason": "Too expensive"}).data
    assert lost["status"] == "lost" and lost["lostReason"] == "Too expensive" and lost["lostAt"] == lost["closedAt"]
    open_again = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"status": "open"}).data
    assert open_again["lostReason"] is None and open_again["lostAt"] is None
    unknown = api.post(f"/api/v1/deals/{deal['id']}/lost", key=key, json={"reason": "x"})
    assert unknown.status == 422 and unknown.error["details"][0] == {
        "field": "reason",
        "issue": "unknown field; did you mean lostReason?",
    }
    stale = api.post(f"/api/v1/deals/{deal['id']}/won", key=key, headers={"If-Match": '"1"'})
    assert stale.status == 412
    assert api.post("/api/v1/deals/deal_doesnotexist/won", key=key).status == 404


def test_moving_a_deal_to_another_stage_sets_stage_changed_at(api: Api, board: dict[str, Any]) -> None:
    key = board["key"]
    deal = _deal(api, board).data
    renamed = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"title": "Still here"}).data
    assert renamed["stageChangedAt"] == deal["stageChangedAt"]
    moved = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"stageId": board["stages"][1]["id"]}).data
    assert moved["stageChangedAt"] == moved["updatedAt"] != deal["stageChangedAt"]


def test_the_seeds_list_query_and_value_bounds(api: Api, board: dict[str, Any]) -> None:
    key = board["key"]
    small, large = _deal(api, board, value=100).data, _deal(api, board, value=5000).data
    closed = _deal(api, board, value=300).data
    api.post(f"/api/v1/deals/{closed['id']}/won", key=key)
    api.patch(f"/api/v1/deals/{small['id']}", key=key, json={"title": "Touched last"})
    reply = api.get("/api/v1/deals", key=key, params={"status": "open", "sort": "-updatedAt", "limit": 50})
    assert [deal["id"] for deal in reply.data] == [small["id"], large["id"]]
    bounded = api.get("/api/v1/deals", key=key, params={"valueMin": 100, "valueMax": 300, "sort": "value"})
    assert [deal["id"] for deal in bounded.data] == [small["id"], closed["id"]]
    bad = api.get("/api/v1/deals", key=key, params={"valueMin": "lots"})
    assert bad.status == 422 and bad.error["details"][0]["field"] == "valueMin"


def test_a_stage_or_pipeline_with_open_deals_is_not_deleted(api: Api, board: dict[str, Any]) -> None:
    key = board["key"]
    deals = [_deal(api, board).data for _ in range(2)]
    stage, pipeline = board["stages"][0], board["pipeline"]
    refused = api.delete(f"/api/v1/stages/{stage['id']}", key=key)
    assert (
        refused.status == 409
        and refused.error["message"]
        == "Stage still holds 2 open deals; move or close them first, or pass ?moveDealsTo="
    )
    whole = api.delete(f"/api/v1/pipelines/{pipeline['id']}", key=key)
    assert whole.status == 409 and whole.error["message"].startswith("Pipeline still holds 2 open deals")
    assert api.delete(f"/api/v1/stages/{board['stages'][1]['id']}", key=key).status == 200, "an empty stage goes"
    api.post(f"/api/v1/deals/{deals[0]['id']}/won", key=key)
    api.delete(f"/api/v1/deals/{deals[1]['id']}", key=key)
    assert api.delete(f"/api/v1/stages/{stage['id']}", key=key).status == 200, "closed and deleted deals do not hold it"
    assert api.delete(f"/api/v1/pipelines/{pipeline['id']}", key=key).status == 200


def test_only_admins_and_managers_delete_a_stage_or_pipeline(
    api: Api, board: dict[str, Any], admin: dict[str, Any]
) -> None:
    """Deleting a stage or pipeline counts and moves every deal in it: a user, who may not see others'
    private deals, is told nothing about them and moves none."""
    private = _deal(api, board, visibleTo="owner").data
    user = api.token("user", tenant_id=admin["tenantId"])
    manager = api.token("manager", tenant_id=admin["tenantId"])
    assert api.get(f"/api/v1/deals/{private['id']}", key=user["apiKey"]).status == 404
    stage, pipeline, elsewhere = board["stages"][0]["id"], board["pipeline"]["id"], board["elsewhere"]["id"]
    before = business_items()
    for path in (f"/api/v1/stages/{stage}", f"/api/v1/pipelines/{pipeline}"):
        for query in ("", f"?moveDealsTo={elsewhere}"):
            refused = api.delete(path + query, key=user["apiKey"])
            assert refused.status == 403, (path, query, refused.body)
            assert "open deal" not in refused.error["message"]
    assert business_items() == before, "nothing deleted, no deal moved"
    moved = api.delete(f"/api/v1/pipelines/{pipeline}?moveDealsTo={elsewhere}", key=manager["apiKey"])
    assert moved.status == 200, moved.body
    assert api.get(f"/api/v1/deals/{private['id']}", key=board["key"]).data["stageId"] == elsewhere


def test_a_deal_comes_back_only_into_a_pipeline_and_stage_that_exist(api: Api, board: dict[str, Any]) -> None:
    key, pipeline = board["key"], board["pipeline"]["id"]
    deal = _deal(api, board).data
    assert api.delete(f"/api/v1/deals/{deal['id']}", key=key).status == 200
    assert api.delete(f"/api/v1/pipelines/{pipeline}", key=key).status == 200, "no open deal holds it now"
    before = business_items()
    refused = api.post(f"/api/v1/admin/deals/{deal['id']}/restore", key=key)
    assert refused.status == 409 and refused.error["details"] == [
        {"field": "pipelineId", "issue": "names a deleted pipeline: restore that first"}
    ], refused.body
    assert business_items() == before, "an open deal never sits in a deleted pipeline"
    assert api.post(f"/api/v1/admin/pipelines/{pipeline}/restore", key=key).status == 200
    restored = api.post(f"/api/v1/admin/deals/{deal['id']}/restore", key=key)
    assert restored.status == 200 and restored.data["stageId"] == board["stages"][0]["id"], restored.body


def test_the_seeds_snake_case_deal_names_each_field_meant(api: Api, board: dict[str, Any]) -> None:
    """The CRM seed's own example body: nothing written, and each of its names answered with this
    API's (its persons are the contacts, its `org_id` an organization)."""
    before = business_items()
    seed_example = {
        "title": "CRM Einführung",
        "value": 25000,
        "currency": "EUR",
        "org_id": "org_123",
        "person_id": "per_456",
        "pipeline_id": board["pipeline"]["id"],
        "stage_id": board["stages"][0]["id"],
    }
    reply = api.post("/api/v1/deals", key=board["key"], json=seed_example)
    assert reply.status == 422
    unknown = {detail["field"]: detail["issue"] for detail in reply.error["details"] if "unknown" in detail["issue"]}
    assert unknown == {
        "org_id": "unknown field; did you mean organizationId?",
        "person_id": "unknown field; did you mean contactId?",
        "pipeline_id": "unknown field; did you mean pipelineId?",
        "stage_id": "unknown field; did you mean stageId?",
    }
    listed = api.get("/api/v1/deals", key=board["key"], params={"org_id": "org_123"})
    assert listed.status == 422
    assert "did you mean organizationId?" in listed.error["details"][0]["issue"]
    assert business_items() == before
