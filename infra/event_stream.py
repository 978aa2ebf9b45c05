"""The event dispatcher's event source: the table's stream, filtered and batched as
`contact_platform/events/stream.py` declares (docs/architecture.md, "Events"). The dispatcher's function
(infra/webhooks.py) takes it with `function.add_event_source(dispatcher_source(table, on_failure=...))`.

A batch the function fails on is retried whole (the dispatcher raises: docs/architecture.md, "Webhooks:
delivery"), so a record that always fails would hold its shard until the stream drops it after 24 hours.
Instead the mapping splits a failing batch in two on every error, down to the failing record, gives each
part at most `RETRY_ATTEMPTS` retries, and then sends the records' shard and sequence numbers to
`on_failure` (a queue with an alarm) and moves on: a poisoned record stops nothing behind it, and is
never dropped without a trace.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources

from contact_platform.events import stream

RETRY_ATTEMPTS = 10  # retries of a failing (split) batch before its records go to the failure destination


def dispatcher_source(
    table: dynamodb.ITable, *, on_failure: lambda_.IEventSourceDlq
) -> event_sources.DynamoEventSource:
    """The table's stream (the table must have one), as the dispatcher receives it; records that fail
    every retry are reported to `on_failure`."""
    return event_sources.DynamoEventSource(
        table,
        starting_position=lambda_.StartingPosition[stream.STARTING_POSITION],
        batch_size=stream.BATCH_SIZE,
        max_batching_window=Duration.seconds(stream.MAXIMUM_BATCHING_WINDOW_SECONDS),
        filters=[lambda_.FilterCriteria.filter(stream.FILTER_PATTERN)],
        bisect_batch_on_error=True,
        retry_attempts=RETRY_ATTEMPTS,
        on_failure=on_failure,
    )
