"""The event dispatcher's event source: the table's stream, filtered and batched as
`contact_platform/events/stream.py` declares (docs/architecture.md, "Events"). No function reads it
yet; the dispatcher's function will take it with `function.add_event_source(dispatcher_source(table))`.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources

from contact_platform.events import stream


def dispatcher_source(table: dynamodb.ITable) -> event_sources.DynamoEventSource:
    """The table's stream (the table must have one), as the dispatcher receives it."""
    return event_sources.DynamoEventSource(
        table,
        starting_position=lambda_.StartingPosition[stream.STARTING_POSITION],
        batch_size=stream.BATCH_SIZE,
        max_batching_window=Duration.seconds(stream.MAXIMUM_BATCHING_WINDOW_SECONDS),
        filters=[lambda_.FilterCriteria.filter(stream.FILTER_PATTERN)],
    )
