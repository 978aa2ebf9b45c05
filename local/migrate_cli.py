"""`cdp migrate leads FILE.json|FILE.csv [--dry-run] [--batch-size 1000] [--report FILE]`: the lead
migration from the shell (docs/architecture.md, "Lead migration").

The file is split into batches of at most 1,000 leads, each sent to
`POST /api/v1/admin/migration/leads/import` in turn, with a progress bar on stderr. A dry run writes
the error report (every batch's validation errors and duplicate warnings, and the external IDs that
failed) as JSON, so that the failed rows can be corrected and sent again; a production run prints
what each batch imported and stops at a batch refused whole (`--fail-fast`).

A JSON file is the request's body (`{"source", "leads": [...]}`) or just its list of leads; a CSV
file has a row per lead, its columns named as the fields (`contact.email` for the contact's), and
`activities` as a JSON list in its cell; it is read as a contact import reads one (UTF-8 or
Windows-1252, `,`, `;` or tab: what Excel writes, files/csv_reading.read_text).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from contact_platform.files.csv_reading import CsvRefused, read_text

if TYPE_CHECKING:
    from local.api_client import ApiClient

IMPORT_PATH = "/api/v1/admin/migration/leads/import"
MAX_BATCH = 1000
REQUEST_SECONDS = 120
NUMBERS = {"stage": int, "estimatedVolume": float}


class FileError(Exception):
    """The file cannot be read as leads."""


def _cell(column: str, value: str) -> Any:
    if column == "activities":
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise FileError(f"activities is not a JSON list: {error.msg}") from error
    convert = NUMBERS.get(column)
    if convert is None:
        return value
    try:
        return convert(value)
    except ValueError:
        return value  # the API names the field and what is wrong with it


def _csv_leads(path: Path) -> list[dict[str, Any]]:
    try:
        text, delimiter = read_text(path.read_bytes())
    except CsvRefused as refused:
        raise FileError(f"{path}: {refused}") from refused
    leads = []
    for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter):
        lead: dict[str, Any] = {}
        for column, value in row.items():
            if column is None or value is None or value.strip() == "":
                continue
            head, _, field = column.strip().partition(".")
            if field:
                lead.setdefault(head, {})[field] = _cell(field, value.strip())
            else:
                lead[head] = _cell(head, value.strip())
        leads.append(lead)
    return leads


def read_leads(path: Path, source: str | None) -> tuple[str, list[Any]]:
    """The file's source and leads: `--source`, else the body's `source`, else the file's name."""
    if path.suffix.lower() == ".csv":
        return source or path.stem, _csv_leads(path)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FileError(f"{path} is not JSON: {error}") from error
    if isinstance(body, list):
        return source or path.stem, body
    if isinstance(body, dict) and isinstance(body.get("leads"), list):
        return source or str(body.get("source") or path.stem), body["leads"]
    raise FileError(f'{path}: expected a list of leads or {{"source": ..., "leads": [...]}}')


def batches(leads: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(leads), size):
        yield leads[start : start + size]


def run(client: ApiClient, args: argparse.Namespace) -> int:
    from local.api_client import ApiError

    if not 1 <= args.batch_size <= MAX_BATCH:
        print(f"--batch-size must be 1 to {MAX_BATCH}", file=sys.stderr)
        return 2
    try:
        source, leads = read_leads(Path(args.file), args.source)
    except (FileError, OSError) as error:
        print(f"cdp migrate leads: {error}", file=sys.stderr)
        return 2
    options = {"skipOnError": not args.fail_fast, "skipDuplicates": not args.keep_duplicates}
    results, refused = [], None
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("leads"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("dry run" if args.dry_run else "importing", total=len(leads))
        for batch in batches(leads, args.batch_size):
            body = {"source": source, "dryRun": args.dry_run, **options, "leads": batch}
            try:
                results.append(client.request("POST", IMPORT_PATH, json=body, timeout=REQUEST_SECONDS)["data"])
            except ApiError as error:
                refused = error
                break
            bar.advance(task, len(batch))
    report = _report(source, results)
    if args.dry_run:
        given = Path(args.file)
        target = Path(args.report) if args.report else given.with_name(f"{given.stem}.report.json")
        target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"report written to {target}")
    totals = report["summary"]
    print(", ".join(f"{name} {value}" for name, value in totals.items()))
    if refused is not None:
        print(f"batch {len(results) + 1} refused: {refused}", file=sys.stderr)
        for problem in (refused.body.get("error") or {}).get("details") or []:
            print(f"  {problem.get('field')}: {problem.get('message')}", file=sys.stderr)
        return 1
    return 1 if report["failedExternalIds"] else 0


def _report(source: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Every batch's answer in one: summed counts, all errors and warnings, the IDs to correct."""
    summary: dict[str, int] = {}
    for result in results:
        for name, value in result["summary"].items():
            summary[name] = summary.get(name, 0) + int(value)
    errors = [error for result in results for error in result["validationErrors"]]
    return {
        "source": source,
        "importIds": [result["importId"] for result in results],
        "summary": summary,
        "validationErrors": errors,
        "duplicateWarnings": [warning for result in results for warning in result["duplicateWarnings"]],
        "failedExternalIds": list(dict.fromkeys(str(error["externalId"]) for error in errors)),
        "importedLeadIds": [lead_id for result in results for lead_id in result.get("importedLeadIds", [])],
    }


def add_commands(commands: Any, client: Callable[[argparse.Namespace], ApiClient]) -> list[argparse.ArgumentParser]:
    migrate = commands.add_parser("migrate", help="migrate data from older systems")
    kinds = migrate.add_subparsers(dest="kind", required=True)
    leads = kinds.add_parser("leads", help="import leads with their history (a dry run first)")
    leads.add_argument("file", help="FILE.json (the request body, or a list of leads) or FILE.csv")
    leads.add_argument("--dry-run", action="store_true", help="validate and check duplicates; write nothing")
    leads.add_argument("--batch-size", type=int, default=MAX_BATCH, help=f"leads a request (1-{MAX_BATCH})")
    leads.add_argument("--source", help="the leads' source (default: the body's, else the file's name)")
    leads.add_argument(
        "--report",
        help="with --dry-run: where to write the report (default: FILE's name with .report.json, next to it)",
    )
    leads.add_argument("--fail-fast", action="store_true", help="a batch with an invalid lead imports nothing")
    leads.add_argument("--keep-duplicates", action="store_true", help="import hard duplicates too")
    leads.set_defaults(run=lambda args: run(client(args), args))
    return [leads]
