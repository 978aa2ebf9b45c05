"""The jobs part: an import of R CSV rows and an export of the R contacts it created, each run as its
Step Functions workflow on the local stack and started over HTTP as a client would, next to a bare
DynamoDB loop over R items on the same emulator.

For each size R, on a fresh tenant:

1. import: `POST /api/v1/imports` with JSON `{"fileName"}`, the CSV `PUT` to the presigned upload URL
   it returns (any size; inline bodies stop at 6 MB), then `GET statusUrl` until FINISHED or FAILED.
   Next to it: R contact-shaped items written with BatchWriteItem, 25 a request.
2. export: `POST /api/v1/segments` with `filter: {}` (every contact of the tenant), `POST /api/v1/exports`
   with format csv, polled the same way. Next to it: Query pages (Limit 1000) over the R raw items.

Wall time runs from the POST to the operation's `finishedAt` (the server's clock, which is this
machine's: polling granularity does not count). While a job runs, the Lambda hook's handler lookup
is wrapped to time each step invocation (plan, every chunk, finalize) without waiting for the
one-invocation-at-a-time lock. Raw items live under `BENCH#<run>#` keys, out of every API partition.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests

from benchmarks.api import FIRST_NAMES, LAST_NAMES, PHONE_BASE, TIMEOUT_SECONDS, create_bench_key
from benchmarks.counting import RequestCounter, Requests
from benchmarks.raw import RawTable
from contact_platform import clock
from contact_platform.config import settings
from contact_platform.models.contacts import ContactCreate
from contact_platform.permissions import Caller, Role
from contact_platform.services import contacts
from contact_platform.store import contacts as contact_store
from contact_platform.store.contacts import ContactItem
from local import lambda_runtime

BENCH_RATE_LIMIT = 1_000_000
WRITE_BATCH = 25  # BatchWriteItem's largest request
QUERY_LIMIT = 1000
ENDED = ("FINISHED", "FAILED", "EXPIRED")
POLL_FAILURES = 5  # status reads failing in a row before the bench gives up
COMPANIES = ("ACME GmbH", "Müller & Söhne KG", "Nordwind AG", "Blau Logistik", "Kaiser Consulting")
CSV_HEADER = ("name", "email", "phone", "company")


def contact_csv(run: str, rows: int) -> bytes:
    """R rows as a partner would send them: a name, a unique email, a unique phone number, a company."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for index in range(rows):
        first = FIRST_NAMES[index // len(LAST_NAMES) % len(FIRST_NAMES)]
        last = LAST_NAMES[index % len(LAST_NAMES)]
        writer.writerow(
            (
                f"{first} {last}",
                f"{run}.{index}@example.com",
                f"+49 170 {PHONE_BASE + index}",
                COMPANIES[index % len(COMPANIES)],
            )
        )
    return buffer.getvalue().encode("utf-8")


# Step timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    step: str  # plan, process_chunk, finalize, mark_failed
    seconds: float  # inside the handler (not waiting for the function's lock)
    errored: bool


class StepClock:
    """Times every workflow step invocation by operation ID, by wrapping the handler that
    `local.lambda_runtime.run_handler` resolves (inside the one-invocation-per-function lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: dict[str, list[StepTime]] = {}
        self._original: Callable[[str], Callable[[Any, Any], Any]] | None = None

    def install(self) -> None:
        original = self._original = lambda_runtime.resolve_handler

        def resolve_handler(handler: str) -> Callable[[Any, Any], Any]:
            function = original(handler)
            if ".workflows." not in handler:
                return function
            step = handler.rsplit(".", 2)[-2]

            def timed(event: Any, context: Any) -> Any:
                start = time.perf_counter()
                errored = True
                try:
                    result = function(event, context)
                    errored = False
                    return result
                finally:
                    self._add(
                        str((event or {}).get("operationId")), StepTime(step, time.perf_counter() - start, errored)
                    )

            return timed

        setattr(lambda_runtime, "resolve_handler", resolve_handler)  # noqa: B010 (mypy: no assignment to a function)

    def uninstall(self) -> None:
        if self._original is not None:
            setattr(lambda_runtime, "resolve_handler", self._original)  # noqa: B010
            self._original = None

    def _add(self, operation_id: str, step: StepTime) -> None:
        with self._lock:
            self._steps.setdefault(operation_id, []).append(step)

    def of(self, operation_id: str) -> list[StepTime]:
        with self._lock:
            return list(self._steps.get(operation_id, []))


# Jobs over HTTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRun:
    job: str  # "import" or "export"
    status: str  # FINISHED, FAILED, or the last status seen when the bench stopped waiting
    rows: int  # contacts created (import) or rows written (export)
    wall: float  # seconds from the POST to finishedAt (or to giving up)
    ended: bool
    detail: dict[str, Any]  # the operation as last read (counts, failure reason)
    steps: list[StepTime]
    requests: Requests
    table_items_before: int
    table_items_after: int
    polls: int

    @property
    def per_second(self) -> float:
        return self.rows / self.wall if self.wall else 0.0

    def step_seconds(self, step: str) -> list[float]:
        return [entry.seconds for entry in self.steps if entry.step == step]


@dataclass(frozen=True)
class RawRun:
    name: str
    items: int
    calls: int
    wall: float

    @property
    def per_second(self) -> float:
        return self.items / self.wall if self.wall else 0.0


@dataclass(frozen=True)
class JobSize:
    rows: int
    csv_bytes: int  # 0 for an export of seeded contacts
    chunk_rows: int
    import_job: JobRun | None  # None for an export of seeded contacts
    raw_write: RawRun
    export_job: JobRun | None  # None when the import did not finish
    raw_query: RawRun

    @property
    def seeded(self) -> bool:
        return self.import_job is None


class Tenant:
    """A fresh tenant (`POST /dev/token`) with a key of its own that no rate limit stops."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        body: dict[str, Any] = {"role": "admin", "newTenant": True}
        response = requests.post(f"{base_url}/dev/token", json=body, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        token = response.json()["data"]
        self.tenant_id: str = token["tenantId"]
        self.user_id: str = token["userId"]
        key = create_bench_key(base_url, token["apiKey"], BENCH_RATE_LIMIT)
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {key}"

    def call(self, method: str, path: str, expected: int, **kwargs: Any) -> dict[str, Any]:
        response = self._session.request(method, self.base_url + path, timeout=TIMEOUT_SECONDS, **kwargs)
        if response.status_code != expected:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        data: dict[str, Any] = response.json()["data"]
        return data


def caller_of(tenant: Tenant) -> Caller:
    return Caller(tenant.tenant_id, tenant.user_id, Role.ADMIN, frozenset(), "", "req_bench")


def seed_contacts(tenant: Tenant, rows: int) -> None:
    """`rows` active contacts of the tenant, written with BatchWriteItem as the store's contact items
    (list-index keys set), without the guards, search entries and audit entries a create adds: an
    export reads none of those. For exports of more contacts than an import can create here."""
    caller = caller_of(tenant)
    run = f"seed{rows}"
    with ContactItem.batch_write() as batch:
        for index in range(rows):
            body = ContactCreate.model_validate(
                {
                    "name": f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index % len(LAST_NAMES)]}",
                    "emails": [f"{run}.{index}@example.com"],
                    "phones": [f"+49 171 {PHONE_BASE + index}"],
                    "customFields": {"company": COMPANIES[index % len(COMPANIES)]},
                }
            )
            item = contacts.new_contact_write(caller, body, f"con_{run}_{index:07d}").new
            contact_store._index_keys(item)  # what the store's own write sets on a new contact
            batch.save(item)


