"""The client's address behind a reverse proxy: X-Forwarded-For, from configured proxies only.

uvicorn trusts X-Forwarded-For from 127.0.0.1 by default, so any local caller could name
itself anyone (and escape its rate limit). `tremor-guide serve` turns uvicorn's handling off;
this middleware applies it only for the addresses of `FORWARDED_ALLOW_IPS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn._types import ASGI3Application
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

MAX_FORWARDED_FOR: Final = 1024
"""A longer X-Forwarded-For (all such headers together) is ignored: the connecting address
counts. A chain of a few proxies is well under 200 characters."""


class TrustedProxyHeaders:
    """uvicorn's proxy-header handling for `trusted` (IPs, CIDR networks or `*`), with the
    length of X-Forwarded-For capped before it is parsed."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[str]) -> None:
        self.app = ProxyHeadersMiddleware(cast(ASGI3Application, app), trusted_hosts=list(trusted))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers: list[tuple[bytes, bytes]] = scope["headers"]
            forwarded = sum(len(value) for name, value in headers if name == b"x-forwarded-for")
            if forwarded > MAX_FORWARDED_FOR:
                scope["headers"] = [item for item in headers if item[0] != b"x-forwarded-for"]
        await self.app(scope, receive, send)  # type: ignore[arg-type]
