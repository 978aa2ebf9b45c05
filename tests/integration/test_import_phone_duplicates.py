"""Imports matching rows by phone (phones have no uniqueness guard, so the import's own checks are all
that keeps a contact from being created twice): in `mode=skip` a row repeating an earlier row's phone
or an existing contact's phone (in any spelling of the number) is skipped with the reason; in
`mode=upsert` the existing contact is updated. A tenant per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fixtures import Api, jobs_account
from tests.support.jobs import run

ROWS = (
    b"name,email,phone\n"
    b"Eva First,,+49 170 5550001\n"  # row 2: created
    b"Eva Again,,0170 5550001\n"  # row 3: row 2's number, national spelling
    b"Fritz Existing,,030 1234567\n"  # row 4: the existing contact's number
    b"Gina New Mail,gina@example.com,+491705550001\n"  # row 5: a new email, but row 2's number
)


@pytest.fixture
def tenant() -> Iterator[dict[str, Any]]:
    with jobs_account():
        api = Api()
        admin = api.token("admin")
        existing = api.create_contact(admin["apiKey"], name="Has Phone", phones=["+49 30 1234567"])
        yield {"api": api, "key": admin["apiKey"], "existing": existing}


def _import(tenant: dict[str, Any], mode: str) -> dict[str, Any]:
    done = run(
        tenant["api"],
        "/api/v1/imports",
        tenant["key"],
        body=ROWS,
        headers={"Content-Type": "text/csv"},
        params={"mode": mode},
    )
    assert done["status"] == "FINISHED", done
    return done


def _contacts(tenant: dict[str, Any]) -> dict[str, dict[str, Any]]:
    listed = tenant["api"].get("/api/v1/contacts", key=tenant["key"], params={"limit": 200}).data
    return {contact["name"]: contact for contact in listed}


def test_skip_mode_skips_phone_duplicates_within_the_file_and_of_existing_contacts(tenant: dict[str, Any]) -> None:
    done = _import(tenant, "skip")
    assert (done["created"], done["updated"], done["skippedDuplicates"], done["failed"]) == (1, 0, 3, 0), done
    issues = {e["row"]: (e["field"], e["issue"]) for e in done["errors"]}
    assert issues == {
        3: ("phone", "duplicate of row 2 in this file"),
        4: ("phone", f"duplicate of existing contact {tenant['existing']['id']}"),
        5: ("phone", "duplicate of row 2 in this file"),
    }
    contacts = _contacts(tenant)
    assert set(contacts) == {"Has Phone", "Eva First"}, "no second contact for a number"
    assert contacts["Has Phone"]["version"] == tenant["existing"]["version"], "skipped means untouched"


def test_upsert_mode_updates_the_contacts_holding_the_phone(tenant: dict[str, Any]) -> None:
    _import(tenant, "skip")  # Eva First exists now, as after the test above
    done = _import(tenant, "upsert")
    assert (done["created"], done["updated"], done["skippedDuplicates"], done["failed"]) == (0, 2, 2, 0), done
    contacts = _contacts(tenant)
    assert set(contacts) == {"Fritz Existing", "Eva First"}, "updated in place, nothing created"
    fritz = contacts["Fritz Existing"]
    assert fritz["id"] == tenant["existing"]["id"]
    assert fritz["phones"] == ["+49 30 1234567"], "the same number in another spelling is not added twice"


def test_a_phone_is_found_on_a_contact_holding_it_when_the_last_one_written_with_it_no_longer_does(
    tenant: dict[str, Any],
) -> None:
    """The phone hint names the last contact written with a number; when that one is deleted or its
    number changed, another contact holding the number is still found (store/contacts.py)."""
    api, key, first = tenant["api"], tenant["key"], tenant["existing"]
    later = api.create_contact(key, name="Also Has Phone", phones=["030 1234567"])  # the hint names it now
    assert api.delete(f"/api/v1/contacts/{later['id']}", key=key).status == 200
    done = _import(tenant, "skip")
    issues = {e["row"]: e["issue"] for e in done["errors"]}
    assert issues[4] == f"duplicate of existing contact {first['id']}"
    moved = api.create_contact(key, name="Had Phone", phones=["+49 170 5550001"])  # Eva First's number
    changed = api.patch(f"/api/v1/contacts/{moved['id']}", key=key, json={"phones": ["+49 170 5550009"]})
    assert changed.status == 200, changed.body
    again = _import(tenant, "skip")
    eva = _contacts(tenant)["Eva First"]
    issues = {e["row"]: e["issue"] for e in again["errors"]}
    assert issues[2] == f"duplicate of existing contact {eva['id']}", "found though the hint names Had Phone"
