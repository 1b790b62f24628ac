"""`tremor-guide serve` logs JSON lines only: the supervisor's, uvicorn's and the app's."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.conftest import LiveServer


@pytest.mark.e2e
def test_every_line_of_a_two_worker_server_is_json(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(workers=2, LOG_LEVEL="INFO")
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    server.stop()
    assert server.log_path is not None
    lines = [json.loads(line) for line in server.log_path.read_text("utf-8").splitlines()]
    messages = [line["message"] for line in lines]
    assert any(m.startswith("Uvicorn running on http://127.0.0.1:") for m in messages), messages
    assert any(m.startswith("Started server process") for m in messages)
    assert any(line.get("logger") == "app.request" for line in lines)
    assert all("color_message" not in line for line in lines)
    assert all(line["logger"] != "alembic.runtime.plugins" for line in lines)
