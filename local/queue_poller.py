"""The local stack's stand-in for a Lambda event source mapping on an SQS queue (docs/architecture.md,
Local stack): a thread that long-polls the queue, hands up to 10 messages at a time to a function in
Lambda's shape (`{"Records": [...]}`, with `ReportBatchItemFailures`), and deletes the messages that
did not fail.

What the function reports as failed stays in the queue: SQS (the emulator keeps visibility timeouts
in real time) hides it for as long as the function set (a webhook retry's delay) or the queue's
visibility timeout, and hands it back then, counting receives toward the queue's redrive policy.
An invocation that fails leaves the whole batch. An error never ends the thread; `stop()` does.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from local.lambda_runtime import Invoke
from local.polling import PollingThread

BATCH_SIZE = 10  # messages per invocation at most (ReceiveMessage's maximum)
WAIT_SECONDS = 1  # long polling: how long a receive waits for a message (also how soon stop() ends it)
ERROR_PAUSE_SECONDS = 2.0

log = logging.getLogger("cdp.queue")


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as Lambda passes it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class QueuePoller(PollingThread):
    """Receives from `queue_url` and invokes `function_name` with the messages."""

    name = "cdp-queue-poller"
    error_pause_seconds = ERROR_PAUSE_SECONDS

    def __init__(self, client: Any, queue_url: str, invoke: Invoke, function_name: str, region: str) -> None:
        self.client, self.queue_url, self.invoke, self.function_name = client, queue_url, invoke, function_name
        self.region = region
        self._queue_arn = ""
        super().__init__()

    def poll(self) -> None:
        self._queue_arn = self._queue_arn or self._arn()
        self.poll_once(self._queue_arn)

    def _arn(self) -> str:
        answer = self.client.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        return str(answer["Attributes"]["QueueArn"])

    def poll_once(self, arn: str, wait_seconds: int = WAIT_SECONDS) -> int:
        """One receive and, when it got messages, one invocation; the number of messages handed on."""
        messages = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        records = [lambda_record(message, arn, self.region) for message in messages]
        try:
            result, errored = self.invoke(self.function_name, {"Records": records})
        except Exception as error:
            result, errored = {"errorMessage": str(error), "errorType": type(error).__name__}, True
        if errored:
            log.warning(
                "%s failed on %d messages (%s: %s); they come back after the visibility timeout",
                self.function_name,
                len(records),
                result.get("errorType"),
                result.get("errorMessage"),
            )
            return len(records)
        failed = {item.get("itemIdentifier") for item in (result or {}).get("batchItemFailures", [])}
        done = [
            {"Id": str(number), "ReceiptHandle": message["ReceiptHandle"]}
            for number, message in enumerate(messages)
            if message["MessageId"] not in failed
        ]
        if done:
            self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
        log.debug("%s: %s", self.function_name, json.dumps({"handled": len(done), "failed": len(failed)}))
        return len(records)
