"""Webhook target URLs: only public https addresses, every resolved address checked; loopback in dev
mode only (docs/architecture.md, Webhooks: signing and targets)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import pytest

from contact_platform.errors import ApiError
from contact_platform.webhooks.targets import (
    ResolvedTarget,
    TargetRefused,
    check_target_url,
    resolve_target,
)

PUBLIC_V4, PUBLIC_V6 = "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def resolving(*addresses: str) -> Any:
    """A resolver answering every name with `addresses`, as getaddrinfo does (an entry per address)."""

    def resolver(host: str, port: int) -> Iterable[tuple[Any, ...]]:
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            yield (family, socket.SOCK_STREAM, 6, "", (address, port))

    return resolver


def not_resolving(host: str, port: int) -> Iterable[tuple[Any, ...]]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def refusal(url: str, *, dev_mode: bool = False, resolver: Any = None) -> str:
    with pytest.raises(TargetRefused) as refused:
        resolve_target(url, dev_mode=dev_mode, resolver=resolver or resolving(PUBLIC_V4))
    return str(refused.value)


def test_a_public_https_url_resolves_to_its_checked_addresses() -> None:
    target = resolve_target(
        "https://Hooks.Example.com/in/bound?source=cdp#ignored",
        dev_mode=False,
        resolver=resolving(PUBLIC_V4, PUBLIC_V6, PUBLIC_V4),
    )
    assert target == ResolvedTarget("https", "hooks.example.com", 443, "/in/bound?source=cdp", (PUBLIC_V4, PUBLIC_V6))
    public = resolving(PUBLIC_V4)
    assert resolve_target("https://hooks.example.com:8443", dev_mode=False, resolver=public).port == 8443
    assert resolve_target("https://hooks.example.com", dev_mode=False, resolver=public).path_with_query == "/"


def test_an_international_host_name_is_sent_idna_encoded() -> None:
    target = resolve_target("https://bücher.example/hook", dev_mode=False, resolver=resolving(PUBLIC_V4))
    assert target.host == "xn--bcher-kva.example"


def test_only_https_outside_dev_mode_and_never_other_schemes() -> None:
    assert refusal("http://hooks.example.com/") == "The URL must start with https://."
    assert refusal("http://hooks.example.com/", dev_mode=True) == "The URL must start with https://."
    assert refusal("ftp://hooks.example.com/", dev_mode=True) == "The URL must start with https://."
    assert refusal("hooks.example.com/in") == "The URL must start with https://."


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("https://user:pass@hooks.example.com/", "The URL must not contain a user name or password."),
        ("https://token@hooks.example.com/", "The URL must not contain a user name or password."),
        ("https:///in", "The URL has no host."),
        ("https://hooks.example.com:0/", "The URL's port must be a number from 1 to 65535."),
        ("https://hooks.example.com:70000/", "The URL's port must be a number from 1 to 65535."),
        ("https://hooks.example.com:https/", "The URL's port must be a number from 1 to 65535."),
        ("https://[::1/", "The URL is not a valid URL."),
        ("https://" + "a" * 64 + ".example/", "The URL is not a valid URL."),
        ("https://hooks.example.com/a b", "The URL must not contain spaces or control characters."),
        ("https://hooks.example.com/\r\nX-Injected: 1", "The URL must not contain spaces or control characters."),
    ],
)
def test_malformed_urls_are_refused_with_a_sentence(url: str, sentence: str) -> None:
    assert refusal(url) == sentence


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",  # private
        "172.16.3.4",
        "192.168.1.1",
        "127.0.0.1",  # loopback
        "127.0.0.2",
        "169.254.10.10",  # link-local
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space
        "100.127.255.254",
        "224.0.0.251",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "0.0.0.0",  # unspecified
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",  # unique local
        "fd00:ec2::254",  # cloud metadata (IPv6)
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "2001::1",  # Teredo
    ],
)
def test_a_name_resolving_to_a_non_public_address_is_refused(address: str) -> None:
    sentence = refusal("https://hooks.example.com/", resolver=resolving(address))
    shown = ipaddress.ip_address(address)  # as Python writes it: `::ffff:7f00:1` before 3.13
    assert sentence == f"The host hooks.example.com resolves to {shown}, which is not a public address."
    host = f"[{address}]" if ":" in address else address
    assert refusal(f"https://{host}/") == f"The address {address} is not a public address."


def test_every_resolved_address_must_be_public() -> None:
    sentence = refusal("https://hooks.example.com/", resolver=resolving(PUBLIC_V4, PUBLIC_V6, "10.1.2.3"))
    assert sentence == "The host hooks.example.com resolves to 10.1.2.3, which is not a public address."


def test_public_addresses_inside_ipv6_forms_pass() -> None:
    for address in ("::ffff:93.184.215.14", "2002:5db8:d70e::1", "64:ff9b::5db8:d70e", PUBLIC_V6):
        target = resolve_target("https://hooks.example.com", dev_mode=False, resolver=resolving(address))
        assert target.addresses == (str(ipaddress.ip_address(address)),)


def test_a_host_that_does_not_resolve_is_refused() -> None:
    assert refusal("https://nowhere.invalid/", resolver=not_resolving) == "The host nowhere.invalid does not resolve."
    assert refusal("https://nowhere.invalid/", resolver=resolving()) == "The host nowhere.invalid does not resolve."


def test_numeric_forms_the_system_resolver_reads_as_loopback_are_refused() -> None:
    """`127.1` and `0x7f000001` are no IP literals to `ipaddress`; the system resolver reads them as
    127.0.0.1, and the resolved address is what is checked."""
    for host in ("127.1", "0x7f000001", "2130706433"):
        assert "which is not a public address" in refusal(f"https://{host}/", resolver=socket.getaddrinfo)


def test_dev_mode_adds_loopback_by_name_over_http_or_https() -> None:
    local = resolving("127.0.0.1", "::1")
    for url, address in (
        ("http://127.0.0.1:9000/hook", "127.0.0.1"),
        ("https://127.0.0.1:9000/hook", "127.0.0.1"),
        ("http://[::1]:9000/hook", "::1"),
    ):
        assert resolve_target(url, dev_mode=True, resolver=not_resolving).addresses == (address,)
    target = resolve_target("http://localhost:9000/hook", dev_mode=True, resolver=local)
    assert target == ResolvedTarget("http", "localhost", 9000, "/hook", ("127.0.0.1", "::1"))
    # Outside dev mode none of them; in dev mode no other loopback address and no other name.
    assert refusal("https://localhost:9000/", resolver=local).endswith("which is not a public address.")
    assert refusal("https://127.0.0.1:9000/") == "The address 127.0.0.1 is not a public address."
    assert refusal("http://127.0.0.2/", dev_mode=True) == "The URL must start with https://."
    assert refusal("https://127.0.0.2/", dev_mode=True) == "The address 127.0.0.2 is not a public address."
    assert refusal("https://hooks.example.com/", dev_mode=True, resolver=resolving("127.0.0.1")).endswith(
        "which is not a public address."
    )
    assert refusal("http://localhost/", dev_mode=True, resolver=resolving("10.0.0.1")).startswith(
        "The host localhost resolves to 10.0.0.1"
    )


def test_the_api_check_is_a_422_on_url_with_the_sentence() -> None:
    url = "https://hooks.example.com/in"
    assert check_target_url(url, dev_mode=False, resolver=resolving(PUBLIC_V4)) == url
    with pytest.raises(ApiError) as refused:
        check_target_url("http://hooks.example.com/in", dev_mode=False, resolver=resolving(PUBLIC_V4))
    assert (refused.value.status, refused.value.code) == (422, "VALIDATION_ERROR")
    assert [(d.field, d.issue) for d in refused.value.details] == [("url", "The URL must start with https://.")]
    with pytest.raises(ApiError) as named:
        check_target_url("https://10.0.0.1/x", dev_mode=True, field="targetUrl", resolver=resolving(PUBLIC_V4))
    assert [d.field for d in named.value.details] == ["targetUrl"], "the API's field name"
