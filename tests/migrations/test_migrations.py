"""Every migration goes up and down cleanly, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from app.core import migrate
from tests.databases import scratch_database

EXPECTED_TABLES = {"content_version", "content_pointer", "api_key", "audit_event"}


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, so going down to base touches nothing else."""
    with scratch_database(database_url, "scratch", tmp_path) as url:
        yield url


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    assert tables(scratch_url) == EXPECTED_TABLES
    migrate.downgrade(scratch_url, "0001")
    assert tables(scratch_url) == {"content_version", "content_pointer"}
    migrate.downgrade(scratch_url, "base")
    assert tables(scratch_url) == set()
    migrate.upgrade(scratch_url)
    assert tables(scratch_url) == EXPECTED_TABLES


def test_upgrade_is_idempotent(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    migrate.upgrade(scratch_url)
    assert tables(scratch_url) == EXPECTED_TABLES


def test_models_match_migrations(scratch_url: str) -> None:
    """Autogenerate finds nothing to do: every model change came with a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import app.audit.models
    import app.auth.models
    import app.content.models  # noqa: F401

    migrate.upgrade(scratch_url)
    engine = create_engine(scratch_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []
