"""`cdp webhooks listen`: a local receiver of the platform's webhooks (docs/architecture.md, Local
stack). It subscribes a webhook to `http://127.0.0.1:<port>/` for the events asked (`--event`,
default `*`), verifies every delivery's signature with the `standardwebhooks` package, as any
subscriber should, prints each event on one line (with `--json`, its whole body), and deletes the
webhook when it stops (Ctrl-C). A delivery whose signature does not verify is answered 400 and
reported; the platform then retries it.
"""

from __future__ import annotations

import argparse
import http.server
import json
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from standardwebhooks import Webhook, WebhookVerificationError

from local.api_client import ApiClient, ApiError

HOST = "127.0.0.1"


def summary(event: dict[str, Any]) -> str:
    """`<occurredAt>  <type>  <event id>  <record id>`: what one event line shows."""
    data = event.get("data") or {}
    return "  ".join(
        str(part) for part in (event.get("occurredAt"), event.get("type"), event.get("id"), data.get("id", ""))
    )


class Listener:
    """The HTTP server that verifies and prints deliveries for one webhook secret."""

    def __init__(self, port: int, out: TextIO, *, full: bool = False) -> None:
        self.out, self.full = out, full
        self.secret: str | None = None
        self.verified = 0
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = listener.receive(body, {name.lower(): value for name, value in self.headers.items()})
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, port), Handler)
        self.url = f"http://{HOST}:{self.server.server_port}/"

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        if self.secret is None:
            return 503  # not subscribed yet: the platform retries
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            print(f"refused a delivery ({headers.get('webhook-id')}): {error}", file=self.out, flush=True)
            return 400
        self.verified += 1
        line = json.dumps(event, indent=2, ensure_ascii=False) if self.full else summary(event)
        print(line, file=self.out, flush=True)
        return 200


def listen(
    client: ApiClient, args: argparse.Namespace, out: TextIO = sys.stdout, stop: threading.Event | None = None
) -> int:
    stop = stop or threading.Event()
    listener = Listener(args.port, out, full=args.json)
    threading.Thread(target=listener.server.serve_forever, name="cdp-webhooks-listen", daemon=True).start()
    body = {"event": args.event, "targetUrl": listener.url, "description": "cdp webhooks listen"}
    try:
        webhook = client.request("POST", "/api/v1/webhooks", json=body)["data"]
    except ApiError:
        listener.server.shutdown()
        raise
    listener.secret = webhook["secret"]
    print(
        f"Listening on {listener.url} for {args.event} events (webhook {webhook['id']}); "
        f"each event is verified with its signing secret. Ctrl-C to stop.",
        file=out,
        flush=True,
    )
    try:
        stop.wait()
    finally:
        listener.server.shutdown()
        listener.server.server_close()
        client.request("DELETE", f"/api/v1/webhooks/{webhook['id']}")
        print(f"Stopped; webhook {webhook['id']} deleted ({listener.verified} events verified).", file=out, flush=True)
    return 0


def _listen_until_signalled(client: ApiClient, args: argparse.Namespace) -> int:
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    return listen(client, args, stop=stop)


def add_commands(commands: Any, client: Callable[[argparse.Namespace], ApiClient]) -> list[argparse.ArgumentParser]:
    webhooks = commands.add_parser("webhooks", help="webhook tools").add_subparsers(dest="action", required=True)
    listening = webhooks.add_parser("listen", help="receive, verify and print events on this machine")
    listening.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    listening.add_argument("--event", default="*", help="what to subscribe to: a type, <entity>.* or * (default)")
    listening.add_argument("--json", action="store_true", help="print each event's whole body")
    listening.set_defaults(run=lambda args: _listen_until_signalled(client(args), args))
    return [listening]
