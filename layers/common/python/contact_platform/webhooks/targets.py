"""Webhook target URLs that cannot reach inside the platform's network (docs/architecture.md, Webhooks:
signing and targets).

Only `https`, no user name or password in the URL, and every address the host resolves to (or the
literal address) must be public: not private, loopback, link-local, multicast, reserved, unspecified,
shared address space (100.64.0.0/10) or a cloud metadata address, checked on the IPv4 address inside
IPv4-mapped, 6to4 and NAT64 IPv6 forms too. In dev mode (the local stack) `http` and `https` to
`127.0.0.1`, `::1` and `localhost` are allowed in addition, so developers can receive events locally.
A delivery sends to the addresses checked here (`sender.py`), never resolving the name again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from contact_platform.errors import Detail, validation_error

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# `socket.getaddrinfo(host, port)`: entries whose last element starts with the address.
Resolver = Callable[[str, int], Iterable[tuple[Any, ...]]]

DEFAULT_PORTS = {"https": 443, "http": 80}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
LOCAL_ADDRESSES = frozenset({ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_ALWAYS_REFUSED = (
    ipaddress.ip_network("100.64.0.0/10"),  # shared address space (carrier-grade NAT)
    ipaddress.ip_network("169.254.169.254/32"),  # cloud metadata (IPv4)
    ipaddress.ip_network("fd00:ec2::254/128"),  # cloud metadata (IPv6)
)


class TargetRefused(ValueError):
    """Why a URL is no webhook target, as a plain sentence."""


@dataclass(frozen=True)
class ResolvedTarget:
    scheme: str
    host: str  # as in the URL, lower case, IDNA-encoded; without brackets for IPv6
    port: int
    path_with_query: str
    addresses: tuple[str, ...]  # every one checked; the sender connects to these only


def check_target_url(url: str, *, dev_mode: bool, field: str = "url", resolver: Resolver = socket.getaddrinfo) -> str:
    """The URL when it is a webhook target; a 422 `VALIDATION_ERROR` on `field` saying why otherwise."""
    try:
        resolve_target(url, dev_mode=dev_mode, resolver=resolver)
    except TargetRefused as refused:
        raise validation_error("The webhook URL is not allowed", [Detail(field, str(refused))]) from None
    return url


def resolve_target(url: str, *, dev_mode: bool, resolver: Resolver = socket.getaddrinfo) -> ResolvedTarget:
    """The checked target of `url`, or `TargetRefused`."""
    if any(ord(character) <= 32 or ord(character) == 127 for character in url):
        raise TargetRefused("The URL must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except ValueError:  # UnicodeError is one
        raise TargetRefused("The URL is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused("The URL must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("The URL must not contain a user name or password.")
    if not host:
        raise TargetRefused("The URL has no host.")
    local = dev_mode and host in LOCAL_HOSTS
    if scheme != "https" and not local:
        raise TargetRefused("The URL must start with https://.")
    port = _port(parts)
    literal = _literal(host)
    addresses = [literal] if literal is not None else _resolved(host, port, resolver)
    for address in addresses:
        if not (address in LOCAL_ADDRESSES if local else _public(address)):
            if literal is not None:
                raise TargetRefused(f"The address {host} is not a public address.")
            raise TargetRefused(f"The host {host} resolves to {address}, which is not a public address.")
    path_with_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ResolvedTarget(scheme, host, port, path_with_query, tuple(str(address) for address in addresses))


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise TargetRefused("The URL's port must be a number from 1 to 65535.")
    return DEFAULT_PORTS[parts.scheme.lower()] if port is None else port


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolved(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        entries = resolver(host, port)
    except (OSError, UnicodeError):
        raise TargetRefused(f"The host {host} does not resolve.") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(entry[-1][0]) for entry in entries))
    if not addresses:
        raise TargetRefused(f"The host {host} does not resolve.")
    return addresses


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        address = _embedded_ipv4(address) or address
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
        or any(address in network for network in _ALWAYS_REFUSED)
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002::/16) or NAT64 (64:ff9b::/96) one."""
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour
