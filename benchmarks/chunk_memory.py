"""A chunk worker's peak memory, for a whole file (or segment) of M rows.

The chunk step handles CHUNK_ROWS rows whatever the size of the whole job; this shows it. For each
M, on a fresh emulator and tenant:

- import: the CSV of M rows goes into the uploads bucket (outside `tenants/`, so no workflow starts)
  and an import operation pointing at it is recorded as `POST /api/v1/imports` records one. The real
  plan step then runs in a worker process (`benchmarks.chunk_worker`) and writes the chunk manifest;
  chunk 1 of that manifest runs in a second worker process.
- campaign (benchmarks/campaign_exports.py): the `entries` type of a campaign export over a campaign of
  M entries seeded there; plan, then chunk 1, as above.
- export: M contacts are written as the store's contact items (list-index keys included; the
  export reads nothing else), with BatchWriteItem; a segment `filter: {}` is saved over HTTP and an
  export operation recorded as `POST /api/v1/exports` records one; plan, then chunk 1, as above.

A worker is a separate Python process that reaches the emulator over HTTP like a Lambda function:
its memory holds the step's work only, not the emulator's tables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from benchmarks.jobs import Tenant, caller_of, contact_csv, seed_contacts
from contact_platform.config import settings
from contact_platform.models.operations import EXPORT_FIELDS
from contact_platform.services import operations
from contact_platform.store import operations as operation_store

ROOT = Path(__file__).resolve().parents[1]
WORKER_TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class StepMemory:
    step: str
    seconds: float
    rss_before_kib: int  # the worker's resident set when the call starts (after imports and warm-up)
    max_rss_kib: int  # its peak resident set during the call (Lambda's "Max Memory Used")
    result: dict[str, Any]

    @property
    def growth_bytes(self) -> int:
        """How far the resident set rose during the call: the step's own memory."""
        return (self.max_rss_kib - self.rss_before_kib) * 1024


@dataclass(frozen=True)
class ChunkMemory:
    job: str  # "import", "export" or "campaign" (a campaign export's `entries` type)
    rows: int  # rows of the whole file, or contacts of the segment
    chunk_rows: int
    chunks: int  # chunks the plan wrote
    plan: StepMemory
    chunk: StepMemory  # chunk 1
    chunk_counts: dict[str, Any]  # what chunk 1 recorded (rows created, rows written, ...)


def run_worker(handler: str, event: dict[str, Any]) -> StepMemory:
    with tempfile.TemporaryDirectory(prefix="cdp-bench-") as folder:
        request, answer = Path(folder, "request.json"), Path(folder, "answer.json")
        request.write_text(json.dumps({"handler": handler, "event": event}))
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.chunk_worker", str(request), str(answer)],
            cwd=ROOT,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0 or not answer.exists():
            raise RuntimeError(f"{handler} failed in the worker (exit {done.returncode}):\n{done.stderr[-3000:]}")
        body = json.loads(answer.read_text())
    return StepMemory(
        step=handler.rsplit(".", 2)[-2],
        seconds=float(body["seconds"]),
        rss_before_kib=int(body["rssBeforeKiB"]),
        max_rss_kib=int(body["maxRssKiB"]),
        result=dict(body["result"] or {}),
    )


def plan_and_first_chunk(
    job: str,
    tenant: Tenant,
    operation_id: str,
    rows: int,
    progress: Callable[[str], None],
    *,
    workflow: str | None = None,
) -> ChunkMemory:
    """The operation's plan (one invocation: PLAN_ROWS is far above the rows here), then chunk 1 of
    its manifest, each in a worker process; `workflow`: the step modules' package under
    functions/workflows (default: the job's name with an s)."""
    workflow = f"functions.workflows.{workflow or job + 's'}"
    event: dict[str, Any] = {"tenantId": tenant.tenant_id, "operationId": operation_id}
    progress(f"M = {rows}: {job} plan (worker process)")
    plan = run_worker(f"{workflow}.plan.handler", event)
    s3: Any = boto3.client("s3")
    manifest = json.loads(s3.get_object(Bucket=plan.result["bucket"], Key=plan.result["key"])["Body"].read())
    progress(f"M = {rows}: {job} chunk 1 of {len(manifest)} (worker process)")
    chunk = run_worker(f"{workflow}.process_chunk.handler", event | {"chunk": manifest[0]})
    recorded = operation_store.get_chunk_result(tenant.tenant_id, operation_id, 1)
    counts = {key: int(value) for key, value in recorded.counts.items()} if recorded else {}
    return ChunkMemory(job, rows, settings().chunk_rows, len(manifest), plan, chunk, counts)


def measure_import(tenant: Tenant, rows: int, progress: Callable[[str], None]) -> ChunkMemory:
    caller = caller_of(tenant)
    bucket = settings().uploads_bucket
    key = f"bench/memory/import-{rows}.csv"  # outside tenants/: the upload trigger does not start a job
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=contact_csv(f"mem{rows}", rows), ContentType="text/csv")
    params = {"mode": "skip", "fileName": f"memory-{rows}.csv", "bucket": bucket, "fileKey": key}
    operation = operations.new_operation(caller, "imports", params)
    operations.record(caller, operation, "import.requested")
    return plan_and_first_chunk("import", tenant, operation.operation_id, rows, progress)


def measure_export(tenant: Tenant, rows: int, progress: Callable[[str], None]) -> ChunkMemory:
    progress(f"M = {rows}: writing {rows} contacts for the export")
    seed_contacts(tenant, rows)
    caller = caller_of(tenant)
    segment = tenant.call("POST", "/api/v1/segments", 201, json={"name": f"memory {rows}", "filter": {}})
    params = {"segmentId": segment["id"], "format": "csv", "fields": list(EXPORT_FIELDS)}
    operation = operations.new_operation(caller, "exports", params)
    operations.record(caller, operation, "export.requested")
    return plan_and_first_chunk("export", tenant, operation.operation_id, rows, progress)
