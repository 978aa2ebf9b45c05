"""DynamoDB streams (moto 5.2.5): moto keeps every stream record for the life of the process (in the
shard and again in its list of every model instance made), builds each with a JSON dump of the whole
record just to state its `SizeBytes`, and keeps every shard iterator it hands out (one more per
GetRecords): a 100,000-row import grew the process to about 9 GB. Instead (benchmarks/README.md,
"Stream records"):

- a shard keeps its records for DynamoDB's 24 hours and at most `MAX_RECORDS` of them: older ones
  and the oldest beyond the count are dropped (in batches of a hundredth of the count, so that a
  write does not move the whole list), and the shard's `starting_sequence_number` moves on by as
  many, so that the sequence numbers of the records kept and moto's positions stay as they were;
- a record's `SizeBytes` is computed, as moto computes it, when the record is first read;
- records and shard iterators are not added to moto's list of model instances; an iterator
  expires 15 minutes after it is handed out, as DynamoDB's do (`ExpiredIteratorException`);
- reading at a position already dropped is DynamoDB's `TrimmedDataAccessException`;
- GetRecords' answer is written with `json.dumps` (its records are in DynamoDB's wire form already):
  moto's walk over the output shape took milliseconds per record, under the lock below, so that a
  stream reader slowed every DynamoDB request of the process about fourfold during an import;
- DescribeStream, GetShardIterator and GetRecords run under the DynamoDB requests' lock
  (dynamodb_serial.py): a read never sees a transaction's records before it is cancelled
  (dynamodb_transactions.py), nor a shard half trimmed.

A table with one of moto's own Lambda event source mappings keeps moto's behaviour (it invokes the
function inside the write and empties the shard); the local stack uses none: local/stream_poller.py
reads the stream instead.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import datetime
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamShard
from moto.dynamodb.models.utilities import dynamo_json_dump
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_api._internal import mock_random

from local.emulator import dynamodb_serial

RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keeps a record for 24 hours
MAX_RECORDS = 100_000  # per shard; `configure()` changes it
ITERATOR_SECONDS = 15 * 60  # a shard iterator expires 15 minutes after it is handed out

clock: Callable[[], float] = time.time  # when records are written and iterators handed out (tests move it)
_limits = {"max_records": MAX_RECORDS}
_deferred = threading.local()
_original_add = StreamShard.add
_original_get = StreamShard.get
MOTO_STREAM_RECORD = table_module.StreamRecord  # moto's own, which the tests compare with
_original_call_action = DynamoDBStreamsHandler.call_action
_original_handler_get_records = DynamoDBStreamsHandler.get_records
_original_get_shard_iterator = DynamoDBStreamsBackend.get_shard_iterator


class TrimmedDataAccessError(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard."
        )


class ExpiredIteratorError(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ExpiredIteratorException", "The shard iterator has expired or is not known.")


def configure(*, max_records: int = MAX_RECORDS) -> None:
    """At most `max_records` records per shard from the next write on."""
    if max_records < 1:
        raise ValueError("max_records must be at least 1")
    _limits["max_records"] = max_records


class StreamRecord:
    """moto's `StreamRecord` (the same `to_json()`), not tracked as a model instance, its `SizeBytes`
    computed when first read."""

    __slots__ = ("_sized", "record", "written_at")

    def __init__(
        self, table: Any, stream_type: str, event_name: str, old: Item | None, new: Item | None, seq: int
    ) -> None:
        rec: Any = old if old is not None else new
        keys = {table.hash_key_attr: rec.hash_key.to_json()}
        if table.range_key_attr is not None:
            keys[table.range_key_attr] = rec.range_key.to_json()
        dynamodb: dict[str, Any] = {
            "StreamViewType": stream_type,
            "ApproximateCreationDateTime": utcnow(),
            "SequenceNumber": str(seq),
            "SizeBytes": 1,  # moto's stand-in while it measures the record (see `to_json`)
            "Keys": keys,
        }
        # The images are taken now: moto changes an updated item in place.
        if stream_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
            dynamodb["NewImage"] = new.to_json()["Attributes"]
        if stream_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
            dynamodb["OldImage"] = old.to_json()["Attributes"]
        self.record: dict[str, Any] = {
            "eventID": mock_random.uuid4().hex,
            "eventName": event_name,
            "eventSource": "aws:dynamodb",
            "eventVersion": "1.0",
            "awsRegion": "us-east-1",
            "dynamodb": dynamodb,
        }
        self.written_at = clock()
        self._sized = False

    def to_json(self) -> dict[str, Any]:
        if not self._sized:  # moto's figure: the record's JSON with `"SizeBytes": 1`, a generous estimate
            self.record["dynamodb"]["SizeBytes"] = len(dynamo_json_dump(self.record["dynamodb"]))
            self._sized = True
        return self.record


def end(shard: StreamShard) -> int:
    """The sequence number the shard's next record gets."""
    return shard.starting_sequence_number + len(shard.items)


