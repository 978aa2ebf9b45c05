"""Tenant isolation for the job routes: another tenant's key cannot start a job on a tenant's segment
or tag, nor read or list its exports, imports, tagging operations and moves. One set of jobs for tenant A
is run once and every case checks it (jobs are slow on the emulator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contact_platform import config
from tests.support.faults import settings_changed
from tests.support.fixtures import Api, business_items
from tests.support.jobs import run, wait_for

Case = Callable[[Api, dict[str, Any], dict[str, Any], dict[str, Any]], None]
JOB_CASES: dict[str, Case] = {}


def case(route_name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        JOB_CASES[route_name] = function
        return function

    return register


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


@case("create_export")
def _create_export(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    reply = api.post("/api/v1/exports", key=intruder["apiKey"], json={"segmentId": owned["segment"]})
    assert reply.status == 404


@case("get_export")
def _get_export(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/exports/{owned['export']}", key=intruder["apiKey"]).status == 404


@case("list_exports")
def _list_exports(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get("/api/v1/exports", key=intruder["apiKey"]).data == []


@case("create_import")
def _create_import(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    body = b"name,email\nOwned Person,owned@example.com\n"
    done = run(api, "/api/v1/imports", intruder["apiKey"], body=body, headers={"Content-Type": "text/csv"})
    assert done["created"] == 1, "the email belongs to tenant A only; the intruder's import lands in its own tenant"


@case("get_import")
def _get_import(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/imports/{owned['import']}", key=intruder["apiKey"]).status == 404


@case("list_imports")
def _list_imports(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert owned["import"] not in [i["operationId"] for i in api.get("/api/v1/imports", key=intruder["apiKey"]).data]


@case("create_tag_assignment")
def _assign(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    own_tag = api.post("/api/v1/tags", key=intruder["apiKey"], json={"name": "mine"}).data["id"]
    own_segment = api.post("/api/v1/segments", key=intruder["apiKey"], json={"name": "s", "filter": {}}).data["id"]
    for tag, segment in ((owned["tag"], own_segment), (own_tag, owned["segment"])):
        body = {"tagId": tag, "segmentId": segment}
        assert api.post("/api/v1/tag-assignments", key=intruder["apiKey"], json=body).status == 404


@case("get_tag_assignment")
def _get_assignment(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/tag-assignments/{owned['tagging']}", key=intruder["apiKey"]).status == 404


@case("list_tag_assignments")
def _list_assignments(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get("/api/v1/tag-assignments", key=intruder["apiKey"]).data == []


def _retry(path: str, job: str) -> Case:
    """404, not the 409 the owner gets for a job that has not failed: for them the job does not exist."""

    def check(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
        reply = api.post(f"/api/v1/{path}/{owned[job]}/retry", key=intruder["apiKey"])
        assert reply.status == 404 and reply.error["code"] == "RESOURCE_NOT_FOUND"
        assert api.post(f"/api/v1/{path}/{owned[job]}/retry", key=owner["apiKey"]).status == 409

    return check


case("retry_export")(_retry("exports", "export"))
case("retry_import")(_retry("imports", "import"))
case("retry_tag_assignment")(_retry("tag-assignments", "tagging"))
case("retry_move")(_retry("moves", "move"))


@case("get_move")
def _get_move(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get(f"/api/v1/moves/{owned['move']}", key=intruder["apiKey"]).status == 404


@case("list_moves")
def _list_moves(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.get("/api/v1/moves", key=intruder["apiKey"]).data == []


@case("delete_tag")
def _delete_tag(api: Api, owner: dict[str, Any], intruder: dict[str, Any], owned: dict[str, Any]) -> None:
    assert api.delete(f"/api/v1/tags/{owned['tag']}", key=intruder["apiKey"]).status == 404


def _move(api: Api, key: str) -> str:
    """A moves job: an organization deleted while a contact names it (every move a job)."""
    organization = api.post("/api/v1/organizations", key=key, json={"name": "Moved Away"}).data["id"]
    api.create_contact(key, name="Linked", organizationId=organization)
    with settings_changed(**{config.ENV_INLINE_MOVES: "0"}):
        operation = api.delete(f"/api/v1/organizations/{organization}", key=key).data["operationId"]
    assert wait_for(api, f"/api/v1/moves/{operation}", key)["moved"] == 1
    return str(operation)


def test_another_tenant_cannot_reach_the_jobs(api: Api, admin: dict[str, Any], other_admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Owned Person", emails=["owned@example.com"], tags=["secret"])
    segment = api.post("/api/v1/segments", key=key, json={"name": "A's", "filter": {}}).data["id"]
    tag = api.get("/api/v1/tags", key=key).data[0]["id"]  # made by the contact that carries it
    owned = {
        "segment": segment,
        "tag": tag,
        "export": run(api, "/api/v1/exports", key, json={"segmentId": segment})["operationId"],
        "import": run(
            api, "/api/v1/imports", key, body=b"name,email\nA,a@example.com\n", headers={"Content-Type": "text/csv"}
        )["operationId"],
        "tagging": run(api, "/api/v1/tag-assignments", key, json={"tagId": tag, "segmentId": segment})["operationId"],
        "move": _move(api, key),
    }
    tenant_a = f"TENANT#{admin['tenantId']}#"
    own_items = [i for i in business_items() if i["PK"]["S"].startswith(tenant_a)]
    for route_name, check in sorted(JOB_CASES.items()):
        check(api, admin, other_admin, owned)
        still = [i for i in business_items() if i["PK"]["S"].startswith(tenant_a)]
        assert still == own_items, f"{route_name}: tenant A's items are untouched"
    assert api.get(f"/api/v1/exports/{owned['export']}", key=key).data["status"] == "FINISHED"
