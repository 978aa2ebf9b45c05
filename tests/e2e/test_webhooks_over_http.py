"""Events reach a subscriber on this machine through the running stack (docs/architecture.md,
"Webhooks: delivery"): a few lines of Python receive them, the `standardwebhooks` package verifies
them, the deliveries API shows the attempts, a failing subscriber gets the event again, and
`cdp webhooks listen` prints verified events. Local only: a deployed stage cannot reach 127.0.0.1."""

from __future__ import annotations

import http.server
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.support.stack import Stack, serve_environment

pytestmark = pytest.mark.xdist_group("stack")
WAIT = 30.0  # seconds at most; a delivery takes about one (the stream's one-second batching window)


@pytest.fixture
def local(stack: Stack) -> Stack:
    if stack.output is None:
        pytest.skip("CDP_E2E_BASE_URL points at a deployed stage: it cannot deliver to 127.0.0.1")
    return stack


@pytest.fixture
def subscriber() -> Iterator[tuple[str, queue.Queue[tuple[dict[str, str], bytes]], list[int]]]:
    """A subscriber in a few lines: every POST goes into a queue; it answers the statuses given, then 200s."""
    received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
    statuses: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.put((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(statuses.pop(0) if statuses else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/events", received, statuses
    server.shutdown()
    server.server_close()


def _tenant(stack: Stack) -> str:
    body = {"role": "admin", "newTenant": True}
    key: str = stack.session().post(f"{stack.base_url}/dev/token", json=body, timeout=30).json()["data"]["apiKey"]
    return key


def test_a_subscriber_receives_a_signed_event_about_a_second_after_the_write_and_sees_the_delivery(
    local: Stack, subscriber: Any
) -> None:
    url, received, _ = subscriber
    http = local.session(_tenant(local))
    hook = http.post(
        f"{local.base_url}/api/v1/webhooks", json={"event": "contact.created", "targetUrl": url}, timeout=30
    )
    assert hook.status_code == 201, hook.text
    webhook = hook.json()["data"]

    contact = http.post(f"{local.base_url}/api/v1/contacts", json={"name": "Wanda Webhook"}, timeout=30).json()["data"]
    headers, body = received.get(timeout=WAIT)
    event = Webhook(webhook["secret"]).verify(body, headers)
    assert event["type"] == "contact.created" and event["data"]["id"] == contact["id"]

    deliveries = f"{local.base_url}/api/v1/webhooks/{webhook['id']}/deliveries"
    deadline = time.monotonic() + WAIT
    while (listed := http.get(deliveries, timeout=30).json()["data"])[0]["status"] == "pending":
        assert time.monotonic() < deadline, listed
        time.sleep(0.1)
    [delivery] = listed
    assert delivery["status"] == "succeeded" and delivery["eventId"] == event["id"]
    assert [attempt["responseStatus"] for attempt in delivery["attempts"]] == [200]


def test_a_failing_subscriber_gets_the_event_again_later(local: Stack, subscriber: Any) -> None:
    url, received, statuses = subscriber
    statuses.append(500)
    http = local.session(_tenant(local))
    webhook = http.post(f"{local.base_url}/api/v1/webhooks", json={"event": "*", "targetUrl": url}, timeout=30).json()
    test = http.post(f"{local.base_url}/api/v1/webhooks/{webhook['data']['id']}/test", timeout=30).json()["data"]
    first_headers, first = received.get(timeout=WAIT)
    again_headers, again = received.get(timeout=WAIT)  # about 5 s later (the first retry's delay)
    assert again == first and again_headers["webhook-id"] == first_headers["webhook-id"] == test["eventId"]
    one = f"{local.base_url}/api/v1/webhooks/{webhook['data']['id']}/deliveries/{test['id']}"
    deadline = time.monotonic() + WAIT
    while (delivery := http.get(one, timeout=30).json()["data"])["status"] == "pending":
        assert time.monotonic() < deadline, delivery
        time.sleep(0.1)
    assert [attempt["responseStatus"] for attempt in delivery["attempts"]] == [500, 200]


def test_cdp_webhooks_listen_prints_verified_events_and_deletes_its_webhook(local: Stack, tmp_path: Path) -> None:
    key = _tenant(local)
    command = [sys.executable, "-m", "local.cli", "webhooks", "listen", "--base-url", local.base_url, "--api-key", key]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=serve_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True).start()
    try:
        assert lines.get(timeout=WAIT).startswith("Listening on http://127.0.0.1:")
        http = local.session(key)
        contact = http.post(f"{local.base_url}/api/v1/contacts", json={"name": "Listened"}, timeout=30).json()["data"]
        printed = lines.get(timeout=WAIT)
        assert "contact.created" in printed and contact["id"] in printed
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr and process.stderr.read()
    assert "deleted (1 events verified)" in lines.get(timeout=5)
    assert local.session(key).get(f"{local.base_url}/api/v1/webhooks", timeout=30).json()["data"] == []
