"""A running stack for end-to-end and contract tests: `cdp serve` in a subprocess, exactly as a
developer starts it, or any deployed stage given by CDP_E2E_BASE_URL (and CDP_E2E_API_KEY, an admin
key; without one, dev mode's POST /dev/token is asked for one).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import TEST_ENVIRONMENT

STARTUP_SECONDS = 90


@dataclass
class Stack:
    base_url: str
    admin_key: str
    output: Path | None = None

    def session(self, key: str | None = None) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key or self.admin_key}"
        return session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_environment() -> dict[str, str]:
    """The developer's environment: none of the in-process test settings leak into the server."""
    return {k: v for k, v in os.environ.items() if k not in TEST_ENVIRONMENT and k != "AWS_ENDPOINT_URL"}


def cdp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a `cdp` command as a developer would, beside the running stack (it finds it by its `.cdp/local.json`
    or by the flags given)."""
    return subprocess.run(
        [sys.executable, "-m", "local.cli", *args],
        cwd=cwd,
        env=serve_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def serve(workdir: Path, *options: str) -> Iterator[tuple[Stack, subprocess.Popen[str]]]:
    """Run `cdp serve` (with extra options) until the block ends, then stop it with Ctrl-C (SIGINT)."""
    port = free_port()
    admin_key = f"cdp_test_{secrets.token_hex(16)}"
    output = workdir / "serve.log"
    command = [sys.executable, "-m", "local.cli", "serve", "--port", str(port), "--admin-key", admin_key, *options]
    with output.open("w") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=serve_environment(), stdout=log, stderr=subprocess.STDOUT, text=True
        )
    stack = Stack(f"http://127.0.0.1:{port}", admin_key, output)
    try:
        _wait_until_up(stack, process)
        yield stack, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_up(stack: Stack, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"cdp serve exited with {process.returncode}:\n{stack.output and stack.output.read_text()}"
            )
        if stack.output and "Press Ctrl-C to stop." in stack.output.read_text():
            try:
                # Listening once the banner shows; the first answer may take a while on a busy machine.
                if requests.get(f"{stack.base_url}/heartbeat", timeout=STARTUP_SECONDS).ok:
                    return
            except requests.ConnectionError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"cdp serve did not come up in {STARTUP_SECONDS} s")


def external_stack() -> Stack | None:
    base_url = os.environ.get("CDP_E2E_BASE_URL")
    if not base_url:
        return None
    key = os.environ.get("CDP_E2E_API_KEY")
    if not key:
        reply = requests.post(f"{base_url}/dev/token", json={"role": "admin"}, timeout=30)
        reply.raise_for_status()
        key = reply.json()["data"]["apiKey"]
    return Stack(base_url.rstrip("/"), key)


def roomy_key(stack: Stack) -> str:
    """An admin key whose rate limit leaves room for a whole test session."""
    reply = stack.session().post(
        f"{stack.base_url}/api/v1/api-keys", json={"name": "tests", "rateLimit": 1_000_000, "burstLimit": 100_000}
    )
    reply.raise_for_status()
    key: str = reply.json()["data"]["key"]
    return key
