"""Database engine and sessions: SQLite (embedded default) or PostgreSQL, same code."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.core.config import Settings


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


# Execution option marking an engine whose transactions only read (see `reader`).
_READ_ONLY = "tremor_read_only"


def reader(engine: Engine) -> Engine:
    """The same engine and pool for transactions that only read.

    On SQLite they begin DEFERRED instead of IMMEDIATE, so a read (a poll, a key check, a GET)
    never takes the write lock and never waits on one: WAL lets it read beside a writer.
    PostgreSQL transactions are the same either way.
    """
    return engine.execution_options(**{_READ_ONLY: True})


def make_engine(settings: Settings, *, pool_size: int | None = None) -> Engine:
    """Build the engine with the durability and timeout settings each backend needs.

    SQLite gets WAL (readers never block the writer) and a busy timeout so concurrent
    processes wait instead of failing; PostgreSQL gets a bounded pool (DB_POOL_SIZE, and as
    many again in overflow; or exactly `pool_size`) and a statement timeout so a stuck query
    cannot hold a worker forever.
    """
    url = settings.database_url
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
        )
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy own transactions (pysqlite's implicit BEGIN is off) so that
            # BEGIN IMMEDIATE below takes the write lock at the start of a write.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A write takes the lock at BEGIN: a deferred transaction that reads first and
            # writes later fails at once (SQLITE_BUSY_SNAPSHOT) if another writer committed
            # in between, where IMMEDIATE waits its turn.
            read_only = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    size = pool_size or settings.db_pool_size
    return create_engine(
        url,
        pool_size=size,
        max_overflow=size if pool_size is None else 0,
        pool_timeout=5,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": 5,
            "options": f"-c statement_timeout={int(settings.db_statement_timeout_ms)}",
        },
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class ChangeWatch:
    """A cheap "did another connection commit?" check for a SQLite file, on one host.

    `PRAGMA data_version` on a connection of its own changes whenever any other connection
    (another worker's, or this process's pool) commits to the file; reading it touches only
    the WAL index in shared memory, so it can run many times a second where a poll of the
    pointer would cost a transaction.
    """

    def __init__(self, path: str) -> None:
        # No busy wait: it runs on the event loop, and a busy file just means "ask again".
        self._connection = sqlite3.connect(path, timeout=0, check_same_thread=False)
        self._connection.isolation_level = None  # autocommit: never holds a transaction open

    def version(self) -> int:
        row = self._connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        self._connection.close()


def change_watch(settings: Settings) -> ChangeWatch | None:
    """A `ChangeWatch` for a SQLite file database; None elsewhere (PostgreSQL is polled)."""
    url = make_url(settings.database_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return ChangeWatch(str(Path(database).expanduser()))
