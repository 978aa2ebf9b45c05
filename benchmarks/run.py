"""`make bench`: the API and the jobs on the embedded emulator next to bare DynamoDB calls on the same emulator.

API part, for each size N: N creates, N gets, a walk over every list page, a few searches and N
deletes over HTTP, each next to its raw boto3 equivalent; then N deals created, read and listed,
and the deal summary over every deal so far; DynamoDB requests per API call as the
emulator receives them; and how per-call latency grows from one size to the next.

Cold-start part (benchmarks/cold_start.py): the CPU time until a handler module of each route
kind is imported, next to a bare `import boto3`, measured side by side first, while the machine is quiet.

Throughput part (benchmarks/throughput.py): 8 threads with keep-alive sessions GET one contact for
`--throughput-seconds` (after 1 s of warm-up) from a Python process of their own, as a client would.

Webhooks part (benchmarks/webhooks.py): a subscriber on 127.0.0.1 and a webhook of the bench's
tenant for `contact.created`; `--webhook-events` creates one after the other, each timed from before
its POST to the receipt of its event, then a burst of `--webhook-burst` creates from 4 threads and the
events a second until the last arrives; next to them a raw SQS send -> receive -> delete loop on the
same emulator and the stream's batching window.

Jobs part (benchmarks/jobs.py), for each size R: an import of an R-row CSV and an export of the R
contacts as Step Functions workflows, next to a raw BatchWriteItem / Query loop over R items; then
a chunk worker's peak memory when the whole file (or segment) has M rows (benchmarks/chunk_memory.py).

Campaign exports part (benchmarks/campaign_exports.py), for each size N: a campaign of N entries
seeded in-process, then its `entries` and `reminderEmail` exports started over HTTP and polled as a
client would, next to a raw Query loop over N items; and the `entries` chunk step's peak memory.

Last comes the summary (benchmarks/summary.py): each speed goal, the worst value this run measured
for it, and whether it holds (ok / MISSED / not run), then the seconds each part took.

A report, not a test: nothing here asserts on timings.

    python -m benchmarks.run [--sizes 10 30] [--concurrency 4] [--repeats 5] [--json PATH]
                             [--jobs-rows 1000 2000] [--memory-rows 10000 100000] [--memory-jobs import export]
                             [--export-rows N ...] [--chunk-rows N] [--throughput-seconds 10]
                             [--webhook-events 12] [--webhook-burst 100]
                             [--skip-api] [--skip-throughput] [--skip-webhooks] [--skip-jobs] [--skip-memory]
                             [--campaign-entries 1000] [--skip-campaigns] [--skip-cold-start]

The default sizes are small: every request to the embedded emulator costs milliseconds of Python
on both sides, and an import makes about one per row (benchmarks/README.md). `--jobs-rows 100000`
runs the 100,000-row import and export (about an hour).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

import boto3
import moto
import requests

from benchmarks import campaign_exports, chunk_memory, lead_migration, throughput, webhooks
from benchmarks.api import ApiClient, contact_body, create_bench_key, deal_body, searches
from benchmarks.chunk_memory import ChunkMemory
from benchmarks.cold_start import measure_cold_starts, render_cold_starts
from benchmarks.counting import RequestCounter
from benchmarks.jobs import (
    JobRunner,
    JobsContext,
    JobSize,
    JobsStopped,
    Tenant,
    measure_jobs_size,
    measure_seeded_export,
    timed_steps,
    warm_up,
)
from benchmarks.raw import RawTable
from benchmarks.report import CREATE, DELETE, GET, Measured, Operation, Report, SizeRun, Transport, render, to_json
from benchmarks.summary import render_summary, summary_json
from benchmarks.throughput import Throughput
from benchmarks.timing import Sample, timed_map, timed_pages
from benchmarks.webhooks import WebhookFigures
from contact_platform import config
from local.provision import provision
from local.resources import REGION, TABLE_NAME
from local.stack import DevStack, Running

T = TypeVar("T")
DEFAULT_SIZES = (100, 400)
DEFAULT_JOBS_ROWS = (1000, 2000)
DEFAULT_MEMORY_ROWS = (10_000, 100_000)
BENCH_RATE_LIMIT = 1_000_000  # the largest the API accepts
HEARTBEATS = 20
WARM_UP_INDEX = 10**9  # the record of a run that no timed call touches


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="contacts per round")
    parser.add_argument("--deals", type=int, help="deals per round (default: as many as the round's contacts)")
    parser.add_argument("--concurrency", type=int, default=4, help="threads for creates, gets and deletes")
    parser.add_argument("--repeats", type=int, default=5, help="walks over the list, and runs of each search")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--skip-api", action="store_true", help="leave out the API part")
    parser.add_argument("--skip-jobs", action="store_true", help="leave out the import and export jobs")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the chunk worker memory")
    parser.add_argument("--skip-cold-start", action="store_true", help="leave out the handler import times")
    parser.add_argument("--skip-throughput", action="store_true", help="leave out the GET throughput from 8 threads")
    parser.add_argument("--skip-webhooks", action="store_true", help="leave out the webhook latency and throughput")
    parser.add_argument("--skip-leads", action="store_true", help="leave out the lead migration")
    parser.add_argument("--skip-campaigns", action="store_true", help="leave out the campaign exports")
    parser.add_argument(
        "--campaign-entries",
        type=int,
        nargs="+",
        default=list(campaign_exports.DEFAULT_ENTRIES),
        help="entries of the campaign exported (10000 100000: the chunk memory goal; 100000 seeds for minutes)",
    )
    parser.add_argument(
        "--lead-existing",
        type=int,
        nargs="+",
        default=list(lead_migration.DEFAULT_EXISTING),
        help="leads the tenant holds when 1,000 more are migrated (100000: about 10 minutes of seeding)",
    )
    parser.add_argument(
        "--webhook-events",
        type=int,
        default=webhooks.DEFAULT_EVENTS,
        help="creates one after the other, each timed to its event's receipt (about 1.3 s each)",
    )
    parser.add_argument(
        "--webhook-burst", type=int, default=webhooks.DEFAULT_BURST, help="creates of the webhook burst"
    )
    parser.add_argument(
        "--throughput-seconds", type=float, default=10.0, help="seconds of GETs counted (after 1 s of warm-up)"
    )
    parser.add_argument(
        "--jobs-rows", type=int, nargs="+", default=list(DEFAULT_JOBS_ROWS), help="CSV rows (and contacts exported)"
    )
    parser.add_argument(
        "--memory-rows", type=int, nargs="+", default=list(DEFAULT_MEMORY_ROWS), help="rows of the whole file"
    )
    parser.add_argument(
        "--memory-jobs",
        nargs="*",
        choices=("import", "export"),
        default=["import"],
        help="jobs whose chunk worker memory to measure (export first writes M contacts: slow at 100,000; none: "
        "only the campaign export's)",
    )
    parser.add_argument(
        "--export-rows",
        type=int,
        nargs="*",
        default=[],
        help="also export this many contacts written directly (for sizes the import cannot reach here)",
    )
    parser.add_argument("--chunk-rows", type=int, help="CHUNK_ROWS for the stack (default: the configured one)")
    parser.add_argument("--jobs-timeout", type=float, default=1800, help="seconds to wait for one job")
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between status reads of a running job")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1 or args.concurrency < 1 or args.repeats < 1:
        parser.error("sizes, concurrency and repeats must be at least 1")
    if args.webhook_events < 1 or args.webhook_burst < 1:
        parser.error("webhook events and burst must be at least 1")
    if args.throughput_seconds <= 0:
        parser.error("throughput seconds must be more than 0")
    counts = [*args.jobs_rows, *args.memory_rows, *args.export_rows, *args.campaign_entries, args.chunk_rows or 1]
    if min(counts) < 1:
        parser.error("jobs rows, memory rows, campaign entries and chunk rows must be at least 1")
    return args


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measured(counter: RequestCounter, batch: Callable[[], tuple[T, Sample]]) -> tuple[T, Measured]:
    """Run a batch, counting the AWS requests it causes."""
    with counter.measure() as requests:
        result, sample = batch()
    return result, Measured(sample, requests)


def measure_transport(api: ApiClient) -> Transport:
    _, keep_alive = timed_map(lambda _: api.heartbeat(fresh_connection=False), range(HEARTBEATS), 1)
    _, fresh = timed_map(lambda _: api.heartbeat(fresh_connection=True), range(HEARTBEATS), 1)
    return Transport(keep_alive, fresh)


def measure_searches(api: ApiClient, counter: RequestCounter, run: str, size: int, repeats: int) -> list[Operation]:
    operations = []
    for label, term in searches(run, size).items():
        found, api_side = measured(counter, partial(timed_map, api.search, [term] * repeats, 1))
        note = f"{found[0] if found else 0} on the first page"
        operations.append(Operation(f"search {label}", api_side, note=note))
    return operations


def measure_deals(
    api: ApiClient, counter: RequestCounter, run: str, size: int, args: argparse.Namespace, raw: list[Measured]
) -> list[Operation]:
    """N deals in a pipeline of the run's own: creates, gets, a list walk and the summary, next to the
    raw PutItem, GetItem and Query of the contact rows (items of about the same size). The summary
    counts every deal of the tenant, so its requests show whether they grow with the deals."""
    pipeline = api.create({"name": f"{run} pipeline", "order": 1}, "pipelines")
    stage = api.create({"name": "Offer", "order": 1, "probability": 0.5}, f"pipelines/{pipeline}/stages")
    size = args.deals or size
    warm_deal = api.create(deal_body(run, WARM_UP_INDEX, pipeline, stage), "deals")  # as `warm_up_api` does
    api.get(warm_deal, "deals")
    api.list_page(None, "deals")
    api.delete(warm_deal, "deals")
    bodies = [deal_body(run, index, pipeline, stage) for index in range(size)]
    progress(f"N = {size}: deals")
    ids, create = measured(counter, lambda: timed_map(partial(api.create, resource="deals"), bodies, args.concurrency))
    _, get = measured(counter, lambda: timed_map(partial(api.get, resource="deals"), ids, args.concurrency))
    listed, walk = measured(counter, lambda: timed_pages(partial(api.list_page, resource="deals"), args.repeats))
    counted, summary = measured(counter, lambda: timed_map(lambda _: api.deal_summary(), range(args.repeats), 1))
    raw_create, raw_get, raw_list = raw
    return [
        Operation("deal create (POST / PutItem)", create, raw_create),
        Operation("deal get (GET / GetItem)", get, raw_get),
        Operation("deal list page (200 / Query)", walk, raw_list, f"{listed} items a walk"),
        Operation("deal summary (GET)", summary, note=f"{counted[0] if counted else 0} deals counted"),
    ]


def warm_up_api(api: ApiClient, raw: RawTable, run: str) -> None:
    """One untimed call of each contact operation on both sides, gone before the timed ones: a
    handler's first call imports its module and builds its validators, a client's first call resolves
    its endpoint and connects. The cold-start part measures that; the ratios are of warm calls."""
    contact_id = api.create(contact_body(run, WARM_UP_INDEX))
    api.get(contact_id)
    api.list_page(None)
    api.delete(contact_id)
    raw.put(WARM_UP_INDEX)
    raw.get(WARM_UP_INDEX)
    raw.list_page(None)
    raw.delete(WARM_UP_INDEX)


def measure_size(
    api: ApiClient, raw: RawTable, counter: RequestCounter, run: str, size: int, args: argparse.Namespace
) -> SizeRun:
    threads, indexes = args.concurrency, list(range(size))
    warm_up_api(api, raw, run)
    table_items = raw.item_count()
    progress(f"N = {size}: creates")
    bodies = [contact_body(run, index) for index in indexes]
    ids, api_create = measured(counter, lambda: timed_map(api.create, bodies, threads))
    _, raw_create = measured(counter, lambda: timed_map(raw.put, indexes, threads))
    _, transaction = measured(counter, lambda: timed_map(raw.transact, range(args.repeats), 1))
    progress(f"N = {size}: gets")
    _, api_get = measured(counter, lambda: timed_map(api.get, ids, threads))
    _, raw_get = measured(counter, lambda: timed_map(raw.get, indexes, threads))
    progress(f"N = {size}: listing and searches")
    listed, api_list = measured(counter, lambda: timed_pages(api.list_page, args.repeats))
    raw_listed, raw_list = measured(counter, lambda: timed_pages(raw.list_page, args.repeats))
    searches = measure_searches(api, counter, run, size, args.repeats)
    progress(f"N = {size}: deletes")
    _, api_delete = measured(counter, lambda: timed_map(api.delete, ids, threads))
    _, raw_delete = measured(counter, lambda: timed_map(raw.delete, indexes, threads))
    operations = [
        Operation(CREATE, api_create, raw_create),
        Operation(GET, api_get, raw_get),
        Operation("list page (limit=200 / Query)", api_list, raw_list, f"{listed} / {raw_listed} items a walk"),
        *searches,
        Operation(DELETE, api_delete, raw_delete),
        *measure_deals(api, counter, run, size, args, [raw_create, raw_get, raw_list]),
    ]
    return SizeRun(size, table_items, operations, transaction, len(raw.transaction_items(0)))


def fresh_emulator(running: Running) -> None:
    """Empty the embedded emulator (moto's reset) and provision the stack again: table, buckets,
    functions, state machines. Each job size starts from the same empty table."""
    requests.post(f"{running.aws_endpoint}/moto-api/reset", timeout=60).raise_for_status()
    provisioned = provision(running.aws_endpoint)
    os.environ.update(provisioned.state_machine_environment())


def measure_api(
    api: ApiClient, running: Running, counter: RequestCounter, args: argparse.Namespace
) -> tuple[Transport, list[SizeRun]]:
    transport = measure_transport(api)
    sizes = []
    for position, size in enumerate(args.sizes):
        run = f"bench{position}"
        raw = RawTable(running.aws_endpoint, REGION, TABLE_NAME, run, args.concurrency)
        sizes.append(measure_size(api, raw, counter, run, size, args))
    return transport, sizes


def measure_throughput(api: ApiClient, key: str, args: argparse.Namespace, notes: list[str]) -> Throughput | None:
    """GETs of one contact of its own from 8 threads in a separate process (benchmarks/throughput.py)."""
    contact_id = api.create(contact_body("throughput", 0))
    progress(f"GET throughput: {throughput.THREADS} threads for {args.throughput_seconds:g} s")
    try:
        return throughput.measure(api.base_url, key, contact_id, args.throughput_seconds)
    except subprocess.CalledProcessError as failed:
        notes.append(f"the throughput load generator failed ({failed.returncode}): {failed.stderr.strip()[-500:]}")
        return None


def measure_webhooks(
    api: ApiClient, key: str, running: Running, counter: RequestCounter, args: argparse.Namespace
) -> WebhookFigures:
    """Before the jobs part: its emptied emulator would take the webhook, and its imports' events
    would queue ahead of the measured ones."""
    endpoint, events, burst = running.aws_endpoint, args.webhook_events, args.webhook_burst
    return webhooks.measure(api, key, endpoint, REGION, events, burst, progress, counter)


def measure_jobs(
    running: Running, counter: RequestCounter, args: argparse.Namespace, notes: list[str]
) -> list[JobSize]:
    table = boto3.client("dynamodb", endpoint_url=running.aws_endpoint, region_name=REGION)
    sizes: list[JobSize] = []
    with timed_steps() as steps:
        runner = JobRunner(counter, steps, table, TABLE_NAME, args.poll, args.jobs_timeout)
        context = JobsContext(
            running.base_url,
            running.aws_endpoint,
            REGION,
            TABLE_NAME,
            config.settings().chunk_rows,
            runner,
            lambda: fresh_emulator(running),
            progress,
        )
        plan = [(rows, measure_jobs_size) for rows in args.jobs_rows]
        plan += [(rows, measure_seeded_export) for rows in args.export_rows]
        if plan:
            warm_up(context)
        for rows, measure_one in plan:
            try:
                sizes.append(measure_one(context, rows))
            except JobsStopped as stopped:
                sizes.append(stopped.size)
                notes.append(
                    f"a job of R = {rows} did not end within {args.jobs_timeout:.0f} s (--jobs-timeout); its workflow "
                    "was stopped, but the chunk it was running goes on in this process, so the sizes after it "
                    "were left out and the memory part shares the machine with it"
                )
                break
    return sizes


def measure_campaigns(
    running: Running, counter: RequestCounter, args: argparse.Namespace
) -> campaign_exports.CampaignPart:
    """After the jobs part (each size empties the emulator, as the jobs' sizes do)."""
    table = boto3.client("dynamodb", endpoint_url=running.aws_endpoint, region_name=REGION)

    def item_count() -> int:
        count: int = table.describe_table(TableName=TABLE_NAME)["Table"]["ItemCount"]
        return count

    with timed_steps() as steps:
        context = campaign_exports.CampaignContext(
            running.base_url,
            running.aws_endpoint,
            REGION,
            TABLE_NAME,
            config.settings().chunk_rows,
            counter,
            steps,
            item_count,
            lambda: fresh_emulator(running),
            progress,
            timeout=args.jobs_timeout,
            memory=not args.skip_memory,
        )
        return campaign_exports.measure(context, args.campaign_entries)


def measure_memory(running: Running, args: argparse.Namespace) -> list[ChunkMemory]:
    found = []
    measures = {"import": chunk_memory.measure_import, "export": chunk_memory.measure_export}
    for job in args.memory_jobs:
        for rows in args.memory_rows:
            fresh_emulator(running)
            found.append(measures[job](Tenant(running.base_url), rows, progress))
    return found


def measure(counter: RequestCounter, args: argparse.Namespace) -> Report:
    started = time.perf_counter()
    if args.chunk_rows is not None:
        os.environ[config.ENV_CHUNK_ROWS] = str(args.chunk_rows)  # read when the stack starts
    # No cleanup run in the middle of a job, and the webhook pollers only for the webhooks part: they
    # stand in for AWS's event source mappings, which cost the API and the jobs nothing there
    # (benchmarks/README.md, "Webhooks").
    stack = DevStack(port=0, cleanup_interval=0, webhooks=False)
    transport: Transport | None = None
    sizes: list[SizeRun] = []
    load: Throughput | None = None
    jobs: list[JobSize] = []
    memory: list[ChunkMemory] = []
    hooks: WebhookFigures | None = None
    leads: lead_migration.LeadPart | None = None
    campaigns: campaign_exports.CampaignPart | None = None
    notes: list[str] = []
    parts: dict[str, float] = {}
    part_started = started

    def part_done(part: str) -> None:
        nonlocal part_started
        parts[part] = time.perf_counter() - part_started
        part_started = time.perf_counter()

    try:
        running = stack.start()
        stack.wait_until_ready()
        key = create_bench_key(running.base_url, running.admin_key, BENCH_RATE_LIMIT)
        api = ApiClient(running.base_url, key)
        part_done("stack start")
        if not args.skip_api:
            transport, sizes = measure_api(api, running, counter, args)
            part_done("API")
        if not args.skip_throughput:
            load = measure_throughput(api, key, args, notes)
            part_done("throughput")
        if not args.skip_webhooks:
            stack.start_webhooks()
            try:
                hooks = measure_webhooks(api, key, running, counter, args)
            finally:
                stack.stop_webhooks()
            notes += hooks.notes
            part_done("webhooks")
        if not args.skip_leads:
            leads = lead_migration.measure(api, counter, args.lead_existing, progress)
            notes += leads.notes
            part_done("lead migration")
        if not args.skip_jobs:
            jobs = measure_jobs(running, counter, args, notes)
            part_done("jobs")
        if not args.skip_campaigns:
            campaigns = measure_campaigns(running, counter, args)
            notes += campaigns.notes
            part_done("campaign exports")
        if not args.skip_memory:
            memory = measure_memory(running, args)
            part_done("memory")
    except KeyboardInterrupt:
        logging.disable()  # requests still in flight fail as the stack stops: no tracebacks for them
        raise
    finally:
        stack.stop()
    emulator = f"embedded moto {moto.__version__}"
    chunk_rows = config.settings().chunk_rows
    seconds = time.perf_counter() - started
    return Report(
        args.concurrency,
        emulator,
        transport,
        sizes,
        seconds,
        chunk_rows,
        jobs,
        memory,
        notes,
        load,
        parts,
        hooks,
        leads,
        campaigns,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counter = RequestCounter()
    counter.install()  # before the local stack creates its first botocore client
    started = time.perf_counter()
    cold_starts = [] if args.skip_cold_start else measure_cold_starts()  # before the stack loads the machine
    cold_start_seconds = time.perf_counter() - started
    try:
        report = measure(counter, args)
    except KeyboardInterrupt:
        progress("Interrupted: local stack stopped, no figures.")
        return 130
    if cold_starts:
        report = replace(report, parts={"cold start": cold_start_seconds, **report.parts})
    print("\n".join(render_cold_starts(cold_starts)) if cold_starts else "", end="")
    print(render(report))
    print()
    print(render_summary(report))  # the last screen: each speed goal, held or not
    if args.json:
        figures = {
            **to_json(report),
            "coldStart": [{**asdict(c), "ratio": c.ratio, "processRatio": c.process_ratio} for c in cold_starts],
            "goals": summary_json(report),
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
