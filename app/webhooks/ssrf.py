"""Which webhook targets the service may call: public addresses only, unless allowed.

Checked when a webhook is created and again before every delivery (a name may resolve
elsewhere by then: DNS rebinding); the delivery then connects to the address checked here.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})


class TargetError(ValueError):
    """Why a target is refused, in words fit for a field error."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the delivery connects to


def check_url_shape(url: str) -> None:
    """What can be said of a URL without the network: scheme, host, no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise TargetError("must be an http or https URL")
    if not parts.hostname:
        raise TargetError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise TargetError("must not carry credentials")
    if port == 0:
        raise TargetError("must not use port 0")


# IPv6 forms that carry an IPv4 address a router or relay may forward to: NAT64's well-known
# prefix (RFC 6052, the address in the last 32 bits) and its local-use one (RFC 8215, whose
# embedding depends on the operator's prefix length, so refused whole).
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address stands for, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _tunnel_reason(ip: ipaddress.IPv6Address) -> str | None:
    # Teredo (2001::/32) hides its client's IPv4 address behind a relay; and a local-use NAT64
    # prefix reaches whatever IPv4 network its operator chose: neither is a public target.
    if ip.teredo is not None:
        return f"resolves to a Teredo tunnel address ({ip})"
    if ip in NAT64_LOCAL_USE:
        return f"resolves to a local-use NAT64 address ({ip})"
    return None


def refused_reason(address: str) -> str | None:
    """Why an address is not a public one, or None when it is."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]
    )
    if isinstance(ip, ipaddress.IPv6Address):
        tunnel = _tunnel_reason(ip)
        if tunnel is not None:
            return tunnel
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = refused_reason(str(embedded))
            if ip.ipv4_mapped is not None:
                return inner
            if inner is not None:
                return f"{inner}, embedded in {ip}"
    for flag, name in (
        (ip.is_loopback, "loopback"),
        (ip.is_private, "private"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_unspecified, "unspecified"),
    ):
        if flag:
            return f"resolves to a {name} address ({ip})"
    if not ip.is_global:
        return f"resolves to a non-public address ({ip})"
    return None


def resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve the URL's host and check every address it has; TargetError if refused."""
    check_url_shape(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetError(f"host {host!r} cannot be resolved ({exc})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetError(f"host {host!r} has no address")
    if not allow_private:
        # Every address, not just the first: a name with one public and one private address
        # would otherwise reach the private one on a retry.
        for address in addresses:
            reason = refused_reason(address)
            if reason is not None:
                raise TargetError(reason)
    return Target(scheme=parts.scheme, host=host, port=port, address=addresses[0])
