"""The local stack's SQS poller (local/queue_poller.py) against the in-process emulator: messages in
Lambda's shape, deleted when handled, kept when reported failed or when the invocation fails (at
least once), and handed back after their visibility timeout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.queue_poller import QueuePoller

REGION = "eu-central-1"


@pytest.fixture
def queue(aws: None) -> Iterator[tuple[Any, str, str]]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="poller-test", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    yield sqs, url, arn


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def test_messages_arrive_in_lambda_s_shape_and_only_the_failed_ones_stay(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        calls.append((name, event))
        failed = [r["messageId"] for r in event["Records"] if json.loads(r["body"])["n"] == 1]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}, False

    poller = QueuePoller(sqs, url, invoke, "cdp-webhook-delivery", REGION)
    assert poller.poll_once(arn, wait_seconds=0) == 3
    [(name, event)] = calls
    assert name == "cdp-webhook-delivery"
    record = event["Records"][0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn and record["awsRegion"] == REGION
    assert record["attributes"]["ApproximateReceiveCount"] == "1" and record["receiptHandle"]
    assert sorted(json.loads(r["body"])["n"] for r in event["Records"]) == [0, 1, 2]
    assert _counts(sqs, url) == (0, 1), "the failed message waits for its visibility timeout"

    failed = next(r for r in event["Records"] if json.loads(r["body"])["n"] == 1)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=failed["receiptHandle"], VisibilityTimeout=0)
    assert poller.poll_once(arn, wait_seconds=0) == 1
    assert calls[1][1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"


@pytest.mark.parametrize("raises", [False, True])
def test_a_failed_invocation_keeps_every_message(queue: tuple[Any, str, str], raises: bool) -> None:
    sqs, url, arn = queue
    for n in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))

    def invoke(name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if raises:
            raise ConnectionError("the function could not be reached")
        return {"errorType": "Broken", "errorMessage": "it broke"}, True

    assert QueuePoller(sqs, url, invoke, "cdp-webhook-delivery", REGION).poll_once(arn, wait_seconds=0) == 2
    assert _counts(sqs, url) == (0, 2)


def test_an_empty_queue_invokes_nothing(queue: tuple[Any, str, str]) -> None:
    sqs, url, arn = queue

    def invoke(name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        raise AssertionError("no messages, no invocation")

    assert QueuePoller(sqs, url, invoke, "cdp-webhook-delivery", REGION).poll_once(arn, wait_seconds=0) == 0
