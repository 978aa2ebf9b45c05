"""The path of an event to a webhook (docs/architecture.md, "Webhooks: delivery"): the table's stream
to the dispatcher, the delivery queue to the delivery function, a signed POST to a real local HTTP
server, and what the deliveries API shows; retries, the dead-letter queue, 410 and disabling.

Functions run as the local stack runs them: the stream's records (read from the in-process
emulator's stream) go to the dispatcher function, the queue's messages go through the local queue
poller to the delivery function. SQS hides a failed message for its retry's delay in real time;
`Pipeline.fast_forward` makes it visible at once and moves the platform's clock by the same delay.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator
from standardwebhooks import Webhook

from contact_platform import clock, config
from contact_platform.events import stream
from contact_platform.events.catalog import schema_for
from contact_platform.services import webhook_deliveries
from contact_platform.services.webhook_attempts import JITTER, MAX_ATTEMPTS, RETRY_DELAYS
from contact_platform.workflows import EVENT_DISPATCHER, WEBHOOK_DELIVERY
from local import emulator, failure_queues
from local.emulator import dynamodb_streams
from local.failure_queues import redispatch
from local.lambda_runtime import direct_invoker
from local.queue_poller import QueuePoller
from local.resources import functions_by_name, trigger_function_name
from local.stream_poller import lambda_record, streams_client
from tests.support.faults import settings_changed
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests, dynamodb_requests_of_every_thread


class Receiver:
    """A local HTTP server answering each POST with the next of `answers` (then the last one again)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = [(200, {})]
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status, headers = receiver.answers[min(len(receiver.received), len(receiver.answers)) - 1]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(f"answer {len(receiver.received)}".encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, *statuses: int | tuple[int, dict[str, str]]) -> None:
        self.answers = [status if isinstance(status, tuple) else (status, {}) for status in statuses]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


class Pipeline:
    """Stream -> dispatcher -> queue -> delivery, one step at a time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.offset = timedelta()
        self.streams = streams_client(None, os.environ["AWS_REGION"])
        self.sqs = boto3.client("sqs")
        self.queue_url = config.settings().webhook_queue_url
        self.dead_letter_url = config.settings().webhook_dead_letter_queue_url
        self.arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.invoke = direct_invoker(functions_by_name())
        self.retried: dict[str, str] = {}  # messageId -> receipt handle of messages the function reported failed
        self.positions: dict[str, str] = {}

    def stream_records(self) -> list[dict[str, Any]]:
        """The stream's records not read before that the dispatcher's filter passes, in Lambda's shape."""
        arn = self.streams.list_streams(TableName=os.environ["TABLE_NAME"])["Streams"][0]["StreamArn"]
        records = []
        for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            start = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.positions[shard_id]}
                if shard_id in self.positions
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **start)["ShardIterator"]
            for record in self.streams.get_records(ShardIterator=iterator)["Records"]:
                self.positions[shard_id] = record["dynamodb"]["SequenceNumber"]
                shaped = lambda_record(record, arn)
                if stream.matches(shaped):
                    records.append(shaped)
        return records

    def dispatch(self, records: list[dict[str, Any]] | None = None) -> int:
        result, errored = self.invoke(trigger_function_name(EVENT_DISPATCHER), {"Records": records or []})
        assert not errored, result
        return int(result["deliveriesQueued"])

    def _invoke_delivery(self, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        result, errored = self.invoke(name, event)
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        for record in event["Records"]:
            if record["messageId"] in failed:
                self.retried[record["messageId"]] = record["receiptHandle"]
        return result, errored

    def deliver(self) -> int:
        """Hand every visible message of the queue to the delivery function; the number handed on."""
        poller = QueuePoller(
            self.sqs, self.queue_url, self._invoke_delivery, trigger_function_name(WEBHOOK_DELIVERY), "eu-central-1"
        )
        handed = 0
        while (count := poller.poll_once(self.arn, wait_seconds=0)) > 0:
            handed += count
        return handed

    def run(self) -> int:
        """What the stream holds, dispatched and delivered."""
        self.dispatch(self.stream_records())
        return self.deliver()

    def fast_forward(self, seconds: float) -> None:
        """`seconds` pass: the platform's clock moves on, and the messages waiting for a retry are visible."""
        self.offset += timedelta(seconds=seconds)
        offset = self.offset
        self.monkeypatch.setattr(clock, "now", lambda: datetime.now(UTC) + offset)
        for handle in self.retried.values():
            self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
        self.retried.clear()

    def invisible(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def dead_letters(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.dead_letter_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]


@pytest.fixture
def pipeline(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    emulator.install()
    yield Pipeline(monkeypatch)
    dynamodb_streams.configure()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _webhook(api: Api, key: str, url: str, event: str = "*") -> dict[str, Any]:
    reply = api.post("/api/v1/webhooks", key=key, json={"event": event, "targetUrl": url})
    assert reply.status == 201, reply.body
    webhook: dict[str, Any] = reply.data
    return webhook


def _deliveries(api: Api, key: str, webhook: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    reply = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", key=key, params=params)
    assert reply.status == 200, reply.body
    deliveries: list[dict[str, Any]] = reply.data
    return deliveries


def _valid(event: dict[str, Any]) -> dict[str, Any]:
    validator = Draft202012Validator(schema_for(event["type"]), format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(event)
    return event


def test_a_created_contact_reaches_the_webhook_signed_and_the_delivery_shows_the_attempt(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url, "contact.*")
    contact = api.create_contact(key, name="Hook Heidi", emails=["heidi@example.com"])

    assert pipeline.run() == 1
    [(headers, body)] = receiver.received
    event = Webhook(webhook["secret"]).verify(body, headers)  # what a subscriber does, with the PyPI package
    assert event == _valid(event)
    listed = api.get("/api/v1/events", key=key, params={"type": "contact.created"}).data[0]
    assert event == listed and event["data"] == contact
    assert headers["webhook-id"] == event["id"]
    assert headers["content-type"] == "application/json"

    [delivery] = _deliveries(api, key, webhook)
    assert delivery["eventId"] == event["id"] and delivery["eventType"] == "contact.created"
    assert delivery["status"] == "succeeded" and delivery["nextAttemptAt"] is None
    [attempt] = delivery["attempts"]
    assert attempt["number"] == 1 and attempt["responseStatus"] == 200 and attempt["responseBody"] == "answer 1"
    assert attempt["error"] is None and attempt["durationMs"] >= 0
    one = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}", key=key)
    assert one.status == 200 and one.data == delivery
    assert pipeline.invisible() == 0 and pipeline.deliver() == 0, "the message is deleted"


def test_each_event_goes_to_the_active_webhooks_of_its_tenant_that_subscribe_to_its_type(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    everything = _webhook(api, key, receiver.url + "/all", "*")
    contacts = _webhook(api, key, receiver.url + "/contacts", "contact.*")
    deals = _webhook(api, key, receiver.url + "/deals", "deal.won")
    inactive = _webhook(api, key, receiver.url + "/off", "*")
    api.patch(f"/api/v1/webhooks/{inactive['id']}", key=key, json={"active": False})
    others = _webhook(api, other_admin["apiKey"], receiver.url + "/other", "*")
    api.create_contact(key, name="Only Contacts")

    assert pipeline.run() == 2
    assert [len(_deliveries(api, key, hook)) for hook in (everything, contacts, deals, inactive)] == [1, 1, 0, 0]
    assert _deliveries(api, other_admin["apiKey"], others) == []
    assert {event["tenantId"] for event in receiver.events()} == {admin["tenantId"]}
    assert {event["type"] for event in receiver.events()} == {"contact.created"}, "nothing from before the webhooks"


def test_a_batch_dispatched_twice_is_delivered_once(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    api.create_contact(key, name="Twice")
    records = pipeline.stream_records()
    assert pipeline.dispatch(records) == 1
    assert pipeline.deliver() == 1
    assert pipeline.dispatch(records) == 1, "the stream hands a failed batch on again: the messages go out again"
    assert pipeline.deliver() == 1
    assert len(receiver.received) == 1, "the second message finds its delivery made"
    [delivery] = _deliveries(api, key, webhook)
    assert len(delivery["attempts"]) == 1


def test_a_failed_attempt_is_retried_after_its_delay_and_a_success_ends_the_run(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    receiver.answer(500, 200)
    api.create_contact(key, name="Retry Rita")
    pipeline.run()
    [delivery] = _deliveries(api, key, webhook)
    assert delivery["status"] == "pending" and delivery["lastError"] == "The target answered 500."
    first = delivery["attempts"][0]
    delay = (clock.parse_iso(delivery["nextAttemptAt"]) - clock.parse_iso(first["attemptedAt"])).total_seconds()
    assert RETRY_DELAYS[0] * (1 - JITTER) <= delay <= RETRY_DELAYS[0] * (1 + JITTER)
    assert pipeline.invisible() == 1 and pipeline.deliver() == 0, "the message waits for its delay"
    failing = api.get(f"/api/v1/webhooks/{webhook['id']}", key=key).data
    assert failing["active"] is True

    pipeline.fast_forward(delay)
    assert pipeline.deliver() == 1
    [delivery] = _deliveries(api, key, webhook)
    assert delivery["status"] == "succeeded" and delivery["lastError"] is None
    assert [a["responseStatus"] for a in delivery["attempts"]] == [500, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2]
    first_id, second_id = (headers["webhook-id"] for headers, _ in receiver.received)
    assert first_id == second_id, "a receiver dedupes on webhook-id"
    assert _webhook_item(admin["tenantId"], webhook["id"]).get("failingSince") is None


def _webhook_item(tenant_id: str, webhook_id: str) -> dict[str, Any]:
    from contact_platform.store.webhooks import get_webhook

    item = get_webhook(tenant_id, webhook_id)
    assert item is not None
    return dict(item.attribute_values)


def test_a_delivery_out_of_attempts_is_failed_and_dead_lettered_with_its_last_error(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    receiver.answer(503)
    api.create_contact(key, name="Never Nora")
    pipeline.run()
    delays = []
    for _ in range(MAX_ATTEMPTS - 1):
        [delivery] = _deliveries(api, key, webhook)
        last = clock.parse_iso(delivery["attempts"][-1]["attemptedAt"])
        delays.append((clock.parse_iso(delivery["nextAttemptAt"]) - last).total_seconds())
        pipeline.fast_forward(delays[-1])
        assert pipeline.deliver() == 1
    for delay, planned in zip(delays, RETRY_DELAYS, strict=True):
        assert planned * (1 - JITTER) <= delay <= planned * (1 + JITTER)

    [delivery] = _deliveries(api, key, webhook, status="failed")
    assert len(delivery["attempts"]) == MAX_ATTEMPTS and delivery["nextAttemptAt"] is None
    assert delivery["lastError"] == "The target answered 503."
    [dead] = pipeline.dead_letters()
    assert dead == {
        "tenantId": admin["tenantId"],
        "webhookId": webhook["id"],
        "deliveryId": delivery["id"],
        "eventId": delivery["eventId"],
        "eventType": "contact.created",
        "attempts": MAX_ATTEMPTS,
        "lastError": "The target answered 503.",
    }
    assert pipeline.invisible() == 0 and pipeline.deliver() == 0
    assert _deliveries(api, key, webhook, status="pending") == []


def test_410_fails_the_delivery_and_disables_the_webhook_at_once(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    receiver.answer(410)
    api.create_contact(key, name="Gone Greta")
    pipeline.run()
    [delivery] = _deliveries(api, key, webhook)
    assert delivery["status"] == "failed" and delivery["attempts"][0]["responseStatus"] == 410
    disabled = api.get(f"/api/v1/webhooks/{webhook['id']}", key=key).data
    assert disabled["active"] is False and "410 Gone" in disabled["disabledReason"]
    assert disabled["version"] == webhook["version"] + 1
    assert pipeline.dead_letters() == [], "the subscriber asked for no more: nothing to look into"
    audit = api.get("/api/v1/admin/audit-log", key=key, params={"entityId": webhook["id"]}).data
    assert "webhook.disabled" in {entry["action"] for entry in audit}

    api.create_contact(key, name="After")
    assert pipeline.run() == 0, "a disabled webhook gets no deliveries"
    assert api.post(f"/api/v1/webhooks/{webhook['id']}/test", key=key).status == 409


def test_deliveries_failing_for_three_days_disable_the_webhook(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    receiver.answer(500)
    api.create_contact(key, name="First")
    pipeline.run()
    started = _webhook_item(admin["tenantId"], webhook["id"])["failing_since"]
    assert started is not None
    pipeline.fast_forward(timedelta(days=2, hours=23).total_seconds())
    api.create_contact(key, name="Second")
    pipeline.run()
    assert api.get(f"/api/v1/webhooks/{webhook['id']}", key=key).data["active"] is True
    pipeline.fast_forward(timedelta(hours=1).total_seconds())
    pipeline.deliver()
    disabled = api.get(f"/api/v1/webhooks/{webhook['id']}", key=key).data
    assert disabled["active"] is False and started in disabled["disabledReason"]
    pending = _deliveries(api, key, webhook, status="pending")
    pipeline.fast_forward(RETRY_DELAYS[-1])
    pipeline.deliver()
    assert _deliveries(api, key, webhook, status="pending") == []
    for delivery in pending:
        closed = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}", key=key).data
        assert closed["status"] == "failed" and closed["lastError"].startswith("The webhook is disabled")

    reactivated = api.patch(f"/api/v1/webhooks/{webhook['id']}", key=key, json={"active": True}).data
    assert reactivated["active"] is True and reactivated["disabledReason"] is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((302, {"Location": "http://169.254.169.254/latest/meta-data/"}), "redirect to http://169.254.169.254"),
        (404, "The target answered 404."),
    ],
)
def test_redirects_and_other_answers_are_failed_attempts(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver, answer: Any, error: str
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    receiver.answer(answer)
    api.create_contact(key, name="Redirected")
    pipeline.run()
    [delivery] = _deliveries(api, key, webhook)
    assert delivery["status"] == "pending" and error in delivery["attempts"][0]["error"]
    assert len(receiver.received) == 1, "the redirect is not followed"


def test_a_target_refused_at_delivery_time_is_a_failed_attempt_without_a_request(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)  # allowed in dev mode only
    api.create_contact(key, name="Refused")
    with settings_changed(**{config.ENV_DEV_MODE: "false"}):
        pipeline.run()
    [delivery] = _deliveries(api, key, webhook)
    [attempt] = delivery["attempts"]
    assert attempt["responseStatus"] is None and attempt["error"].startswith("The target was refused:")
    assert "https://" in attempt["error"]
    assert receiver.received == []


def test_redeliver_sends_a_finished_delivery_again_and_test_sends_a_test_event(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url, "deal.won")
    test = api.post(f"/api/v1/webhooks/{webhook['id']}/test", key=key)
    assert test.status == 202 and test.data["status"] == "pending" and test.data["eventType"] == "webhook.test"
    base = f"/api/v1/webhooks/{webhook['id']}/deliveries/{test.data['id']}"
    assert api.post(f"{base}/redeliver", key=key).status == 409, "pending: its attempt is planned"
    assert pipeline.deliver() == 1
    [event] = receiver.events()
    assert _valid(event)["type"] == "webhook.test" and event["data"]["webhookId"] == webhook["id"]

    again = api.post(f"{base}/redeliver", key=key)
    assert again.status == 202 and again.data["status"] == "pending"
    assert pipeline.deliver() == 1
    delivered = api.get(base, key=key).data
    assert delivered["status"] == "succeeded" and [a["number"] for a in delivered["attempts"]] == [1, 2]
    assert receiver.events()[1] == event, "the same event, byte for byte the same body"
    assert api.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/dlv_unknown/redeliver", key=key).status == 404


def test_a_deleted_webhook_s_pending_deliveries_are_dropped(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    api.create_contact(key, name="Orphan")
    pipeline.dispatch(pipeline.stream_records())
    assert api.delete(f"/api/v1/webhooks/{webhook['id']}", key=key).status == 200
    assert pipeline.deliver() == 1
    assert receiver.received == [] and pipeline.dead_letters() == []


def _waiting_for_each_other() -> tuple[type[http.server.BaseHTTPRequestHandler], dict[str, bool]]:
    """A handler whose `/a` and `/b` each answer once the other has received its event (at most 8 s
    later), and what each saw: both see the other only when their attempts run side by side."""
    arrived = {"/a": threading.Event(), "/b": threading.Event()}
    saw_the_other: dict[str, bool] = {}

    class Waiting(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            arrived[self.path].set()
            other = "/b" if self.path == "/a" else "/a"
            saw_the_other[self.path] = arrived[other].wait(timeout=8)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Waiting, saw_the_other


def test_the_attempts_of_a_batch_run_side_by_side(api: Api, admin: dict[str, Any], pipeline: Pipeline) -> None:
    """A slow target (each waits for the other here) holds up no other delivery of its batch."""
    handler, saw_the_other = _waiting_for_each_other()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        key = admin["apiKey"]
        hooks = [_webhook(api, key, f"http://127.0.0.1:{server.server_port}{path}") for path in ("/a", "/b")]
        api.create_contact(key, name="Side by side")
        assert pipeline.run() == 2
    finally:
        server.shutdown()
        server.server_close()
    assert saw_the_other == {"/a": True, "/b": True}, "one attempt waited for the other to end first"
    for hook in hooks:
        assert [delivery["status"] for delivery in _deliveries(api, key, hook)] == ["succeeded"]


def test_malformed_messages_go_to_the_dead_letter_queue(pipeline: Pipeline) -> None:
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody="not json")
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody='{"tenantId": "ten_x"}')
    assert pipeline.deliver() == 2
    assert [dead["lastError"] for dead in pipeline.dead_letters()] == ["not a delivery message"] * 2
    assert pipeline.invisible() == 0


def test_deliveries_list_pages_and_filters(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url)
    made = [api.post(f"/api/v1/webhooks/{webhook['id']}/test", key=key).data["id"] for _ in range(3)]
    first = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", key=key, params={"limit": 2})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    second = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", key=key, params={"limit": 2, "cursor": cursor})
    assert [d["id"] for d in first.data + second.data] == made[::-1], "newest first"
    assert _deliveries(api, key, webhook, status="succeeded") == []
    pipeline.deliver()
    assert len(_deliveries(api, key, webhook, status="succeeded")) == 3
    for bad in ({"status": "done"}, {"unknown": "1"}):
        assert api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", key=key, params=bad).status in (400, 422)


def test_requests_per_dispatched_event_and_per_attempt(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    """The budgets of docs/data-model.md: a batch reads each tenant's webhooks once; an attempt reads
    the delivery, the webhook and the event, and records itself."""
    key = admin["apiKey"]
    for path in ("/a", "/b"):
        _webhook(api, key, receiver.url + path)
    for name in ("One", "Two", "Three"):
        api.create_contact(key, name=name)
    records = pipeline.stream_records()
    with dynamodb_requests() as dispatching:
        assert pipeline.dispatch(records) == 6
    assert dispatching == {"Query": 1, "PutItem": 6}
    with dynamodb_requests_of_every_thread() as delivering:
        assert pipeline.deliver() == 6
    assert delivering == {"GetItem": 18, "UpdateItem": 6}, "the event by its entry's key: a consistent read"


def _failure_message(pipeline: Pipeline, records: list[dict[str, Any]], *, last: str | None = None) -> str:
    """What Lambda's stream mapping sends its on-failure queue for a batch from `records[0]` to
    `records[-1]` (or to sequence number `last`) that failed every retry: the batch's position."""
    arn = records[0]["eventSourceARN"]
    (shard,) = pipeline.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    first, final = records[0]["dynamodb"]["SequenceNumber"], last or records[-1]["dynamodb"]["SequenceNumber"]
    return json.dumps(
        {
            "requestContext": {
                "requestId": "a1b2c3d4-0000-4000-8000-000000000000",
                "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:EventDispatcher",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 11,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": "2026-12-07T05:00:00.000Z",
            "DDBStreamBatchInfo": {
                "shardId": shard["ShardId"],
                "startSequenceNumber": first,
                "endSequenceNumber": final,
                "approximateArrivalOfFirstRecord": "2026-12-07T04:59:58Z",
                "approximateArrivalOfLastRecord": "2026-12-07T04:59:59Z",
                "batchSize": len(records),
                "streamArn": arn,
            },
        }
    )


def _failures_queue(pipeline: Pipeline, *bodies: str) -> str:
    """A failure queue of its own holding `bodies`."""
    url: str = pipeline.sqs.create_queue(QueueName=f"dispatch-failures-{uuid.uuid4().hex}")["QueueUrl"]
    for body in bodies:
        pipeline.sqs.send_message(QueueUrl=url, MessageBody=body)
    return url


def _waiting(pipeline: Pipeline, url: str) -> list[str]:
    messages = pipeline.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [message["Body"] for message in messages.get("Messages", [])]


def test_a_batch_the_dispatcher_gave_up_on_is_dispatched_again_from_its_failure_message(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    """`cdp events redispatch`: the failure message names the batch's stream range (with the
    contacts' own records between the events); its events reach the webhook, once however often."""
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url, "contact.created")
    contacts = [api.create_contact(key, name=f"Lost {n}") for n in range(2)]
    records = pipeline.stream_records()  # never handed to the dispatcher: it "failed" on them
    url = _failures_queue(pipeline, _failure_message(pipeline, records))
    dispatcher = trigger_function_name(EVENT_DISPATCHER)

    report = redispatch(pipeline.sqs, pipeline.streams, pipeline.invoke, url, dispatcher)
    # The events of the range (the admin's user.created from before the webhook too), not its other records
    assert (report.handled, report.events, report.kept) == (1, len(records), [])
    assert _waiting(pipeline, url) == [], "the message is deleted"
    assert pipeline.deliver() == 2
    assert sorted(event["data"]["id"] for event in receiver.events()) == sorted(c["id"] for c in contacts)

    again = _failures_queue(pipeline, _failure_message(pipeline, records))  # an operator runs it twice
    assert redispatch(pipeline.sqs, pipeline.streams, pipeline.invoke, again, dispatcher).events == len(records)
    pipeline.deliver()  # the messages queued again find their deliveries made
    assert len(receiver.received) == 2 and len(_deliveries(api, key, webhook)) == 2, "no second delivery"


def test_a_failure_message_that_cannot_be_dispatched_again_stays_in_the_queue_with_the_reason(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    _webhook(api, key, receiver.url)
    api.create_contact(key, name="Stuck")
    records = pipeline.stream_records()
    beyond = str(int(records[-1]["dynamodb"]["SequenceNumber"]) + 10**6)
    bodies = ["not json", json.dumps({"version": "1.0"}), _failure_message(pipeline, records, last=beyond)]
    url = _failures_queue(pipeline, *bodies)
    dispatcher = trigger_function_name(EVENT_DISPATCHER)

    report = redispatch(pipeline.sqs, pipeline.streams, pipeline.invoke, url, dispatcher)
    assert (report.handled, report.events) == (0, 0)
    reasons = sorted(line.partition(": ")[2] for line in report.kept)
    assert reasons == [
        "not a stream batch's position (no DDBStreamBatchInfo)",
        "not a stream batch's position (no DDBStreamBatchInfo)",
        f"the stream's records end before its last one ({beyond}); its events are listed by GET /api/v1/events "
        "for 30 days",
    ]
    assert sorted(_waiting(pipeline, url)) == sorted(bodies), "kept, and visible again for the next run"

    pipeline.sqs.delete_queue(QueueUrl=pipeline.queue_url)  # the cause not fixed yet: the dispatcher fails again
    failing = _failures_queue(pipeline, _failure_message(pipeline, records))
    [line] = redispatch(pipeline.sqs, pipeline.streams, pipeline.invoke, failing, dispatcher).kept
    assert "the dispatcher failed again: " in line
    assert len(_waiting(pipeline, failing)) == 1


def _fail_every_attempt(api: Api, key: str, pipeline: Pipeline, webhook: dict[str, Any]) -> None:
    """Every pending delivery of the webhook through its last attempt (the receiver answering errors)."""
    while pending := _deliveries(api, key, webhook, status="pending"):
        nearest = min(clock.parse_iso(delivery["nextAttemptAt"]) for delivery in pending if delivery["nextAttemptAt"])
        pipeline.fast_forward((nearest - clock.now()).total_seconds() + 1)
        pipeline.deliver()


def _missed_while_paused(api: Api, key: str, receiver: Receiver, count: int) -> tuple[dict[str, Any], str]:
    """A webhook of contact.created paused while `count` contacts are created, then on again; and
    the moment before."""
    since = clock.iso(clock.now())
    webhook = _webhook(api, key, receiver.url, "contact.created")
    api.patch(f"/api/v1/webhooks/{webhook['id']}", key=key, json={"active": False})
    for n in range(count):
        api.create_contact(key, name=f"Missed {n}")
    api.patch(f"/api/v1/webhooks/{webhook['id']}", key=key, json={"active": True})
    return webhook, since


def test_recover_sends_what_the_webhook_missed_while_disabled_and_what_failed(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    webhook = _webhook(api, key, receiver.url, "contact.created")
    since = clock.iso(clock.now())
    received = api.create_contact(key, name="Received Rita")
    pipeline.run()
    receiver.answer(503)
    failed = api.create_contact(key, name="Failed Fritz")
    pipeline.run()
    _fail_every_attempt(api, key, pipeline, webhook)
    api.patch(f"/api/v1/webhooks/{webhook['id']}", key=key, json={"active": False})
    missed = api.create_contact(key, name="Missed Mia")
    api.create_contact(key, name="Also Missed")
    assert pipeline.run() == 0, "a disabled webhook gets no deliveries"
    disabled = api.post(f"/api/v1/webhooks/{webhook['id']}/recover", key=key, json={"since": since})
    assert disabled.status == 409
    api.patch(f"/api/v1/webhooks/{webhook['id']}", key=key, json={"active": True})
    receiver.answer(200)
    receiver.received.clear()

    reply = api.post(f"/api/v1/webhooks/{webhook['id']}/recover", key=key, json={"since": since})
    assert reply.status == 202, reply.body
    assert reply.data == {"queued": 3, "skipped": 1, "nextCursor": None}
    assert pipeline.deliver() == 3
    names = sorted(event["data"]["name"] for event in receiver.events())
    assert names == sorted([failed["name"], missed["name"], "Also Missed"])
    assert received["name"] not in names, "what it received is not sent again"
    assert {d["status"] for d in _deliveries(api, key, webhook)} == {"succeeded"}

    again = api.post(f"/api/v1/webhooks/{webhook['id']}/recover", key=key, json={"since": since})
    assert again.data == {"queued": 0, "skipped": 4, "nextCursor": None}


def test_recover_goes_page_by_page_and_refuses_what_it_cannot_do(
    api: Api,
    admin: dict[str, Any],
    other_admin: dict[str, Any],
    pipeline: Pipeline,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = admin["apiKey"]
    webhook, since = _missed_while_paused(api, key, receiver, 3)
    monkeypatch.setattr(webhook_deliveries, "RECOVER_PAGE", 2)  # two events' audit entries a call
    at = f"/api/v1/webhooks/{webhook['id']}/recover"
    queued, body = 0, {"since": since}
    for _ in range(10):
        reply = api.post(at, key=key, json=body)
        assert reply.status == 202, reply.body
        queued += reply.data["queued"]
        if reply.data["nextCursor"] is None:
            break
        body = {"since": since, "cursor": reply.data["nextCursor"]}
    assert queued == 3 and pipeline.deliver() == 3
    other_since = {"since": clock.iso(clock.now() - timedelta(hours=1)), "cursor": body.get("cursor", "x")}
    assert api.post(at, key=key, json=other_since).status == 400, "a cursor goes on only with its own since"

    long_ago = api.post(at, key=key, json={"since": clock.iso(clock.now() - timedelta(days=31))})
    assert long_ago.status == 422
    assert long_ago.error["details"] == [{"field": "since", "issue": "at most 30 days ago: events are kept 30 days"}]
    assert api.post(at, key=key, json={}).error["details"] == [{"field": "since", "issue": "required"}]
    assert api.post(at, key=key, json={"since": "2030-01-01T00:00:00Z"}).status == 422  # in the future
    foreign = api.post(at, key=other_admin["apiKey"], json={"since": since})
    assert (foreign.status, foreign.error["message"]) == (404, "Webhook not found")


def test_requests_of_a_recover(api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver) -> None:
    """A page of events is one Query and one BatchGetItem, whatever it holds; a write per event sent."""
    key = admin["apiKey"]
    webhook, since = _missed_while_paused(api, key, receiver, 3)
    with dynamodb_requests() as sent:
        reply = api.post(f"/api/v1/webhooks/{webhook['id']}/recover", key=key, json={"since": since})
    assert reply.data["queued"] == 3
    assert sent == {"UpdateItem": 1, "GetItem": 1, "Query": 1, "BatchGetItem": 1, "PutItem": 3}
    with dynamodb_requests() as sent:
        assert api.post(f"/api/v1/webhooks/{webhook['id']}/recover", key=key, json={"since": since}).data["queued"] == 0
    assert sent == {"UpdateItem": 1, "GetItem": 1, "Query": 1, "BatchGetItem": 1}


def test_a_run_ends_when_its_kept_messages_come_round(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run longer than a read message stays hidden meets its kept ones again: it ends there."""
    monkeypatch.setattr(failure_queues, "RECEIVE_VISIBILITY_SECONDS", 0)  # visible again at once
    url = _failures_queue(pipeline, "not json")
    report = redispatch(pipeline.sqs, pipeline.streams, pipeline.invoke, url, trigger_function_name(EVENT_DISPATCHER))
    assert (report.handled, len(report.kept)) == (0, 1)
    assert _waiting(pipeline, url) == ["not json"]
