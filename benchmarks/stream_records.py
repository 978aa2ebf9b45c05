"""Writes per second and process memory with the table's stream on, in one process against the
in-process emulator (every adapter of local/emulator/ installed): N contact-sized PutItems (about
1 KB, 20 attributes) with boto3, then the process's resident memory.

`--moto-records` puts back moto's own stream records (kept forever, each measured with a JSON dump
when written, each also kept in moto's list of model instances) for comparison with the streams
adapter's (local/emulator/dynamodb_streams.py). Run each case in a fresh process:

    python -m benchmarks.stream_records --count 20000 [--moto-records]
"""

from __future__ import annotations

import argparse
import json
import os
import time


def _memory_mb() -> tuple[float, float]:
    """(resident now, peak resident) in MB, from /proc/self/status."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024


def _contact(n: int) -> dict[str, dict[str, str]]:
    item = {
        "PK": {"S": f"TENANT#ten_bench#CONTACT#con_{n:08d}"},
        "SK": {"S": "CONTACT"},
        "kind": {"S": "contact"},
        "name": {"S": f"Contact Number {n}"},
        "email": {"S": f"contact{n}@example.com"},
        "phone": {"S": f"+4930{n:08d}"},
        "company": {"S": "Example Trading GmbH"},
        "ownerId": {"S": "usr_0123456789abcdef"},
        "createdAt": {"S": "2026-12-06T02:05:49.071Z"},
        "updatedAt": {"S": "2026-12-06T02:05:49.071Z"},
        "version": {"N": "1"},
        "GSI1PK": {"S": "TENANT#ten_bench#CONTACTS"},
        "GSI1SK": {"S": f"contact number {n}"},
    }
    for field in range(7):
        item[f"custom{field}"] = {"S": "x" * 80}
    return item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--moto-records", action="store_true", help="moto's own stream records")
    parser.add_argument("--max-records", type=int, help="the adapter's maximum count (default: its MAX_RECORDS)")
    parser.add_argument("--no-stream", action="store_true", help="a table without a stream")
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

    import boto3
    from moto import mock_aws
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.table import StreamShard

    from contact_platform.store.table import table_definition
    from local import emulator
    from local.emulator import dynamodb_streams

    emulator.install()
    if args.max_records:
        dynamodb_streams.configure(max_records=args.max_records)
    if args.moto_records:
        setattr(table_module, "StreamRecord", dynamodb_streams.MOTO_STREAM_RECORD)  # noqa: B010
        StreamShard.add = dynamodb_streams._original_add  # type: ignore[method-assign]
    with mock_aws():
        client = boto3.client("dynamodb")
        definition = {**table_definition(), "TableName": "bench"}
        if args.no_stream:
            del definition["StreamSpecification"]
        client.create_table(**definition)
        before = _memory_mb()[0]
        started = time.perf_counter()
        for n in range(args.count):
            client.put_item(TableName="bench", Item=_contact(n))
        seconds = time.perf_counter() - started
        resident, peak = _memory_mb()
    print(
        json.dumps(
            {
                "records": "none" if args.no_stream else "moto" if args.moto_records else "adapter",
                "maxRecords": None if args.moto_records or args.no_stream else dynamodb_streams._limits["max_records"],
                "writes": args.count,
                "writesPerSecond": round(args.count / seconds),
                "residentMbBefore": round(before),
                "residentMbAfter": round(resident),
                "peakMb": round(peak),
            }
        )
    )


if __name__ == "__main__":
    main()
