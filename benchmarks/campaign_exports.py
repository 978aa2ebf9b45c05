"""The campaign export part of `make bench` (benchmarks/README.md, "Campaign exports").

For each number of entries N (`--campaign-entries`), on an emptied emulator and a fresh tenant:

1. Seeding, in this process through the platform's store and service layers (not measured against
   a goal): N active contacts written as the store's contact items (benchmarks/jobs.py,
   `seed_contacts`); a campaign (`POST /api/v1/campaigns`, markets DE, AT, CH); N entries, one per
   contact, prepared as a create prepares them (`entities.service.prepared`) and written with their
   index and derived items by `store.records.put_written` (BatchWriteItem, as a batch of entries
   writes them; their unique guards are left out: no export reads them). A third of the entries is
   verified, a tenth waitlisted, a tenth rejected; four in five have a score; each opt-in is held by
   a share of its own (1 in 2, 5, 3, 4). Then one code wave (`services.code_waves.run_wave`) gives a
   code to each verified entry up to a wave's 10,000 codes, highest score first, one transaction a
   code, as `POST /api/v1/campaigns/{campaignId}/code-waves` does.
2. Next to the exports, the raw baseline on the same emulator (benchmarks/jobs.py, `RawJobs`): N
   contact-shaped items written 25 a BatchWriteItem, then read back in Query pages of 1,000.
3. Before the first size's measured exports, one export of `reminderEmailSample` (its first 100
   rows), not counted: the campaign export functions' first invocations in this process import
   their modules (a cold start, about half a second here), which would otherwise fall on the first
   measured export only.
4. Each measured export type (`entries`: every entry, every contact read; `reminderEmail`: the
   entries holding a code) as a client runs it: `POST /api/v1/campaigns/{campaignId}/exports`, then
   `GET .../exports/{exportId}` until FINISHED or FAILED. Wall time runs from the POST to the
   operation's `finishedAt` (the server's clock, read from the operation item once the GET says it
   ended: the campaign export's answer has no `finishedAt`). The file is downloaded from the signed
   `path` and its rows counted against what was seeded.
5. Unless memory is skipped: the `entries` type's plan and its chunk 1 each in a worker process of
   its own (benchmarks/chunk_memory.py), on the same campaign: how far a chunk's resident set rises,
   whatever the campaign's size.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from benchmarks import chunk_memory
from benchmarks.api import TIMEOUT_SECONDS
from benchmarks.chunk_memory import ChunkMemory
from benchmarks.jobs import ENDED, POLL_FAILURES, JobRun, RawJobs, RawRun, StepClock, Tenant, caller_of, seed_contacts
from contact_platform import clock
from contact_platform.entities import service
from contact_platform.entities.catalog import entity
from contact_platform.ids import new_id
from contact_platform.models.campaigns import MAX_WAVE_CODES, CodeWave
from contact_platform.services import code_waves, operations
from contact_platform.store import operations as operation_store
from contact_platform.store import records

DEFAULT_ENTRIES = (1000,)
TYPES = ("entries", "reminderEmail")  # every entry with its contact; a filtered type
MARKETS = ("DE", "AT", "CH")
DATE_KEY = "2026-12-01"
WRITE_BATCH = 1000  # entries prepared and put at a time
WRITERS = 4  # threads putting them, as a batch of entries does (services/campaign_entries.py)
MEMORY_TYPE = "entries"
WARM_UP_TYPE = "reminderEmailSample"  # stops after 100 rows: warms the functions at little cost
ENTRY = "campaign_entry"


@dataclass(frozen=True)
class Seeding:
    contacts_seconds: float
    entries_seconds: float
    wave_seconds: float
    verified: int
    codes: int  # codes the waves assigned

    @property
    def seconds(self) -> float:
        return self.contacts_seconds + self.entries_seconds + self.wave_seconds


@dataclass(frozen=True)
class CampaignExportRun:
    export_type: str
    expected_rows: int  # what the seeding says the file must hold
    downloaded_rows: int | None  # data rows of the file as downloaded; None: not downloaded
    job: JobRun

    @property
    def finished(self) -> bool:
        return self.job.ended and self.job.status == "FINISHED"

    @property
    def rows_match(self) -> bool:
        return self.downloaded_rows == self.expected_rows == self.job.rows


@dataclass(frozen=True)
class CampaignSize:
    entries: int
    chunk_rows: int
    seeding: Seeding
    exports: list[CampaignExportRun]
    raw_write: RawRun
    raw_query: RawRun
    memory: ChunkMemory | None = None


@dataclass
class CampaignPart:
    sizes: list[CampaignSize] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignContext:
    base_url: str
    endpoint: str
    region: str
    table_name: str
    chunk_rows: int
    counter: Any  # benchmarks.counting.RequestCounter
    steps: StepClock
    item_count: Callable[[], int]
    fresh: Callable[[], None]  # empties the emulator and provisions again
    progress: Callable[[str], None]
    poll: float = 0.5
    timeout: float = 1800.0
    memory: bool = True


# Seeding ---------------------------------------------------------------------------------------


def entry_fields(index: int, campaign_id: str, contact_id: str) -> dict[str, Any]:
    """The `index`th entry: its market, status, score and opt-ins, spread by fixed shares."""
    status = ("verified", "verified", "verified", "waitlisted", "rejected", "entered", "entered", "entered")[index % 8]
    if index % 30 == 29:
        status = "entered"  # keeps the shares off the markets' cycle
    fields: dict[str, Any] = {
        "campaignId": campaign_id,
        "contactId": contact_id,
        "market": MARKETS[index % len(MARKETS)],
        "status": status,
        "optIns": {
            "artistEmail": index % 2 == 0,
            "artistSms": index % 5 == 0,
            "livenation": index % 3 == 0,
            "promoterEmail": index % 4 == 0,
        },
    }
    if index % 5:
        fields["score"] = float(index * 7919 % 1000)
    return fields


def _seed_entries(tenant: Tenant, campaign_id: str, count: int) -> int:
    """`count` entries of the campaign, the `index`th for the `index`th seeded contact; the verified ones."""
    caller, declared = caller_of(tenant), entity(ENTRY)
    verified = 0
    for start in range(0, count, WRITE_BATCH):
        created = clock.iso(clock.now())
        batch = []
        for index in range(start, min(count, start + WRITE_BATCH)):
            fields = entry_fields(index, campaign_id, f"con_seed{count}_{index:07d}")
            verified += fields["status"] == "verified"
            batch.append(service.prepared(declared, caller, fields, new_id(declared.prefix), created))
        records.put_written(batch, workers=WRITERS)
    return verified


def _run_wave(tenant: Tenant, campaign_id: str, verified: int) -> int:
    """One code wave of a code for each verified entry, up to a wave's 10,000 codes (one transaction a
    code: 10,000 take minutes here); the codes it assigned."""
    codes = [f"BENCH-{number:07d}" for number in range(min(verified, MAX_WAVE_CODES))]
    if not codes:
        return 0
    wave = CodeWave.model_validate({"dateKey": DATE_KEY, "codes": codes})
    return code_waves.run_wave(caller_of(tenant), campaign_id, wave).assigned


def seed(context: CampaignContext, tenant: Tenant, count: int) -> tuple[str, Seeding]:
    say = context.progress
    say(f"campaign N = {count}: writing {count} contacts (store contact items)")
    started = time.perf_counter()
    seed_contacts(tenant, count)
    contacts_done = time.perf_counter()
    body = {"name": f"Bench campaign {count}", "market": MARKETS[0], "markets": list(MARKETS[1:])}
    campaign_id = str(tenant.call("POST", "/api/v1/campaigns", 201, json=body)["id"])
    say(f"campaign N = {count}: writing {count} entries (prepared as a create, put as a batch puts them)")
    verified = _seed_entries(tenant, campaign_id, count)
    entries_done = time.perf_counter()
    say(f"campaign N = {count}: a code wave for the {verified} verified entries (at most {MAX_WAVE_CODES:,})")
    codes = _run_wave(tenant, campaign_id, verified)
    waves_done = time.perf_counter()
    seeding = Seeding(contacts_done - started, entries_done - contacts_done, waves_done - entries_done, verified, codes)
    return campaign_id, seeding


# The export over HTTP --------------------------------------------------------------------------


def _expected(export_type: str, count: int, seeding: Seeding) -> int:
    return count if export_type == "entries" else seeding.codes


def _downloaded_rows(path: str | None) -> int | None:
    if not path:
        return None
    response = requests.get(path, timeout=TIMEOUT_SECONDS)
    response.raise_for_status()
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    return max(len(rows) - 1, 0)  # the header


def run_export(context: CampaignContext, tenant: Tenant, campaign_id: str, export_type: str) -> tuple[JobRun, str]:
    """POST the export, GET it until it ends; (the run, the signed path of its file or '')."""
    base = f"/api/v1/campaigns/{campaign_id}/exports"
    before = context.item_count()
    polls = failures = 0
    status: dict[str, Any] = {"status": "UNKNOWN"}
    with context.counter.measure() as sent:
        started = time.time()
        accepted = tenant.call("POST", base, 201, json={"exportType": export_type})
        export_id = str(accepted["id"])
        while True:
            time.sleep(context.poll)
            polls += 1
            try:
                status = tenant.call("GET", f"{base}/{export_id}", 200)
                failures = 0
            except (RuntimeError, requests.RequestException):
                failures += 1
                if failures == POLL_FAILURES:
                    raise
                continue
            if status["status"] in ENDED:
                operation = operation_store.get(tenant.tenant_id, export_id)
                finished = operation.finished_at if operation is not None else None
                wall = (clock.parse_iso(finished).timestamp() if finished else time.time()) - started
                ended = True
                break
            if time.time() - started > context.timeout:
                wall, ended = time.time() - started, False
                break
    run = JobRun(
        job=f"campaign export {export_type}",
        status=str(status["status"]),
        rows=int(status.get("count") or 0),
        wall=wall,
        ended=ended,
        detail=status,
        steps=context.steps.of(export_id),
        requests=sent,
        table_items_before=before,
        table_items_after=context.item_count(),
        polls=polls,
    )
    return run, str(status.get("path") or "")


# Chunk memory ----------------------------------------------------------------------------------


def measure_memory(context: CampaignContext, tenant: Tenant, campaign_id: str, count: int) -> ChunkMemory:
    """The `entries` type's plan, then its chunk 1, each in a worker process (benchmarks/chunk_memory.py),
    for an export operation recorded as `POST .../exports` records one (no workflow started)."""
    caller = caller_of(tenant)
    params = {"campaignId": campaign_id, "exportType": MEMORY_TYPE, "dateKey": None, "includeAllMarkets": False}
    operation = operations.new_operation(caller, "campaign_exports", params)
    operations.record(caller, operation, "campaign_export.requested")
    return chunk_memory.plan_and_first_chunk(
        "campaign", tenant, operation.operation_id, count, context.progress, workflow="campaign_exports"
    )


# One size --------------------------------------------------------------------------------------


def measure_size(context: CampaignContext, count: int, part: CampaignPart) -> CampaignSize:
    say = context.progress
    context.fresh()
    tenant = Tenant(context.base_url)
    campaign_id, seeding = seed(context, tenant, count)
    say(
        f"campaign N = {count}: seeded in {seeding.seconds:.0f} s (contacts {seeding.contacts_seconds:.0f} s, entries "
        f"{seeding.entries_seconds:.0f} s, {seeding.codes} codes {seeding.wave_seconds:.0f} s); raw BatchWriteItem"
    )
    raw = RawJobs(context.endpoint, context.region, context.table_name, f"campaign{count}")
    raw_write = raw.write(count)
    if not part.sizes:
        warm_up, _ = run_export(context, tenant, campaign_id, WARM_UP_TYPE)
        say(f"campaign N = {count}: warm-up {WARM_UP_TYPE} {warm_up.status} after {warm_up.wall:.1f} s (not counted)")
    exports = []
    for export_type in TYPES:
        say(f"campaign N = {count}: export {export_type}")
        job, path = run_export(context, tenant, campaign_id, export_type)
        downloaded = _downloaded_rows(path) if job.status == "FINISHED" else None
        found = CampaignExportRun(export_type, _expected(export_type, count, seeding), downloaded, job)
        say(f"campaign N = {count}: export {export_type} {job.status} after {job.wall:.1f} s, {downloaded} rows")
        if job.ended and not found.rows_match:
            part.notes.append(
                f"campaign export {export_type} at N = {count}: {job.status}, {job.rows} rows counted, "
                f"{downloaded} in the file, {found.expected_rows} expected ({job.detail.get('failureReason')})"
            )
        exports.append(found)
        if not job.ended:
            part.notes.append(f"campaign export {export_type} at N = {count} did not end in {context.timeout:.0f} s")
            break
    say(f"campaign N = {count}: raw Query pages")
    raw_query = raw.query()
    ratios = ", ".join(f"{run.export_type} {run.job.wall / raw_query.wall:.2f}x" for run in exports if raw_query.wall)
    say(f"campaign N = {count}: raw Query pages {raw_query.wall:.1f} s; export / raw: {ratios}")
    memory = None
    if context.memory and all(run.job.ended for run in exports):
        memory = measure_memory(context, tenant, campaign_id, count)
        say(
            f"campaign N = {count}: chunk 1 of {memory.chunks}: peak {memory.chunk.max_rss_kib / 1024:.1f} MiB, "
            f"growth {memory.chunk.growth_bytes / 2**20:.1f} MiB, {memory.chunk.seconds:.1f} s; plan peak "
            f"{memory.plan.max_rss_kib / 1024:.1f} MiB, {memory.plan.seconds:.1f} s"
        )
    return CampaignSize(count, context.chunk_rows, seeding, exports, raw_write, raw_query, memory)


def measure(context: CampaignContext, sizes: list[int]) -> CampaignPart:
    part = CampaignPart()
    for count in sizes:
        size = measure_size(context, count, part)
        part.sizes.append(size)
        if not all(run.job.ended for run in size.exports):
            break  # a chunk still runs in this process: later sizes would share the machine with it
    return part
