"""Webhooks: from an API write to the subscriber's receipt of its event, on the local stack.

A subscriber of a few lines listens on 127.0.0.1 (a `ThreadingHTTPServer` answering 200) in the
bench's process; a webhook of the bench's tenant subscribes it to `contact.created`. Each POST it
receives is timed on arrival, its signature verified with the `standardwebhooks` package (as a
subscriber does), and matched to its contact by the event's `data.id`.

- warm-up: one create and its receipt, not counted (the dispatcher and delivery functions' first
  imports, and the stream records the parts before this one left behind: the stream is read in order);
- latency: N creates one after the other, each from just before its POST to the receipt of its event;
- throughput: a burst of M creates from a few threads as fast as they go, then M events over the
  seconds from the first write to the last receipt;
- where the time goes: per sequential event, from the deliveries API, the write (the event's
  `occurredAt`) to the dispatcher's delivery item (`createdAt`), to the first attempt
  (`attemptedAt`), to the receipt;
- the floor: a raw boto3 SQS send -> receive (long poll) -> delete loop on a scratch queue of the
  same emulator, M messages one after the other, and the stream's batching window
  (contact_platform/events/stream.py), which no event can beat on this path.

benchmarks/README.md, "Webhooks".
"""

from __future__ import annotations

import http.server
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import requests
from standardwebhooks import Webhook

from benchmarks.api import ApiClient, contact_body
from benchmarks.counting import RequestCounter, Requests
from benchmarks.timing import Sample, timed_map
from contact_platform.events.stream import MAXIMUM_BATCHING_WINDOW_SECONDS

HOST = "127.0.0.1"
EVENT = "contact.created"
DEFAULT_EVENTS = 12  # sequential creates (about 1.3 s each); at 20 or fewer, the p95 is the slowest
DEFAULT_BURST = 100  # creates of the burst
BURST_THREADS = 4
WAIT_SECONDS = 30.0  # for one event to arrive
SCRATCH_QUEUE = "bench-webhooks-floor"
RAW_WAIT_SECONDS = 1  # the raw receive's long poll, as the local queue poller's (local/queue_poller.py)
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Stages:
    """Medians over the sequential events, seconds (from millisecond timestamps)."""

    to_dispatch: float  # the write (event occurredAt) -> the dispatcher's delivery item (createdAt)
    to_attempt: float  # -> the delivery function's first attempt (attemptedAt)
    to_receipt: float  # -> the subscriber's receipt
    deliveries: int


@dataclass(frozen=True)
class WebhookFigures:
    warmup: float  # the first event's write -> receipt, not counted
    latency: Sample  # each sequential create: before its POST -> its event's receipt; wall: the whole run
    post: Sample  # the same creates' POSTs alone
    burst: int  # creates of the burst (M)
    threads: int
    burst_received: int  # of their events, received before the wait ended
    burst_writes: float  # seconds: first write -> last POST answered
    burst_seconds: float  # first write -> last receipt (or -> the end of the wait)
    burst_requests: Requests  # AWS requests from the burst's first write to its last receipt (pollers' included)
    raw: Sample  # raw SQS send -> receive -> delete per message, one after the other
    batching_window: float
    verified: int  # deliveries whose signature standardwebhooks accepted
    bad_signatures: int
    duplicates: int  # deliveries of an event received already (at least once)
    stages: Stages | None
    burst_stages: Stages | None  # the same over the burst's events: where its backlog waits
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.burst_received == self.burst

    @property
    def events_per_second(self) -> float:
        return self.burst_received / self.burst_seconds if self.burst_seconds else 0.0

    @property
    def writes_per_second(self) -> float:
        return self.burst / self.burst_writes if self.burst_writes else 0.0

    def requests_per_event(self) -> dict[str, float]:
        """AWS requests per burst event by service, its API create's own included."""
        by_service: Counter[str] = Counter()
        for name, count in self.burst_requests.sent.items():
            by_service[name.split(".", 1)[0]] += count
        return {service: count / self.burst for service, count in sorted(by_service.items())}


