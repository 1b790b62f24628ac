"""Fixtures of the reliability suite: an app shared by a module, and figures for the docs.

Set RELIABILITY_REPORT=/some/file.jsonl to have the tests append the figures that
docs/reliability.md quotes (cases generated, requests served, errors seen).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY, empty_database
from tests.e2e.conftest import LiveServer, e2e_database_url, start_server

__all__ = ["e2e_database_url", "start_server"]  # fixtures shared with the e2e tests

SECRET_MARKERS = (ADMIN_KEY, "Traceback (most recent call last)", 'File "/')


def report(name: str, **figures: Any) -> None:
    """Append one line of figures to $RELIABILITY_REPORT, when it is set."""
    path = os.environ.get("RELIABILITY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": name, **figures}) + "\n")


def reliability_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "admin_api_key": ADMIN_KEY,
        "content_poll_interval_s": 0.2,
        "log_level": "ERROR",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def module_client(database_url: str) -> Iterator[TestClient]:
    """One app for a whole module (for suites of many requests), on the default content.

    Rate limits are on (so the limiter runs on every request) but high enough not to refuse.
    """
    empty_database(database_url)
    settings = reliability_settings(
        database_url,
        rate_limit_assess="1000000/minute",
        rate_limit_content_read="1000000/minute",
        rate_limit_content_write="1000000/minute",
        rate_limit_admin="1000000/minute",
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client
    empty_database(database_url)


@pytest.fixture(scope="module")
def admin_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


def assert_no_leak(text: str) -> None:
    """No secret, stack trace or source path in anything the service says."""
    for marker in SECRET_MARKERS:
        assert marker not in text, f"response leaks {marker!r}: {text[:300]}"


# --- live servers on a database of their own --------------------------------------------------


@pytest.fixture
def live_database_url(e2e_database_url: str) -> str:
    """The live servers' own database (the e2e one: empty, SQLite file or scratch PostgreSQL)."""
    return e2e_database_url


@pytest.fixture
def start_live(start_server: Callable[..., LiveServer]) -> Callable[..., LiveServer]:
    """Start `tremor-guide serve` processes on the live database; all stopped afterwards."""
    return start_server


# --- Redis -----------------------------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    """The test Redis; skipped when absent (but a failure under CI, where it must be there)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed at {REDIS_URL} under CI: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"tremor-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


# --- a TCP proxy that can lose the database ----------------------------------------------------


class TcpProxy:
    """127.0.0.1:<port> forwarding to a target; `cut()` resets every connection and refuses
    new ones (as a lost network path to the database would), `restore()` listens again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        import asyncio
        import socket
        import threading

        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: Any = None
        self._writers: set[Any] = set()
        self.restore()

    def _call(self, coroutine: Any) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def restore(self) -> None:
        import asyncio

        async def listen() -> None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, reuse_address=True
            )

        self._call(listen())

    def cut(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None
            for writer in list(self._writers):
                writer.transport.abort()  # a reset, not a polite close
            self._writers.clear()

        self._call(close())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _handle(self, reader: Any, writer: Any) -> None:
        import asyncio

        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(source: Any, sink: Any) -> None:
            try:
                while chunk := await source.read(65_536):
                    sink.write(chunk)
                    await sink.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                sink.transport.abort()
                self._writers.discard(sink)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
