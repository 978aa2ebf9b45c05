"""`cdp import FILE.csv [--wait]` and `cdp export --segment ID [--wait] [-o FILE]`: start a job over
the API, show a progress bar while it runs, print the summary (errors included) at the end."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from local.api_client import ApiClient

ENDED = ("FINISHED", "FAILED", "EXPIRED")
BAR_WIDTH = 30


def bar(done: int, total: int | None) -> str:
    if not total:
        return f"[{'?' * BAR_WIDTH}] {done} rows"
    filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} rows"


def wait(
    client: ApiClient, status_url: str, progress: Callable[[dict[str, Any]], str], poll: float = 0.5
) -> dict[str, Any]:
    """Poll until the operation has ended, redrawing one progress line on stderr."""
    while True:
        status = client.status(status_url)
        print(f"\r{status['status']:<9} {progress(status)}", end="", file=sys.stderr, flush=True)
        if status["status"] in ENDED:
            print(file=sys.stderr)
            return status
        time.sleep(poll)


def run_import(client: ApiClient, args: argparse.Namespace) -> int:
    path = Path(args.file)
    started = client.start_import(path.read_bytes(), path.name, args.mode)
    print(f"import {started['operationId']} started ({started['statusUrl']})")
    if not args.wait:
        return 0
    done = wait(client, started["statusUrl"], lambda s: bar(int(s.get("processedRows") or 0), s.get("totalRows")))
    if done["status"] != "FINISHED":
        print(f"import {done['status']}: {done.get('failureReason')}")
        return 1
    print(
        f"{done['totalRows']} rows: {done['created']} created, {done['updated']} updated, "
        f"{done['skippedDuplicates']} duplicates skipped, {done['failed']} failed"
    )
    for error in done["errors"]:
        print(f"  row {error['row']} {error['field']}: {error['issue']} {error['value']!r}".rstrip())
    if done["errorCount"] > len(done["errors"]):
        print(f"  ... {done['errorCount']} errors in all: {done['errorReportUrl']}")
    return 0


def run_export(client: ApiClient, args: argparse.Namespace) -> int:
    started = client.start_export(args.segment, args.format)
    print(f"export {started['operationId']} started ({started['statusUrl']})")
    if not args.wait:
        return 0
    done = wait(client, started["statusUrl"], lambda s: bar(int(s.get("rowCount") or 0), s.get("rowCount")))
    if done["status"] != "FINISHED":
        print(f"export {done['status']}: {done.get('failureReason')}")
        return 1
    print(f"{done['rowCount']} rows exported")
    if args.output:
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
    importing.add_argument("--mode", choices=("skip", "upsert"), default="skip")
    importing.add_argument("--wait", action="store_true", help="show progress and the summary")
    importing.set_defaults(run=lambda args: run_import(client(args), args))
    exporting = commands.add_parser("export", help="export a segment")
    exporting.add_argument("--segment", required=True, help="the segment ID (seg_...)")
    exporting.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    exporting.add_argument("--wait", action="store_true", help="show progress and the summary")
    exporting.add_argument("-o", "--output", help="with --wait: download the file here")
    exporting.set_defaults(run=lambda args: run_export(client(args), args))
    return [importing, exporting]
