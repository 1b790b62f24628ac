"""A request uvicorn cannot parse gets a 400 problem+json, not uvicorn's plain text."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(start_shared_server: Callable[..., LiveServer]) -> LiveServer:
    """One server for both requests: each is a connection of its own that it closes."""
    return start_shared_server()


def raw_exchange(server: LiveServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/causes HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
)
def test_malformed_http_is_a_problem(live_server: LiveServer, request_bytes: bytes) -> None:
    head, _, body = raw_exchange(live_server, request_bytes).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 400 Bad Request"
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == 400
    assert problem["detail"].startswith("The request is not valid HTTP")
