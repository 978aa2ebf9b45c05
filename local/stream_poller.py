"""The local stack's stand-in for a Lambda event source mapping on the table's stream
(docs/architecture.md, Local stack): a thread that reads the stream through the DynamoDB Streams
API (DescribeStream, GetShardIterator from TRIM_HORIZON, GetRecords), keeps the records that match
the dispatcher's filter (contact_platform/events/stream.py), and hands them to a function in
batches shaped as Lambda hands them (`{"Records": [...]}`), through an `Invoke`
(local/lambda_runtime.py).

As Lambda does for a stream: a batch whose invocation fails is sent again, after a growing pause,
until it succeeds; the records after it wait (at least once, in order). An error never ends the
thread; `stop()` does. The thread makes ordinary API requests: it holds no lock of the emulator
while the function runs, so the function may write to the table.
"""

from __future__ import annotations

import base64
import datetime
import logging
import time
from collections.abc import Mapping
from typing import Any

from contact_platform import aws
from contact_platform.events import stream
from local.lambda_runtime import Invoke
from local.polling import PollingThread

IDLE_SECONDS = 0.2  # between GetRecords when the stream had nothing new
FIRST_RETRY_SECONDS = 0.1  # after a failed invocation; doubled each time up to LAST_RETRY_SECONDS
LAST_RETRY_SECONDS = 5.0
READ_LIMIT = 1000  # records per GetRecords (DynamoDB's maximum)

log = logging.getLogger("cdp.stream")


