"""The deal summary: count, value and weighted value per currency from the tallies each deal write
keeps in its transaction; what a `user` may not see stays out; its requests do not grow with deals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests


@pytest.fixture
def board(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    key = admin["apiKey"]
    pipeline = make(api, key, "pipeline")
    stages = [
        api.post(f"/api/v1/pipelines/{pipeline['id']}/stages", key=key, json=body).data
        for body in (
            {"name": "Qualified", "order": 1, "probability": 0.2},
            {"name": "Won?", "order": 2, "probability": 0.5},
        )
    ]
    return {"key": key, "tenant": admin["tenantId"], "pipeline": pipeline, "stages": stages}


def _deal(api: Api, board: dict[str, Any], key: str | None = None, stage: int = 0, **fields: Any) -> dict[str, Any]:
    body = {"title": "Deal", "pipelineId": board["pipeline"]["id"], "stageId": board["stages"][stage]["id"]}
    reply = api.post("/api/v1/deals", key=key or board["key"], json={**body, **fields})
    assert reply.status == 201, reply.body
    return reply.data


def _summary(api: Api, key: str, **params: Any) -> dict[str, Any]:
    reply = api.get("/api/v1/deals/summary", key=key, params=params)
    assert reply.status == 200, reply.body
    return reply.data


def test_counts_values_and_weights_follow_every_write(api: Api, board: dict[str, Any]) -> None:
    key = board["key"]
    first = _deal(api, board, value=1000)
    second = _deal(api, board, stage=1, value=400)
    _deal(api, board, value=50, currency="USD")
    closed = _deal(api, board, value=300)
    api.post(f"/api/v1/deals/{closed['id']}/won", key=key)
    lost = _deal(api, board, value=99)
    api.post(f"/api/v1/deals/{lost['id']}/lost", key=key)
    summary = _summary(api, key)
    assert summary["count"] == 5
    assert summary["totals"] == [
        {"currency": "EUR", "count": 4, "value": 1799, "weightedValue": 1000 * 0.2 + 400 * 0.5 + 300},
        {"currency": "USD", "count": 1, "value": 50, "weightedValue": 10},
    ]
    assert _summary(api, key, status="open")["count"] == 3
    assert _summary(api, key, stageId=board["stages"][1]["id"])["totals"][0]["value"] == 400
    assert _summary(api, key, status="won", pipelineId=board["pipeline"]["id"])["totals"][0]["value"] == 300
    api.patch(f"/api/v1/deals/{first['id']}", key=key, json={"value": 2000, "stageId": board["stages"][1]["id"]})
    api.delete(f"/api/v1/deals/{second['id']}", key=key)
    moved = _summary(api, key, status="open")
    assert moved["totals"][0] == {"currency": "EUR", "count": 1, "value": 2000, "weightedValue": 1000}
    api.post(f"/api/v1/admin/deals/{second['id']}/restore", key=key)
    assert _summary(api, key, status="open")["totals"][0]["count"] == 2
    api.patch(f"/api/v1/stages/{board['stages'][1]['id']}", key=key, json={"probability": 1})
    assert _summary(api, key, status="open")["totals"][0]["weightedValue"] == 2400, "today's probability"


def test_a_user_counts_shared_deals_and_its_own_only(api: Api, board: dict[str, Any]) -> None:
    alice, bob = (api.token("user", tenant_id=board["tenant"]) for _ in range(2))
    _deal(api, board, key=alice["apiKey"], value=10, visibleTo="owner")
    _deal(api, board, key=alice["apiKey"], value=20)
    _deal(api, board, key=bob["apiKey"], value=40, visibleTo="owner")
    assert _summary(api, bob["apiKey"])["totals"][0]["value"] == 60
    assert _summary(api, bob["apiKey"], ownerId=alice["userId"])["totals"][0]["value"] == 20
    assert _summary(api, alice["apiKey"], ownerId=alice["userId"])["totals"][0]["value"] == 30
    assert _summary(api, board["key"])["totals"][0]["value"] == 70
    assert _summary(api, board["key"], ownerId=bob["userId"])["totals"][0]["value"] == 40


def test_bad_parameters_are_422_and_the_requests_do_not_grow_with_deals(api: Api, board: dict[str, Any]) -> None:
    key = board["key"]
    for params in ({"statuses": "open"}, {"status": "closed"}, {"stageId": "nope"}):
        reply = api.get("/api/v1/deals/summary", key=key, params=params)
        assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    _deal(api, board, value=1)
    with dynamodb_requests() as few:
        _summary(api, key)
    for value in range(12):
        _deal(api, board, stage=value % 2, value=value)
    with dynamodb_requests() as many:
        assert _summary(api, key)["count"] == 13
    assert few == many == {"UpdateItem": 1, "Query": 1, "BatchGetItem": 1}
