"""Writes that lose a race: another client writes the same record between a request's read and its
conditional write (run just before the request's transaction, see tests/support/interleave.py).
Contacts retry and then answer 409 "... is being changed by another request; retry" with
`Retry-After: 1`; with `If-Match`
the answer is 412; segments answer 409 at once. The winner's write stands, the loser
writes nothing. And an `Idempotency-Key` whose first request is still in progress is a 409.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import boto3
import pytest

from contact_platform.store.idempotency import persistence_for
from tests.support.fixtures import Api, account, business_items
from tests.support.interleave import before_each

Tenant = dict[str, Any]
CONTACT_RACE = "Contact is being changed by another request; retry"


@pytest.fixture(scope="module")
def tenant() -> Iterator[Tenant]:
    """One tenant, two admins (the request's client and the competing one)."""
    with account():
        api = Api()
        first = api.token("admin")
        second = api.token("admin", tenant_id=first["tenantId"])
        yield {"api": api, "key": first["apiKey"], "other": second["apiKey"], "tenantId": first["tenantId"]}


def _renaming(tenant: Tenant, path: str) -> Callable[[], None]:
    """The competing client renames the contact (a new name each time, so each write changes the version)."""
    names = count()

    def write() -> None:
        reply = tenant["api"].patch(path, key=tenant["other"], json={"name": f"Winner {next(names)}"})
        assert reply.status == 200, reply.body

    return write


def _tagging(tenant: Tenant, path: str) -> Callable[[], None]:
    """The competing client puts a new tag on the contact each time (another route than the raced
    one: the local runtime runs one invocation of a function at a time, as a reserved concurrency of 1)."""
    names = count()

    def write() -> None:
        created = tenant["api"].post(
            "/api/v1/tags", key=tenant["other"], json={"name": f"{path.rsplit('/', 1)[-1]}-{next(names)}"}
        )
        assert created.status == 201, created.body
        tag = created.data
        reply = tenant["api"].call("PUT", f"{path}/tags/{tag['id']}", key=tenant["other"])
        assert reply.status == 200, reply.body

    return write


def test_a_contact_update_losing_every_attempt_is_409_and_writes_nothing_of_its_own(tenant: Tenant) -> None:
    api = tenant["api"]
    path = f"/api/v1/contacts/{api.create_contact(tenant['key'], name='Raced')['id']}"
    with before_each("TransactWriteItems", _tagging(tenant, path)) as raced:
        reply = api.patch(path, key=tenant["key"], json={"name": "Loser"})
    assert reply.status == 409 and reply.error == {"code": "CONFLICT", "message": CONTACT_RACE}, reply.body
    assert reply.header("Retry-After") == "1", "a retry a moment later goes through"
    assert raced() >= 2, "the update read again and retried"
    stored = api.get(path, key=tenant["key"]).data
    assert stored["name"] == "Raced" and stored["version"] == 1 + raced()
    assert stored["tags"] == [f"{path.rsplit('/', 1)[-1]}-{n}" for n in range(raced())]


def test_a_conditional_update_losing_the_race_is_412(tenant: Tenant) -> None:
    api = tenant["api"]
    path = f"/api/v1/contacts/{api.create_contact(tenant['key'], name='Raced')['id']}"
    with before_each("TransactWriteItems", _tagging(tenant, path)) as raced:
        reply = api.patch(path, key=tenant["key"], json={"name": "Loser"}, headers={"If-Match": '"1"'})
    assert reply.status == 412 and reply.error["code"] == "PRECONDITION_FAILED", reply.body
    assert raced() == 1
    assert api.get(path, key=tenant["key"]).data["name"] == "Raced"


@pytest.mark.parametrize("action", ["delete", "tag"])
def test_a_delete_or_tagging_losing_every_attempt_is_409(tenant: Tenant, action: str) -> None:
    api = tenant["api"]
    path = f"/api/v1/contacts/{api.create_contact(tenant['key'], name='Raced')['id']}"
    tag = api.post("/api/v1/tags", key=tenant["key"], json={"name": f"raced-{action}"}).data
    with before_each("TransactWriteItems", _renaming(tenant, path)) as raced:
        if action == "delete":
            reply = api.delete(path, key=tenant["key"])
        else:
            reply = api.call("PUT", f"{path}/tags/{tag['id']}", key=tenant["key"])
    assert reply.status == 409 and reply.error["message"] == CONTACT_RACE, reply.body
    stored = api.get(path, key=tenant["key"]).data
    assert stored["tags"] == [] and stored["name"] == f"Winner {raced() - 1}"


def test_a_segment_update_losing_the_race_is_409(tenant: Tenant) -> None:
    api = tenant["api"]
    segment = api.post("/api/v1/segments", key=tenant["key"], json={"name": "Raced", "filter": {}}).data
    path = f"/api/v1/segments/{segment['id']}"

    def delete_first() -> None:
        assert api.delete(path, key=tenant["other"]).status == 200

    with before_each("TransactWriteItems", delete_first) as raced:
        reply = api.patch(path, key=tenant["key"], json={"name": "Loser"})
    assert reply.status == 409, reply.body
    assert reply.error["message"] == "Segment is being changed by another request; retry"
    assert reply.header("Retry-After") == "1"
    assert raced() == 1
    assert api.get(path, key=tenant["key"]).status == 404, "the deletion stands; the update did not bring it back"


def test_an_idempotency_key_whose_first_request_is_in_progress_is_409(tenant: Tenant) -> None:
    """The first request's record put back into the INPROGRESS state (as it is while that request
    runs), in the attributes the route's persistence layer reads, then the same request again."""
    api, key = tenant["api"], tenant["key"]
    headers = {"Idempotency-Key": "in-flight"}
    first = api.post("/api/v1/contacts", key=key, json={"name": "Twice"}, headers=headers)
    assert first.status == 201, first.body
    layer = persistence_for(tenant["tenantId"])
    dynamodb = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    (record,) = dynamodb.query(
        TableName=table,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": layer.key_attr},
        ExpressionAttributeValues={":pk": {"S": layer.static_pk_value}},
    )["Items"]
    dynamodb.update_item(
        TableName=table,
        Key={layer.key_attr: record[layer.key_attr], layer.sort_key_attr: record[layer.sort_key_attr]},
        UpdateExpression="SET #status = :running, #expiry = :later",
        ExpressionAttributeNames={"#status": layer.status_attr, "#expiry": layer.in_progress_expiry_attr},
        ExpressionAttributeValues={
            ":running": {"S": "INPROGRESS"},
            ":later": {"N": str(int((time.time() + 60) * 1000))},
        },
    )
    before = business_items()
    reply = api.post("/api/v1/contacts", key=key, json={"name": "Twice"}, headers=headers)
    assert reply.status == 409, reply.body
    assert reply.error["message"] == "A request with this Idempotency-Key is still in progress"
    assert business_items() == before, "no second contact"
