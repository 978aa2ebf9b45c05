"""The streams adapter (local/emulator/dynamodb_streams.py): GetRecords answers what moto's own
records answer, except that records past DynamoDB's retention or the maximum count are gone, with
sequence numbers and positions unchanged."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import ShardIterator
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from contact_platform.store.table import table_definition
from local import emulator
from local.emulator import dynamodb_streams
from local.stream_poller import streams_client

FROZEN = datetime.datetime(2026, 12, 6, 2, 5, 49, 71000)


@pytest.fixture
def streams(aws: None) -> Iterator[Any]:
    emulator.install()
    yield streams_client(None, os.environ["AWS_REGION"])
    dynamodb_streams.configure()


def stream_arn(table: str) -> str:
    return str(boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"])


def iterator(streams: Any, arn: str, kind: str = "TRIM_HORIZON", **position: str) -> str:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    answer = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **position)
    return str(answer["ShardIterator"])


def read_all(streams: Any, arn: str, start: str | None = None, limit: int = 3) -> list[dict[str, Any]]:
    position = start or iterator(streams, arn)
    records: list[dict[str, Any]] = []
    while True:
        answer = streams.get_records(ShardIterator=position, Limit=limit)
        records.extend(answer["Records"])
        position = answer["NextShardIterator"]
        if not answer["Records"]:
            return records


def write(table: str, count: int = 1, start: int = 0) -> None:
    client = boto3.client("dynamodb")
    for n in range(start, start + count):
        client.put_item(TableName=table, Item={"PK": {"S": f"P{n}"}, "SK": {"S": "A"}, "n": {"N": str(n)}})


def some_writes(table: str) -> None:
    client = boto3.client("dynamodb")
    client.put_item(
        TableName=table,
        Item={
            "PK": {"S": "A"},
            "SK": {"S": "1"},
            "name": {"S": "Ärger"},
            "tags": {"L": [{"S": "x"}, {"M": {"deep": {"N": "1"}}}]},
            "blob": {"B": b"\x00\xff"},
            "set": {"SS": ["a", "b"]},
        },
    )
    client.update_item(
        TableName=table,
        Key={"PK": {"S": "A"}, "SK": {"S": "1"}},
        UpdateExpression="SET #n = :n REMOVE tags",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "Anger"}},
    )
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"PK": {"S": "B"}, "SK": {"S": "1"}}}},
            {"Delete": {"TableName": table, "Key": {"PK": {"S": "A"}, "SK": {"S": "1"}}}},
        ]
    )
    client.put_item(TableName=table, Item={"PK": {"S": "B"}, "SK": {"S": "1"}, "v": {"N": "2"}})


def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in record.items() if key != "eventID"} for record in records]


def test_get_records_answers_what_moto_answers(streams: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_module, "utcnow", lambda: FROZEN)
    monkeypatch.setattr(dynamodb_streams, "utcnow", lambda: FROZEN)
    ours = os.environ["TABLE_NAME"]
    some_writes(ours)
    with monkeypatch.context() as moto_own:
        moto_own.setattr(table_module, "StreamRecord", dynamodb_streams.MOTO_STREAM_RECORD)
        moto_own.setattr(StreamShard, "add", dynamodb_streams._original_add)
        moto_own.setattr(StreamShard, "get", dynamodb_streams._original_get)
        moto_own.setattr(DynamoDBStreamsHandler, "get_records", dynamodb_streams._original_handler_get_records)
        boto3.client("dynamodb").create_table(**{**table_definition(), "TableName": "moto-own"})
        some_writes("moto-own")
        theirs = read_all(streams, stream_arn("moto-own"))

    mine = read_all(streams, stream_arn(ours))
    assert [record["eventName"] for record in mine] == ["INSERT", "MODIFY", "INSERT", "REMOVE", "MODIFY"]
    assert comparable(mine) == comparable(theirs)  # SizeBytes, images, keys, sequence numbers, times and all
    assert mine[1]["dynamodb"]["OldImage"]["name"] == {"S": "Ärger"}
    assert "tags" not in mine[1]["dynamodb"]["NewImage"]


def test_records_beyond_the_maximum_count_are_dropped(streams: Any) -> None:
    table = os.environ["TABLE_NAME"]
    dynamodb_streams.configure(max_records=10)
    arn = stream_arn(table)
    first = iterator(streams, arn)
    write(table, 5)
    (oldest, *_) = read_all(streams, arn)
    write(table, 20, start=5)

    kept = read_all(streams, arn)
    assert 1 <= len(kept) <= 10
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in kept]
    assert numbers == list(range(numbers[0], numbers[0] + len(kept)))
    assert numbers[-1] == int(oldest["dynamodb"]["SequenceNumber"]) + 24  # the 25th write keeps its number
    assert [record["dynamodb"]["NewImage"]["n"]["N"] for record in kept] == [str(n) for n in range(25 - len(kept), 25)]
    with pytest.raises(streams.exceptions.TrimmedDataAccessException):
        streams.get_records(ShardIterator=first)
    after = iterator(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=str(numbers[-3]))
    assert read_all(streams, arn, after) == kept[-2:]
    latest = iterator(streams, arn, "LATEST")
    write(table, 2, start=25)
    assert [record["dynamodb"]["NewImage"]["n"]["N"] for record in read_all(streams, arn, latest)] == ["25", "26"]


def test_records_older_than_a_day_are_dropped(streams: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    table = os.environ["TABLE_NAME"]
    now = [1_000_000.0]
    monkeypatch.setattr(dynamodb_streams, "clock", lambda: now[0])
    write(table, 3)
    now[0] += 12 * 3600
    write(table, 2, start=3)
    arn = stream_arn(table)
    assert len(read_all(streams, arn)) == 5
    now[0] += 12 * 3600 + 1  # the first three are a day and a second old, read or not
    left = read_all(streams, arn)
    assert [record["dynamodb"]["NewImage"]["n"]["N"] for record in left] == ["3", "4"]
    now[0] += 12 * 3600
    assert read_all(streams, arn) == []


def test_a_cancelled_transaction_takes_back_its_records_and_no_others(streams: Any) -> None:
    table = os.environ["TABLE_NAME"]
    dynamodb_streams.configure(max_records=3)
    write(table, 5)
    arn = stream_arn(table)
    before = read_all(streams, arn)
    assert len(before) == 3
    client = boto3.client("dynamodb")
    missing = {"TableName": table, "Key": {"PK": {"S": "none"}, "SK": {"S": "A"}}}
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                *({"Put": {"TableName": table, "Item": {"PK": {"S": f"T{n}"}, "SK": {"S": "A"}}}} for n in range(4)),
                {"ConditionCheck": {**missing, "ConditionExpression": "attribute_exists(PK)"}},
            ]
        )
    assert read_all(streams, arn) == before
    write(table, 1, start=5)
    after = read_all(streams, arn)
    # A fourth record is one too many: trimming keeps 3 less a batch of 1 (a hundredth, at least one).
    assert [record["dynamodb"]["NewImage"]["n"]["N"] for record in after] == ["4", "5"]
    assert int(after[-1]["dynamodb"]["SequenceNumber"]) == int(before[-1]["dynamodb"]["SequenceNumber"]) + 1


def test_iterators_expire_and_nothing_is_kept_as_a_model_instance(
    streams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = os.environ["TABLE_NAME"]
    now = [1_000_000.0]
    monkeypatch.setattr(dynamodb_streams, "clock", lambda: now[0])
    tracked = len(ShardIterator.instances_tracked), len(dynamodb_streams.MOTO_STREAM_RECORD.instances_tracked)
    arn = stream_arn(table)
    position = iterator(streams, arn)
    write(table, 3)
    assert len(read_all(streams, arn, position)) == 3
    assert (len(ShardIterator.instances_tracked), len(dynamodb_streams.MOTO_STREAM_RECORD.instances_tracked)) == tracked
    now[0] += 15 * 60 + 1
    with pytest.raises(streams.exceptions.ExpiredIteratorException):
        streams.get_records(ShardIterator=position)
    assert len(read_all(streams, arn)) == 3
