"""Every migration goes up and down cleanly, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from app.core import migrate
from tests.databases import scratch_database

V2_TABLES = {"content_version", "content_pointer", "api_key", "audit_event"}
WEBHOOK_TABLES = {
    "webhook_subscription",
    "webhook_event",
    "webhook_delivery",
    "webhook_attempt",
    "worker_lease",
    "webhook_sealing_key",
    "webhook_key_fingerprint",
}
OUTCOME_TABLES = {
    "assessment_id_key",
    "outcome_feedback",
    "outcome_shown",
    "outcome_source",
    "outcome_source_tally",
}
EXPECTED_TABLES = V2_TABLES | WEBHOOK_TABLES | OUTCOME_TABLES


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
    migrate.downgrade(scratch_url, "0002")
    assert tables(scratch_url) == V2_TABLES
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
    import app.content.models
    import app.outcomes.models
    import app.webhooks.models  # noqa: F401

    migrate.upgrade(scratch_url)
    engine = create_engine(scratch_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_head_revision_matches_alembic() -> None:
    """Start-up reads the head from the migration files; it must be Alembic's own answer."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.head_revision() == script.get_current_head()


def test_head_revision_is_none_unless_there_is_one_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = None\n')
    monkeypatch.setattr(migrate, "VERSIONS_DIR", tmp_path)
    migrate.head_revision.cache_clear()
    try:
        assert migrate.head_revision() is None  # two heads: let Alembic decide
        (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = ("a", "b")\n')
        migrate.head_revision.cache_clear()
        assert migrate.head_revision() == "c"  # a merge revision
        (tmp_path / "d.py").write_text('revision = make_id()\ndown_revision = "c"\n')
        migrate.head_revision.cache_clear()
        assert migrate.head_revision() is None  # not a literal: cannot be read safely
    finally:
        migrate.head_revision.cache_clear()


def test_upgrade_if_behind_runs_alembic_only_when_needed(scratch_url: str) -> None:
    engine = create_engine(scratch_url)
    try:
        assert migrate.current_revisions(engine) == set()
        assert migrate.upgrade_if_behind(engine, scratch_url) is True  # new database
        assert tables(scratch_url) == EXPECTED_TABLES
        assert migrate.current_revisions(engine) == {migrate.head_revision()}
        assert migrate.upgrade_if_behind(engine, scratch_url) is False  # at head
        migrate.downgrade(scratch_url, "0001")
        assert migrate.upgrade_if_behind(engine, scratch_url) is True  # behind
        assert tables(scratch_url) == EXPECTED_TABLES
    finally:
        engine.dispose()


def test_webhooks_migration_keeps_rows_of_earlier_tables(scratch_url: str) -> None:
    """0003 down and up again leaves content and keys alone and recreates its tables empty."""
    from sqlalchemy import text

    migrate.upgrade(scratch_url)
    engine = create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO webhook_event (id, type, payload, created_at) "
                    "VALUES ('msg_x', 'content.published', '{}', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO audit_event (created_at, actor, action, details_json) "
                    "VALUES (CURRENT_TIMESTAMP, 't', 'publish', '{}')"
                )
            )
        migrate.downgrade(scratch_url, "0002")
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM webhook_event")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 1
    finally:
        engine.dispose()


def subscription_columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("webhook_subscription")}
    finally:
        engine.dispose()


def test_outcome_sources_and_key_fingerprints_go_up_and_down(scratch_url: str) -> None:
    """0007 (outcome sources and tallies) and 0008 (sealing-key fingerprints), each way,
    keeping a subscription made before them."""
    migrate.upgrade(scratch_url, "0006")
    engine = create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO webhook_subscription (id, url, events, secret_encrypted, "
                    "status, created_at, created_by) VALUES ('wh_1', 'https://example.com/', "
                    "'content.published', 'v1:x', 'active', CURRENT_TIMESTAMP, 'test')"
                )
            )
        new_tables = {"outcome_source", "outcome_source_tally", "webhook_key_fingerprint"}
        new_columns = {"key_fingerprint", "failure_reason"}
        assert not new_tables & tables(scratch_url)
        migrate.upgrade(scratch_url)
        assert new_tables <= tables(scratch_url)
        assert new_columns <= subscription_columns(scratch_url)
        migrate.downgrade(scratch_url, "0007")
        assert "webhook_key_fingerprint" not in tables(scratch_url)
        assert not new_columns & subscription_columns(scratch_url)
        assert "outcome_source_tally" in tables(scratch_url)
        migrate.downgrade(scratch_url, "0006")
        assert not new_tables & tables(scratch_url)
        migrate.upgrade(scratch_url)
        assert tables(scratch_url) == EXPECTED_TABLES
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT id, key_fingerprint FROM webhook_subscription"))
            assert kept.all() == [("wh_1", None)]
    finally:
        engine.dispose()
