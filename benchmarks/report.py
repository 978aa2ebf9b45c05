"""The figures of a run: a readable table for stdout and a JSON document for `--json`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from benchmarks.counting import Requests
from benchmarks.timing import Sample

if TYPE_CHECKING:
    from benchmarks.campaign_exports import CampaignPart, CampaignSize
    from benchmarks.chunk_memory import ChunkMemory, StepMemory
    from benchmarks.jobs import JobRun, JobSize, RawRun
    from benchmarks.lead_migration import LeadPart
    from benchmarks.throughput import Throughput
    from benchmarks.webhooks import Stages, WebhookFigures

SERVICES = ("dynamodb", "lambda")
# The operations the speed goals name (benchmarks/summary.py reads them by name).
CREATE = "create (POST / PutItem)"
GET = "get (GET / GetItem)"
DELETE = "delete (DELETE / DeleteItem)"


@dataclass(frozen=True)
class Measured:
    sample: Sample
    requests: Requests


@dataclass(frozen=True)
class Operation:
    name: str
    api: Measured
    raw: Measured | None = None  # the bare DynamoDB equivalent, where there is one
    note: str = ""


@dataclass(frozen=True)
class SizeRun:
    size: int
    table_items: int  # in the whole table when this size started
    operations: list[Operation]
    transaction: Measured  # raw TransactWriteItems of what an API create writes, one at a time
    transaction_items: int


@dataclass(frozen=True)
class Transport:
    keep_alive: Sample
    fresh_connection: Sample


@dataclass(frozen=True)
class Report:
    concurrency: int
    emulator: str
    transport: Transport | None  # None when the API part was skipped
    sizes: list[SizeRun]
    seconds: float
    chunk_rows: int = 0
    jobs: list[JobSize] = field(default_factory=list)
    memory: list[ChunkMemory] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was left out, and why
    throughput: Throughput | None = None  # None when the throughput part was skipped
    parts: dict[str, float] = field(default_factory=dict)  # seconds each part took, in the order run
    webhooks: WebhookFigures | None = None  # None when the webhooks part was skipped
    leads: LeadPart | None = None  # None when the lead migration part was skipped
    campaigns: CampaignPart | None = None  # None when the campaign exports part was skipped


# Text ------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x" if denominator else "-"


def _errors(measured: Measured | None) -> str:
    if measured is None or not measured.sample.errors:
        return ""
    return ", ".join(f"{count} x {label}" for label, count in measured.sample.errors.items())


def _timing_row(operation: Operation) -> str:
    api, raw = operation.api.sample, operation.raw.sample if operation.raw else None
    left = (
        f"  {operation.name:<30} {api.calls:>5} {api.wall:>8.2f} {api.per_second:>8.1f} "
        f"{_ms(api.percentile(50)):>8} {_ms(api.percentile(95)):>8}"
    )
    right = (
        f" | {raw.wall:>7.2f} {raw.per_second:>8.1f} {_ms(raw.percentile(50)):>7} {_ratio(api.wall, raw.wall):>8}"
        if raw
        else f" | {'-':>7} {'-':>8} {'-':>7} {'-':>8}"
    )
    errors = "; ".join(text for text in (_errors(operation.api), _errors(operation.raw)) if text)
    return (left + right + f"  {operation.note}" + (f"  ERRORS: {errors}" if errors else "")).rstrip()


def _requests_row(operation: Operation) -> str:
    calls = operation.api.sample.calls + operation.api.sample.errors.total()
    dynamodb = operation.api.requests.per_call(calls, "dynamodb")
    invokes = sum(operation.api.requests.per_call(calls, "lambda").values())
    detail = " + ".join(f"{count:.2f} {name}" for name, count in dynamodb.items())
    retries = operation.api.requests.retries + (operation.raw.requests.retries if operation.raw else 0)
    return f"  {operation.name:<30} {sum(dynamodb.values()):>6.2f} {invokes:>7.2f} {retries:>7}   {detail}"


def _size_section(run: SizeRun, concurrency: int) -> list[str]:
    return [
        f"N = {run.size} contacts and deals (the table held {run.table_items} items when this size started)",
        f"  {'':<30} {'API':-^39} | {'raw boto3':-^24} {'API/raw':>8}",
        f"  {'operation':<30} {'calls':>5} {'wall s':>8} {'ops/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" | {'wall s':>7} {'ops/s':>8} {'p50 ms':>7} {'(wall)':>8}",
        *(_timing_row(operation) for operation in run.operations),
        f"  creates, gets, deletes: {concurrency} threads on both sides; list walks and searches: one call at a time",
        f"  raw TransactWriteItems of the {run.transaction_items} items an API create writes, one at a time: "
        f"p50 {_ms(run.transaction.sample.percentile(50))} ms",
        "",
        f"  {'AWS requests per API call':<30} {'DynamoDB':>6} {'Lambda':>7} {'retries':>7}   DynamoDB requests",
        *(_requests_row(operation) for operation in run.operations),
        "",
    ]


def _p50_ratio(large: Measured, small: Measured) -> str:
    return _ratio(large.sample.percentile(50), small.sample.percentile(50))


def _growth_row(name: str, at: str, large: Measured, small: Measured) -> str:
    return f"  {name:<30} {at} {_p50_ratio(large, small):>7}"


def _growth_section(sizes: list[SizeRun]) -> list[str]:
    """Each size against the smallest (the operations are the same at every size, in the same order)."""
    smallest = sizes[0]
    lines = []
    for run in sizes[1:]:
        at = f"p50 at {run.size} / at {smallest.size} ="
        lines.append(
            f"Growth: N = {run.size} against N = {smallest.size} "
            f"(table items {smallest.table_items} -> {run.table_items}), p50 latency per call"
        )
        for small, large in zip(smallest.operations, run.operations, strict=True):
            line = _growth_row(large.name, at, large.api, small.api)
            if small.raw and large.raw:
                line += f"   (raw {_p50_ratio(large.raw, small.raw)})"
            lines.append(line)
        lines += [_growth_row("raw TransactWriteItems", at, run.transaction, smallest.transaction), ""]
    return lines


def _throughput_section(throughput: Throughput) -> list[str]:
    sample = throughput.sample
    others = ", ".join(f"{count} x {outcome}" for outcome, count in sorted(sample.errors.items())) or "none"
    return [
        f"GET /api/v1/contacts/{{id}} of one contact: {throughput.threads} threads, keep-alive sessions, "
        "a process of their own",
        f"  {sample.wall:.0f} s counted after {throughput.warmup:.0f} s of warm-up: {sample.calls} answers 200, "
        f"{sample.per_second:.1f} a second, p50 {_ms(sample.percentile(50))} ms, p95 {_ms(sample.percentile(95))} ms; "
        f"other answers: {others}",
        "",
    ]


def _stages(stages: Stages) -> str:
    return (
        f"medians of {stages.deliveries}: write -> delivery item {stages.to_dispatch:.2f} s (stream window, poller, "
        f"dispatcher), -> first attempt {stages.to_attempt:.2f} s (queue, delivery function), "
        f"-> receipt {stages.to_receipt:.2f} s"
    )


def _webhooks_section(hooks: WebhookFigures) -> list[str]:
    latency, post, raw = hooks.latency, hooks.post, hooks.raw
    lines = [
        "Webhooks: POST /api/v1/contacts -> contact.created at a subscriber on 127.0.0.1 (local stack: stream "
        "poller -> dispatcher -> SQS -> queue poller -> delivery)",
        f"  warm-up event (not counted): {hooks.warmup:.2f} s",
        f"  {latency.calls} creates one after the other, before the POST -> receipt: "
        f"p50 {latency.percentile(50):.2f} s, p95 {latency.percentile(95):.2f} s, "
        f"max {max(latency.latencies, default=0.0):.2f} s "
        f"(the POST alone: p50 {_ms(post.percentile(50))} ms)",
    ]
    if hooks.stages is not None:
        lines.append(f"  where it goes, {_stages(hooks.stages)}")
    burst = f"{hooks.burst_received} of {hooks.burst} events" + ("" if hooks.complete else " (INCOMPLETE)")
    per_event = ", ".join(f"{service} {count:.1f}" for service, count in hooks.requests_per_event().items())
    lines += [
        f"  burst of {hooks.burst} creates from {hooks.threads} threads: writes done in {hooks.burst_writes:.1f} s "
        f"({hooks.writes_per_second:.1f}/s), {burst} received {hooks.burst_seconds:.1f} s after the first write "
        f"({hooks.burst_seconds - hooks.burst_writes:.1f} s after the last): {hooks.events_per_second:.1f} events/s",
        f"  AWS requests per burst event, its API create and the pollers' included: {per_event or '-'}",
        *([f"  burst, {_stages(hooks.burst_stages)}"] if hooks.burst_stages else []),
        f"  signatures (standardwebhooks): {hooks.verified} verified, {hooks.bad_signatures} bad; "
        f"{hooks.duplicates} duplicate deliveries",
        f"  floor, same emulator: raw SQS send -> receive (long poll) -> delete, {raw.calls} messages one at a time: "
        f"p50 {_ms(raw.percentile(50))} ms, p95 {_ms(raw.percentile(95))} ms, {raw.per_second:.1f} messages/s"
        + (f", {raw.errors.total()} not received" if raw.errors else ""),
        f"  and the stream's batching window, {hooks.batching_window:g} s, under every event's latency",
        "",
    ]
    return lines


# Jobs ------------------------------------------------------------------------------------------

MIB = 1024 * 1024


def _job_cells(job: JobRun) -> str:
    status = job.status if job.ended else f"{job.status}*"
    return f"{status:<9} {job.rows:>7} {job.wall:>8.1f} {job.per_second:>8.1f}"


def _raw_cells(raw: RawRun) -> str:
    return f"{raw.name:<15} {raw.items:>7} {raw.calls:>6} {raw.wall:>7.1f} {raw.per_second:>8.1f}"


def _steps_line(job: JobRun) -> str:
    if not job.steps:
        return f"  {job.job}: steps not timed"
    chunks = job.step_seconds("process_chunk")
    parts = [f"plan {sum(job.step_seconds('plan')):.1f}"]
    if chunks:
        parts.append(f"{len(chunks)} chunk invocations {sum(chunks):.1f} (longest {max(chunks):.1f})")
    parts += [
        f"{step} {sum(job.step_seconds(step)):.1f}" for step in ("finalize", "mark_failed") if job.step_seconds(step)
    ]
    in_steps = sum(step.seconds for step in job.steps)
    return f"  {job.job} steps, seconds inside the handlers: {', '.join(parts)}; outside them {job.wall - in_steps:.1f}"


def _requests_line(job: JobRun) -> str:
    rows = max(job.rows, 1)
    dynamodb = job.requests.per_call(rows, "dynamodb")
    detail = " + ".join(f"{count:.2f} {name}" for name, count in dynamodb.items() if count >= 0.005)
    invokes = sum(job.requests.per_call(rows, "lambda").values())
    grown = job.table_items_after - job.table_items_before
    items = f"; table items +{grown} ({grown / rows:.1f} per row)" if job.job == "import" else ""
    return (
        f"  {job.job} per row: {sum(dynamodb.values()):.2f} DynamoDB requests ({detail}), {invokes:.4f} Lambda invokes"
        f"{items}; {job.requests.retries} retried requests; {job.polls} status polls"
    )


def _job_problem(job: JobRun) -> list[str]:
    if job.status == "FINISHED" and job.ended:
        return []
    if not job.ended:
        counts = {
            k: job.detail.get(k) for k in ("processedRows", "created", "rowCount") if job.detail.get(k) is not None
        }
        return [f"  * {job.job} still {job.status} when the bench stopped waiting after {job.wall:.0f} s: {counts}"]
    return [f"  {job.job} {job.status}: {job.detail.get('failureReason')}"]


def _jobs_title(size: JobSize) -> str:
    chunks = -(-size.rows // size.chunk_rows) if size.chunk_rows else 0
    if size.seeded:
        return (
            f"R = {size.rows} contacts written directly as store contact items (no import), "
            f"{chunks} chunk(s) of up to {size.chunk_rows}"
        )
    return f"R = {size.rows} rows ({size.csv_bytes / MIB:.1f} MiB CSV, {chunks} chunk(s) of up to {size.chunk_rows})"


def _jobs_size_section(size: JobSize) -> list[str]:
    lines = [
        _jobs_title(size),
        f"  {'':<28} {'job':-^35} | {'raw boto3, same emulator':-^47} {'job/raw':>8}",
        f"  {'':<28} {'status':<9} {'rows':>7} {'wall s':>8} {'rows/s':>8} | {'':<15} {'items':>7} {'calls':>6}"
        f" {'wall s':>7} {'rows/s':>8} {'(wall)':>8}",
    ]
    pairs: list[tuple[str, JobRun | None, RawRun]] = [
        ("import (upload URL, poll)", size.import_job, size.raw_write),
        ("export (segment, csv)", size.export_job, size.raw_query),
    ]
    for name, job, raw in pairs:
        if job is None:
            why = "seeded instead" if size.seeded and name.startswith("import") else "not run"
            lines.append(f"  {name:<28} {why:<35} | {_raw_cells(raw)}")
            continue
        ratio = _ratio(job.wall, raw.wall) if job.ended and job.status == "FINISHED" else "-"
        lines.append(f"  {name:<28} {_job_cells(job)} | {_raw_cells(raw)} {ratio:>8}")
    for job in (size.import_job, size.export_job):
        if job is not None:
            lines += [*_job_problem(job), _steps_line(job), _requests_line(job)]
    if size.export_job is None and not size.seeded:
        lines.append("  no export: the import did not finish")
    return [*lines, ""]


def _jobs_growth(jobs: list[JobSize]) -> list[str]:
    """Each size against the smallest of its kind (imported, seeded)."""
    lines = []
    for seeded in (False, True):
        kind = [size for size in jobs if size.seeded == seeded]
        if len(kind) > 1:
            lines += _kind_growth(kind)
    return lines


def _kind_growth(jobs: list[JobSize]) -> list[str]:
    smallest = jobs[0]
    lines = []
    for size in jobs[1:]:
        at = f"rows/s at R = {size.rows} / at R = {smallest.rows}"
        lines.append(f"Growth: {at} (1.00x = the same speed per row; 0.50x = each row cost twice as much)")
        pairs: list[tuple[str, JobRun | RawRun | None, JobRun | RawRun | None]] = [
            ("import", size.import_job, smallest.import_job),
            ("raw BatchWriteItem", size.raw_write, smallest.raw_write),
            ("export", size.export_job, smallest.export_job),
            ("raw Query pages", size.raw_query, smallest.raw_query),
        ]
        for name, large, small in pairs:
            ratio = _ratio(large.per_second, small.per_second) if large and small else "-"
            lines.append(f"  {name:<20} {ratio:>7}")
        lines.append("")
    return lines


def _mib(value: float) -> str:
    return f"{value / MIB:.1f}"


def _memory_row(run: ChunkMemory) -> str:
    def cells(step: StepMemory) -> str:
        return (
            f"{_mib(step.rss_before_kib * 1024):>8} {_mib(step.max_rss_kib * 1024):>8} "
            f"{_mib(step.growth_bytes):>7} {step.seconds:>7.1f}"
        )

    return f"  {run.job:<7} {run.rows:>8} {run.chunks:>6} | {cells(run.plan)} | {cells(run.chunk)}"


def _memory_section(memory: list[ChunkMemory]) -> list[str]:
    lines = [
        "Chunk worker memory: plan, then chunk 1 of its manifest, each in a worker process of its own",
        "  (RSS at start = resident set after imports and warm-up; peak = the highest resident set during",
        "  the invocation, as Lambda's Max Memory Used; growth = peak - start, the step's own memory)",
        f"  {'job':<7} {'rows':>8} {'chunks':>6} | {'plan':-^32} | {'chunk 1':-^32}",
        f"  {'':<7} {'':>8} {'':>6} | {'RSS MiB':>8} {'peak':>8} {'growth':>7} {'s':>7}"
        f" | {'RSS MiB':>8} {'peak':>8} {'growth':>7} {'s':>7}",
        *(_memory_row(run) for run in memory),
    ]
    for job in ("import", "export"):
        runs = [run for run in memory if run.job == job]
        for run in runs[1:]:
            small = runs[0]
            lines.append(
                f"  {job}: chunk 1 growth at {run.rows} rows / at {small.rows} rows = "
                f"{_ratio(run.chunk.growth_bytes, small.chunk.growth_bytes)} (plan: "
                f"{_ratio(run.plan.growth_bytes, small.plan.growth_bytes)})"
            )
        for run in runs:
            counts = ", ".join(f"{key} {value}" for key, value in run.chunk_counts.items() if value)
            lines.append(f"  {job} {run.rows}: chunk 1 recorded {counts or 'nothing'}")
    return [*lines, ""]


def render(report: Report) -> str:
    lines = [f"contact-data-platform benchmark: local stack on {report.emulator}"]
    if report.transport is not None:
        transport = report.transport
        keep_alive, fresh = transport.keep_alive.percentile(50), transport.fresh_connection.percentile(50)
        lines += [
            f"GET /heartbeat (one Lambda invoke, no DynamoDB), p50: keep-alive {_ms(keep_alive)} ms, "
            f"new connection {_ms(fresh)} ms ({_ratio(keep_alive, fresh)})",
            "",
        ]
    for run in report.sizes:
        lines += _size_section(run, report.concurrency)
    if report.sizes:
        lines += _growth_section(report.sizes)
    if report.throughput is not None:
        lines += _throughput_section(report.throughput)
    if report.webhooks is not None:
        lines += _webhooks_section(report.webhooks)
    if report.leads is not None:
        lines += _leads_section(report.leads)
    if report.jobs:
        lines += [
            f"Jobs (Step Functions workflows, CHUNK_ROWS {report.chunk_rows}); each size on an emptied emulator and a",
            "fresh tenant; wall = POST to the operation's finishedAt; raw = the bare loop over R items on the same",
            "emulator right after the job",
            "",
        ]
        for size in report.jobs:
            lines += _jobs_size_section(size)
        lines += _jobs_growth(report.jobs)
    if report.campaigns is not None and report.campaigns.sizes:
        lines += _campaigns_section(report.campaigns)
    if report.memory:
        lines += _memory_section(report.memory)
    lines += [f"Note: {note}" for note in report.notes]
    lines.append(f"Total {report.seconds:.0f} s. Figures are for comparison within this run, not absolute capacity.")
    return "\n".join(lines)


# Campaign exports ------------------------------------------------------------------------------


def _campaign_size_section(size: CampaignSize) -> list[str]:
    seeding = size.seeding
    chunks = -(-size.entries // size.chunk_rows) if size.chunk_rows else 0
    lines = [
        f"N = {size.entries} entries ({seeding.verified} verified, {seeding.codes} with a code; up to {chunks} "
        f"chunk(s) of {size.chunk_rows}); seeded in {seeding.seconds:.1f} s: "
        f"contacts {seeding.contacts_seconds:.1f} s, "
        f"entries {seeding.entries_seconds:.1f} s, code waves {seeding.wave_seconds:.1f} s",
        f"  {'':<28} {'job':-^35} | {'raw boto3, same emulator':-^47} {'job/raw':>8}",
        f"  {'export type':<28} {'status':<9} {'rows':>7} {'wall s':>8} {'rows/s':>8} | {'':<15} {'items':>7}"
        f" {'calls':>6} {'wall s':>7} {'rows/s':>8} {'(wall)':>8}",
    ]
    for run in size.exports:
        ratio = _ratio(run.job.wall, size.raw_query.wall) if run.finished else "-"
        lines.append(f"  {run.export_type:<28} {_job_cells(run.job)} | {_raw_cells(size.raw_query)} {ratio:>8}")
    for run in size.exports:
        entries_per_second = size.entries / run.job.wall if run.job.wall else 0.0
        lines += [
            *_job_problem(run.job),
            _steps_line(run.job),
            _requests_line(run.job),
            f"  {run.job.job}: {run.downloaded_rows} rows in the downloaded file, {run.expected_rows} expected; "
            f"{entries_per_second:.1f} entries read/s",
        ]
    lines.append(f"  raw BatchWriteItem of the N raw items: {_raw_cells(size.raw_write)}")
    return [*lines, ""]


def _campaigns_section(part: CampaignPart) -> list[str]:
    lines = [
        "Campaign exports: a campaign of N entries seeded in-process on an emptied emulator; each export type",
        "POSTed and polled over HTTP; wall = POST to the operation's finishedAt; raw = Query pages of 1,000 over N",
        "raw items on the same emulator right after the exports",
        "",
    ]
    for size in part.sizes:
        lines += _campaign_size_section(size)
    memory = [size.memory for size in part.sizes if size.memory is not None]
    if memory:
        lines += [
            "Campaign export (entries type) chunk worker memory: plan, then chunk 1, each in a worker process",
            f"  {'job':<7} {'entries':>8} {'chunks':>6} | {'plan':-^32} | {'chunk 1':-^32}",
            f"  {'':<7} {'':>8} {'':>6} | {'RSS MiB':>8} {'peak':>8} {'growth':>7} {'s':>7}"
            f" | {'RSS MiB':>8} {'peak':>8} {'growth':>7} {'s':>7}",
            *(_memory_row(run) for run in memory),
        ]
        for run in memory[1:]:
            small = memory[0]
            lines.append(
                f"  chunk 1 at {run.rows} entries / at {small.rows}: peak "
                f"{_ratio(run.chunk.max_rss_kib, small.chunk.max_rss_kib)}, growth "
                f"{_ratio(run.chunk.growth_bytes, small.chunk.growth_bytes)}"
            )
        lines.append("")
    return lines


def _campaigns_json(part: CampaignPart) -> list[dict[str, Any]]:
    return [
        {
            "entries": size.entries,
            "chunkRows": size.chunk_rows,
            "seeding": {
                "contactsSeconds": round(size.seeding.contacts_seconds, 1),
                "entriesSeconds": round(size.seeding.entries_seconds, 1),
                "waveSeconds": round(size.seeding.wave_seconds, 1),
                "verified": size.seeding.verified,
                "codes": size.seeding.codes,
            },
            "exports": [
                _job_json(run.job)
                | {
                    "exportType": run.export_type,
                    "expectedRows": run.expected_rows,
                    "downloadedRows": run.downloaded_rows,
                    "exportToRawWall": round(run.job.wall / size.raw_query.wall, 3)
                    if run.finished and size.raw_query.wall
                    else None,
                }
                for run in size.exports
            ],
            "rawWrite": _raw_json(size.raw_write),
            "rawQuery": _raw_json(size.raw_query),
            "chunkMemory": _memory_json(size.memory) if size.memory else None,
        }
        for size in part.sizes
    ]


# JSON ------------------------------------------------------------------------------------------


def _sample_json(sample: Sample) -> dict[str, Any]:
    return {
        "calls": sample.calls,
        "wallSeconds": round(sample.wall, 4),
        "perSecond": round(sample.per_second, 2),
        "p50Ms": round(sample.percentile(50) * 1000, 2),
        "p95Ms": round(sample.percentile(95) * 1000, 2),
        "errors": dict(sample.errors),
    }


def _measured_json(measured: Measured) -> dict[str, Any]:
    calls = measured.sample.calls + measured.sample.errors.total()
    return _sample_json(measured.sample) | {
        "requestsPerCall": {service: measured.requests.per_call(calls, service) for service in SERVICES},
        "retries": measured.requests.retries,
    }


def _operation_json(operation: Operation) -> dict[str, Any]:
    raw = operation.raw
    return {
        "name": operation.name,
        "note": operation.note,
        "api": _measured_json(operation.api),
        "raw": _measured_json(raw) if raw else None,
        "apiToRawWall": round(operation.api.sample.wall / raw.sample.wall, 2) if raw and raw.sample.wall else None,
    }


def _job_json(job: JobRun) -> dict[str, Any]:
    rows = max(job.rows, 1)
    return {
        "status": job.status,
        "ended": job.ended,
        "rows": job.rows,
        "wallSeconds": round(job.wall, 2),
        "rowsPerSecond": round(job.per_second, 2),
        "steps": [
            {"step": step.step, "seconds": round(step.seconds, 3), "errored": step.errored} for step in job.steps
        ],
        "requestsPerRow": {service: job.requests.per_call(rows, service) for service in SERVICES},
        "retries": job.requests.retries,
        "tableItemsBefore": job.table_items_before,
        "tableItemsAfter": job.table_items_after,
        "polls": job.polls,
        "failureReason": job.detail.get("failureReason"),
    }


def _raw_json(raw: RawRun) -> dict[str, Any]:
    return {
        "operation": raw.name,
        "items": raw.items,
        "calls": raw.calls,
        "wallSeconds": round(raw.wall, 2),
        "rowsPerSecond": round(raw.per_second, 2),
    }


def _jobs_json(size: JobSize) -> dict[str, Any]:
    def ratio(job: JobRun | None, raw: RawRun) -> float | None:
        return round(job.wall / raw.wall, 2) if job and job.ended and raw.wall else None

    return {
        "rows": size.rows,
        "csvBytes": size.csv_bytes,
        "chunkRows": size.chunk_rows,
        "seeded": size.seeded,
        "import": _job_json(size.import_job) if size.import_job else None,
        "rawBatchWriteItem": _raw_json(size.raw_write),
        "importToRawWall": ratio(size.import_job, size.raw_write),
        "export": _job_json(size.export_job) if size.export_job else None,
        "rawQuery": _raw_json(size.raw_query),
        "exportToRawWall": ratio(size.export_job, size.raw_query),
    }


def _step_memory_json(step: StepMemory) -> dict[str, Any]:
    return {
        "seconds": round(step.seconds, 2),
        "growthBytes": step.growth_bytes,
        "rssBeforeKiB": step.rss_before_kib,
        "maxRssKiB": step.max_rss_kib,
    }


def _memory_json(run: ChunkMemory) -> dict[str, Any]:
    return {
        "job": run.job,
        "rows": run.rows,
        "chunkRows": run.chunk_rows,
        "chunks": run.chunks,
        "plan": _step_memory_json(run.plan),
        "chunk1": _step_memory_json(run.chunk),
        "chunk1Counts": run.chunk_counts,
    }


def _leads_section(part: LeadPart) -> list[str]:
    lines = ["Lead migration: 1,000 new leads (a tenth duplicates by email, a tenth by company), one request each", ""]
    lines.append("  existing leads   dry run s   requests/lead   import s   requests/lead   seeding s")
    for size in part.sizes:
        dry, done = size.dry_run, size.production
        lines.append(
            f"  {size.existing:>14,}   {dry.seconds:>9.2f}   {dry.requests_per_lead:>13.3f}   {done.seconds:>8.2f}   "
            f"{done.requests_per_lead:>13.3f}   {size.seeding_seconds:>9.1f}"
        )
    return [*lines, ""]


def _leads_json(part: LeadPart) -> list[dict[str, Any]]:
    def run_json(run: Any) -> dict[str, Any]:
        return {"seconds": round(run.seconds, 3), "dynamodbRequestsPerLead": round(run.requests_per_lead, 3)}

    return [
        {
            "existing": size.existing,
            "seedingSeconds": round(size.seeding_seconds, 1),
            "dryRun": run_json(size.dry_run),
            "import": run_json(size.production),
        }
        for size in part.sizes
    ]


def _webhooks_json(hooks: WebhookFigures) -> dict[str, Any]:
    latency = hooks.latency

    def stages_json(stages: Stages | None) -> dict[str, Any] | None:
        if stages is None:
            return None
        return {
            "deliveries": stages.deliveries,
            "toDeliveryItem": round(stages.to_dispatch, 3),
            "toFirstAttempt": round(stages.to_attempt, 3),
            "toReceipt": round(stages.to_receipt, 3),
        }

    return {
        "warmupSeconds": None if math.isnan(hooks.warmup) else round(hooks.warmup, 3),
        "latency": _sample_json(latency) | {"maxMs": round(max(latency.latencies, default=0.0) * 1000, 2)},
        "post": _sample_json(hooks.post),
        "stagesSeconds": stages_json(hooks.stages),
        "burstStagesSeconds": stages_json(hooks.burst_stages),
        "burst": {
            "creates": hooks.burst,
            "threads": hooks.threads,
            "received": hooks.burst_received,
            "writesSeconds": round(hooks.burst_writes, 3),
            "seconds": round(hooks.burst_seconds, 3),
            "eventsPerSecond": round(hooks.events_per_second, 2),
            "writesPerSecond": round(hooks.writes_per_second, 2),
            "requestsPerEvent": {service: round(count, 2) for service, count in hooks.requests_per_event().items()},
        },
        "verified": hooks.verified,
        "badSignatures": hooks.bad_signatures,
        "duplicates": hooks.duplicates,
        "rawQueue": _sample_json(hooks.raw),
        "batchingWindowSeconds": hooks.batching_window,
    }


def to_json(report: Report) -> dict[str, Any]:
    transport = report.transport
    return {
        "emulator": report.emulator,
        "concurrency": report.concurrency,
        "seconds": round(report.seconds, 1),
        "heartbeat": {
            "keepAlive": _sample_json(transport.keep_alive),
            "freshConnection": _sample_json(transport.fresh_connection),
        }
        if transport
        else None,
        "sizes": [
            {
                "size": run.size,
                "tableItems": run.table_items,
                "operations": [_operation_json(operation) for operation in run.operations],
                "rawTransaction": {"items": run.transaction_items} | _measured_json(run.transaction),
            }
            for run in report.sizes
        ],
        "throughput": {"threads": report.throughput.threads, "warmupSeconds": report.throughput.warmup}
        | _sample_json(report.throughput.sample)
        if report.throughput
        else None,
        "webhooks": _webhooks_json(report.webhooks) if report.webhooks else None,
        "leadMigration": _leads_json(report.leads) if report.leads else None,
        "chunkRows": report.chunk_rows,
        "jobs": [_jobs_json(size) for size in report.jobs],
        "chunkMemory": [_memory_json(run) for run in report.memory],
        "campaignExports": _campaigns_json(report.campaigns) if report.campaigns else None,
        "notes": report.notes,
        "partSeconds": {part: round(seconds, 1) for part, seconds in report.parts.items()},
    }
