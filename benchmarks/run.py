"""`make bench`: the API on the embedded emulator next to bare DynamoDB calls on the same emulator.

For each size N: N creates, N gets, a walk over every list page, a few searches and N deletes over
HTTP, each next to its raw boto3 equivalent; DynamoDB requests per API call as the emulator
receives them; and how per-call latency grows from one size to the next. A report, not a test:
nothing here asserts on timings.

    python -m benchmarks.run [--sizes 10 30] [--concurrency 4] [--repeats 5] [--json PATH]

The default sizes are small because every write on the embedded emulator costs time in proportion
to everything written before it (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import moto

from benchmarks.api import ApiClient, contact_body, create_bench_key, searches
from benchmarks.counting import RequestCounter
from benchmarks.raw import RawTable
from benchmarks.report import Measured, Operation, Report, SizeRun, Transport, render, to_json
from benchmarks.timing import Sample, timed_map, timed_pages
from local.stack import REGION, TABLE_NAME, LocalStack

T = TypeVar("T")
DEFAULT_SIZES = (100, 400)
BENCH_RATE_LIMIT = 1_000_000  # the largest the API accepts
HEARTBEATS = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="contacts per round")
    parser.add_argument("--concurrency", type=int, default=4, help="threads for creates, gets and deletes")
    parser.add_argument("--repeats", type=int, default=5, help="walks over the list, and runs of each search")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1 or args.concurrency < 1 or args.repeats < 1:
        parser.error("sizes, concurrency and repeats must be at least 1")
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


def measure_size(
    api: ApiClient, raw: RawTable, counter: RequestCounter, run: str, size: int, args: argparse.Namespace
) -> SizeRun:
    threads, indexes = args.concurrency, list(range(size))
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
        Operation("create (POST / PutItem)", api_create, raw_create),
        Operation("get (GET / GetItem)", api_get, raw_get),
        Operation("list page (limit=200 / Query)", api_list, raw_list, f"{listed} / {raw_listed} items a walk"),
        *searches,
        Operation("delete (DELETE / DeleteItem)", api_delete, raw_delete),
    ]
    return SizeRun(size, table_items, operations, transaction, len(raw.transaction_items(0)))


def measure(counter: RequestCounter, args: argparse.Namespace) -> Report:
    started = time.perf_counter()
    stack = LocalStack(port=0)
    try:
        running = stack.start()
        api = ApiClient(running.base_url, create_bench_key(running.base_url, running.admin_key, BENCH_RATE_LIMIT))
        transport = measure_transport(api)
        sizes = []
        for position, size in enumerate(args.sizes):
            run = f"bench{position}"
            raw = RawTable(running.aws_endpoint, REGION, TABLE_NAME, run, args.concurrency)
            sizes.append(measure_size(api, raw, counter, run, size, args))
    except KeyboardInterrupt:
        logging.disable()  # requests still in flight fail as the stack stops: no tracebacks for them
        raise
    finally:
        stack.stop()
    emulator = f"embedded moto {moto.__version__}"
    return Report(args.concurrency, emulator, transport, sizes, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counter = RequestCounter()
    counter.install()  # before the local stack creates its first botocore client
    try:
        report = measure(counter, args)
    except KeyboardInterrupt:
        progress("Interrupted: local stack stopped, no figures.")
        return 130
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(to_json(report), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
