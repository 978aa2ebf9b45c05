"""`cdp import FILE --wait` and `cdp export --segment ID --wait -o FILE` (and what the commands say of
bad input) against the running stack."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.support.stack import Stack, cdp

pytestmark = pytest.mark.xdist_group("stack")


def test_cdp_import_then_export_with_progress_and_summary(stack: Stack, tmp_path: Path) -> None:
    body = {"role": "admin", "newTenant": True}
    tenant = stack.session().post(f"{stack.base_url}/dev/token", json=body, timeout=30).json()["data"]
    connection = ["--base-url", stack.base_url, "--api-key", tenant["apiKey"]]
    source = tmp_path / "partner.csv"
    source.write_text(
        "ID;Vorname;Nachname;E-Mail;Farbe\n1;Anna;Import;anna.import@example.com;rot\n2;Bad;Row;not-an-email;\n"
    )

    imported = cdp("import", str(source), "--wait", *connection, cwd=tmp_path)
    assert imported.returncode == 1, imported.stderr  # a row failed: a script notices
    assert "2 rows: 1 created, 0 updated, 0 duplicates skipped, 1 failed" in imported.stdout
    assert (
        "  columns not read (no such field): Farbe\n  columns not read (this tenant sets them): ID\n" in imported.stdout
    )
    assert "row 3 email:" in imported.stdout and "FINISHED" in imported.stderr and "2/2 rows" in imported.stderr
    assert imported.stderr.startswith(f"cdp import: {stack.base_url} (--base-url)\n")

    session = stack.session(tenant["apiKey"])
    segment = session.post(f"{stack.base_url}/api/v1/segments", json={"name": "all", "filter": {}}, timeout=30)
    out = tmp_path / "out.csv"
    exported = cdp(
        "export", "--segment", segment.json()["data"]["id"], "--wait", "-o", str(out), *connection, cwd=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    assert "1 rows exported" in exported.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(row["name"], row["email"]) for row in rows] == [("Anna Import", "anna.import@example.com")]

    german = tmp_path / "excel.csv"
    chosen = ["--dialect", "excel-de", "--fields", "name, email"]
    exported = cdp(
        "export",
        "--segment",
        segment.json()["data"]["id"],
        *chosen,
        "--wait",
        "-o",
        str(german),
        *connection,
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    assert german.read_bytes() == "\ufeffname;email\r\nAnna Import;anna.import@example.com\r\n".encode()
    jsonl = cdp("export", "--segment", "seg_x", "--format", "jsonl", "--dialect", "excel-de", *connection, cwd=tmp_path)
    assert jsonl.returncode != 0 and "a dialect applies to CSV exports only" in jsonl.stderr

    missing = cdp("export", "--segment", "seg_unknown", "--wait", *connection, cwd=tmp_path)
    assert missing.returncode != 0 and "Segment not found" in missing.stderr


def test_cdp_commands_say_what_is_wrong_with_their_input(stack: Stack, tmp_path: Path) -> None:
    """A file that cannot be read or written is refused before a job starts; an API's 422 is shown
    with its details."""
    body = {"role": "admin", "newTenant": True}
    tenant = stack.session().post(f"{stack.base_url}/dev/token", json=body, timeout=30).json()["data"]
    connection = ["--base-url", stack.base_url, "--api-key", tenant["apiKey"]]
    unread = cdp("import", str(tmp_path / "missing.csv"), "--wait", *connection, cwd=tmp_path)
    assert unread.returncode == 2 and "missing.csv: No such file or directory" in unread.stderr
    assert "Traceback" not in unread.stderr
    unwritten = cdp(
        "export", "--segment", "seg_x", "--wait", "-o", str(tmp_path / "no" / "x.csv"), *connection, cwd=tmp_path
    )
    assert unwritten.returncode == 2 and "cannot write" in unwritten.stderr and "Segment" not in unwritten.stderr
    undownloaded = cdp("export", "--segment", "seg_x", "-o", str(tmp_path / "x.csv"), *connection, cwd=tmp_path)
    assert undownloaded.returncode == 2 and "-o needs --wait" in undownloaded.stderr
    listed = stack.session(tenant["apiKey"]).get(f"{stack.base_url}/api/v1/imports", timeout=30).json()["data"]
    assert listed == []  # nothing was started
    undated = cdp("contacts", "restore", "--deleted-since", "yesterday", *connection, cwd=tmp_path)
    assert (
        undated.returncode == 1
        and "422 VALIDATION_ERROR: Validation failed: deletedSince: must be an ISO 8601 date-time" in undated.stderr
    )
