"""`cdp events redispatch`: the events whose dispatch failed every retry, dispatched again
(docs/architecture.md, "Webhooks: delivery", dispatch failures).

When the dispatcher fails on a stream batch past its retries, Lambda's event source mapping sends
the batch's position, not its records, to the dispatcher's failure queue (the stack output
`DispatchFailuresQueueUrl`): the stream, the shard and the batch's first and last sequence numbers
(`DDBStreamBatchInfo`). The records stay in the stream for 24 hours. Once the cause is fixed, this
reads each message's records again, hands those the dispatcher's filter passes to the dispatcher
function and deletes the message when the function succeeded. A delivery's ID is its event's, so a
batch dispatched twice makes no second delivery. A message that is no such position, whose records
the stream no longer holds (or not up to its last one), or on which the dispatcher fails again is
left in the queue and reported; its events are still listed by `GET /api/v1/events` for 30 days.
"""

from __future__ import annotations

import argparse
import json
import sys
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
    batches: int = 0  # dispatched again, their messages deleted
    events: int = 0  # the records of those batches the dispatcher's filter passed
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


def redispatch(sqs: Any, streams: Any, invoke: Invoke, queue_url: str, function_name: str) -> Report:
    """Every message of the failure queue, dispatched again through `function_name` (see above)."""
    report = Report()
    kept: list[str] = []  # receipt handles of the messages left in the queue
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS
    ).get("Messages", []):
        for message in messages:
            why = _dispatched_again(message["Body"], streams, invoke, function_name, report)
            if why is None:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                report.kept.append(f"{message['MessageId']}: {why}")
                kept.append(message["ReceiptHandle"])
    for handle in kept:  # for the next run, once their cause is fixed
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return report


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
    report.batches += 1
    report.events += len(records)
    return None


def add_commands(commands: Any) -> None:
    """`cdp events redispatch`."""
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
    again.add_argument(
        "--aws-endpoint", help="an AWS endpoint to use instead of AWS itself (default: AWS, its usual credentials)"
    )
    again.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from contact_platform import aws
    from contact_platform.config import settings
    from local.lambda_runtime import lambda_invoker, long_running_lambda_client
    from local.stream_poller import streams_client

    region = settings().region
    sqs = aws.new_client("sqs", endpoint_url=args.aws_endpoint, region_name=region)
    invoke = lambda_invoker(long_running_lambda_client(args.aws_endpoint, region))
    report = redispatch(sqs, streams_client(args.aws_endpoint, region), invoke, args.queue_url, args.function)
    print(f"cdp events redispatch: {report.batches} batches ({report.events} events) dispatched again")
    for line in report.kept:
        print(f"  kept {line}", file=sys.stderr)
    return 1 if report.kept else 0
