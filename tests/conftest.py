"""Shared fixtures: one migrated database per test session, emptied before each app test.

The database is SQLite in a temporary folder unless TEST_DATABASE_URL names another
(`.ci/run` points it at a PostgreSQL database of its own).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core import migrate
from app.core.config import Settings
from app.main import create_app
from tests.databases import scratch_database

ADMIN_KEY = "test-admin-key-0123456789"
TABLES_CHILD_FIRST = (
    "outcome_feedback",
    "outcome_shown",
    "outcome_source",
    "outcome_source_tally",
    "assessment_id_key",
    "webhook_attempt",
    "webhook_delivery",
    "webhook_event",
    "webhook_subscription",
    "worker_lease",
    "webhook_sealing_key",
    "webhook_key_fingerprint",
    "audit_event",
    "api_key",
    "content_pointer",
    "content_version",
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    """The session's database; under pytest-xdist each worker gets one of its own (a file
    in its own temporary folder, or `<db>_<worker>` on PostgreSQL), as tests empty it."""
    url = os.environ.get("TEST_DATABASE_URL") or ""
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tremor-test.db'}"
    if worker_id == "master" or url.startswith("sqlite"):
        migrate.upgrade(url)
        yield url
        return
    with scratch_database(url, worker_id, tmp_path_factory.mktemp("db")) as own:
        migrate.upgrade(own)
        yield own


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def empty_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in TABLES_CHILD_FIRST:
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    empty_database(database_url)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        admin_api_key=ADMIN_KEY,
        content_poll_interval_s=0.2,
        log_level="WARNING",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on a database holding just the bundled default content as version 1."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