def truncate(shard: StreamShard, at: int) -> None:
    """Drop the records from sequence number `at` on (a cancelled transaction's, `trimming_deferred`)."""
    del shard.items[max(0, at - shard.starting_sequence_number) :]


@contextlib.contextmanager
def trimming_deferred() -> Iterator[None]:
    """No trimming in this thread while the block runs (a transaction, which may be cancelled and
    take its records back: the records before it stay as they were); the next write or read trims."""
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False


def trim(shard: StreamShard) -> None:
    """Drop the records older than the retention and the oldest beyond the maximum count."""
    items = shard.items
    if not items or shard.table.lambda_event_source_mappings or getattr(_deferred, "active", False):
        return
    limit = _limits["max_records"]
    drop = len(items) - limit + max(1, limit // 100) if len(items) > limit else 0
    cutoff = clock() - RETENTION_SECONDS
    if drop < len(items) and _written_at(items[drop]) < cutoff:
        drop = bisect.bisect_left(items, cutoff, lo=drop, key=_written_at)
    if drop:
        del items[:drop]
        shard.starting_sequence_number += drop


def _written_at(record: Any) -> float:
    """When a record was written (moto's own records, of a table with its Lambda mappings: never old)."""
    return float(getattr(record, "written_at", math.inf))


def _add(self: StreamShard, old: Item | None, new: Item | None) -> None:
    if self.table.lambda_event_source_mappings:
        return _original_add(self, old, new)
    if old is None:
        event_name = "INSERT"
    elif new is None:
        event_name = "REMOVE"
    else:
        event_name = "MODIFY"
    stream_type = self.table.stream_specification["StreamViewType"]  # type: ignore[index]
    self.items.append(StreamRecord(self.table, stream_type, event_name, old, new, end(self)))  # type: ignore[arg-type]
    trim(self)
    return None


def _get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    trim(self)
    if start < self.starting_sequence_number:
        raise TrimmedDataAccessError
    offset = start - self.starting_sequence_number
    return [record.to_json() for record in self.items[offset : offset + quantity]]


def _new_iterator(cls: type, *args: Any, **kwargs: Any) -> Any:
    iterator: Any = object.__new__(cls)
    iterator.issued_at = clock()
    return iterator


def _expire(backend: DynamoDBStreamsBackend) -> None:
    """Forget the iterators handed out more than ITERATOR_SECONDS ago (the oldest come first)."""
    iterators = backend.shard_iterators
    cutoff = clock() - ITERATOR_SECONDS
    while iterators:
        oldest = next(iter(iterators))
        if getattr(iterators[oldest], "issued_at", 0.0) >= cutoff:
            break
        del iterators[oldest]


def _get_shard_iterator(self: DynamoDBStreamsBackend, arn: str, *args: Any, **kwargs: Any) -> ShardIterator:
    _expire(self)
    shard = self._get_table_from_arn(arn).stream_shard
    if shard is not None:  # TRIM_HORIZON: the oldest record kept now
        trim(shard)
    return _original_get_shard_iterator(self, arn, *args, **kwargs)


def _get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    _expire(self)
    iterator = self.shard_iterators.get(iterator_arn)
    if iterator is None:
        raise ExpiredIteratorError
    result: dict[str, Any] = iterator.get(limit)
    return result


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):  # ApproximateCreationDateTime: epoch seconds, as moto writes it
        return value.replace(tzinfo=value.tzinfo or datetime.UTC).timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} in a GetRecords answer")


class _WireAnswer(ActionResult):
    def execute_result(self, context: Any) -> Any:
        body = json.dumps(self.result, default=_wire_value)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


def _handler_get_records(self: Any) -> ActionResult:
    return _WireAnswer(_original_handler_get_records(self).result)


def _call_action(self: Any) -> Any:
    with dynamodb_serial.lock:
        return _original_call_action(self)


def install() -> None:
    setattr(table_module, "StreamRecord", StreamRecord)  # noqa: B010 (moto's shards build records by this name)
    StreamShard.add = _add  # type: ignore[method-assign]
    StreamShard.get = _get  # type: ignore[method-assign]
    ShardIterator.__new__ = _new_iterator  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_shard_iterator = _get_shard_iterator  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = _get_records  # type: ignore[method-assign]
    DynamoDBStreamsHandler.call_action = _call_action  # type: ignore[method-assign]
    DynamoDBStreamsHandler.get_records = _handler_get_records  # type: ignore[method-assign]
