"""The campaign export job, for every type of campaign_export_types.py (docs/architecture.md,
"Campaign exports"): the plan lists the records the type keeps (the campaign's entries or its code
assignments, of the campaign's markets unless all are asked for) into chunk files, as many
invocations as it takes; each chunk reads its contacts and writes its rows (one part per market for
a type of one file per market; the reports are for roles that see every record, so every active
contact of the tenant counts); finalize joins header and parts into the file or files in the
type's bucket with the type's ACL (S3 multipart, bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from contact_platform import aws, clock
from contact_platform.campaign_export_types import ExportType
from contact_platform.config import settings
from contact_platform.files.csv_writing import csv_line
from contact_platform.files.s3_files import MultipartWriter, iter_object
from contact_platform.jobs import steps
from contact_platform.services import campaign_entries, campaign_export_rows
from contact_platform.services.campaign_exports import campaign_of_export, export_type, file_retention
from contact_platform.store.operations import ChunkResultItem, OperationItem
from contact_platform.store.paging import Page

WORKFLOW = "campaign_exports"
CONTENT_TYPE = "text/csv; charset=utf-8"
MARKET_COUNT = "market:"  # a chunk's count of rows per market: `market:DE`
NO_MARKET = "none"  # the file of entries without a market


def _campaign(operation: OperationItem) -> dict[str, Any]:
    campaign = campaign_of_export(operation)
    if campaign is None:
        raise steps.JobRefused("The campaign was deleted before its export ran")
    return campaign


def _markets(operation: OperationItem, campaign: dict[str, Any]) -> set[str] | None:
    """The markets whose entries are exported; None: every market."""
    if operation.params.get("includeAllMarkets"):
        return None
    return {str(market) for market in [campaign.get("market"), *(campaign.get("markets") or [])] if market}


def _kept(
    operation: OperationItem, declared: ExportType, markets: set[str] | None, cursor: Any
) -> Iterator[Page[tuple[Any, Any]]]:
    """The rows the type keeps, page by page from `cursor`, each with the cursor that resumes after it
    (the source's position and the rows kept before: a type with a `limit` stops there)."""
    kept = int(cursor["kept"]) if cursor else 0
    pages = campaign_export_rows.pages(
        operation.tenant_id,
        str(operation.params["campaignId"]),
        declared.source,
        date_key=operation.params.get("dateKey"),
        start=cursor["position"] if cursor else None,
    )
    for page in pages:
        items: list[tuple[Any, Any]] = []
        for row, position in page.items:
            if declared.limit is not None and kept >= declared.limit:
                yield Page(items, None)
                return
            if (markets is None or row["entry"].get("market") in markets) and (
                declared.keep is None or declared.keep(row)
            ):
                kept += 1
                items.append((row, {"position": position, "kept": kept}))
        after: Any = None if page.last_key is None else {"position": page.last_key, "kept": kept}
        yield Page(items, after)


def plan(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    call = steps.plan_call(event)
    if call.first:
        steps.begin(operation)
    markets = _markets(operation, _campaign(operation))
    pages = _kept(operation, export_type(operation), markets, call.cursor)
    return steps.write_chunk_pages(operation, call, pages, settings().chunk_rows)


def part_key(operation: OperationItem, number: int, market: str | None) -> str:
    return steps.scratch_key(operation, steps.chunk_name(f"part-{market}" if market else "part", number, "csv"))


def process_chunk(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    if steps.recorded(operation, event) is not None:
        return {"chunk": int(event["chunk"]["chunk"])}
    number = int(event["chunk"]["chunk"])
    declared = export_type(operation)
    rows: list[dict[str, Any]] = list(steps.read_json_lines(str(event["chunk"]["key"])))
    ids = {str(row["entry"]["contactId"]) for row in rows if row["entry"].get("contactId")}
    contacts = campaign_entries.contacts_of(operation.tenant_id, ids) if declared.reads_contacts else {}
    parts: dict[str | None, list[bytes]] = {}
    for row in rows:
        row["contact"] = contacts.get(str(row["entry"].get("contactId")), {})
        if any(not row["contact"].get(name) for name in declared.requires):
            continue
        market = str(row["entry"].get("market") or NO_MARKET) if declared.per_market else None
        parts.setdefault(market, []).append(csv_line([_text(column.value(row)) for column in declared.columns]))
    for market, lines in parts.items():
        steps.put_scratch(part_key(operation, number, market), b"".join(lines))
    counts = {"rows": sum(len(lines) for lines in parts.values())}
    counts.update({f"{MARKET_COUNT}{market}": len(lines) for market, lines in parts.items() if market is not None})
    return steps.record(WORKFLOW, operation, event, counts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a score of 90 reads 90, as it was sent
    return str(value)


def file_key(operation: OperationItem) -> str:
    """The file's key, or for one file per market the prefix of the files."""
    base = f"tenants/{operation.tenant_id}/campaigns/{operation.params['campaignId']}/exports/{operation.operation_id}"
    return f"{base}/" if export_type(operation).per_market else f"{base}.csv"


def _write(operation: OperationItem, declared: ExportType, key: str, parts: list[str]) -> None:
    s3 = aws.client("s3")
    bucket = settings().bucket(declared.destination)
    acl = None if declared.acl == "private" else declared.acl
    with MultipartWriter(s3, bucket, key, content_type=CONTENT_TYPE, acl=acl) as writer:
        writer.write(csv_line(declared.headers))
        for part in parts:
            for piece in iter_object(s3, settings().uploads_bucket, part):
                writer.write(piece)


def finalize(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    chunks = steps.all_chunk_results(operation, int(event["chunks"]))
    declared = export_type(operation)
    key = file_key(operation)
    result: dict[str, Any] = {"rowCount": steps.summed(chunks).get("rows", 0)}
    if declared.per_market:
        files = []
        for market in sorted({name for chunk in chunks for name in chunk.counts if name.startswith(MARKET_COUNT)}):
            name = market.removeprefix(MARKET_COUNT)
            files.append(f"{key}{name}.csv")
            _write(operation, declared, files[-1], _parts_with(operation, chunks, market, name))
        result["files"] = files
    else:
        numbers = [int(chunk.chunk) for chunk in chunks if int(chunk.counts.get("rows", 0))]
        _write(operation, declared, key, [part_key(operation, number, None) for number in numbers])
    retention = file_retention(declared)
    expires = clock.iso(clock.now() + retention) if retention else None
    steps.finish(operation, result, file_key=key, file_expires_at=expires)
    return {"status": "FINISHED"}


def _parts_with(operation: OperationItem, chunks: list[ChunkResultItem], count: str, market: str) -> list[str]:
    return [part_key(operation, int(chunk.chunk), market) for chunk in chunks if int(chunk.counts.get(count, 0))]
