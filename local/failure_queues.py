"""The operator's remedies for what waits in a failure queue once its cause is fixed
(docs/architecture.md, "Failure queues"): each message is handled again, deleted when that
succeeded, and else kept (visible again at the end) and reported with the reason.

- `cdp events redispatch`: the dispatcher's failure queue (stack output `DispatchFailuresQueueUrl`).
  When the dispatcher fails on a stream batch past its retries, Lambda's event source mapping sends
  the batch's position there, not its records: the stream, the shard and the batch's first and last
  sequence numbers (`DDBStreamBatchInfo`). The records stay in the stream for 24 hours: they are
  read again and those the dispatcher's filter passes are handed to the dispatcher function. A
  delivery's ID is its event's, so a batch dispatched twice makes no second delivery. A message
  whose records the stream no longer holds keeps its events listed by `GET /api/v1/events` (30 days).
- `cdp dead-letters replay`: the dead-letter queue of an asynchronously invoked function (the S3
  upload trigger, the cleanup: stack outputs `S3UploadDeadLettersUrl`, `CleanupDeadLettersUrl`),
  whose messages are the events that failed every retry, handed to the function again. Both
  functions are idempotent: a file's import is named by its bucket, key and ETag, and a cleanup run
  does what is due.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from contact_platform.events import stream
from local.lambda_runtime import Invoke
from local.stream_poller import READ_LIMIT, lambda_record

RECEIVE_VISIBILITY_SECONDS = 300  # a message read is hidden this long from other readers; kept ones shown again


@dataclass(frozen=True)
class FailedBatch:
    """Where a failed batch's records are in the table's stream."""

    stream_arn: str
    shard_id: str
    first: str
    last: str


@dataclass
class Report:
    handled: int = 0  # messages handled again and deleted
    events: int = 0  # the events handed to the function (a stream batch's: those the filter passed)
    kept: list[str] = field(default_factory=list)  # a line per message left in the queue: why


class NotFound(Exception):
    """The stream no longer holds the batch's records, or not up to its last one."""


def failed_batch(body: str) -> FailedBatch | None:
    """The batch a failure message names, or None for a message of another shape."""
    try:
        info = json.loads(body)["DDBStreamBatchInfo"]
        return FailedBatch(
            str(info["streamArn"]),
            str(info["shardId"]),
            str(info["startSequenceNumber"]),
            str(info["endSequenceNumber"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def batch_records(streams: Any, batch: FailedBatch) -> list[dict[str, Any]]:
    """The batch's records the dispatcher's filter passes, in Lambda's shape (local/stream_poller.py)."""
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.first,
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=READ_LIMIT)
            for record in answer["Records"]:
                number = record["dynamodb"]["SequenceNumber"]
                if int(number) > int(batch.last):
                    return records
                shaped = lambda_record(record, batch.stream_arn)
                if stream.matches(shaped):
                    records.append(shaped)
                if number == batch.last:
                    return records
            if not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
    except ClientError as error:
        raise NotFound(f"the stream no longer holds its records ({error.response['Error']['Code']})") from error
    raise NotFound(f"the stream's records end before its last one ({batch.last})")


def drain(sqs: Any, queue_url: str, handle: Callable[[str, Report], str | None]) -> Report:
    """Every message of the queue handed to `handle` (its body; None: done, else why not)."""
    report = Report()
    kept: list[str] = []  # receipt handles of the messages left in the queue
    seen: set[str] = set()  # a kept message visible again (a run longer than the hiding) ends the run
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS
    ).get("Messages", []):
        if any(message["MessageId"] in seen for message in messages):
            kept += [message["ReceiptHandle"] for message in messages]
            break
        for message in messages:
            seen.add(message["MessageId"])
            why = handle(message["Body"], report)
            if why is None:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                report.handled += 1
            else:
                report.kept.append(f"{message['MessageId']}: {why}")
                kept.append(message["ReceiptHandle"])
    for handle_of_kept in kept:  # for the next run, once their cause is fixed
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle_of_kept, VisibilityTimeout=0)
    return report


