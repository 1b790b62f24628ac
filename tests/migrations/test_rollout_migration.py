"""Migration 0005 adds the rollout columns to the pointer, and takes them away again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from app.core import migrate
from tests.databases import scratch_database

ROLLOUT_COLUMNS = {"canary_version", "rollout_percent", "rollout_started_at"}


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with scratch_database(database_url, "scratch", tmp_path) as url:
        yield url


def pointer_columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("content_pointer")}
    finally:
        engine.dispose()


def test_rollout_columns_go_up_and_down_keeping_the_pointer(scratch_url: str) -> None:
    migrate.upgrade(scratch_url, "0002")
    assert not ROLLOUT_COLUMNS & pointer_columns(scratch_url)
    engine = create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            for number in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO content_version (version, status, notes, bundle_json, "
                        "checksum, revision, created_at, updated_at) VALUES (:v, 'published', "
                        "'', '{}', 'x', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"v": number},
                )
            conn.execute(
                text(
                    "INSERT INTO content_pointer (id, current_version, generation, updated_at) "
                    "VALUES (1, 1, 4, CURRENT_TIMESTAMP)"
                )
            )
        migrate.upgrade(scratch_url, "0005")
        assert pointer_columns(scratch_url) >= ROLLOUT_COLUMNS
        with engine.begin() as conn:
            row = conn.execute(text("SELECT * FROM content_pointer")).mappings().one()
            assert (row["current_version"], row["generation"], row["canary_version"]) == (
                1,
                4,
                None,
            )
            conn.execute(
                text("UPDATE content_pointer SET canary_version = 2, rollout_percent = 10")
            )
        migrate.downgrade(scratch_url, "0002")
        assert not ROLLOUT_COLUMNS & pointer_columns(scratch_url)
        with engine.begin() as conn:
            row = conn.execute(text("SELECT * FROM content_pointer")).mappings().one()
            assert (row["current_version"], row["generation"]) == (1, 4)
        migrate.upgrade(scratch_url)
        assert pointer_columns(scratch_url) >= ROLLOUT_COLUMNS
    finally:
        engine.dispose()