class Subscriber:
    """A subscriber on 127.0.0.1: each POST answered 200, timed on arrival, verified, kept per contact."""

    def __init__(self) -> None:
        self.secret = ""  # the webhook's, set once it is created (before any event can arrive)
        self._arrived = threading.Condition()
        self.received: dict[str, tuple[float, float, dict[str, Any]]] = {}  # contact id -> perf, epoch, event
        self.verified = self.bad_signatures = self.duplicates = 0
        subscriber = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived, epoch = time.perf_counter(), time.time()
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.end_headers()
                subscriber.record(arrived, epoch, dict(self.headers), body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self._server.server_port}/events"

    def record(self, arrived: float, epoch: float, headers: dict[str, str], body: bytes) -> None:
        try:
            event: dict[str, Any] = Webhook(self.secret).verify(body, headers)
            good = True
        except Exception:
            event, good = json.loads(body), False
        contact_id = str(event.get("data", {}).get("id"))
        with self._arrived:
            self.verified += good
            self.bad_signatures += not good
            if contact_id in self.received:
                self.duplicates += 1
            else:
                self.received[contact_id] = (arrived, epoch, event)
            self._arrived.notify_all()

    def wait_for(self, contact_ids: list[str], timeout: float) -> bool:
        """Until every one of the contacts' events has arrived (True), or `timeout` seconds (False)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: all(i in self.received for i in contact_ids), timeout)

    def arrival(self, contact_id: str) -> float:
        with self._arrived:
            return self.received[contact_id][0]

    @contextmanager
    def listening(self) -> Iterator[Subscriber]:
        thread = threading.Thread(target=self._server.serve_forever, name="bench-subscriber", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


class Webhooks:
    """The bench tenant's webhook routes, under the bench key."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def create(self, target_url: str) -> tuple[str, str]:
        """The new webhook's id and signing secret."""
        body = {"event": EVENT, "targetUrl": target_url, "description": "make bench"}
        answer = self.session.post(f"{self.base_url}/api/v1/webhooks", json=body, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        data = answer.json()["data"]
        return str(data["id"]), str(data["secret"])

    def deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
            url = f"{self.base_url}/api/v1/webhooks/{webhook_id}/deliveries"
            answer = self.session.get(url, params=params, timeout=TIMEOUT_SECONDS)
            answer.raise_for_status()
            body = answer.json()
            found += body["data"]
            cursor = body["meta"]["pagination"]["nextCursor"]
            if cursor is None:
                return found

    def delete(self, webhook_id: str) -> None:
        self.session.delete(f"{self.base_url}/api/v1/webhooks/{webhook_id}", timeout=TIMEOUT_SECONDS)


def _epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def stages(subscriber: Subscriber, deliveries: list[dict[str, Any]], contact_ids: list[str]) -> Stages | None:
    """The median seconds of each stage over the sequential events (their first attempts)."""
    by_event = {delivery["eventId"]: delivery for delivery in deliveries if delivery["attempts"]}
    gaps: list[tuple[float, float, float]] = []
    for contact_id in contact_ids:
        if contact_id not in subscriber.received:
            continue
        _, received, event = subscriber.received[contact_id]
        delivery = by_event.get(event.get("id"))
        if delivery is None:
            continue
        written, dispatched = _epoch(event["occurredAt"]), _epoch(delivery["createdAt"])
        attempted = _epoch(delivery["attempts"][0]["attemptedAt"])
        gaps.append((dispatched - written, attempted - dispatched, received - attempted))
    if not gaps:
        return None
    first, second, third = (statistics.median(stage) for stage in zip(*gaps, strict=True))
    return Stages(first, second, third, len(gaps))


def measure_latency(
    api: ApiClient, subscriber: Subscriber, run: str, events: int, notes: list[str]
) -> tuple[Sample, Sample, list[str]]:
    latencies: list[float] = []
    posts: list[float] = []
    contact_ids: list[str] = []
    errors: Counter[str] = Counter()
    started = time.perf_counter()
    for index in range(events):
        sent = time.perf_counter()
        contact_id = api.create(contact_body(run, index))
        posts.append(time.perf_counter() - sent)
        if not subscriber.wait_for([contact_id], WAIT_SECONDS):
            errors[f"no event within {WAIT_SECONDS:.0f} s"] += 1
            notes.append(f"webhooks: the event of sequential create {index + 1} did not arrive in {WAIT_SECONDS:.0f} s")
            break
        latencies.append(subscriber.arrival(contact_id) - sent)
        contact_ids.append(contact_id)
    wall = time.perf_counter() - started
    return Sample(tuple(latencies), wall, errors), Sample(tuple(posts), wall), contact_ids


def measure_burst(
    api: ApiClient, subscriber: Subscriber, run: str, burst: int, threads: int, notes: list[str]
) -> tuple[list[str], float, float]:
    """(contacts whose event arrived, first write -> last POST answered, first write -> last receipt
    or the end of the wait)."""
    bodies = [contact_body(run, index) for index in range(burst)]
    started = time.perf_counter()
    contact_ids, _ = timed_map(api.create, bodies, threads)
    writes = time.perf_counter() - started
    timeout = WAIT_SECONDS + burst * 0.5  # far above what the pipeline needs (benchmarks/README.md, "Webhooks")
    if len(contact_ids) < burst:
        notes.append(f"webhooks: {burst - len(contact_ids)} of the burst's {burst} creates failed")
    if not subscriber.wait_for(contact_ids, timeout):
        received = [contact_id for contact_id in contact_ids if contact_id in subscriber.received]
        notes.append(
            f"webhooks: only {len(received)} of the burst's {burst} events arrived within {timeout:.0f} s "
            "of its last write"
        )
        return received, writes, time.perf_counter() - started
    last = max(subscriber.arrival(contact_id) for contact_id in contact_ids)
    return contact_ids, writes, last - started


def measure_raw_queue(endpoint: str, region: str, messages: int) -> Sample:
    """The floor under the delivery queue: send, long-poll receive and delete each message, one at a time."""
    sqs: Any = boto3.client("sqs", endpoint_url=endpoint, region_name=region)
    url = sqs.create_queue(QueueName=SCRATCH_QUEUE)["QueueUrl"]
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    try:
        started = time.perf_counter()
        for index in range(messages):
            sent = time.perf_counter()
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": index}))
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=RAW_WAIT_SECONDS)
            received = got.get("Messages", [])
            if not received:
                errors["not received"] += 1
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])
            latencies.append(time.perf_counter() - sent)
        return Sample(tuple(latencies), time.perf_counter() - started, errors)
    finally:
        sqs.delete_queue(QueueUrl=url)


def measure(
    api: ApiClient,
    key: str,
    aws_endpoint: str,
    region: str,
    events: int,
    burst: int,
    progress: Callable[[str], None],
    counter: RequestCounter | None = None,
    threads: int = BURST_THREADS,
) -> WebhookFigures:
    notes: list[str] = []
    burst_requests = Requests()
    hooks = Webhooks(api.base_url, key)
    subscriber = Subscriber()
    with subscriber.listening():
        webhook_id, subscriber.secret = hooks.create(subscriber.url)
        try:
            progress("webhooks: warm-up event")
            sent = time.perf_counter()
            first = api.create(contact_body("hookwarm", 0))
            if subscriber.wait_for([first], WAIT_SECONDS * 4):  # may wait for earlier parts' stream records
                warmup = subscriber.arrival(first) - sent
            else:
                warmup = float("nan")
                notes.append(f"webhooks: the warm-up event did not arrive in {WAIT_SECONDS * 4:.0f} s")
            progress(f"webhooks: {events} creates one after the other")
            latency, post, contact_ids = measure_latency(api, subscriber, "hookseq", events, notes)
            progress(f"webhooks: a burst of {burst} creates from {threads} threads")
            counting: AbstractContextManager[Requests | None] = counter.measure() if counter else nullcontext()
            with counting as counted:
                burst_ids, writes, seconds = measure_burst(api, subscriber, "hookburst", burst, threads, notes)
            burst_requests = counted or burst_requests
            deliveries = hooks.deliveries(webhook_id)
        finally:
            hooks.delete(webhook_id)
    progress(f"webhooks: raw SQS send -> receive -> delete, {burst} messages")
    raw = measure_raw_queue(aws_endpoint, region, burst)
    return WebhookFigures(
        warmup,
        latency,
        post,
        burst,
        threads,
        len(burst_ids),
        writes,
        seconds,
        burst_requests,
        raw,
        float(MAXIMUM_BATCHING_WINDOW_SECONDS),
        subscriber.verified,
        subscriber.bad_signatures,
        subscriber.duplicates,
        stages(subscriber, deliveries, contact_ids),
        stages(subscriber, deliveries, burst_ids),
        notes,
    )
