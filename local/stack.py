"""What `cdp serve` runs (docs/architecture.md, Local stack): the local gateway first, then in the
background the embedded emulator's provisioning (or that of another AWS endpoint), the demo tenant
and the cleanup timer. The gateway answers at once; a request waits for what its route needs:
nothing for the heartbeat, the table and the demo tenant for the API, the functions and state
machines for the job routes (`Readiness`). Those come last, when a job route asks for them or a few
seconds after the data, so that they do not slow the first API requests down.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contact_platform import config
from contact_platform.demo_tenant import DEMO_TENANT_ID
from contact_platform.errors import ApiError
from contact_platform.route import Route
from contact_platform.services.dev_issuer import new_private_key_pem
from contact_platform.workflows import CLEANUP, EVENT_DISPATCHER, WEBHOOK_DELIVERY
from local.lambda_runtime import Invoke, direct_invoker, lambda_invoker, long_running_lambda_client
from local.resources import (
    REGION,
    TABLE_NAME,
    environment,
    function_names,
    functions_by_name,
    issuer_environment,
    trigger_function_name,
)

HOST = "127.0.0.1"
DEFAULT_CLEANUP_INTERVAL_SECONDS = 3600.0
ALWAYS_READY = ("get_heartbeat", "get_jwks", "get_metrics")  # routes that touch no AWS resource (locally)
READY_TIMEOUT_SECONDS = 120
JOBS_AFTER_SECONDS = 3.0  # after the data, unless a job route asks earlier

log = logging.getLogger("cdp.stack")


class Readiness:
    """What is provisioned so far: `data` (table, secret, buckets, demo tenant), `jobs` (functions,
    state machines, the upload notification). `wait_for(route)` blocks until the route can run."""

    def __init__(self) -> None:
        self.data, self.jobs = threading.Event(), threading.Event()
        self.jobs_wanted = threading.Event()
        self.failure: BaseException | None = None

    def fail(self, error: BaseException) -> None:
        self.failure = error
        self.data.set()
        self.jobs.set()

    def wait_for(self, route: Route) -> None:
        if route.name in ALWAYS_READY:
            return
        if route.workflow:
            self.jobs_wanted.set()
        needed = self.jobs if route.workflow else self.data
        if not needed.wait(READY_TIMEOUT_SECONDS) or self.failure is not None:
            log.error("%s %s: the local stack is not provisioned (%s)", route.method, route.path, self.failure)
            raise ApiError(500, "INTERNAL_ERROR", "Internal server error")


def _free_port() -> int:
    """A port nothing listens on now, for the embedded emulator (so its URL is known before it starts)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Running:
    base_url: str
    aws_endpoint: str
    admin_key: str
    tenant_id: str


