"""Database faults other than a lost connection: tables dropped under a live app, a hung
database behind /readyz, a database that cannot be written at start."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from app.core import migrate
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.databases import scratch_database
from tests.reliability.conftest import assert_no_leak, reliability_settings

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
WORKOUT = {"activity": {"type": "cycling", "duration_min": 120}}


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with scratch_database(database_url, "faults", tmp_path) as url:
        yield url


def drop_every_table(url: str) -> None:
    """The database recreated empty: every table gone, Alembic's own too."""
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = MetaData()
        tables.reflect(conn)
        tables.drop_all(conn)
    engine.dispose()


def readiness_within(client: TestClient, status: int, seconds: float = 5.0) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get("/readyz")
        if answer.status_code == status or time.monotonic() > deadline:
            assert answer.status_code == status, answer.text
            body: dict[str, object] = answer.json()
            return body
        time.sleep(0.05)


def assert_missing_tables_problem(answer: object) -> None:
    from httpx import Response

    assert isinstance(answer, Response)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["retry-after"]) > 0
    assert "tremor-guide migrate" in answer.json()["detail"]
    assert_no_leak(answer.text)


def test_dropped_tables_answer_503_until_migrated_again(scratch_url: str) -> None:
    settings = reliability_settings(scratch_url, rate_limit_enabled=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        before = client.post("/v1/assessments", json=WORKOUT)
        assert before.status_code == 200
        assert client.get("/v1/content/versions", headers=ADMIN).status_code == 200

        drop_every_table(scratch_url)

        assert_missing_tables_problem(client.get("/v1/content/versions", headers=ADMIN))
        assert_missing_tables_problem(client.get("/v1/content/versions/1", headers=ADMIN))
        assert_missing_tables_problem(client.get("/v1/admin/audit", headers=ADMIN))
        assert_missing_tables_problem(
            client.post("/v1/admin/content/versions", json={"notes": "x"}, headers=ADMIN)
        )
        # A stored key cannot be checked without its table: 503, not a misleading 401.
        stored_key = {"Authorization": "Bearer tg_abcdefgh_0123456789abcdef"}
        assert_missing_tables_problem(client.get("/v1/admin/audit", headers=stored_key))
        # Published content is served from memory meanwhile.
        during = client.post("/v1/assessments", json=WORKOUT)
        assert during.status_code == 200
        assert during.json()["causes"] == before.json()["causes"]
        assert client.get("/v1/causes").status_code == 200
        degraded = readiness_within(client, 503)
        assert degraded["database"] == "missing_tables"
        assert "tremor-guide migrate" in str(degraded["reason"])

        migrate.upgrade(scratch_url)  # the operator's `tremor-guide migrate`

        readiness_within(client, 200)
        assert client.get("/v1/content/versions", headers=ADMIN).status_code == 200
        assert client.get("/v1/admin/audit", headers=ADMIN).status_code == 200
        assert client.get("/v1/admin/audit", headers=stored_key).status_code == 401


@contextmanager
def database_held(url: str) -> Iterator[None]:
    """PostgreSQL's ACCESS EXCLUSIVE lock on content_pointer: the poller's read of the pointer
    waits (up to the statement timeout), as on a hung database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE content_pointer IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_a_writer_holding_sqlites_lock_leaves_readiness_alone(scratch_url: str) -> None:
    """WAL readers never wait on the write lock (reads begin DEFERRED): a long write is not
    a hung database, and /readyz stays 200 meanwhile."""
    if make_url(scratch_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    settings = reliability_settings(scratch_url, readiness_timeout_s=1.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        readiness_within(client, 200)
        holder = sqlite3.connect(make_url(scratch_url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            time.sleep(1.5)  # longer than the readiness timeout, several polls
            assert client.get("/readyz").status_code == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def test_a_hung_database_makes_readyz_503_within_its_timeout(scratch_url: str) -> None:
    if make_url(scratch_url).get_backend_name() == "sqlite":
        pytest.skip("a SQLite file does not hang short of its file system; see the test above")
    settings = reliability_settings(scratch_url, readiness_timeout_s=1.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        readiness_within(client, 200)
        with database_held(scratch_url):
            started = time.monotonic()
            degraded = readiness_within(client, 503, seconds=3.0)
            took = time.monotonic() - started
            assert degraded["database"] == "not_answering"
            # The poll interval (0.2 s here) plus the 1 s readiness timeout, with some slack.
            assert took < 1.6, took
            assert client.post("/v1/assessments", json=WORKOUT).status_code == 200
        readiness_within(client, 200, seconds=6.0)
