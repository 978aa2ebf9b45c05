"""Export and import speak the same file: a tenant's export, imported into a fresh tenant, gives the
same contacts field by field, in both CSV dialects (docs/architecture.md, "Export and import speak
the same file")."""

from __future__ import annotations

from typing import Any

import pytest

from contact_platform.models.operations import EXPORT_FIELDS
from tests.support.entities import make
from tests.support.fixtures import Api
from tests.support.jobs import download, run

# Fields the importing tenant assigns itself (its own IDs, owner and timestamps).
# (Its organizations too: the organization's name carries, and the import links or creates one by it.)
ASSIGNED = {"id", "ownerId", "createdAt", "updatedAt", "organizationId"}
CARRIED = [field for field in EXPORT_FIELDS if field not in ASSIGNED and field not in ("email", "organization")]


@pytest.fixture
def api(jobs_aws: None) -> Api:
    return Api()


def _contacts(api: Api, key: str) -> list[dict[str, Any]]:
    reply = api.get("/api/v1/contacts", key=key, params={"limit": 200})
    assert reply.status == 200 and reply.body["meta"]["pagination"]["nextCursor"] is None
    found: list[dict[str, Any]] = reply.data
    return found


@pytest.mark.parametrize("dialect", [None, "rfc4180", "excel-de"])
def test_an_export_imported_into_a_fresh_tenant_loses_nothing(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], dialect: str | None
) -> None:
    key = admin["apiKey"]
    sources = [
        api.create_contact(
            key,
            firstName="Jörg",
            lastName="Müller-Lüdenscheidt",
            emails=["joerg@example.com", "j.mueller@example.de"],
            phones=["+49 151 2345678", "+49 30 1234567"],
            organizationId=make(api, key, "organization", name="ACME GmbH")["id"],
            tags=["export", "a&b", "-minus"],
            consentGivenAt="2025-08-12T08:41:45.427Z",
            customFields={"company": "ACME GmbH", "note": "=not a formula; really", "size": 12},
        ),
        api.create_contact(key, name='=HYPERLINK("http://evil")', phones=["+1 202 555 0100"], tags=["export"]),
        api.create_contact(key, name="@Handle", phones=["+49 170 1234567,,12"], tags=["a&b"]),
        api.create_contact(key, name="'Tis Quoted", emails=["quoted@example.com"], tags=["q"]),
    ]
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data["id"]
    body = {"segmentId": segment, "format": "csv", **({"dialect": dialect} if dialect else {})}
    exported = run(api, "/api/v1/exports", key, json=body)
    assert exported["status"] == "FINISHED" and exported["rowCount"] == len(sources), exported
    assert exported["dialect"] == (dialect or "rfc4180")
    data = download(exported["downloadUrl"])
    assert data.startswith("\ufeff".encode()) == (dialect == "excel-de")
    assert data.lstrip("\ufeff".encode()).startswith(b"id;firstName;" if dialect == "excel-de" else b"id,firstName,")
    assert b"'+49 151 2345678" in data, "the formula guard stays in the file"

    target = other_admin["apiKey"]
    done = run(api, "/api/v1/imports", target, body=data, headers={"Content-Type": "text/csv"})
    assert done["status"] == "FINISHED", done
    assert (done["created"], done["failed"], done["errorCount"], done["unknownColumns"]) == (len(sources), 0, 0, [])
    assert done["ignoredColumns"] == ["id", "ownerId", "createdAt", "updatedAt"], "the other tenant sets those itself"

    imported = {contact["name"]: contact for contact in _contacts(api, target)}
    for source in sources:
        copy = imported[source["name"]]
        for field in CARRIED:
            assert copy[field] == source[field], (source["name"], field)
        assert copy["id"] != source["id"] and copy["ownerId"] == other_admin["userId"]
        source_org, copy_org = source["organizationId"], copy["organizationId"]
        assert (source_org is None) == (copy_org is None) and (copy_org is None or copy_org != source_org)
        if copy_org:
            assert api.get(f"/api/v1/organizations/{copy_org}", key=target).data["name"] == "ACME GmbH"
    assert (done["organizationsCreated"], done["organizationsLinked"]) == (1, 1)


def test_a_dialect_is_for_csv_exports_only(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    segment = api.post("/api/v1/segments", key=key, json={"name": "All", "filter": {}}).data["id"]
    reply = api.post("/api/v1/exports", key=key, json={"segmentId": segment, "format": "jsonl", "dialect": "excel-de"})
    assert reply.status == 422 and reply.error["details"][0]["field"] == "dialect", reply.body
    reply = api.post("/api/v1/exports", key=key, json={"segmentId": segment, "dialect": "excel"})
    assert reply.status == 422


def test_a_custom_fields_cell_must_hold_a_json_object(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    data = b'name,email,customFields,Firma\nA,a@example.com,[1],\nB,b@example.com,"{""k"":""v""}",ACME\n'
    done = run(api, "/api/v1/imports", key, body=data, headers={"Content-Type": "text/csv"})
    assert (done["created"], done["failed"]) == (1, 1), done
    assert done["errors"] == [{"row": 2, "field": "customFields", "issue": "is not a JSON object", "value": "[1]"}]
    contact = _contacts(api, key)[0]
    assert contact["customFields"] == {"k": "v"} and contact["organizationId"].startswith("org_")
