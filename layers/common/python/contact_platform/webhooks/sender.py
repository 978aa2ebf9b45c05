"""One webhook delivery attempt: a POST to a checked address (docs/architecture.md, Webhooks: signing
and targets).

The connection goes to an address `targets.resolve_target` checked, never to a second DNS answer: the
request carries `Host: <host>`, and https sends the host name as SNI and verifies the certificate
against it. Redirects are not followed (a 3xx is a failed attempt), and at most the first 1 KB of the
answer is read. An address that refuses the connection hands on to the target's next one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.exceptions import HTTPError, NewConnectionError

from contact_platform import clock
from contact_platform.webhooks.targets import DEFAULT_PORTS, ResolvedTarget

USER_AGENT = "contact-data-platform-webhooks/1.0"
KEPT_BYTES = 1024
_ERROR_CHARACTERS = 300


@dataclass(frozen=True)
class Attempt:
    started_at: datetime
    duration_ms: int
    status: int | None  # None: no answer (connection refused, timeout, TLS failure)
    error: str | None
    response_body: str  # the first 1 KB of the answer, as text

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """410: the subscriber asks for no more deliveries."""
        return self.status == 410


def send(target: ResolvedTarget, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> Attempt:
    started_at, start = clock.now(), time.monotonic()
    request_headers = {
        **headers,
        "Host": _host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    status: int | None = None
    error: str | None = "the target has no address"
    kept = b""
    for address in target.addresses:
        pool = _pool(target, address, timeout)
        try:
            status, kept, location = _post(pool, target.path_with_query, body, request_headers)
            error = f"redirect to {location} not followed" if 300 <= status < 400 else None
            break
        except NewConnectionError as refused:
            error = _text(refused)  # nothing was sent: the next address may answer
        except (HTTPError, OSError) as failed:
            error = _text(failed)
            break
        finally:
            pool.close()
    duration_ms = round((time.monotonic() - start) * 1000)
    return Attempt(started_at, duration_ms, status, error, kept.decode(errors="replace"))


def _post(pool: HTTPConnectionPool, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
    """Status, the first 1 KB of the answer (as sent, not decompressed) and any `Location`."""
    response = pool.urlopen(
        "POST", path, body=body, headers=headers, redirect=False, retries=False, preload_content=False
    )
    try:
        return response.status, response.read(KEPT_BYTES, decode_content=False), response.headers.get("Location", "")
    finally:
        response.close()  # the rest of the answer is never read: the connection goes with it


def _pool(target: ResolvedTarget, address: str, timeout: float) -> HTTPConnectionPool:
    if target.scheme == "https":
        return HTTPSConnectionPool(
            address,
            target.port,
            timeout=Timeout(total=timeout),
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return HTTPConnectionPool(address, target.port, timeout=Timeout(total=timeout), retries=False)


def _host_header(target: ResolvedTarget) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == DEFAULT_PORTS[target.scheme] else f"{host}:{target.port}"


def _text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:_ERROR_CHARACTERS]