def _epoch(iso: str | None) -> float | None:
    return clock.parse_iso(iso).timestamp() if iso else None


class JobRunner:
    """Starts jobs over HTTP and waits for them, counting the AWS requests and timing the steps."""

    def __init__(
        self, counter: RequestCounter, steps: StepClock, table: Any, table_name: str, poll: float, timeout: float
    ) -> None:
        self._counter, self._steps = counter, steps
        self._table, self._table_name = table, table_name
        self._poll, self._timeout = poll, timeout

    def item_count(self) -> int:
        count: int = self._table.describe_table(TableName=self._table_name)["Table"]["ItemCount"]
        return count

    def _wait(self, tenant: Tenant, status_url: str, started: float) -> tuple[dict[str, Any], bool, float, int]:
        """(operation as last read, ended, seconds from `started` to finishedAt or to giving up, polls).
        A status read that fails (the emulator answers 500 now and then under load) is read again."""
        polls = failures = 0
        status: dict[str, Any] = {"status": "UNKNOWN"}
        while True:
            time.sleep(self._poll)
            polls += 1
            try:
                status = tenant.call("GET", status_url, 200)
                failures = 0
            except (RuntimeError, requests.RequestException):
                failures += 1
                if failures == POLL_FAILURES:
                    raise
                continue
            if status["status"] in ENDED:
                finished = _epoch(status.get("finishedAt"))
                return status, True, (finished or time.time()) - started, polls
            if time.time() - started > self._timeout:
                return status, False, time.time() - started, polls

    def _run(self, job: str, tenant: Tenant, start: Callable[[], dict[str, Any]], rows_of: str) -> JobRun:
        before = self.item_count()
        with self._counter.measure() as sent:
            started = time.time()
            accepted = start()
            status, ended, wall, polls = self._wait(tenant, accepted["statusUrl"], started)
        return JobRun(
            job=job,
            status=status["status"],
            rows=int(status.get(rows_of) or 0),
            wall=wall,
            ended=ended,
            detail=status,
            steps=self._steps.of(accepted["operationId"]),
            requests=sent,
            table_items_before=before,
            table_items_after=self.item_count(),
            polls=polls,
        )

    def stop(self, job: JobRun) -> None:
        """Stop the workflow of a job the bench gave up on: no further chunk starts (the one running
        in this process runs to its end)."""
        operation_id = str(job.detail.get("operationId"))
        workflow = "imports" if job.job == "import" else "exports"
        arn = settings().state_machine_arn(workflow).replace(":stateMachine:", ":execution:") + f":{operation_id}"
        with suppress(Exception):
            boto3.client("stepfunctions").stop_execution(executionArn=arn, cause="the benchmark stopped waiting")

    def run_import(self, tenant: Tenant, data: bytes, file_name: str) -> JobRun:
        def start() -> dict[str, Any]:
            accepted = tenant.call("POST", "/api/v1/imports", 202, json={"fileName": file_name})
            upload = requests.put(
                accepted["uploadUrl"], data=data, headers=accepted["uploadHeaders"], timeout=TIMEOUT_SECONDS
            )
            upload.raise_for_status()
            return accepted

        return self._run("import", tenant, start, "created")

    def run_export(self, tenant: Tenant, name: str) -> JobRun:
        def start() -> dict[str, Any]:
            segment = tenant.call("POST", "/api/v1/segments", 201, json={"name": name, "filter": {}})
            return tenant.call("POST", "/api/v1/exports", 202, json={"segmentId": segment["id"], "format": "csv"})

        return self._run("export", tenant, start, "rowCount")


