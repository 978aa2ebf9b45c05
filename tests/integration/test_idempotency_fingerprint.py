"""`Idempotency-Key` fingerprints what the request really carries: body bytes (a CSV body too), content
type and query, so a changed request under an old key is a 422, never a replay of the first answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fixtures import Api, business_items

CSV = {"Content-Type": "text/csv"}
FIRST = b"email,firstName\nada@example.com,Ada\n"
CHANGED = b"email,firstName\ngrace@example.com,Grace\n"


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _post_import(api: Api, admin: dict[str, Any], body: bytes, **params: str) -> Any:
    headers = {**CSV, "Idempotency-Key": "import-1"}
    return api.post("/api/v1/imports", key=admin["apiKey"], body=body, headers=headers, params=params or None)


def test_the_same_csv_import_is_replayed(api: Api, admin: dict[str, Any]) -> None:
    first = _post_import(api, admin, FIRST)
    again = _post_import(api, admin, FIRST)
    assert first.status == again.status == 202
    assert again.data["operationId"] == first.data["operationId"]
    assert again.header("Idempotent-Replayed") == "true"


@pytest.mark.parametrize(
    ("body", "params"),
    [(CHANGED, {}), (CHANGED, {"mode": "upsert"}), (FIRST, {"mode": "upsert"})],
    ids=["other-csv", "other-csv-and-query", "other-query"],
)
def test_a_changed_csv_import_under_the_same_key_is_422(
    api: Api, admin: dict[str, Any], body: bytes, params: dict[str, str]
) -> None:
    first = _post_import(api, admin, FIRST)
    assert first.status == 202
    reply = _post_import(api, admin, body, **params)
    assert reply.status == 422, reply.body
    assert reply.error["code"] == "IDEMPOTENCY_KEY_REUSED"
    listed = api.get("/api/v1/imports", key=admin["apiKey"]).data
    assert [operation["operationId"] for operation in listed] == [first.data["operationId"]]


def test_another_content_type_under_the_same_key_is_422(api: Api, admin: dict[str, Any]) -> None:
    body = '{"name": "Typed"}'
    headers = {"Idempotency-Key": "typed"}
    first = api.post("/api/v1/contacts", key=admin["apiKey"], body=body, headers=headers)
    assert first.status == 201
    json_typed = {**headers, "Content-Type": "application/json"}
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=body, headers=json_typed)
    assert reply.status == 422 and reply.error["code"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize("sent", ["", "k" * 256, "tab\there"], ids=["empty", "too-long", "control-character"])
def test_a_key_that_is_no_key_is_422_naming_the_header_and_nothing_is_written(
    api: Api, admin: dict[str, Any], sent: str
) -> None:
    before = business_items()
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], json={"name": "Keyed"}, headers={"Idempotency-Key": sent})
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", reply.body
    assert reply.error["details"] == [{"field": "Idempotency-Key", "issue": "1 to 255 printable characters"}]
    assert business_items() == before
