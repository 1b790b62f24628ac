"""Live servers: real `tremor-guide serve` processes on loopback, on a database of their own.

Each server gets an empty database (a SQLite file, or a scratch PostgreSQL database when
TEST_DATABASE_URL is PostgreSQL), so e2e tests never see the in-process tests' rows.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.databases import scratch_database

ROOT = Path(__file__).resolve().parents[2]
E2E_ADMIN_KEY = "e2e-admin-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """One server process; `stop`/`kill`/`start` let tests crash and restart it."""

    database_url: str
    port: int = field(default_factory=free_port)
    env_extra: dict[str, str] = field(default_factory=dict)
    # None: `serve`'s own default, a worker per core (as deployed)
    workers: int | None = 1
    serve_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "ADMIN_API_KEY": E2E_ADMIN_KEY,
            "LOG_LEVEL": "WARNING",
            "CONTENT_POLL_INTERVAL_S": "0.25",
            **self.env_extra,
        }
        log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *(["--workers", str(self.workers)] if self.workers is not None else []),
                *self.serve_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready in time")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def e2e_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database for live servers (SQLite file, or a scratch PostgreSQL database)."""
    with scratch_database(database_url, "e2e", tmp_path) as url:
        yield url


@pytest.fixture
def start_server(e2e_database_url: str, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start live servers on the e2e database; all are stopped after the test."""
    servers: list[LiveServer] = []

    def start(
        database_url: str | None = None,
        serve_args: Sequence[str] = (),
        *,
        workers: int | None = 1,
        **env_extra: str,
    ) -> LiveServer:
        server = LiveServer(
            database_url=database_url or e2e_database_url,
            env_extra=env_extra,
            workers=workers,
            serve_args=list(serve_args),
            log_path=tmp_path / f"server-{len(servers)}.log",
        )
        servers.append(server)
        server.start(timeout=30)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server()


@pytest.fixture(scope="module")
def start_shared_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveServer]]:
    """`start_server` for a whole module, on a database of the module's own: for tests that
    only read from the server (its content, its answers, how it treats a connection), so
    that they need not each pay for a start (a process importing the app, migrating,
    loading the content). A test that writes, kills or restarts uses `start_server`."""
    folder = tmp_path_factory.mktemp("shared-server")
    servers: list[LiveServer] = []
    with scratch_database(database_url, "e2e_shared", folder) as url:

        def start(*, workers: int | None = 1, **env_extra: str) -> LiveServer:
            server = LiveServer(
                database_url=url,
                env_extra=env_extra,
                workers=workers,
                log_path=folder / f"server-{len(servers)}.log",
            )
            servers.append(server)
            server.start(timeout=30)
            return server

        try:
            yield start
        finally:
            for server in servers:
                server.stop()
