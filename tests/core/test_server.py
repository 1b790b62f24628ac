"""The server closes connections whose request headers do not arrive in time."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx
import pytest

from app.core.config import Settings
from tests.e2e.conftest import LiveServer, start_shared_server

__all__ = ["start_shared_server"]  # the live-server fixture

TIMEOUT_S = 1.0


def _closed_after(sock: socket.socket, limit_s: float) -> float:
    """Seconds until the server closes `sock` (fails if it is still open after `limit_s`)."""
    started = time.monotonic()
    sock.settimeout(limit_s)
    try:
        while sock.recv(65536):
            pass  # a response to a complete request, if one was sent
    except TimeoutError:
        pytest.fail(f"the connection was still open after {limit_s} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - started


@pytest.fixture(scope="module")
def server(start_shared_server: Callable[..., LiveServer]) -> LiveServer:
    """One server for the module: each test times out connections of its own."""
    return start_shared_server(HEADER_TIMEOUT_S=str(TIMEOUT_S))


@pytest.mark.e2e
def test_half_a_request_line_is_closed_within_the_timeout(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as slow:
        slow.sendall(b"GET /healthz HT")
        # A normal request meanwhile is served as usual.
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        assert _closed_after(slow, limit_s=TIMEOUT_S + 4) < TIMEOUT_S + 2


@pytest.mark.e2e
def test_a_silent_connection_is_closed_within_the_timeout(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as silent:
        assert _closed_after(silent, limit_s=TIMEOUT_S + 4) < TIMEOUT_S + 2


@pytest.mark.e2e
def test_slow_headers_after_a_kept_alive_request_are_closed_too(server: LiveServer) -> None:
    """The second request of a connection gets the timeout too (keep-alive is 5 s)."""
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.settimeout(5)
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never end
        assert _closed_after(conn, limit_s=TIMEOUT_S + 4) < TIMEOUT_S + 2


@pytest.mark.e2e
def test_headers_sent_in_pieces_within_the_timeout_are_served(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"Connection: close\r\n\r\n"):
            conn.sendall(piece)
            time.sleep(TIMEOUT_S / 5)
        conn.settimeout(5)
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")


def test_the_header_timeout_defaults_to_ten_seconds() -> None:
    assert Settings(_env_file=None).header_timeout_s == 10.0  # type: ignore[call-arg]
