"""`cdp import FILE.csv [--wait]` and `cdp export --segment ID [--dialect D] [--fields F] [--wait]
[-o FILE]`: start a job over the API, show a progress bar (rows done of all, rows per second, time
left) while it runs, print the summary (errors included) at the end."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

if TYPE_CHECKING:
    from local.api_client import ApiClient

ENDED = ("FINISHED", "FAILED", "EXPIRED")
# An operation's status -> (rows done, rows in all or None while unknown).
Rows = Callable[[dict[str, Any]], tuple[int, int | None]]


class RowRate(ProgressColumn):
    """Rows per second, as rich estimates it from the last updates."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s", style="progress.data.speed")


def progress_bar(console: Console | None = None) -> Progress:
    return Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        RowRate(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
    )


def wait(client: ApiClient, status_url: str, rows: Rows, poll: float = 0.5) -> dict[str, Any]:
    """Poll until the operation has ended, showing its progress on stderr."""
    with progress_bar() as bar:
        task = bar.add_task("QUEUED", total=None)
        while True:
            status = client.status(status_url)
            done, total = rows(status)
            bar.update(task, description=status["status"], completed=done, total=total)
            if status["status"] in ENDED:
                return status
            time.sleep(poll)


def import_rows(status: dict[str, Any]) -> tuple[int, int | None]:
    return int(status.get("processedRows") or 0), status.get("totalRows")


def export_rows(status: dict[str, Any]) -> tuple[int, int | None]:
    """An export counts its rows when it has written them all."""
    count = status.get("rowCount")
    return int(count or 0), count


def _writable(target: Path) -> bool:
    """Whether the file can be written (made in its folder, or replaced), without touching it."""
    if target.is_dir() or not target.parent.is_dir():
        return False
    return os.access(target if target.exists() else target.parent, os.W_OK)


def run_import(client: ApiClient, args: argparse.Namespace) -> int:
    """0 when every row was imported (or the job was started, without --wait); 1 when the job or
    any row failed; 2 when the file cannot be read."""
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as unread:
        print(f"cdp import: {path}: {unread.strerror}", file=sys.stderr)
        return 2
    started = client.start_import(data, path.name, args.mode)
    print(f"import {started['operationId']} started ({started['statusUrl']})")
    if not args.wait:
        return 0
    done = wait(client, started["statusUrl"], import_rows)
    if done["status"] != "FINISHED":
        print(f"import {done['status']}: {done.get('failureReason')}")
        return 1
    print(
        f"{done['totalRows']} rows: {done['created']} created, {done['updated']} updated, "
        f"{done['skippedDuplicates']} duplicates skipped, {done['failed']} failed"
    )
    for columns, why in ((done["unknownColumns"], "no such field"), (done["ignoredColumns"], "this tenant sets them")):
        if columns:
            print(f"  columns not read ({why}): {', '.join(columns)}")
    for error in done["errors"]:
        print(f"  row {error['row']} {error['field']}: {error['issue']} {error['value']!r}".rstrip())
    if done["errorCount"] > len(done["errors"]):
        print(f"  ... {done['errorCount']} errors in all: {done['errorReportUrl']}")
    return 1 if done["failed"] else 0


def run_export(client: ApiClient, args: argparse.Namespace) -> int:
    """0 when the export finished (and was downloaded with -o); 1 when it failed; 2 when -o names a
    file that cannot be written (checked before the export starts)."""
    if args.output and not args.wait:
        print("cdp export: -o needs --wait (the file is downloaded when the export has finished)", file=sys.stderr)
        return 2
    if args.output and not _writable(Path(args.output)):
        print(f"cdp export: cannot write {args.output}", file=sys.stderr)
        return 2
    fields = [name.strip() for name in args.fields.split(",")] if args.fields else None
    started = client.start_export(args.segment, args.format, dialect=args.dialect, fields=fields)
    print(f"export {started['operationId']} started ({started['statusUrl']})")
    if not args.wait:
        return 0
    done = wait(client, started["statusUrl"], export_rows)
    if done["status"] != "FINISHED":
        print(f"export {done['status']}: {done.get('failureReason')}")
        return 1
    print(f"{done['rowCount']} rows exported")
    if args.output:
        import requests

        response = requests.get(done["downloadUrl"], timeout=300, stream=True)
        response.raise_for_status()
        with Path(args.output).open("wb") as target:
            for piece in response.iter_content(1024 * 1024):
                target.write(piece)
        print(f"written to {args.output}")
    else:
        print(f"download (valid until {done['downloadUrlExpiresAt']}): {done['downloadUrl']}")
    return 0


def add_commands(commands: Any, client: Callable[[argparse.Namespace], ApiClient]) -> list[argparse.ArgumentParser]:
    importing = commands.add_parser("import", help="import a CSV file as contacts")
    importing.add_argument("file", help="the CSV file")
    importing.add_argument(
        "--mode",
        choices=("skip", "upsert"),
        default="skip",
        help="a row matching a contact (by email, then phone): report and skip it (default), or update the contact",
    )
    importing.add_argument(
        "--wait", action="store_true", help="show progress and the summary (exit status 1 if any row failed)"
    )
    importing.set_defaults(run=lambda args: run_import(client(args), args))
    exporting = commands.add_parser("export", help="export a segment")
    exporting.add_argument("--segment", required=True, help="the segment ID (seg_...)")
    exporting.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="the file's format (default csv)")
    exporting.add_argument(
        "--dialect",
        choices=("rfc4180", "excel-de"),
        help="CSV only: rfc4180 (the default: `,`, UTF-8) or excel-de (`;`, UTF-8 with BOM, for German Excel)",
    )
    exporting.add_argument("--fields", help="the columns, comma-separated, in this order (default: all)")
    exporting.add_argument("--wait", action="store_true", help="show progress and the summary")
    exporting.add_argument("-o", "--output", help="with --wait: download the file here")
    exporting.set_defaults(run=lambda args: run_export(client(args), args))
    return [importing, exporting]
