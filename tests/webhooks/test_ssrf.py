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