# The bare loops --------------------------------------------------------------------------------


class RawJobs:
    """R contact-shaped items in one partition of their own: written 25 a BatchWriteItem, read back
    in Query pages of 1000."""

    def __init__(self, endpoint: str, region: str, table: str, run: str) -> None:
        self._shape = RawTable(endpoint, region, table, run, 1)
        self._client: Any = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
        self._table = table
        self._partition = f"BENCH#{run}#JOB"

    def _item(self, index: int) -> dict[str, Any]:
        return self._shape.item(index) | {"PK": {"S": self._partition}, "SK": {"S": f"CONTACT#{index:09d}"}}

    def _batches(self, items: int) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, items, WRITE_BATCH):
            yield [{"PutRequest": {"Item": self._item(i)}} for i in range(start, min(items, start + WRITE_BATCH))]

    def write(self, items: int) -> RawRun:
        calls = 0
        batches = list(self._batches(items))  # built before the clock starts, as the CSV is
        start = time.perf_counter()
        for batch in batches:
            pending: dict[str, Any] = {self._table: batch}
            while pending:
                calls += 1
                pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return RawRun("BatchWriteItem", items, calls, time.perf_counter() - start)

    def query(self) -> RawRun:
        calls = items = 0
        start_key: dict[str, Any] | None = None
        start = time.perf_counter()
        while True:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start_key} if start_key else {}
            page = self._client.query(
                TableName=self._table,
                KeyConditionExpression="PK = :partition",
                ExpressionAttributeValues={":partition": {"S": self._partition}},
                Limit=QUERY_LIMIT,
                **kwargs,
            )
            calls += 1
            items += len(page["Items"])
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return RawRun("Query", items, calls, time.perf_counter() - start)


# One size --------------------------------------------------------------------------------------


@dataclass
class JobsContext:
    base_url: str
    endpoint: str
    region: str
    table_name: str
    chunk_rows: int
    runner: JobRunner
    fresh: Callable[[], None]  # empties the emulator and provisions again
    progress: Callable[[str], None] = field(default=print)


WARM_UP_ROWS = 10


def warm_up(context: JobsContext) -> None:
    """An import of a few rows and their export, not counted: the first invocations of the jobs'
    functions in this process import their modules (a cold start), which would otherwise fall on
    the first size's import and export only."""
    tenant = Tenant(context.base_url)
    imported = context.runner.run_import(tenant, contact_csv("warmup", WARM_UP_ROWS), "bench-warm-up.csv")
    exported = context.runner.run_export(tenant, "bench warm-up") if imported.ended else None
    took = imported.wall + (exported.wall if exported else 0)
    context.progress(f"jobs warm-up: import and export of {WARM_UP_ROWS} rows in {took:.1f} s (not counted)")


def measure_jobs_size(context: JobsContext, rows: int) -> JobSize:
    """Import R rows, export them; the raw loops next to each. Raises JobsStopped (with the figures)
    when the import does not end in time: a chunk of it still runs in this process, and everything
    measured after it would share the machine with it."""
    run = f"jobs{rows}"
    say = context.progress
    context.fresh()
    tenant = Tenant(context.base_url)
    data = contact_csv(run, rows)
    raw = RawJobs(context.endpoint, context.region, context.table_name, run)
    say(f"R = {rows}: import ({len(data) / 1e6:.1f} MB CSV)")
    imported = context.runner.run_import(tenant, data, f"bench-{rows}.csv")
    if not imported.ended:
        context.runner.stop(imported)
    say(f"R = {rows}: import {imported.status} after {imported.wall:.0f} s; raw BatchWriteItem")
    raw_write = raw.write(rows)
    exported = None
    if imported.ended:
        say(f"R = {rows}: export")
        exported = context.runner.run_export(tenant, f"bench {rows}")
        say(f"R = {rows}: export {exported.status} after {exported.wall:.0f} s; raw Query pages")
    raw_query = raw.query()
    size = JobSize(rows, len(data), context.chunk_rows, imported, raw_write, exported, raw_query)
    if not imported.ended:
        raise JobsStopped(size)
    return size


def measure_seeded_export(context: JobsContext, rows: int) -> JobSize:
    """Export R contacts written directly (`seed_contacts`), for sizes the import cannot reach here."""
    run = f"export{rows}"
    say = context.progress
    context.fresh()
    tenant = Tenant(context.base_url)
    say(f"R = {rows}: writing {rows} contacts (store contact items) for an export")
    seed_contacts(tenant, rows)
    raw = RawJobs(context.endpoint, context.region, context.table_name, run)
    raw_write = raw.write(rows)
    say(f"R = {rows}: export of seeded contacts")
    exported = context.runner.run_export(tenant, f"bench {rows}")
    if not exported.ended:
        context.runner.stop(exported)
    say(f"R = {rows}: export {exported.status} after {exported.wall:.0f} s; raw Query pages")
    raw_query = raw.query()
    size = JobSize(rows, 0, context.chunk_rows, None, raw_write, exported, raw_query)
    if not exported.ended:
        raise JobsStopped(size)
    return size


class JobsStopped(Exception):
    """A job did not end within the timeout; `size` holds what was measured."""

    def __init__(self, size: JobSize) -> None:
        super().__init__(f"a job of size {size.rows} did not end")
        self.size = size


@contextmanager
def timed_steps() -> Iterator[StepClock]:
    steps = StepClock()
    steps.install()
    try:
        yield steps
    finally:
        steps.uninstall()
