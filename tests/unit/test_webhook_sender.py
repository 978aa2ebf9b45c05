"""One webhook delivery attempt against real local servers (docs/architecture.md, Webhooks: signing and
targets): the checked address only, no redirects, a bounded read, the timeout, TLS to the host name."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from contact_platform.webhooks.sender import KEPT_BYTES, USER_AGENT, send
from contact_platform.webhooks.targets import ResolvedTarget, TargetRefused, resolve_target

BODY = b'{"type":"contact.created","data":{"id":"con_x"}}'
SIGNED = {"webhook-id": "evt_1", "webhook-timestamp": "1750000000", "webhook-signature": "v1,abc="}


@dataclass
class Seen:
    connections: int = 0
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.requests.append((self.path, dict(self.headers.items()), body))
        if self.path == "/slow":
            time.sleep(1.0)
        status, answer, extra = {
            "/fail": (500, b"boom", {}),
            "/gone": (410, b"unsubscribed", {}),
            "/redirect": (302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}),
            "/huge": (200, b"x" * 1_000_000, {}),
        }.get(self.path, (200, b"thanks", {}))
        self.send_response(status)
        for name, value in {"Content-Length": str(len(answer)), **extra}.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):  # the sender stops reading after 1 KB and closes
            self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen = Seen()

    def get_request(self) -> tuple[Any, Any]:
        self.seen.connections += 1
        return super().get_request()


def serving(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serving(Server())


def local(
    server: Server, path: str, *, host: str = "127.0.0.1", addresses: tuple[str, ...] = ("127.0.0.1",)
) -> ResolvedTarget:
    return ResolvedTarget("http", host, server.server_address[1], path, addresses)


def test_a_2xx_is_a_success_with_the_headers_and_body_sent(server: Server) -> None:
    attempt = send(local(server, "/in?source=cdp"), BODY, SIGNED)
    assert (attempt.status, attempt.error, attempt.response_body) == (200, None, "thanks")
    assert attempt.succeeded and not attempt.gone
    assert attempt.started_at.tzinfo is not None and attempt.duration_ms >= 0
    [(path, headers, body)] = server.seen.requests
    assert (path, body) == ("/in?source=cdp", BODY)
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == USER_AGENT
    assert headers["Host"] == f"127.0.0.1:{server.server_address[1]}"
    assert {name: headers[name] for name in SIGNED} == SIGNED


def test_a_500_fails_and_a_410_is_gone(server: Server) -> None:
    failed = send(local(server, "/fail"), BODY, SIGNED)
    assert (failed.status, failed.succeeded, failed.gone, failed.response_body) == (500, False, False, "boom")
    gone = send(local(server, "/gone"), BODY, SIGNED)
    assert (gone.status, gone.succeeded, gone.gone) == (410, False, True)


def test_a_redirect_is_a_failed_attempt_and_not_followed(server: Server) -> None:
    attempt = send(local(server, "/redirect"), BODY, SIGNED)
    assert (attempt.status, attempt.succeeded) == (302, False)
    assert attempt.error == "redirect to http://169.254.169.254/latest/meta-data/ not followed"
    assert len(server.seen.requests) == 1


def test_a_slow_answer_times_out_without_a_status(server: Server) -> None:
    attempt = send(local(server, "/slow"), BODY, SIGNED, timeout=0.2)
    assert attempt.status is None and not attempt.succeeded
    assert attempt.error is not None and "timed out" in attempt.error
    assert attempt.duration_ms < 900


def test_only_the_first_kilobyte_of_a_huge_answer_is_read(server: Server) -> None:
    attempt = send(local(server, "/huge"), BODY, SIGNED)
    assert attempt.succeeded and attempt.response_body == "x" * KEPT_BYTES


def test_no_second_dns_lookup_the_host_goes_in_the_host_header(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def only_literals(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        ipaddress.ip_address(host)  # a name would raise: no lookup may reach DNS
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", only_literals)
    attempt = send(local(server, "/in", host="hooks.invalid"), BODY, SIGNED)
    assert attempt.succeeded
    assert server.seen.requests[0][1]["Host"] == f"hooks.invalid:{server.server_address[1]}"
    assert "hooks.invalid" not in looked_up


def test_an_address_refusing_the_connection_hands_on_to_the_next(server: Server) -> None:
    attempt = send(local(server, "/in", host="localhost", addresses=("::1", "127.0.0.1")), BODY, SIGNED)
    assert attempt.succeeded and len(server.seen.requests) == 1


def test_no_listener_is_a_failed_attempt_without_a_status() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    attempt = send(ResolvedTarget("http", "127.0.0.1", port, "/", ("127.0.0.1",)), BODY, SIGNED)
    assert attempt.status is None and attempt.error is not None and "NewConnectionError" in attempt.error


def test_a_refused_address_never_opens_a_connection(server: Server) -> None:
    url = f"https://hooks.example.com:{server.server_address[1]}/in"

    def to_loopback(host: str, port: int) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with pytest.raises(TargetRefused):
        resolve_target(url, dev_mode=False, resolver=to_loopback)
    with pytest.raises(TargetRefused):
        resolve_target(f"http://127.0.0.1:{server.server_address[1]}/in", dev_mode=False)
    assert server.seen.connections == 0


# --- https: SNI and the certificate checked against the URL's host name, connecting to the address ---


def _certificates(directory: Path) -> tuple[Path, Path]:
    """A CA (its certificate is the trust store) and a certificate for `hooks.example` it signed."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Webhook test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(*[False] * 5, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    trust, chain = directory / "ca.pem", directory / "server.pem"
    trust.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + leaf.public_bytes(serialization.Encoding.PEM)
    )
    return trust, chain


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    trust, chain = _certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(trust))  # the system trust store, as OpenSSL reads it
    server = Server()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)

    def remember(connection: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext) -> None:
        server.seen.server_names.append(name)

    context.sni_callback = remember
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from serving(server)


def _tls(server: Server, host: str) -> ResolvedTarget:
    return ResolvedTarget("https", host, server.server_address[1], "/in", ("127.0.0.1",))


def test_https_sends_the_host_name_as_sni_and_verifies_the_certificate_for_it(tls_server: Server) -> None:
    attempt = send(_tls(tls_server, "hooks.example"), BODY, SIGNED)
    assert attempt.succeeded, attempt.error
    assert tls_server.seen.server_names == ["hooks.example"]
    assert tls_server.seen.requests[0][1]["Host"] == f"hooks.example:{tls_server.server_address[1]}"


def test_https_to_a_host_the_certificate_does_not_name_fails(tls_server: Server) -> None:
    attempt = send(_tls(tls_server, "other.example"), BODY, SIGNED)
    assert attempt.status is None and attempt.error is not None and "SSLError" in attempt.error
    assert tls_server.seen.requests == []
