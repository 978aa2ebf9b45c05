"""The dispatcher's event source is the shared declaration (contact_platform/events/stream.py): its
mapping filters and batches the table's stream as the local poller does, and a failing record can
neither hold its shard forever nor be dropped without a trace (infra/event_stream.py)."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from contact_platform.events import stream
from contact_platform.workflows import EVENT_DISPATCHER
from infra.event_stream import RETRY_ATTEMPTS, dispatcher_source
from tests.infra.synthesized import Assembly

pytestmark = pytest.mark.xdist_group("infra")


def test_a_function_taking_the_source_gets_the_declared_mapping() -> None:
    stack = Stack(App(), "Probe")
    table = dynamodb.Table(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="PK", type=dynamodb.AttributeType.STRING),
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    )
    function = lambda_.Function(
        stack,
        "Probe",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    function.add_event_source(dispatcher_source(table, on_failure=event_sources.SqsDlq(sqs.Queue(stack, "Failures"))))

    mappings = Template.from_stack(stack).find_resources("AWS::Lambda::EventSourceMapping")
    (mapping,) = (resource["Properties"] for resource in mappings.values())
    assert mapping["StartingPosition"] == stream.STARTING_POSITION == "TRIM_HORIZON"
    assert mapping["BatchSize"] == stream.BATCH_SIZE
    assert mapping["MaximumBatchingWindowInSeconds"] == stream.MAXIMUM_BATCHING_WINDOW_SECONDS
    (only,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == stream.FILTER_PATTERN
    assert mapping["FilterCriteria"]["Filters"][0]["Pattern"] == stream.filter_criteria()["Filters"][0]["Pattern"]


def test_the_dispatcher_reads_the_tables_stream_through_the_declared_mapping(assembly: Assembly) -> None:
    (table,) = assembly.resources("AWS::DynamoDB::Table")
    (mapping,) = [
        found
        for found in assembly.resources("AWS::Lambda::EventSourceMapping")
        if "StartingPosition" in found.properties  # a stream's mapping (the delivery queue's has none)
    ]
    function = assembly.referenced(mapping, mapping.properties["FunctionName"], "AWS::Lambda::Function")
    assert function.properties["Handler"] == EVENT_DISPATCHER.handler
    properties = mapping.properties
    assert assembly.referenced(mapping, properties["EventSourceArn"], table.type) == table
    assert properties["FilterCriteria"] == stream.filter_criteria()
    assert properties["StartingPosition"] == stream.STARTING_POSITION
    assert properties["BatchSize"] == stream.BATCH_SIZE
    assert properties["MaximumBatchingWindowInSeconds"] == stream.MAXIMUM_BATCHING_WINDOW_SECONDS


def test_a_failing_record_is_split_out_retried_a_bounded_number_of_times_then_reported(assembly: Assembly) -> None:
    """Bisected batches, at most RETRY_ATTEMPTS retries, then the records' positions go to a queue that alarms."""
    (mapping,) = [
        m for m in assembly.resources("AWS::Lambda::EventSourceMapping") if "StartingPosition" in m.properties
    ]
    properties = mapping.properties
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == RETRY_ATTEMPTS == 10
    failures = properties["DestinationConfig"]["OnFailure"]["Destination"]
    queue = assembly.referenced(mapping, failures, "AWS::SQS::Queue")
    (alarm,) = [
        a
        for a in assembly.resources("AWS::CloudWatch::Alarm")
        if a.properties.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and assembly.referenced(a, a.properties["Dimensions"][0]["Value"], queue.type) == queue
    ]
    assert alarm.properties["Threshold"] == 1
    assert alarm.properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # the function's role may report there (the mapping sends with it) and read the stream
    function = assembly.referenced(mapping, properties["FunctionName"], "AWS::Lambda::Function")
    sends = [s for s in assembly.statements_of(function) if queue in assembly.targets(function.template, s["Resource"])]
    assert [sorted(s["Action"]) for s in sends] == [["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]]
