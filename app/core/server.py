"""The HTTP protocol `tremor-guide serve` gives uvicorn: httptools, whose 400 for malformed
HTTP is a problem (app.core.httpserver), plus a header timeout.

uvicorn closes an idle keep-alive connection, but a connection that sends nothing, or half
a request line, stays open for good: enough of them exhaust the file limit and normal
requests fail. Each connection notes when its headers are due (on connect and on a request's
first byte; cleared once they are complete), and one sweeper per process closes those past
due every `SWEEP_INTERVAL_S`: a timer per request (call_later and cancel) cost ~5 µs.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from app.core.config import get_settings
from app.core.httpserver import ProblemHttpToolsProtocol

SWEEP_INTERVAL_S = 0.25  # a slow connection is closed within the timeout plus this
_SWEPT: weakref.WeakSet[ServerState] = weakref.WeakSet()  # servers whose sweeper runs


class HeaderTimeoutProtocol(ProblemHttpToolsProtocol):
    """uvicorn's httptools protocol that closes a connection whose headers are too slow."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout_s = get_settings().header_timeout_s
        self.headers_due: float | None = None  # loop time by which the headers must be in

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.headers_due = self.loop.time() + self.header_timeout_s
        if self.server_state not in _SWEPT:
            _SWEPT.add(self.server_state)
            self.loop.create_task(_sweep(self.server_state, self.loop))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.headers_due is None:  # a later request on a kept-alive connection
            self.headers_due = self.loop.time() + self.header_timeout_s

    def on_headers_complete(self) -> None:
        self.headers_due = None
        super().on_headers_complete()


async def _sweep(server_state: ServerState, loop: asyncio.AbstractEventLoop) -> None:
    """Close every connection whose headers are past due, until the loop ends."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_S)
        now = loop.time()
        for protocol in list(server_state.connections):
            if not isinstance(protocol, HeaderTimeoutProtocol):
                continue
            due = protocol.headers_due
            if due is not None and due <= now:
                protocol.headers_due = None
                if not protocol.transport.is_closing():
                    protocol.transport.close()
