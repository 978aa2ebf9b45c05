"""`updatedSince` on the lists a client keeps in step with beside the CRM's records (tags, segments,
webhooks): what changed at or after the moment, within the caller's tenant, a cursor bound to it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from contact_platform import clock
from tests.support.fixtures import Api

LISTS: list[tuple[str, Callable[[int], dict[str, Any]], dict[str, Any]]] = [
    ("/api/v1/tags", lambda n: {"name": f"Kept {n}"}, {"description": "changed"}),
    ("/api/v1/segments", lambda n: {"name": f"Segment {n}", "filter": {"tag": "vip"}}, {"name": "Renamed"}),
    ("/api/v1/webhooks", lambda n: {"event": "*", "targetUrl": f"http://127.0.0.1:9/hook{n}"}, {"description": "x"}),
]


@pytest.mark.parametrize(("collection", "body", "change"), LISTS, ids=[path.rsplit("/", 1)[-1] for path, _, _ in LISTS])
def test_updated_since_keeps_what_changed_at_or_after_it(
    api: Api,
    admin: dict[str, Any],
    other_admin: dict[str, Any],
    collection: str,
    body: Callable[[int], dict[str, Any]],
    change: dict[str, Any],
) -> None:
    key = admin["apiKey"]
    made = []
    for n in range(3):
        reply = api.post(collection, key=key, json=body(n))
        assert reply.status == 201, reply.body
        made.append(reply.data)
    time.sleep(0.005)
    mark = clock.iso(clock.now())
    time.sleep(0.005)
    assert api.patch(f"{collection}/{made[1]['id']}", key=key, json=change).status == 200
    newer = api.get(collection, key=key, params={"updatedSince": mark})
    assert [item["id"] for item in newer.data] == [made[1]["id"]]
    assert len(api.get(collection, key=key).data) == 3

    first = api.get(collection, key=key, params={"updatedSince": made[0]["createdAt"], "limit": 2})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    assert cursor is not None
    rest = api.get(collection, key=key, params={"updatedSince": made[0]["createdAt"], "cursor": cursor})
    assert sorted(item["id"] for item in first.data + rest.data) == sorted(item["id"] for item in made)
    assert api.get(collection, key=key, params={"cursor": cursor}).status == 400, "bound to its updatedSince"
    assert api.get(collection, key=other_admin["apiKey"], params={"updatedSince": mark}).data == []
    bad = api.get(collection, key=key, params={"updatedSince": "yesterday"})
    assert bad.status == 422 and bad.error["details"][0]["field"] == "updatedSince"
