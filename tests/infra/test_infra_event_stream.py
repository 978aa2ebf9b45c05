"""The dispatcher's event source is the shared declaration (contact_platform/events/stream.py): its
mapping, once a function takes it, filters and batches the table's stream as the local poller does."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from contact_platform.events import stream
from infra.event_stream import dispatcher_source
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
    function.add_event_source(dispatcher_source(table))

    mappings = Template.from_stack(stack).find_resources("AWS::Lambda::EventSourceMapping")
    (mapping,) = (resource["Properties"] for resource in mappings.values())
    assert mapping["StartingPosition"] == stream.STARTING_POSITION == "TRIM_HORIZON"
    assert mapping["BatchSize"] == stream.BATCH_SIZE
    assert mapping["MaximumBatchingWindowInSeconds"] == stream.MAXIMUM_BATCHING_WINDOW_SECONDS
    (only,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == stream.FILTER_PATTERN
    assert mapping["FilterCriteria"]["Filters"][0]["Pattern"] == stream.filter_criteria()["Filters"][0]["Pattern"]


def test_the_app_has_no_mapping_until_a_dispatcher_exists(assembly: Assembly) -> None:
    assert assembly.resources("AWS::Lambda::EventSourceMapping") == []
