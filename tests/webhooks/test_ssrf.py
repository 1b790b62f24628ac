"""Which addresses a webhook may call."""

from __future__ import annotations

import pytest

from app.webhooks.ssrf import TargetError, refused_reason, resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",  # carrier-grade NAT: not global
        "0.0.0.0",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refused_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refused_reason(address) is None


def test_a_name_is_checked_by_what_it_resolves_to() -> None:
    with pytest.raises(TargetError, match="loopback"):
        resolve("http://localhost:8080/hook", allow_private=False)
    target = resolve("http://localhost:8080/hook", allow_private=True)
    assert target.port == 8080 and target.host == "localhost"
    assert refused_reason(target.address) is not None


@pytest.mark.parametrize(
    "url", ["ftp://1.1.1.1/", "file:///etc/passwd", "http:///nohost", "http://a:b@1.1.1.1/"]
)
def test_only_plain_http_urls(url: str) -> None:
    with pytest.raises(TargetError):
        resolve(url, allow_private=True)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("2002:7f00:1::", "loopback address (127.0.0.1), embedded in 2002:7f00:1::"),
        ("2002:a00:1::", "private address (10.0.0.1)"),
        ("2002:a9fe:a9fe::1", "169.254.169.254"),
        ("64:ff9b::7f00:1", "loopback address (127.0.0.1)"),
        ("64:ff9b::c0a8:101", "private address (192.168.1.1)"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("64:ff9b:1:ffff::808:808", "local-use NAT64"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("2001::1", "Teredo"),
    ],
)
def test_ipv4_inside_ipv6_forms_are_refused(address: str, reason: str) -> None:
    """6to4 (2002::/16), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and Teredo (2001::/32) reach
    IPv4 addresses through a relay: the one they carry is checked, or the form is refused."""
    refused = refused_reason(address)
    assert refused is not None and reason in refused


def test_6to4_of_a_public_address_passes() -> None:
    assert refused_reason("2002:808:808::1") is None


@pytest.mark.parametrize("host", ["[2002:7f00:1::]", "[64:ff9b::7f00:1]", "[2001::1]"])
def test_the_forms_are_refused_by_resolve(host: str) -> None:
    with pytest.raises(TargetError):
        resolve(f"http://{host}:8080/hook", allow_private=False)