def streams_client(endpoint: str | None, region: str) -> Any:
    """A DynamoDB Streams client of the regional endpoint (or `endpoint`): botocore's account-based
    endpoints (`<account>.streams-ddb...`) are not what the emulator answers."""
    from botocore.config import Config

    config = Config(account_id_endpoint_mode="disabled")
    return aws.new_client("dynamodbstreams", endpoint_url=endpoint, region_name=region, config=config)


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda passes it to a function: with `eventSourceARN`, the creation
    time in epoch seconds and binary values in base64 (boto3 decodes both)."""
    shaped: dict[str, Any] = _plain(record)
    created = shaped.get("dynamodb", {}).get("ApproximateCreationDateTime")
    if isinstance(created, datetime.datetime):
        shaped["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped["eventSourceARN"] = stream_arn
    return shaped


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, set):  # not in the wire form of a record, but never let one through
        return [_plain(item) for item in sorted(value)]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return value


class StreamPoller(PollingThread):
    """Reads `table_name`'s stream and invokes `function_name` with the matching records."""

    name = "cdp-stream-poller"
    error_pause_seconds = LAST_RETRY_SECONDS

    def __init__(
        self,
        client: Any,
        table_name: str,
        invoke: Invoke,
        function_name: str,
        *,
        batch_size: int = stream.BATCH_SIZE,
        batching_window: float = stream.MAXIMUM_BATCHING_WINDOW_SECONDS,
        starting_position: str = stream.STARTING_POSITION,
        idle_seconds: float = IDLE_SECONDS,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
    ) -> None:
        self.client, self.table_name, self.invoke, self.function_name = client, table_name, invoke, function_name
        self.batch_size, self.batching_window = batch_size, batching_window
        self.starting_position, self.idle_seconds = starting_position, idle_seconds
        self.first_retry_seconds = first_retry_seconds
        self._positions: dict[str, str | None] = {}  # shard -> last sequence number handed on (or read past)
        super().__init__()

    def poll(self) -> None:
        try:
            self._poll_stream()
        except self.client.exceptions.ResourceNotFoundException:
            # The table went away while it was read (the emulator reset, as the benchmarks do between
            # parts): a new one starts with new shards, read from their start.
            log.info("stream of %s: the table is gone; waiting for it", self.table_name)
            self._positions.clear()
            self._stop.wait(self.idle_seconds)

    def _stream_arn(self) -> str | None:
        streams = self.client.list_streams(TableName=self.table_name)["Streams"]
        return str(streams[0]["StreamArn"]) if streams else None

    def _poll_stream(self) -> None:
        arn = self._stream_arn()
        if arn is None:  # no table (yet), or no stream
            self._stop.wait(self.idle_seconds)
            return
        shards = self.client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        iterators = {shard["ShardId"]: self._iterator(arn, shard["ShardId"]) for shard in shards}
        pending: dict[str, list[dict[str, Any]]] = {shard_id: [] for shard_id in iterators}
        since: dict[str, float] = {}  # shard -> when its oldest pending record was read
        while iterators and not self._stop.is_set():
            read_any = False
            for shard_id, position in list(iterators.items()):
                try:
                    answer = self.client.get_records(ShardIterator=position, Limit=READ_LIMIT)
                except (
                    self.client.exceptions.TrimmedDataAccessException,
                    self.client.exceptions.ExpiredIteratorException,
                ) as error:
                    log.warning("stream of %s, %s: %s; reading on from what is kept", self.table_name, shard_id, error)
                    if isinstance(error, self.client.exceptions.TrimmedDataAccessException):
                        self._positions.pop(shard_id, None)  # records never handed on are gone
                        pending[shard_id], iterators[shard_id] = [], self._iterator(arn, shard_id, "TRIM_HORIZON")
                        continue
                    iterators[shard_id] = self._iterator(arn, shard_id)
                    continue
                if answer.get("NextShardIterator"):
                    iterators[shard_id] = answer["NextShardIterator"]
                else:  # a closed shard (never in the emulator, whose one shard stays open)
                    del iterators[shard_id]
                for record in answer["Records"]:
                    read_any = True
                    shaped = lambda_record(record, arn)
                    if stream.matches(shaped):
                        since.setdefault(shard_id, time.monotonic())
                        pending[shard_id].append(shaped)
                    elif not pending[shard_id]:  # read past: not to be read again
                        self._positions[shard_id] = record["dynamodb"]["SequenceNumber"]
                self._hand_on_ready(shard_id, pending, since)
            if not read_any:
                if self._stream_arn() != arn:  # the table was made again (an emulator reset)
                    self._positions.clear()
                    return
                self._stop.wait(self._idle_wait(since))

    def _hand_on_ready(self, shard_id: str, pending: dict[str, list[dict[str, Any]]], since: dict[str, float]) -> None:
        """Full batches, and the rest once the batching window since its first record is over."""
        records = pending[shard_id]
        while (
            records
            and not self._stop.is_set()
            and (len(records) >= self.batch_size or time.monotonic() - since[shard_id] >= self.batching_window)
        ):
            batch, records = records[: self.batch_size], records[self.batch_size :]
            self._hand_on(shard_id, batch)
            since[shard_id] = time.monotonic()
        pending[shard_id] = records
        if not records:
            since.pop(shard_id, None)

    def _idle_wait(self, since: dict[str, float]) -> float:
        """The idle pause, shorter when a batching window ends sooner."""
        if not since:
            return self.idle_seconds
        ends = min(since.values()) + self.batching_window - time.monotonic()
        return max(0.0, min(self.idle_seconds, ends))

    def _iterator(self, arn: str, shard_id: str, kind: str | None = None) -> str:
        """From after the last record handed on (or read past), else from the starting position."""
        last = self._positions.get(shard_id)
        if kind is None and last is not None:
            answer = self.client.get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=last
            )
        else:
            answer = self.client.get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind or self.starting_position
            )
        return str(answer["ShardIterator"])

    def _hand_on(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        """Invoke the function with the batch until it succeeds (or the poller stops)."""
        pause = self.first_retry_seconds
        while True:
            try:
                result, errored = self.invoke(self.function_name, {"Records": batch})
            except Exception as error:
                result, errored = {"errorMessage": str(error), "errorType": type(error).__name__}, True
            if not errored:
                self._positions[shard_id] = batch[-1]["dynamodb"]["SequenceNumber"]
                return
            log.warning(
                "%s failed on %d stream records (%s: %s); sending them again in %.1f s",
                self.function_name,
                len(batch),
                result.get("errorType"),
                result.get("errorMessage"),
                pause,
            )
            if self._stop.wait(pause):
                return
            pause = min(pause * 2, LAST_RETRY_SECONDS)
