"""The local stack's stream poller (local/stream_poller.py) against the in-process emulator: the
dispatcher's records, in order and filtered, in Lambda's shape; a failed batch again; a stop."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local import emulator
from local.emulator import dynamodb_streams
from local.stream_poller import StreamPoller, streams_client

WAIT = 10.0  # seconds at most for what should take milliseconds


class Handler:
    """Records each batch it is given; fails the first `failures` times (raising or reporting)."""

    def __init__(self, failures: int = 0, raises: bool = False) -> None:
        self.failures, self.raises = failures, raises
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self.changed = threading.Condition()

    def __call__(self, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        with self.changed:
            self.calls.append((name, event["Records"]))
            self.changed.notify_all()
            failing = len(self.calls) <= self.failures
        if failing and self.raises:
            raise ConnectionError("the function could not be reached")
        return ({"errorType": "Broken", "errorMessage": "it broke"}, True) if failing else ({}, False)

    def wait_for(self, calls: int) -> list[tuple[str, list[dict[str, Any]]]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.calls) >= calls, WAIT), self.calls
            return list(self.calls)


@pytest.fixture
def table(aws: None) -> Iterator[str]:
    emulator.install()
    yield os.environ["TABLE_NAME"]
    dynamodb_streams.configure()


@pytest.fixture
def start_poller() -> Iterator[Any]:
    pollers: list[StreamPoller] = []

    def start(handler: Handler, **options: Any) -> StreamPoller:
        options = {"batching_window": 0, "idle_seconds": 0.01, "first_retry_seconds": 0.01, **options}
        client = streams_client(None, os.environ["AWS_REGION"])
        poller = StreamPoller(client, os.environ["TABLE_NAME"], handler, "cdp-dispatcher", **options)
        pollers.append(poller)
        poller.start()
        return poller

    yield start
    for poller in pollers:
        poller.stop()


def audit(table: str, n: int, *, event: bool = True, kind: str = "audit") -> None:
    item = {"PK": {"S": "TENANT#t#AUDIT"}, "SK": {"S": f"AUDIT#{n:04d}"}, "kind": {"S": kind}, "n": {"N": str(n)}}
    if event:
        item["event"] = {"S": json.dumps({"type": "contact.created", "n": n})}
    boto3.client("dynamodb").put_item(TableName=table, Item=item)


def numbers(records: list[dict[str, Any]]) -> list[int]:
    return [int(record["dynamodb"]["NewImage"]["n"]["N"]) for record in records]


def test_inserts_of_audit_items_with_events_arrive_in_order_as_lambda_gives_them(table: str, start_poller: Any) -> None:
    handler = Handler()
    start_poller(handler)
    audit(table, 1)
    audit(table, 2, kind="contact")  # not an audit item
    audit(table, 3, event=False)  # an audit entry without an event
    audit(table, 4)
    audit(table, 4)  # the same key again: a MODIFY
    boto3.client("dynamodb").delete_item(
        TableName=table, Key={"PK": {"S": "TENANT#t#AUDIT"}, "SK": {"S": "AUDIT#0001"}}
    )
    audit(table, 5)

    calls = handler.wait_for(1)
    while sum(len(records) for _, records in calls) < 3:
        calls = handler.wait_for(len(calls) + 1)
    assert {name for name, _ in calls} == {"cdp-dispatcher"}
    records = [record for _, batch in calls for record in batch]
    assert numbers(records) == [1, 4, 5]
    first = records[0]
    assert first["eventName"] == "INSERT" and first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"].startswith(f"arn:aws:dynamodb:{os.environ['AWS_REGION']}:")
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert json.loads(first["dynamodb"]["NewImage"]["event"]["S"]) == {"type": "contact.created", "n": 1}
    sequence = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert sequence == sorted(sequence)
    json.dumps(records)  # what a function is given is JSON


def test_batches_are_at_most_the_batch_size(table: str, start_poller: Any) -> None:
    for n in range(5):
        audit(table, n)
    handler = Handler()
    start_poller(handler, batch_size=2)
    calls = handler.wait_for(3)
    assert [numbers(batch) for _, batch in calls] == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("raises", [False, True], ids=["function error", "invoke raised"])
def test_a_failed_batch_is_sent_again_before_the_next(table: str, start_poller: Any, raises: bool) -> None:
    audit(table, 1)
    audit(table, 2)
    handler = Handler(failures=2, raises=raises)
    start_poller(handler)
    calls = handler.wait_for(3)
    assert [numbers(batch) for _, batch in calls] == [[1, 2]] * 3
    audit(table, 3)
    assert numbers(handler.wait_for(4)[3][1]) == [3]


def test_a_table_made_again_is_read_from_its_start(table: str, start_poller: Any) -> None:
    """The emulator reset (the benchmarks do it between parts): the new table's stream is read, quietly."""
    from contact_platform.store.table import table_definition

    handler = Handler()
    start_poller(handler)
    audit(table, 1)
    handler.wait_for(1)
    dynamodb = boto3.client("dynamodb")
    dynamodb.delete_table(TableName=table)
    dynamodb.create_table(**table_definition())
    audit(table, 2)
    assert numbers(handler.wait_for(2)[1][1]) == [2]


def test_the_poller_reads_from_the_oldest_record_kept(table: str, start_poller: Any) -> None:
    dynamodb_streams.configure(max_records=3)
    for n in range(6):
        audit(table, n)
    handler = Handler()
    start_poller(handler)
    (_, batch), *_ = handler.wait_for(1)
    assert numbers(batch) == [4, 5]  # 3 kept at most: a fourth record trimmed them to 2


def test_a_poller_that_fell_behind_the_trimming_goes_on_from_what_is_kept(table: str, start_poller: Any) -> None:
    dynamodb_streams.configure(max_records=4)
    audit(table, 0)
    release = threading.Event()
    handler = Handler()

    def slow(name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        answer = handler(name, event)
        release.wait(WAIT)
        return answer

    start_poller(slow)
    handler.wait_for(1)  # holding [0] while ten more are written: the poller's position is trimmed
    for n in range(1, 11):
        audit(table, n)
    release.set()
    calls = handler.wait_for(2)
    received = [n for _, batch in calls for n in numbers(batch)]
    while received[-1] != 10:
        calls = handler.wait_for(len(calls) + 1)
        received = [n for _, batch in calls for n in numbers(batch)]
    assert received[0] == 0 and received[1:] == list(range(received[1], 11))
    assert received[1] > 1  # records trimmed before they were read are lost, as on AWS after 24 hours


def test_stop_ends_the_thread_even_while_a_batch_keeps_failing(table: str, start_poller: Any) -> None:
    audit(table, 1)
    handler = Handler(failures=10**6)
    poller = start_poller(handler)
    handler.wait_for(2)
    thread = poller._thread
    poller.stop()
    assert thread is not None and not thread.is_alive()
