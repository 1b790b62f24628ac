"""Client addresses: X-Forwarded-For is believed only from the proxies configured."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.proxy import MAX_FORWARDED_FOR
from app.main import create_app
from tests.conftest import empty_database
from tests.e2e.conftest import LiveServer, e2e_database_url, start_server
from tests.reliability.conftest import reliability_settings

__all__ = ["e2e_database_url", "start_server"]  # the live-server fixtures

WORKOUT = {"activity": {"type": "running", "duration_min": 40}}
# Per day: windows follow the clock, and a minute could end in the middle of a test.
LIMIT = {"rate_limit_assess": "3/day"}


@pytest.fixture
def app_with(database_url: str) -> Iterator[Callable[..., TestClient]]:
    stack = ExitStack()

    def start(**overrides: Any) -> TestClient:
        empty_database(database_url)
        settings = reliability_settings(database_url, **overrides)
        return stack.enter_context(TestClient(create_app(settings)))

    with stack:
        yield start


def _statuses(post: Callable[..., httpx.Response], forwarded: list[str]) -> list[int]:
    return [post(headers={"X-Forwarded-For": value}).status_code for value in forwarded]


ROTATED = [f"198.51.100.{i}" for i in range(5)]


def test_forwarded_for_is_ignored_by_default(app_with: Callable[..., TestClient]) -> None:
    client = app_with(**LIMIT)
    post = partial(client.post, "/v1/assessments", json=WORKOUT)
    assert _statuses(post, ROTATED) == [200, 200, 200, 429, 429]


def test_forwarded_for_is_believed_from_a_configured_proxy(
    app_with: Callable[..., TestClient],
) -> None:
    client = app_with(forwarded_allow_ips="testclient", **LIMIT)  # TestClient's address
    post = partial(client.post, "/v1/assessments", json=WORKOUT)
    assert _statuses(post, ROTATED) == [200] * 5
    # The proxy appends the address it saw: the rightmost untrusted one is the client.
    assert _statuses(post, ["203.0.113.9, 198.51.100.0"] * 3) == [200, 200, 429]


def test_an_over_long_forwarded_for_is_ignored(app_with: Callable[..., TestClient]) -> None:
    client = app_with(forwarded_allow_ips="testclient", **LIMIT)
    post = partial(client.post, "/v1/assessments", json=WORKOUT)
    long_values = [f"198.51.100.{i}," + "1" * MAX_FORWARDED_FOR for i in range(5)]
    # Each names another client, but all count as the proxy's own address.
    assert _statuses(post, long_values) == [200, 200, 200, 429, 429]


def test_the_setting_reads_a_comma_separated_list() -> None:
    settings = reliability_settings("sqlite://", forwarded_allow_ips="10.0.0.0/8, 127.0.0.1")
    assert settings.forwarded_allow_ips == ["10.0.0.0/8", "127.0.0.1"]
    assert reliability_settings("sqlite://").forwarded_allow_ips == []


# --- a real `tremor-guide serve` -------------------------------------------------------------


def _live_statuses(server: LiveServer) -> list[int]:
    with httpx.Client(timeout=10) as http:
        return [
            http.post(
                f"{server.url}/v1/assessments", json=WORKOUT, headers={"X-Forwarded-For": value}
            ).status_code
            for value in ROTATED
        ]


@pytest.mark.e2e
def test_a_live_server_does_not_believe_loopback_by_default(
    start_server: Callable[..., LiveServer],
) -> None:
    """uvicorn alone trusts 127.0.0.1: a local caller could rotate its address at will."""
    server = start_server(RATE_LIMIT_ASSESS="3/day")
    assert _live_statuses(server) == [200, 200, 200, 429, 429]


@pytest.mark.e2e
def test_a_live_server_believes_the_proxy_named_by_the_flag(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(
        serve_args=["--forwarded-allow-ips", "127.0.0.1"], RATE_LIMIT_ASSESS="3/day"
    )
    assert _live_statuses(server) == [200] * 5
