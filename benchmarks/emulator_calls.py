"""Sequential raw DynamoDB calls against the embedded emulator, one kind at a time: p50 per kind.

    python -m benchmarks.emulator_calls [--calls 300] [--profile PATH]

The calls are the DynamoDB work of an API call (benchmarks/README.md): `GetItem`, the rate limit's
conditional `UpdateItem` (as contact_platform.store.api_keys.count_request sends it), a
`TransactWriteItems` of the 9 items of a contact create (benchmarks/raw.py), `PutItem` and
`DeleteItem` of a contact-shaped item. `--profile` writes a cProfile of the emulator's side of the
calls (its WSGI app, the client excluded), for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3

from benchmarks.raw import RawTable
from contact_platform.store.table import table_definition
from local.emulator.embedded import EmbeddedEmulator

REGION = "eu-central-1"
KINDS = ("GetItem", "UpdateItem", "TransactWriteItems", "PutItem", "DeleteItem")


def _rate_limit_update(table: str, key: dict[str, Any]) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": key,
        "ConditionExpression": "(attribute_exists (#0) AND #1 = :0)",
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "UpdateExpression": "ADD #2 :1",
        "ExpressionAttributeNames": {"#0": "PK", "#1": "windowStart", "#2": "windowHits"},
        "ExpressionAttributeValues": {":0": {"N": "1000"}, ":1": {"N": "1"}},
    }


def measure(calls: int, profile: cProfile.Profile | None) -> dict[str, float]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    running = EmbeddedEmulator()
    endpoint = running.start()
    if profile is not None:
        server: Any = running._server
        app = server.wsgi_app

        def profiled(environ: Any, start_response: Any) -> Any:
            return profile.runcall(lambda: list(app(environ, start_response)))

        server.wsgi_app = profiled
    try:
        client: Any = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
        definition = table_definition()
        client.create_table(**definition)
        table = definition["TableName"]
        raw = RawTable(endpoint, REGION, table, "calls", 1)
        lookup = {"PK": {"S": "APIKEY#bench"}, "SK": {"S": "LOOKUP"}}
        client.put_item(TableName=table, Item=lookup | {"windowStart": {"N": "1000"}, "windowHits": {"N": "0"}})
        for index in range(calls):
            raw.put(index)
        counter = iter(range(10**9))
        steps: dict[str, Callable[[int], Any]] = {
            "GetItem": raw.get,
            "UpdateItem": lambda _: client.update_item(**_rate_limit_update(table, lookup)),
            "TransactWriteItems": lambda _: raw.transact(next(counter)),
            "PutItem": lambda index: raw.put(calls + index),
            "DeleteItem": raw.delete,
        }
        results: dict[str, float] = {}
        for kind in KINDS:
            times = []
            for index in range(calls):
                start = time.perf_counter()
                steps[kind](index)
                times.append(time.perf_counter() - start)
            results[kind] = statistics.median(times) * 1000
        return results
    finally:
        running.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--profile", help="write a cProfile of the emulator's side to this path")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    results = measure(args.calls, profile)
    print(" ".join(f"{kind} {results[kind]:.2f}" for kind in KINDS), "(p50 ms)")
    if profile is not None:
        profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
