"""`cdp migrate leads FILE [--dry-run] [--batch-size N]` against the running stack: a file split into
batches, the dry run's report written as JSON, the corrected rows sent again, and a CSV file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import Stack, cdp

pytestmark = pytest.mark.xdist_group("stack")


def _lead(owner: str, number: int, **changes: Any) -> dict[str, Any]:
    return {
        "externalId": f"ROW-{number}",
        "companyName": ("", "Hofladen Berger", "Zimt und Zucker", "Weingut Sommer", "Bioland Kruse")[number],
        "city": "Leipzig",
        "territory": "DE",
        "ownerUserId": owner,
        "registeredAt": "2024-03-01T09:00:00Z",
        **changes,
    }


def test_a_file_migrated_in_batches_with_its_report_and_the_corrected_rows_sent_again(
    stack: Stack, tmp_path: Path
) -> None:
    body = {"role": "admin", "newTenant": True}
    tenant = stack.session().post(f"{stack.base_url}/dev/token", json=body, timeout=30).json()["data"]
    connection = ["--base-url", stack.base_url, "--api-key", tenant["apiKey"]]
    owner = tenant["userId"]
    leads = [_lead(owner, 1), _lead(owner, 2, territory="AT"), _lead(owner, 3), _lead(owner, 4, city="L")]
    source = tmp_path / "leads.json"
    source.write_text(json.dumps({"source": "excel-2024", "leads": leads}))

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dry = cdp("migrate", "leads", str(source), "--dry-run", "--batch-size", "3", *connection, cwd=elsewhere)
    assert dry.returncode == 1, dry.stderr  # invalid leads: a shell loop can tell
    assert "totalLeads 4, validLeads 2, invalidLeads 2, duplicateWarnings 0" in dry.stdout
    assert "4/4 leads" in dry.stderr
    report = json.loads((tmp_path / "leads.report.json").read_text())  # next to the file, wherever run from
    assert f"report written to {tmp_path / 'leads.report.json'}" in dry.stdout
    assert len(report["importIds"]) == 2, "two batches"
    assert report["failedExternalIds"] == ["ROW-2", "ROW-4"]
    assert [(e["externalId"], e["field"]) for e in report["validationErrors"]] == [
        ("ROW-2", "territory"),
        ("ROW-4", "city"),
    ]

    imported = cdp("migrate", "leads", str(source), *connection, cwd=tmp_path)
    assert imported.returncode == 1 and "importedLeads 2" in imported.stdout
    corrected = [_lead(owner, 2), _lead(owner, 4)]
    source.write_text(json.dumps({"source": "excel-2024", "leads": [*leads[:1], *corrected]}))
    again = cdp("migrate", "leads", str(source), *connection, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "importedLeads 2" in again.stdout and "alreadyImported 1" in again.stdout

    table = tmp_path / "more.csv"
    table.write_text(
        "externalId,companyName,city,territory,ownerUserId,registeredAt,contact.email,consentGivenAt,activities\n"
        f"C-1,Käserei Zobel,Bern,CH,{owner},2024-05-01T08:00:00Z,kaese@example.ch,2024-05-01T08:00:00Z,"
        '"[{""activityType"": ""CALL"", ""activityDate"": ""2024-05-02T08:00:00Z"", ""summary"": ""Erstkontakt"", '
        '""countsAsProgress"": true}]"\n'
    )
    from_csv = cdp("migrate", "leads", str(table), "--source", "crm", *connection, cwd=tmp_path)
    assert from_csv.returncode == 0, from_csv.stdout + from_csv.stderr
    session = stack.session(tenant["apiKey"])
    found = session.get(f"{stack.base_url}/api/v1/leads", params={"search": "kaserei"}, timeout=30).json()["data"]
    assert [(lead["city"], lead["progressDeadline"]) for lead in found] == [("Bern", "2024-07-01T08:00:00.000Z")]

    missing = cdp("migrate", "leads", str(tmp_path / "none.json"), *connection, cwd=tmp_path)
    assert missing.returncode == 2 and "none.json" in missing.stderr
