"""The `cdp` API commands say which base URL they use, and say so in one line when nothing answers there."""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

import pytest

from local import cli


def _unused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def stale_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A `.cdp/local.json` left by a stack that is gone: its base URL."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CDP_BASE_URL", raising=False)
    monkeypatch.delenv("CDP_API_KEY", raising=False)
    url = _unused_url()
    (tmp_path / ".cdp").mkdir()
    (tmp_path / ".cdp" / "local.json").write_text(json.dumps({"baseUrl": url, "apiKey": "cdp_test_" + "0" * 32}))
    (tmp_path / "contacts.csv").write_text("name,email\nAnna,anna@example.com\n")
    return url


@pytest.mark.parametrize(
    "command",
    [["import", "contacts.csv", "--wait"], ["export", "--segment", "seg_x"], ["contacts", "restore", "con_x"]],
)
def test_a_command_against_a_recorded_stack_that_is_gone_says_so_in_one_line(
    stale_record: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(command)
    assert exit.value.code == 1
    captured = capsys.readouterr()
    name = command[0]
    assert captured.err.splitlines() == [
        f"cdp {name}: {stale_record} (the local stack recorded in .cdp/local.json)",
        f"cdp {name}: {stale_record} (the local stack recorded in .cdp/local.json) does not answer; "
        "start `cdp serve` or pass --base-url",
    ]
    assert captured.out == ""


def test_the_base_url_given_wins_and_is_named(
    stale_record: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = _unused_url()
    with pytest.raises(SystemExit) as exit:
        cli.main(["contacts", "restore", "con_x", "--base-url", elsewhere])
    assert exit.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"cdp contacts: {elsewhere} (--base-url)",
        f"cdp contacts: {elsewhere} (--base-url) does not answer; check --base-url",
    ]
    monkeypatch.setenv("CDP_BASE_URL", elsewhere)
    with pytest.raises(SystemExit):
        cli.main(["contacts", "restore", "con_x"])
    assert capsys.readouterr().err.splitlines()[0] == f"cdp contacts: {elsewhere} (CDP_BASE_URL)"


def test_a_command_in_a_folder_below_the_stack_finds_its_record(
    stale_record: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data" / "2026"
    data.mkdir(parents=True)
    monkeypatch.chdir(data)
    with pytest.raises(SystemExit):
        cli.main(["contacts", "restore", "con_x"])
    recorded = tmp_path / ".cdp" / "local.json"
    said = capsys.readouterr().err.splitlines()[0]
    assert said == f"cdp contacts: {stale_record} (the local stack recorded in {recorded})"


def test_a_command_with_no_stack_recorded_says_where_the_record_would_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CDP_BASE_URL", raising=False)
    monkeypatch.delenv("CDP_API_KEY", raising=False)
    with pytest.raises(SystemExit) as exit:
        cli.main(["contacts", "restore", "con_x"])
    assert "run this where `cdp serve` runs" in str(exit.value.code)
    assert ".cdp/local.json in the folder it was started from" in str(exit.value.code)


def test_cdp_migrate_reads_a_lead_csv_as_excel_writes_it(tmp_path: Path) -> None:
    """A German Excel's CSV: `;` between cells, Windows-1252 text (or UTF-8 with a BOM): the leads as
    a comma-separated UTF-8 file gives them; a file of no text encoding is one FileError."""
    from local.migrate_cli import FileError, read_leads

    rows = [
        ["externalId", "companyName", "city", "territory", "contact.lastName", "stage"],
        ["X-1", "Bäckerei Möller", "Köln", "DE", "Weiß", "2"],
    ]
    expected = [{"externalId": "X-1", "companyName": "Bäckerei Möller", "city": "Köln", "territory": "DE",
                 "contact": {"lastName": "Weiß"}, "stage": 2}]  # fmt: skip
    files = {
        "excel.csv": "\r\n".join(";".join(row) for row in rows).encode("cp1252"),
        "bom.csv": b"\xef\xbb\xbf" + "\n".join(";".join(row) for row in rows).encode(),
        "plain.csv": "\n".join(",".join(row) for row in rows).encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        assert read_leads(tmp_path / name, None) == (name.removesuffix(".csv"), expected), name
    (tmp_path / "utf16.csv").write_bytes("externalId;city\n".encode("utf-16"))
    with pytest.raises(FileError, match="neither UTF-8 nor Windows-1252"):
        read_leads(tmp_path / "utf16.csv", None)


def _commands(parser: argparse.ArgumentParser, path: str = "cdp") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, f"{path} {name}")
    return found


def test_every_option_and_argument_of_every_command_says_what_it_is() -> None:
    """`cdp <command> --help` is a newcomer's manual: nothing in it is a bare name."""
    bare = [
        f"{path}: {action.option_strings or action.dest}"
        for path, command in _commands(cli.parser())
        for action in command._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert bare == []


def test_an_api_error_is_one_line_without_repeating_what_its_message_says() -> None:
    from local.api_client import ApiError

    said = {"code": "VALIDATION_ERROR", "message": "The file is not CSV text (binary content)"}
    body = {"error": {**said, "details": [{"field": "body", "issue": said["message"]}]}}
    assert str(ApiError(422, body)) == "422 VALIDATION_ERROR: The file is not CSV text (binary content)"
    named = {"message": "Validation failed: limit must be at most 200", "details": [{"field": "limit", "issue": "max"}]}
    assert str(ApiError(422, {"error": {"code": "VALIDATION_ERROR", **named}})).endswith("at most 200 (limit: max)")