class DevStack:
    """The gateway, the emulator (unless `aws_endpoint` is given), provisioning, the demo tenant and
    the cleanup timer (`cleanup_interval` seconds between runs; 0: no timer) and, when
    unless `webhooks` is False (`start_webhooks()` then starts them), the path of events to webhooks:
    the table stream's poller invoking the event dispatcher (local/stream_poller.py) and the delivery
    queue's poller invoking the delivery function (local/queue_poller.py)."""

    def __init__(
        self,
        *,
        host: str = HOST,
        port: int = 8000,
        admin_key: str | None = None,
        aws_endpoint: str | None = None,
        cleanup_interval: float = DEFAULT_CLEANUP_INTERVAL_SECONDS,
        webhooks: bool = True,
        on_failure: Callable[[BaseException], None] = lambda error: None,
        access_log: Callable[[str], None] | None = None,
    ):
        self.host, self.port, self.aws_endpoint = host, port, aws_endpoint
        self.admin_key = admin_key or f"cdp_test_{secrets.token_hex(16)}"
        self.cleanup_interval, self.on_failure = cleanup_interval, on_failure
        self.webhooks, self.access_log = webhooks, access_log
        self.ready = Readiness()
        self._emulator: Any = None
        self._http: Any = None
        self._cleanup: Any = None
        self._stream_poller: Any = None
        self._queue_poller: Any = None
        self._endpoint: str | None = None  # the AWS endpoint, once everything is provisioned

    def start(self) -> Running:
        """Listening and serving when it returns (OSError if the port is taken); the emulator's start
        and the provisioning go on in the background (`ready`)."""
        from local.gateway import Gateway

        def openapi() -> dict[str, Any]:
            from local.openapi import build

            return build(base_url)

        gateway = Gateway(
            direct_invoker(functions_by_name()),
            function_names(),
            openapi=openapi,
            prepare=self.ready.wait_for,
            access_log=self.access_log,
        )
        self._http = gateway.server(self.host, self.port)
        base_url = f"http://{self.host}:{self._http.server_address[1]}"
        endpoint = self.aws_endpoint or f"http://{HOST}:{_free_port()}"
        os.environ.update(environment(endpoint))
        # The dev issuer's key pair, made now: tokens of an earlier run are refused by this one.
        os.environ.update(issuer_environment(base_url, new_private_key_pem()))
        config.settings.cache_clear()
        threading.Thread(target=self._http.serve_forever, name="cdp-gateway", daemon=True).start()
        threading.Thread(target=self._provision, args=(endpoint,), name="cdp-provision", daemon=True).start()
        return Running(base_url=base_url, aws_endpoint=endpoint, admin_key=self.admin_key, tenant_id=DEMO_TENANT_ID)

    def _provision(self, endpoint: str) -> None:
        from local.provision import provision_data, provision_functions

        try:
            if not self.aws_endpoint:
                from local.emulator.embedded import EmbeddedEmulator

                self._emulator = EmbeddedEmulator(port=int(endpoint.rsplit(":", 1)[1]))
                self._emulator.start()
            provisioned = provision_data(endpoint)
            from contact_platform.services.dev_tokens import ensure_demo_admin

            ensure_demo_admin(self.admin_key, "req_cdp_serve")
            self.ready.data.set()
            self.ready.jobs_wanted.wait(JOBS_AFTER_SECONDS)
            if self._emulator is not None:
                self._emulator.enable_state_machines()
                provisioned = provision_functions(provisioned)
                os.environ.update(provisioned.state_machine_environment())
            self._endpoint = endpoint  # before `ready`: start_webhooks() may be called from then on
            self.ready.jobs.set()
            self._start_cleanup_timer(endpoint)
            if self.webhooks:
                self.start_webhooks()
        except Exception as error:
            log.exception("cdp serve: provisioning %s failed", endpoint)
            self.ready.fail(error)
            self.on_failure(error)

    def _start_cleanup_timer(self, endpoint: str) -> None:
        if self.cleanup_interval <= 0:
            return
        from local.timer import CleanupTimer

        self._cleanup = CleanupTimer(self._invoker(endpoint), trigger_function_name(CLEANUP), self.cleanup_interval)
        self._cleanup.start()

    def _invoker(self, endpoint: str) -> Invoke:
        """Through Lambda with the embedded emulator, as AWS would invoke (a long run must not time
        out); directly otherwise (another endpoint has no functions)."""
        if self._emulator is not None:
            return lambda_invoker(long_running_lambda_client(endpoint, REGION))
        return direct_invoker(functions_by_name())

    def start_webhooks(self) -> None:
        """Start the path of events to webhooks (once the functions are provisioned): the table stream's
        poller invoking the dispatcher and the delivery queue's poller invoking the delivery function."""
        if self._stream_poller is not None or self._endpoint is None:
            return
        from contact_platform import aws
        from local.queue_poller import QueuePoller
        from local.stream_poller import StreamPoller, streams_client

        endpoint = self._endpoint
        invoke = self._invoker(endpoint)
        dispatcher, delivery = (trigger_function_name(trigger) for trigger in (EVENT_DISPATCHER, WEBHOOK_DELIVERY))
        self._stream_poller = StreamPoller(streams_client(endpoint, REGION), TABLE_NAME, invoke, dispatcher)
        sqs = aws.new_client("sqs", endpoint_url=endpoint, region_name=REGION)
        self._queue_poller = QueuePoller(sqs, config.settings().webhook_queue_url, invoke, delivery, REGION)
        self._stream_poller.start()
        self._queue_poller.start()

    def stop_webhooks(self) -> None:
        for poller in (self._stream_poller, self._queue_poller):
            if poller is not None:
                poller.stop()
        self._stream_poller = self._queue_poller = None

    def wait_until_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Until everything is provisioned (for callers that use the stack at once, as the benchmarks do)."""
        self.ready.jobs_wanted.set()
        if not self.ready.jobs.wait(timeout):
            raise RuntimeError(f"the local stack is not ready after {timeout} s")
        if self.ready.failure is not None:
            raise RuntimeError("the local stack could not be provisioned") from self.ready.failure

    def stop(self) -> None:
        self.stop_webhooks()
        if self._cleanup is not None:
            self._cleanup.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._emulator is not None:
            self._emulator.stop()