def redispatch(sqs: Any, streams: Any, invoke: Invoke, queue_url: str, function_name: str) -> Report:
    """The dispatcher's failure queue, each batch dispatched again through `function_name`."""
    return drain(sqs, queue_url, lambda body, report: _dispatched_again(body, streams, invoke, function_name, report))


def replay(sqs: Any, invoke: Invoke, queue_url: str, function_name: str) -> Report:
    """An asynchronously invoked function's dead-letter queue, each event handed to it again."""

    def replayed(body: str, report: Report) -> str | None:
        try:
            event = json.loads(body)
        except ValueError:
            return "not an event (no JSON)"
        result, errored = invoke(function_name, event)
        if errored:
            return f"the function failed again: {result.get('errorType')}: {result.get('errorMessage')}"
        report.events += 1
        return None

    return drain(sqs, queue_url, replayed)


def _dispatched_again(body: str, streams: Any, invoke: Invoke, function_name: str, report: Report) -> str | None:
    """None when the message's batch was dispatched again; else why not."""
    batch = failed_batch(body)
    if batch is None:
        return "not a stream batch's position (no DDBStreamBatchInfo)"
    try:
        records = batch_records(streams, batch)
    except NotFound as missing:
        return f"{missing}; its events are listed by GET /api/v1/events for 30 days"
    if records:
        result, errored = invoke(function_name, {"Records": records})
        if errored:
            return f"the dispatcher failed again: {result.get('errorType')}: {result.get('errorMessage')}"
    report.events += len(records)
    return None


def add_commands(commands: Any) -> None:
    """`cdp events redispatch` and `cdp dead-letters replay`."""
    events = commands.add_parser("events", help="event tools (operators)").add_subparsers(dest="action", required=True)
    again = events.add_parser(
        "redispatch",
        help="dispatch again the events whose dispatch failed every retry, from the dispatcher's failure queue",
    )
    again.add_argument(
        "--queue-url", required=True, help="the dispatcher's failure queue (stack output DispatchFailuresQueueUrl)"
    )
    again.add_argument(
        "--function", required=True, help="the event dispatcher function (stack output EventDispatcherName)"
    )
    again.set_defaults(run=_redispatch)
    letters = commands.add_parser("dead-letters", help="dead-letter queue tools (operators)").add_subparsers(
        dest="action", required=True
    )
    replayed = letters.add_parser(
        "replay", help="hand the events of a function's dead-letter queue to the function again"
    )
    replayed.add_argument(
        "--queue-url",
        required=True,
        help="the dead-letter queue (stack outputs S3UploadDeadLettersUrl, CleanupDeadLettersUrl)",
    )
    replayed.add_argument(
        "--function", required=True, help="the function whose queue it is (stack outputs S3UploadName, CleanupName)"
    )
    replayed.set_defaults(run=_replay)
    for command in (again, replayed):
        command.add_argument(
            "--aws-endpoint", help="an AWS endpoint to use instead of AWS itself (default: AWS, its usual credentials)"
        )


def _clients(args: argparse.Namespace) -> tuple[Any, Invoke]:
    from contact_platform import aws
    from contact_platform.config import settings
    from local.lambda_runtime import lambda_invoker, long_running_lambda_client

    region = settings().region
    sqs = aws.new_client("sqs", endpoint_url=args.aws_endpoint, region_name=region)
    return sqs, lambda_invoker(long_running_lambda_client(args.aws_endpoint, region))


def _told(command: str, report: Report) -> int:
    print(f"cdp {command}: {report.handled} messages handled again ({report.events} events), {len(report.kept)} kept")
    for line in report.kept:
        print(f"  kept {line}", file=sys.stderr)
    return 1 if report.kept else 0


def _redispatch(args: argparse.Namespace) -> int:
    from contact_platform.config import settings
    from local.stream_poller import streams_client

    sqs, invoke = _clients(args)
    streams = streams_client(args.aws_endpoint, settings().region)
    return _told("events redispatch", redispatch(sqs, streams, invoke, args.queue_url, args.function))


def _replay(args: argparse.Namespace) -> int:
    sqs, invoke = _clients(args)
    return _told("dead-letters replay", replay(sqs, invoke, args.queue_url, args.function))
